"""GET /actors/{actor}/timeline: the bands the chart and the page draw, as the CLI prints them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import fact
from tests.http.conftest import ALICE, TestClient, cli_json
from tests.http.test_api import assert_problem

CONTRACT_KEYS = {
    *("actor", "actor_name", "from", "to", "known_at", "according_to", "part", "bands", "facts")
}
BAND_KEYS = {"start", "end", "value", "certainty", "possible", "disputed", "default"}
FACT_KEYS = {"fact_id", "date", "earliest", "latest", "kind", "component", "summary"}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?from=2025-06-01&to=2025-07-31",
        "?to=2025-07-31&known_at=@3",
        "?from=2024-01-01&known_at=2099-01-01",
    ],
)
def test_the_timeline_answers_what_the_cli_prints(
    seeded: TestClient, store: str, query: str
) -> None:
    answer = seeded.get(f"/actors/RUS/timeline{query}")
    assert answer.status_code == 200, answer.text
    options = [
        f"--{name.replace('_', '-')}={value}"
        for name, value in (pair.split("=") for pair in query.lstrip("?").split("&") if pair)
    ]
    assert answer.json() == cli_json(store, "timeline", "RUS", "--json", *options)


def test_the_timeline_json_keeps_its_contract(seeded: TestClient) -> None:
    body = seeded.get("/actors/Russia/timeline?from=2025-06-01&to=2025-07-31").json()
    assert set(body) == CONTRACT_KEYS
    assert (body["actor"], body["actor_name"]) == ("RUS", "Russia")
    assert (body["from"], body["to"], body["known_at"]) == ("2025-06-01", "2025-07-31", None)
    assert all(set(band) == BAND_KEYS for band in body["bands"])
    assert all(set(f) == FACT_KEYS for f in body["facts"])
    assert [(b["start"], b["end"], b["value"], b["certainty"]) for b in body["bands"]] == [
        ("2025-06-01", "2025-07-02", "no_relations", "certain"),
        ("2025-07-03", "2025-07-31", "recognized", "certain"),
    ]
    recognition = next(f for f in body["facts"] if f["kind"] == "formal_recognition_granted")
    assert (recognition["date"], recognition["component"]) == ("2025-07-03", "recognition")


def test_an_uncertain_band_lists_its_possible_values(seeded: TestClient) -> None:
    bands = seeded.get("/actors/RUS/timeline?from=2025-04-10&to=2025-04-10").json()["bands"]
    assert bands == [
        {
            "start": "2025-04-10",
            "end": "2025-04-10",
            "value": "designated",
            "certainty": "uncertain",
            "possible": ["designated", "no_relations"],
            "disputed": False,
            "default": False,
        }
    ]


def test_the_default_range_is_the_first_fact_to_today(seeded: TestClient) -> None:
    body = seeded.get("/actors/RUS/timeline").json()
    assert body["from"] == "2003-01-01"
    assert body["to"] == datetime.now(UTC).date().isoformat()
    assert body["bands"][-1]["value"] == "recognized"


def test_known_at_is_normalised_and_respected(seeded: TestClient) -> None:
    withdrawn = fact(kind="recognition_withdrawn", date="2025-09-01", summary="Withdrawn")
    assert seeded.post("/facts", json=withdrawn, headers=ALICE).status_code == 201
    query = "from=2025-10-01&to=2025-10-01"
    now = seeded.get(f"/actors/RUS/timeline?{query}").json()
    before = seeded.get(f"/actors/RUS/timeline?{query}&known_at=@14").json()
    stamped = seeded.get(f"/actors/RUS/timeline?{query}&known_at=2000-01-01T00:00:00%2B02:00")
    assert before["known_at"] == "@14"
    assert stamped.json()["known_at"] == "1999-12-31T22:00:00Z"
    assert (now["bands"][0]["value"], before["bands"][0]["value"]) == (
        "ambassador_level",
        "recognized",
    )
    assert stamped.json()["bands"][0]["value"] == "no_relations"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-03-01&to=2025-02-01", "to"),
        ("from=2999-01-01", "from"),
        ("from=2025-02-30", "from"),
        ("to=tomorrow", "to"),
        ("known_at=last-week", "known_at"),
    ],
)
def test_bad_ranges_are_422_naming_the_field(seeded: TestClient, query: str, field: str) -> None:
    problem = assert_problem(seeded.get(f"/actors/RUS/timeline?{query}"), 422)
    assert field in {e["field"] for e in problem["errors"]}


def test_an_unknown_actor_is_404(seeded: TestClient) -> None:
    problem = assert_problem(seeded.get("/actors/Atlantis/timeline"), 404)
    assert problem["type"].endswith("unknown-actor")


# Every part over time (issue 16): part=.

PARTS = [
    "summary",
    "recognition",
    "designation",
    "taliban_envoy",
    "envoy_to_kabul",
    "sanctions",
    "assets",
]


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("actor", ["RUS", "USA", "CHN"])
def test_each_part_answers_what_timeline_part_prints(
    seeded: TestClient, store: str, part: str, actor: str
) -> None:
    query = f"from=2003-01-01&to=2025-12-31&part={part}"
    body = seeded.get(f"/actors/{actor}/timeline?{query}").json()
    assert set(body) == CONTRACT_KEYS
    assert body["part"] == part
    printed = cli_json(
        store, "timeline", actor, "--from=2003-01-01", "--to=2025-12-31", f"--part={part}", "--json"
    )
    assert body == printed
    if part != "summary":
        assert {f["component"] for f in body["facts"]} <= {part}


def test_a_component_s_bands_agree_with_the_stance_on_their_days(seeded: TestClient) -> None:
    bands = seeded.get("/actors/USA/timeline?from=2021-01-01&to=2025-12-31&part=assets").json()
    for band in bands["bands"]:
        for day in {band["start"], band["end"]}:
            assets = seeded.get(f"/actors/USA/stance?on={day}").json()["components"]["assets"]
            assert assets["value"] == band["value"]
            assert sorted([assets["value"], *assets["alternatives"]]) == band["possible"]
            assert (assets["disputed"], assets["default"]) == (band["disputed"], band["default"])


@pytest.mark.parametrize("part", ["stance", "SUMMARY", "", "sanctions[0]"])
def test_an_unknown_part_is_422_naming_it(seeded: TestClient, part: str) -> None:
    problem = assert_problem(seeded.get(f"/actors/RUS/timeline?part={part}"), 422)
    assert [e["field"] for e in problem["errors"]] == ["part"]
    assert "'summary', 'recognition'" in problem["errors"][0]["message"]
