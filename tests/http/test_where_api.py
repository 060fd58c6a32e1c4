"""GET /world's filters (issue 16): `summary=`, `recognition=`, ... repeatable; parameters of
different parts ANDed, one part's values ORed; what `world --where` answers."""

from __future__ import annotations

import csv
import io

import pytest

from tests.http.conftest import TestClient, cli_json
from tests.http.test_api import assert_problem


def kept(client: TestClient, query: str) -> list[str]:
    answer = client.get(f"/world?on=2025-07-04&{query}")
    assert answer.status_code == 200, answer.text
    return [report["actor"] for report in answer.json()]


@pytest.mark.parametrize(
    ("query", "actors"),
    [
        ("", ["ARE", "CHN", "EU", "PAK", "RUS", "USA", "UZB"]),
        ("summary=ambassador_level", ["ARE", "CHN", "PAK", "UZB"]),
        ("summary=ambassador_level&summary=recognized", ["ARE", "CHN", "PAK", "RUS", "UZB"]),
        ("summary=no_relations&assets=frozen", ["USA"]),
        ("sanctions=none&summary=no_relations", ["EU"]),
        ("summary=recognized&sanctions=active", []),
        ("taliban_envoy=ambassador&taliban_envoy=charge_d_affaires", ["RUS"]),
        (
            "recognition=none&designation=not_designated&envoy_to_kabul=ambassador",
            ["ARE", "CHN", "PAK", "UZB"],
        ),
    ],
)
def test_the_filters_keep_what_world_where_keeps(
    seeded: TestClient, store: str, query: str, actors: list[str]
) -> None:
    assert kept(seeded, query) == actors
    where = [arg for pair in query.split("&") if pair for arg in ("--where", pair)]
    printed = cli_json(store, "world", "--on", "2025-07-04", *where, "--json")
    assert seeded.get(f"/world?on=2025-07-04&{query}").json() == printed


def test_the_filters_apply_to_the_csv_and_to_earlier_knowledge(seeded: TestClient) -> None:
    answer = seeded.get("/world?on=2025-07-04&summary=ambassador_level&format=csv")
    assert [r["actor"] for r in csv.DictReader(io.StringIO(answer.text))] == [
        "ARE",
        "CHN",
        "PAK",
        "UZB",
    ]
    # As known at @6, only Russia's facts were recorded.
    assert kept(seeded, "summary=recognized&known_at=@6") == ["RUS"]
    assert kept(seeded, "summary=ambassador_level&known_at=@6") == []
    assert kept(seeded, "assets=frozen&according_to=clash%20report") == ["USA"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("summary=ambassador", "summary", "summary has no value 'ambassador'; its values are"),
        ("summary=recognized&assets=active", "assets", "assets has no value 'active'"),
        ("sanctions=", "sanctions", "sanctions has no value ''"),
        ("recognition=RECOGNIZED", "recognition", "its values are none, recognized"),
    ],
)
def test_a_value_the_part_does_not_have_is_422_naming_it(
    seeded: TestClient, query: str, field: str, message: str
) -> None:
    problem = assert_problem(seeded.get(f"/world?{query}"), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert message in problem["errors"][0]["message"]


def test_the_filters_are_documented_with_their_values(client: TestClient) -> None:
    parameters = client.get("/openapi.json").json()["paths"]["/world"]["get"]["parameters"]
    by_name = {p["name"]: p for p in parameters}
    assert by_name["summary"]["schema"]["type"] == "array"
    assert by_name["summary"]["schema"]["items"]["enum"] == [
        *("recognized", "ambassador_level", "charge_level", "designated", "no_relations")
    ]
    assert by_name["assets"]["schema"]["items"]["enum"] == ["not_frozen", "frozen"]
    for name in ("recognition", "designation", "taliban_envoy", "envoy_to_kabul", "sanctions"):
        assert by_name[name]["in"] == "query"
        assert by_name[name]["required"] is False
