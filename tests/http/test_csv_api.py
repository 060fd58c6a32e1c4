"""CSV over HTTP (issue 16): `format=csv` or `Accept: text/csv` on /world, an actor's history
and timeline, and /sources; the bytes the command line's --csv prints, as a named download."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from stanceline.interfaces.cli import cli
from tests.http.conftest import CLEAN_ENV, TestClient
from tests.http.test_api import assert_problem

CSV_TYPE = "text/csv; charset=utf-8"
# (path and query, the same question on the command line, the download's name)
QUESTIONS = [
    ("/world?on=2025-07-04", ["world", "--on", "2025-07-04"], "world-2025-07-04.csv"),
    (
        "/world?on=2025-04-10&known_at=@3",
        ["world", "--on", "2025-04-10", "--known-at", "@3"],
        "world-2025-04-10.csv",
    ),
    (
        "/world?on=2025-07-04&summary=ambassador_level",
        ["world", "--on", "2025-07-04", "--where", "summary=ambassador_level"],
        "world-2025-07-04.csv",
    ),
    ("/actors/Russia/history", ["history", "Russia"], "history-RUS.csv"),
    (
        "/actors/RUS/history?all=true&known_at=@14",
        ["history", "RUS", "--all", "--known-at", "@14"],
        "history-RUS.csv",
    ),
    (
        "/actors/RUS/timeline?from=2003-01-01&to=2025-12-31",
        ["timeline", "RUS", "--from", "2003-01-01", "--to", "2025-12-31"],
        "timeline-RUS-summary.csv",
    ),
    (
        "/actors/USA/timeline?from=2021-01-01&to=2025-12-31&part=assets",
        ["timeline", "USA", "--from", "2021-01-01", "--to", "2025-12-31", "--part", "assets"],
        "timeline-USA-assets.csv",
    ),
    ("/sources", ["sources"], "sources.csv"),
    ("/sources?actor=Russia", ["sources", "--actor", "Russia"], "sources-RUS.csv"),
]


def cli_csv(store: str, args: list[str]) -> bytes:
    """What `stanceline --store STORE ARGS... --csv` prints, as bytes."""
    result = CliRunner().invoke(cli, ["--store", store, *args, "--csv"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def with_query(path: str, extra: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{extra}"


def assert_csv(response: httpx.Response, filename: str) -> list[dict[str, str]]:
    """A CSV download named `filename`; its rows."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CSV_TYPE
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert "accept" in response.headers["vary"].lower()
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize(("path", "args", "filename"), QUESTIONS)
def test_format_csv_answers_the_bytes_the_cli_prints(
    amended: TestClient, store: str, path: str, args: list[str], filename: str
) -> None:
    answer = amended.get(with_query(path, "format=csv"))
    assert_csv(answer, filename)
    assert answer.content == cli_csv(store, args)


@pytest.mark.parametrize(("path", "args", "filename"), QUESTIONS)
def test_accept_text_csv_answers_the_same_csv(
    amended: TestClient, path: str, args: list[str], filename: str
) -> None:
    by_format = amended.get(with_query(path, "format=csv")).content
    for accept in ("text/csv", "text/csv, application/json;q=0.9", "text/*", "text/csv, */*"):
        answer = amended.get(path, headers={"Accept": accept})
        assert_csv(answer, filename)
        assert answer.content == by_format, accept


@pytest.mark.parametrize("path", [path for path, _, _ in QUESTIONS])
def test_json_stays_the_default_and_wins_a_tie(amended: TestClient, path: str) -> None:
    plain = amended.get(path)
    assert plain.status_code == 200
    assert plain.headers["content-type"] == "application/json"
    assert "content-disposition" not in plain.headers
    for accept in (
        "application/json",
        "*/*",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "application/json, text/csv",
        "text/csv;q=0.5, application/json",
        "text/csv;q=0",
        "text/csv;q=nonsense",
        "image/png",
    ):
        answer = amended.get(path, headers={"Accept": accept})
        assert answer.headers["content-type"] == "application/json", accept
        assert answer.json() == plain.json()
    # format=json overrides the header.
    forced = amended.get(with_query(path, "format=json"), headers={"Accept": "text/csv"})
    assert forced.headers["content-type"] == "application/json"
    assert forced.json() == plain.json()


def test_world_csv_rows_are_the_world_json(seeded: TestClient) -> None:
    reports = seeded.get("/world?on=2025-04-10").json()
    found = assert_csv(seeded.get("/world?on=2025-04-10&format=csv"), "world-2025-04-10.csv")
    assert [r["actor"] for r in found] == [r["actor"] for r in reports]
    for row, report in zip(found, reports, strict=True):
        for part, answer in {"summary": report["summary"], **report["components"]}.items():
            assert row[part] == answer["value"]
            assert row[f"{part}_certainty"] == answer["certainty"]
            assert row[f"{part}_alternatives"] == ";".join(answer["alternatives"])
            assert row[f"{part}_disputed"] == str(answer["disputed"]).lower()
            assert row[f"{part}_default"] == str(answer["default"]).lower()


def test_history_csv_rows_are_the_history_json(amended: TestClient) -> None:
    report = amended.get("/actors/RUS/history?all=true").json()
    found = assert_csv(amended.get("/actors/RUS/history?all=true&format=csv"), "history-RUS.csv")
    assert list(found[0]) == [
        *("actor", "actor_name", "date", "earliest", "latest", "component", "measure"),
        *("from", "to", "changed", "order_uncertain", "fact_id", "kind", "summary", "status"),
        *("event", "rank", "source_publisher", "source_title", "source_url"),
        *("source_published", "sources", "recorded_at", "recorded_by", "corrections"),
    ]
    for row, entry in zip(found, report["entries"], strict=True):
        assert row["fact_id"] == entry["fact_id"]
        assert (row["from"], row["to"]) == (entry["from"] or "", entry["to"] or "")
        assert row["status"] == entry["status"]
        assert row["source_title"] == entry["source"]["title"]
        assert int(row["corrections"]) == len(entry["corrections"])


@pytest.mark.parametrize(
    "part",
    [
        "summary",
        "recognition",
        "designation",
        "taliban_envoy",
        "envoy_to_kabul",
        "sanctions",
        "assets",
    ],
)
def test_timeline_csv_rows_are_the_timeline_json(seeded: TestClient, part: str) -> None:
    query = f"from=2003-01-01&to=2025-12-31&part={part}"
    report = seeded.get(f"/actors/USA/timeline?{query}").json()
    found = assert_csv(
        seeded.get(f"/actors/USA/timeline?{query}&format=csv"), f"timeline-USA-{part}.csv"
    )
    assert list(found[0]) == [
        *("actor", "actor_name", "part", "start", "end", "value", "certainty", "possible"),
        *("disputed", "default"),
    ]
    expected: list[dict[str, Any]] = [
        {
            "actor": "USA",
            "actor_name": "United States",
            "part": part,
            "start": b["start"],
            "end": b["end"],
            "value": b["value"],
            "certainty": b["certainty"],
            "possible": ";".join(b["possible"]),
            "disputed": str(b["disputed"]).lower(),
            "default": str(b["default"]).lower(),
        }
        for b in report["bands"]
    ]
    assert found == expected


def test_sources_csv_rows_are_the_sources_json(seeded: TestClient) -> None:
    report = seeded.get("/sources").json()
    found = assert_csv(seeded.get("/sources", headers={"Accept": "text/csv"}), "sources.csv")
    assert [(r["fact_id"], r["actor"], r["kind"], r["date"]) for r in found] == [
        (f["id"], f["actor"], f["kind"], f["date"]) for s in report["sources"] for f in s["facts"]
    ]
    assert {(r["publisher"], r["title"], r["url"], r["published"]) for r in found} == {
        (s["publisher"] or "", s["title"], s["url"] or "", s["published"] or "")
        for s in report["sources"]
    }


def test_an_empty_world_is_the_header_alone(client: TestClient) -> None:
    answer = client.get("/world?on=2025-07-04&format=csv")
    assert assert_csv(answer, "world-2025-07-04.csv") == []
    assert answer.text.startswith("actor,actor_name,on,summary,")
    assert answer.text.count("\n") == 1


@pytest.mark.parametrize(
    "path",
    [
        "/world?format=xml",
        "/world?format=CSV",
        "/actors/RUS/history?format=",
        "/actors/RUS/timeline?format=tsv",
        "/sources?format=1",
    ],
)
def test_an_unknown_format_is_422_naming_it(seeded: TestClient, path: str) -> None:
    problem = assert_problem(seeded.get(path), 422)
    assert {e["field"] for e in problem["errors"]} == {"format"}


def test_errors_stay_problems_when_csv_is_asked(seeded: TestClient) -> None:
    for headers in ({"Accept": "text/csv"}, {}):
        query = "" if headers else "?format=csv"
        assert_problem(seeded.get(f"/actors/Atlantis/history{query}", headers=headers), 404)
        assert_problem(seeded.get(f"/sources{query or '?'}&actor=Atlantis", headers=headers), 404)


def test_the_openapi_document_describes_the_csv_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/world", "/actors/{actor}/history", "/actors/{actor}/timeline", "/sources"):
        operation = paths[path]["get"]
        answer = operation["responses"]["200"]
        assert set(answer["content"]) == {"application/json", "text/csv"}, path
        assert "Content-Disposition" in answer["headers"]
        (fmt,) = [p for p in operation["parameters"] if p["name"] == "format"]
        assert fmt["in"] == "query"
