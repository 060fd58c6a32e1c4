"""Queries on a real store: the seed article's facts, export round trips, idempotent loads."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from stanceline.application import Stanceline
from stanceline.domain.facts import Component
from tests.factories import event_count, write_jsonl
from tests.integration.conftest import FIXTURES, AppFactory
from tests.stores import STORE_PARAMS, law_settings, scratch
from tests.strategies import import_fact_sets

COMPONENTS = [c.value for c in Component]
EMBASSIES_IN_KABUL = ["ARE", "CHN", "PAK", "UZB"]
FIXTURE_ACTORS = ["ARE", "CHN", "EU", "PAK", "RUS", "USA", "UZB"]
DAYS = [
    date(1990, 1, 1),
    date(2003, 6, 1),
    date(2021, 8, 15),
    date(2025, 4, 10),
    date(2025, 7, 3),
    date(2025, 7, 4),
    date(2026, 1, 1),
]


def world_json(app: Stanceline, days: list[date] = DAYS) -> list[list[dict[str, Any]]]:
    """The world on each day, as the JSON the CLI prints."""
    return [[r.model_dump(mode="json") for r in app.world(day)] for day in days]


# The seed article


def test_russia_on_10_april_2025_may_or_may_not_still_designate(seeded_app: Stanceline) -> None:
    designation = seeded_app.stance("RUS", date(2025, 4, 10)).components["designation"]

    assert designation.value == "designated"
    assert designation.certainty == "uncertain"
    assert designation.alternatives == ["not_designated"]
    assert designation.since == "2003"
    assert designation.facts[0] == "rus-designation-2003"
    assert "rus-designation-lifted-2025-04" in designation.facts


def test_russia_on_31_march_2025_certainly_designates(seeded_app: Stanceline) -> None:
    report = seeded_app.stance("RUS", date(2025, 3, 31))

    designation = report.components["designation"]
    assert (designation.value, designation.certainty) == ("designated", "certain")
    assert designation.alternatives == []
    assert (report.summary.value, report.summary.certainty) == ("designated", "certain")


def test_russia_on_1_may_2025_certainly_no_longer_designates(seeded_app: Stanceline) -> None:
    designation = seeded_app.stance("RUS", date(2025, 5, 1)).components["designation"]

    assert (designation.value, designation.certainty) == ("not_designated", "certain")
    assert designation.since == "2025-04"
    assert designation.facts[0] == "rus-designation-lifted-2025-04"


def test_the_summary_is_uncertain_when_the_designation_is(seeded_app: Stanceline) -> None:
    summary = seeded_app.stance("RUS", date(2025, 4, 10)).summary

    assert (summary.value, summary.certainty) == ("designated", "uncertain")
    assert summary.alternatives == ["no_relations"]


def test_russia_recognises_from_3_july_2025(seeded_app: Stanceline) -> None:
    before = seeded_app.stance("RUS", date(2025, 7, 2))
    on_the_day = seeded_app.stance("RUS", date(2025, 7, 3))

    assert before.components["recognition"].value == "none"
    assert on_the_day.components["recognition"].value == "recognized"
    assert on_the_day.components["recognition"].since == "2025-07-03"
    assert on_the_day.components["recognition"].facts == ["rus-recognition-2025-07-03"]
    assert on_the_day.components["taliban_envoy"].value == "ambassador"
    assert on_the_day.summary.value == "recognized"


@pytest.mark.parametrize("name", ["Russia", "russia", "Russian Federation", "rus"])
def test_a_name_gives_the_same_answer_as_the_code(seeded_app: Stanceline, name: str) -> None:
    day = date(2025, 4, 10)

    assert seeded_app.stance(name, day) == seeded_app.stance("RUS", day)


def test_aliases_resolve(seeded_app: Stanceline) -> None:
    day = date(2025, 7, 4)

    assert seeded_app.stance("UAE", day).actor == "ARE"
    assert seeded_app.stance("United States", day).actor == "USA"
    assert seeded_app.stance("US", day).actor == "USA"


def test_the_world_on_4_july_2025(seeded_app: Stanceline) -> None:
    world = {r.actor: r for r in seeded_app.world(date(2025, 7, 4))}

    recognised = [code for code, r in world.items() if r.summary.value == "recognized"]
    assert recognised == ["RUS"]
    for code in EMBASSIES_IN_KABUL:
        assert world[code].summary.value == "ambassador_level"
        assert world[code].summary.certainty == "certain"
        assert world[code].components["envoy_to_kabul"].value == "ambassador"
    assert world["USA"].components["assets"].value == "frozen"
    assert world["USA"].components["sanctions"].value == "active"
    assert world["RUS"].actor_name == "Russia"


@pytest.mark.parametrize("day", DAYS)
def test_the_world_lists_every_actor_with_a_fact_whatever_the_date(
    seeded_app: Stanceline, day: date
) -> None:
    world = seeded_app.world(day)

    assert [r.actor for r in world] == FIXTURE_ACTORS
    assert all(r.on == day.isoformat() for r in world)


def test_before_any_fact_every_component_has_its_default(seeded_app: Stanceline) -> None:
    for report in seeded_app.world(date(1990, 1, 1)):
        if report.actor in ("RUS", *EMBASSIES_IN_KABUL):
            assert report.summary.value == "no_relations"
            assert report.components["recognition"].value == "none"
            assert report.components["designation"].value == "not_designated"
            assert all(c.since is None for c in report.components.values())


def test_the_stance_json_has_the_keys_of_the_contract(seeded_app: Stanceline) -> None:
    data = seeded_app.stance("RUS", date(2025, 7, 4)).model_dump(mode="json")

    # DESIGN §5's keys, and those §7 added after them (none renamed).
    added = {"disputed", "default"}
    assert set(data) == {"actor", "actor_name", "on", "known_at", "summary", "components"} | {
        "according_to"
    }
    assert (data["actor"], data["actor_name"], data["on"]) == ("RUS", "Russia", "2025-07-04")
    assert (data["known_at"], data["according_to"]) == (None, None)
    assert set(data["summary"]) == {"value", "certainty", "alternatives"} | added
    assert list(data["components"]) == COMPONENTS
    for component in data["components"].values():
        assert set(component) == {"value", "certainty", "alternatives", "since", "facts"} | added
    assert data["components"]["recognition"] == {
        "value": "recognized",
        "certainty": "certain",
        "alternatives": [],
        "since": "2025-07-03",
        "facts": ["rus-recognition-2025-07-03"],
        "disputed": False,
        "default": False,
    }


def test_russias_history_is_in_effective_date_order(seeded_app: Stanceline) -> None:
    entries = seeded_app.history("Russia").entries

    assert len(entries) == 6
    starts = [(e.earliest, e.latest) for e in entries]
    assert starts == sorted(starts)
    designation = [(e.date, e.from_, e.to) for e in entries if e.component == "designation"]
    assert designation == [
        ("2003", "not_designated", "designated"),
        ("2025-04", "designated", "not_designated"),
    ]
    statements = [e for e in entries if e.kind == "stance_stated"]
    assert all(e.component is None and not e.changed for e in statements)


def test_an_actor_without_facts_has_every_default(seeded_app: Stanceline) -> None:
    report = seeded_app.stance("Iran", date(2025, 7, 4))

    assert (report.actor, report.actor_name) == ("IRN", "Iran")
    assert (report.summary.value, report.summary.certainty) == ("no_relations", "certain")
    assert {name: c.value for name, c in report.components.items()} == {
        "recognition": "none",
        "designation": "not_designated",
        "taliban_envoy": "none",
        "envoy_to_kabul": "none",
        "sanctions": "none",
        "assets": "not_frozen",
    }
    assert all(c.facts == [] and c.since is None for c in report.components.values())


def test_history_of_an_actor_without_facts_is_empty(seeded_app: Stanceline) -> None:
    report = seeded_app.history("IRN")

    assert (report.actor, report.actor_name, report.entries) == ("IRN", "Iran", [])


# Export, then load into an empty store


def test_export_then_load_into_an_empty_store_gives_the_same_answers(
    loaded_app: Stanceline, make_app: AppFactory, tmp_path: Path
) -> None:
    exported = list(loaded_app.export())
    copy = make_app("copy.db")

    result = copy.load_file(write_jsonl(tmp_path / "export.jsonl", exported))

    assert (result.recorded, result.already_present) == (14, 0)
    assert [f["id"] for f in exported] == [
        json.loads(line)["id"] for line in FIXTURES.read_text().splitlines() if line.strip()
    ]
    assert world_json(copy) == world_json(loaded_app)
    assert list(copy.export()) == exported


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_export_then_load_gives_the_same_answers(kind: str) -> None:
    @law_settings(kind)
    @given(facts=import_fact_sets(max_size=5))
    def law(facts: list[dict[str, Any]]) -> None:
        with scratch(kind) as (folder, make):
            original, copy = make("original.db"), make("copy.db")
            original.load_file(write_jsonl(folder / "facts.jsonl", facts))
            exported = list(original.export())
            copy.load_file(write_jsonl(folder / "export.jsonl", exported))

            assert world_json(copy) == world_json(original)
            assert list(copy.export()) == exported

    law()


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_loading_twice_equals_loading_once(kind: str) -> None:
    @law_settings(kind)
    @given(facts=import_fact_sets(max_size=5))
    def law(facts: list[dict[str, Any]]) -> None:
        with scratch(kind) as (folder, make):
            once, twice = make("once.db"), make("twice.db")
            path = write_jsonl(folder / "facts.jsonl", facts)
            once.load_file(path)
            twice.load_file(path)
            count = event_count(twice)

            again = twice.load_file(path)

            assert again.recorded == 0
            assert again.already_present == len(facts)
            assert event_count(twice) == count == event_count(once)
            assert world_json(twice) == world_json(once)

    law()
