"""`--csv` on history, timeline, sources and world (issue 16), read back with the csv module
and checked, column by column, against the JSON answer of the same question."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stanceline.domain.facts import Component
from tests.cli.conftest import Run, invoke
from tests.cli.test_cli import ok, ok_json, usage_error
from tests.stores import STORE_PARAMS, Stores

RECORD = Path(__file__).resolve().parents[2] / "fixtures"
PARTS = ["summary", *(c.value for c in Component)]
# The documented columns, written out: a change here is a change of the contract.
HISTORY_HEADER = (
    "actor,actor_name,date,earliest,latest,component,measure,from,to,changed,order_uncertain,"
    "fact_id,kind,summary,status,event,rank,source_publisher,source_title,source_url,"
    "source_published,sources,recorded_at,recorded_by,corrections"
)
TIMELINE_HEADER = "actor,actor_name,part,start,end,value,certainty,possible,disputed,default"
SOURCES_HEADER = "publisher,title,url,published,fact_id,actor,kind,date"
WORLD_HEADER = ",".join(
    ["actor", "actor_name", "on"]
    + [f"{p}{s}" for p in PARTS for s in ("", "_certainty", "_alternatives")]
    + [f"{p}{s}" for p in PARTS for s in ("_disputed", "_default")]
)


def rows(text: str) -> tuple[str, list[dict[str, str]]]:
    """The header line and the rows of a CSV text."""
    assert text.endswith("\n")
    return text.splitlines()[0], list(csv.DictReader(io.StringIO(text)))


def cell(value: Any) -> str:
    """A JSON value as the CSV writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@pytest.fixture(scope="module", params=STORE_PARAMS)
def record(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Run]:
    """`stanceline --store STORE ...` on a store holding the whole record (`load fixtures`)."""
    stores = Stores(str(request.param), tmp_path_factory.mktemp("record"))
    url = stores.url()
    loaded = invoke(["--store", url, "load", str(RECORD)])
    assert loaded.exit_code == 0, loaded.output

    def run_(*args: str | Path) -> Any:
        return invoke(["--store", url, *map(str, args)])

    yield run_
    stores.close()


# history


def assert_history_csv_is_the_json(run: Run, *args: str) -> list[dict[str, str]]:
    header, found = rows(ok(run("history", *args, "--csv")))
    report = ok_json(run("history", *args, "--json"))
    assert header == HISTORY_HEADER
    assert len(found) == len(report["entries"])
    for row, entry in zip(found, report["entries"], strict=True):
        assert (row["actor"], row["actor_name"]) == (report["actor"], report["actor_name"])
        for key in (
            *("date", "earliest", "latest", "component", "measure", "from", "to", "changed"),
            *("order_uncertain", "fact_id", "kind", "summary", "status", "event", "rank"),
            *("recorded_at", "recorded_by"),
        ):
            assert row[key] == cell(entry[key]), key
        first = entry["sources"][0]
        for key in ("publisher", "title", "url", "published"):
            assert row[f"source_{key}"] == cell(first.get(key)), key
        assert first == entry["source"]
        assert row["sources"] == str(len(entry["sources"]))
        assert row["corrections"] == str(len(entry["corrections"]))
    return found


def test_history_csv_has_a_row_per_fact_as_the_json(seeded: Run) -> None:
    found = assert_history_csv_is_the_json(seeded, "Russia")
    assert [r["fact_id"] for r in found][:2] == [
        "rus-statement-ally-against-terrorism",
        "rus-designation-2003",
    ]
    lift = next(r for r in found if r["fact_id"] == "rus-designation-lifted-2025-04")
    assert (lift["from"], lift["to"], lift["changed"]) == ("designated", "not_designated", "true")
    assert (lift["source_publisher"], lift["sources"]) == ("Clash Report", "1")


def test_history_csv_of_the_record_counts_sources_and_names_events(record: Run) -> None:
    found = assert_history_csv_is_the_json(record, "KGZ")
    assert any(int(r["sources"]) > 1 for r in found)
    assert any(r["event"] for r in found)


def test_history_csv_shows_corrections_and_statuses(amended: Run) -> None:
    found = assert_history_csv_is_the_json(amended, "RUS", "--all")
    lift = next(r for r in found if r["fact_id"] == "rus-designation-lifted-2025-04")
    assert (lift["corrections"], lift["date"]) == ("2", "2025-04-17")
    statement = next(r for r in found if r["fact_id"] == "rus-statement-ally-against-terrorism")
    assert statement["status"] == "retracted"
    assert_history_csv_is_the_json(amended, "RUS", "--known-at", "@14")


def test_history_csv_of_an_actor_without_facts_is_the_header(seeded: Run) -> None:
    assert ok(seeded("history", "Norway", "--csv")) == HISTORY_HEADER + "\n"


# timeline


@pytest.mark.parametrize("part", PARTS)
def test_timeline_csv_has_a_row_per_band_as_the_json(record: Run, part: str) -> None:
    question = ("timeline", "USA", "--part", part, "--from", "2001-01-01", "--to", "2025-12-31")
    header, found = rows(ok(record(*question, "--csv")))
    report = ok_json(record(*question, "--json"))
    assert header == TIMELINE_HEADER
    assert len(found) == len(report["bands"]) > 0
    for row, band in zip(found, report["bands"], strict=True):
        assert (row["actor"], row["actor_name"], row["part"]) == ("USA", "United States", part)
        for key in ("start", "end", "value", "certainty", "disputed", "default"):
            assert row[key] == cell(band[key]), key
        assert row["possible"].split(";") == band["possible"]


def test_timeline_csv_marks_disputes_and_defaults(record: Run) -> None:
    # Kyrgyzstan's delisting is dated differently by its sources (fixtures/README.md).
    _, found = rows(ok(record("timeline", "KGZ", "--part", "designation", "--csv")))
    assert any(r["disputed"] == "true" and ";" in r["possible"] for r in found)
    _, summary = rows(
        ok(record("timeline", "EU", "--from", "2021-01-01", "--to", "2021-01-31", "--csv"))
    )
    assert [(r["value"], r["default"]) for r in summary] == [("no_relations", "true")]


# sources


def assert_sources_csv_is_the_json(run: Run, *args: str) -> list[dict[str, str]]:
    header, found = rows(ok(run("sources", *args, "--csv")))
    report = ok_json(run("sources", *args, "--json"))
    assert header == SOURCES_HEADER
    expected = [
        [cell(s[k]) for k in ("publisher", "title", "url", "published")]
        + [f["id"], f["actor"], f["kind"], f["date"]]
        for s in report["sources"]
        for f in s["facts"]
    ]
    assert [list(r.values()) for r in found] == expected
    return found


def test_sources_csv_has_a_row_per_source_and_citing_fact(seeded: Run) -> None:
    found = assert_sources_csv_is_the_json(seeded)
    # One source (the article) cited by each of the fixtures' 14 facts.
    assert len(found) == 14
    assert {r["publisher"] for r in found} == {"Clash Report"}


def test_sources_csv_of_the_record_and_of_one_actor(record: Run) -> None:
    every = assert_sources_csv_is_the_json(record)
    kgz = assert_sources_csv_is_the_json(record, "--actor", "Kyrgyzstan")
    assert {r["actor"] for r in kgz} == {"KGZ"}
    assert [r for r in every if r["actor"] == "KGZ"] != []
    # Titles with commas and quotes come back whole.
    assert any("," in r["title"] for r in every)


def test_sources_csv_goes_with_neither_json_nor_totals(seeded: Run) -> None:
    assert "--csv goes with neither" in usage_error(seeded("sources", "--csv", "--json"))
    assert "--csv goes with neither" in usage_error(seeded("sources", "--csv", "--totals"))


# world


def test_world_csv_keeps_its_columns_and_is_the_json(record: Run) -> None:
    header, found = rows(ok(record("world", "--on", "2025-07-04", "--csv")))
    reports = ok_json(record("world", "--on", "2025-07-04", "--json"))
    assert header == WORLD_HEADER
    assert [r["actor"] for r in found] == [r["actor"] for r in reports]
    for row, report in zip(found, reports, strict=True):
        assert (row["actor_name"], row["on"]) == (report["actor_name"], "2025-07-04")
        answers = {"summary": report["summary"], **report["components"]}
        for part, answer in answers.items():
            assert row[part] == answer["value"]
            assert row[f"{part}_certainty"] == answer["certainty"]
            assert row[f"{part}_alternatives"] == ";".join(answer["alternatives"])
            assert row[f"{part}_disputed"] == cell(answer["disputed"])
            assert row[f"{part}_default"] == cell(answer["default"])


@pytest.mark.parametrize("command", ["history", "timeline"])
def test_json_and_csv_together_is_a_usage_error(seeded: Run, command: str) -> None:
    assert "choose one of --json and --csv" in usage_error(
        seeded(command, "RUS", "--json", "--csv")
    )
