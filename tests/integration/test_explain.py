"""Explanations: the facts, sources and rules behind an answer, and what was set aside (issue 3)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.application import Stanceline
from stanceline.interfaces.render import explanation_text
from stanceline.projections.explain import Explanation
from tests.integration.conftest import FIXTURES
from tests.integration.test_known_at import fresh_store, run_script
from tests.stores import STORE_PARAMS, law_settings
from tests.strategies import (
    CHANGE_ACTORS,
    CHANGE_WINDOW_DAYS,
    CHANGE_WINDOW_START,
    Operation,
    change_scripts,
)

DESIGNATION = "rus-designation-2003"
LIFT = "rus-designation-lifted-2025-04"
RECOGNITION = "rus-recognition-2025-07-03"
CREDENTIALS = "rus-ambassador-credentials-2025-07-03"
APRIL_10 = date(2025, 4, 10)
JULY_4 = date(2025, 7, 4)
COMPONENTS = [
    "recognition",
    "designation",
    "taliban_envoy",
    "envoy_to_kabul",
    "sanctions",
    "assets",
]
REF_KEYS = {
    # DESIGN §7: every source, and the claim's event and rank.
    *("sources", "event", "rank", "rank_reason"),
    "id",
    "kind",
    "date",
    "earliest",
    "latest",
    "doubtful",
    "summary",
    "source",
    "recorded_at",
    "recorded_by",
}


def fixture(fact_id: str) -> dict[str, Any]:
    """One fact of the fixture file, as written there."""
    with open(FIXTURES, encoding="utf-8") as handle:
        facts = [json.loads(line) for line in handle if line.strip()]
    return next(f for f in facts if f["id"] == fact_id)


def explained(app: Stanceline, on: date, known_at: str | None = None) -> dict[str, Any]:
    return app.explain("RUS", on, known_at).model_dump(mode="json")


# Russia on 10 April 2025: designated, uncertain because of the April lift


def test_the_fact_that_sets_a_value_comes_with_its_whole_source(loaded_app: Stanceline) -> None:
    designation = explained(loaded_app, APRIL_10)["components"]["designation"]

    (ref,) = designation["set_by"]
    assert set(ref) == REF_KEYS
    written = fixture(DESIGNATION)
    assert (ref["id"], ref["kind"], ref["date"], ref["summary"]) == (
        DESIGNATION,
        written["kind"],
        "2003",
        written["summary"],
    )
    assert ref["source"] == written["source"]
    assert (ref["earliest"], ref["latest"], ref["doubtful"]) == ("2003-01-01", "2003-12-31", False)
    assert ref["recorded_by"] == "fixtures"
    recorded = loaded_app.fact_events(DESIGNATION)[0].timestamp
    assert ref["recorded_at"] == recorded.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_the_fact_whose_range_straddles_the_day_makes_it_uncertain(
    loaded_app: Stanceline,
) -> None:
    designation = explained(loaded_app, APRIL_10)["components"]["designation"]

    assert (designation["value"], designation["certainty"], designation["alternatives"]) == (
        "designated",
        "uncertain",
        ["not_designated"],
    )
    assert designation["since"] == "2003"
    assert [f["id"] for f in designation["uncertain_because"]] == [LIFT]
    assert designation["uncertain_because"][0]["source"] == fixture(LIFT)["source"]
    assert designation["set_aside"] == []


def test_the_summary_names_its_rule_and_what_it_read(loaded_app: Stanceline) -> None:
    summary = explained(loaded_app, APRIL_10)["summary"]

    assert (summary["value"], summary["certainty"]) == ("designated", "uncertain")
    assert summary["alternatives"] == ["no_relations"]
    assert summary["rule"].startswith("designated: the Taliban are designated terrorists")
    assert (
        "recognized > ambassador_level > charge_level > designated > no_relations"
        in (summary["rule"])
    )
    assert summary["inputs"] == {
        "recognition": "none",
        "taliban_envoy": "none",
        "envoy_to_kabul": "none",
        "designation": "designated",
    }


def test_on_4_july_russia_is_recognized_by_the_recognition_rule(loaded_app: Stanceline) -> None:
    report = explained(loaded_app, JULY_4)

    assert report["summary"]["value"] == "recognized"
    assert report["summary"]["rule"].startswith("recognized: recognition is recognized")
    assert [f["id"] for f in report["components"]["recognition"]["set_by"]] == [RECOGNITION]
    assert [f["id"] for f in report["components"]["taliban_envoy"]["set_by"]] == [CREDENTIALS]
    assert [f["id"] for f in report["components"]["designation"]["set_by"]] == [LIFT]


def test_a_default_value_is_set_by_no_fact(loaded_app: Stanceline) -> None:
    report = explained(loaded_app, JULY_4)

    for name in ("envoy_to_kabul", "sanctions", "assets"):
        part = report["components"][name]
        assert (part["set_by"], part["since"], part["uncertain_because"]) == ([], None, [])


def test_explain_agrees_with_the_stance(loaded_app: Stanceline) -> None:
    for day in (date(2002, 1, 1), date(2003, 6, 1), APRIL_10, JULY_4):
        for actor in ("RUS", "CHN", "USA", "EU"):
            stance = loaded_app.stance(actor, day).model_dump(mode="json")
            report = loaded_app.explain(actor, day).model_dump(mode="json")
            assert_agrees(report, stance)


def assert_agrees(report: dict[str, Any], stance: dict[str, Any]) -> None:
    """An explanation gives the stance's answers, and its set_by and uncertain facts."""
    keys = ("actor", "actor_name", "on", "known_at")
    assert {k: report[k] for k in keys} == {k: stance[k] for k in keys}
    summary = ("value", "certainty", "alternatives")
    assert {k: report["summary"][k] for k in summary} == {k: stance["summary"][k] for k in summary}
    assert list(report["components"]) == list(stance["components"]) == COMPONENTS
    for name, part in report["components"].items():
        answer = stance["components"][name]
        for key in ("value", "certainty", "alternatives", "since"):
            assert part[key] == answer[key], (name, key)
        ids = [f["id"] for f in part["set_by"] + part["uncertain_because"]]
        assert ids == answer["facts"], name


# Set aside: what would have set the value but was corrected or retracted


def test_a_corrected_version_is_set_aside_with_reason_and_who(loaded_app: Stanceline) -> None:
    loaded_app.correct(LIFT, "the lift came in May", {"date": "2025-05"}, by="auditor")
    correction = loaded_app.fact_events(LIFT)[1].timestamp

    designation = explained(loaded_app, APRIL_10)["components"]["designation"]

    assert (designation["certainty"], designation["uncertain_because"]) == ("certain", [])
    (aside,) = designation["set_aside"]
    assert (aside["id"], aside["date"], aside["change"]) == (LIFT, "2025-04", "corrected")
    assert (aside["reason"], aside["changed_by"]) == ("the lift came in May", "auditor")
    assert aside["changed_at"] == correction.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert (aside["recorded_by"], aside["source"]) == ("fixtures", fixture(LIFT)["source"])


def test_a_retracted_fact_is_set_aside_with_reason_and_who(loaded_app: Stanceline) -> None:
    loaded_app.retract(RECOGNITION, "not yet formal", by="auditor")

    report = explained(loaded_app, JULY_4)

    recognition = report["components"]["recognition"]
    assert (recognition["value"], recognition["set_by"]) == ("none", [])
    (aside,) = recognition["set_aside"]
    assert (aside["id"], aside["change"], aside["reason"], aside["changed_by"]) == (
        RECOGNITION,
        "retracted",
        "not yet formal",
        "auditor",
    )
    assert report["summary"]["value"] == "ambassador_level"
    assert report["summary"]["rule"].startswith("ambassador_level: either envoy is an ambassador")


def test_a_reinstated_fact_is_no_longer_set_aside(loaded_app: Stanceline) -> None:
    loaded_app.retract(RECOGNITION, "not yet formal")
    loaded_app.reinstate(RECOGNITION, "confirmed")

    recognition = explained(loaded_app, JULY_4)["components"]["recognition"]

    assert recognition["set_aside"] == []
    assert [f["id"] for f in recognition["set_by"]] == [RECOGNITION]


def test_each_superseded_version_of_a_twice_corrected_fact_is_set_aside(
    loaded_app: Stanceline,
) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"}, by="ann")
    loaded_app.correct(LIFT, "17 May", {"date": "2025-05-17"}, by="ben")

    designation = explained(loaded_app, JULY_4)["components"]["designation"]

    assert [f["id"] for f in designation["set_by"]] == [LIFT]
    assert designation["set_by"][0]["date"] == "2025-05-17"
    asides = [(a["date"], a["reason"], a["changed_by"]) for a in designation["set_aside"]]
    assert asides == [("2025-04", "May", "ann"), ("2025-05", "17 May", "ben")]


def test_a_fact_moved_to_another_component_is_set_aside_from_the_first(
    loaded_app: Stanceline,
) -> None:
    loaded_app.correct(LIFT, "only a statement", {"kind": "stance_stated"})

    report = explained(loaded_app, JULY_4)

    assert [a["id"] for a in report["components"]["designation"]["set_aside"]] == [LIFT]
    assert report["components"]["designation"]["value"] == "designated"
    assert all(
        report["components"][name]["set_aside"] == []
        for name in COMPONENTS
        if name != "designation"
    )


def test_a_version_that_starts_after_the_day_is_not_set_aside(loaded_app: Stanceline) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})

    designation = explained(loaded_app, date(2025, 3, 31))["components"]["designation"]

    assert designation["set_aside"] == []


def test_known_at_before_the_change_nothing_is_set_aside(loaded_app: Stanceline) -> None:
    loaded_app.retract(RECOGNITION, "not yet formal")

    before = explained(loaded_app, JULY_4, "@14")

    assert before["known_at"] == "@14"
    assert before["components"]["recognition"]["set_aside"] == []
    assert [f["id"] for f in before["components"]["recognition"]["set_by"]] == [RECOGNITION]
    assert before["summary"]["value"] == "recognized"


# Human output: a short audit note with sources


def test_the_human_explanation_reads_like_an_audit_note(loaded_app: Stanceline) -> None:
    text = explanation_text(loaded_app.explain("RUS", APRIL_10))

    assert text.startswith("Russia (RUS) on 2025-04-10\n")
    assert "Summary: designated? or no_relations" in text
    assert "  rule: designated: the Taliban are designated terrorists" in text
    assert f"  set by {DESIGNATION}: terrorist_designation_imposed on 2003" in text
    assert f"  uncertain because {LIFT}: terrorist_designation_lifted on 2025-04" in text
    assert (
        "source: Clash Report, \"Clash Report article of 4 July 2025 on Russia's recognition "
        'of the Taliban government", 2025-07-04'
    ) in text
    assert "by fixtures" in text
    assert "no fact in force by this day: the default value" in text


def test_the_human_explanation_shows_what_was_set_aside_and_why(
    loaded_app: Stanceline,
) -> None:
    loaded_app.correct(LIFT, "the lift came in May", {"date": "2025-05"}, by="auditor")

    text = explanation_text(loaded_app.explain("RUS", APRIL_10, "@15"))

    assert "Russia (RUS) on 2025-04-10, as known at @15" in text
    assert f"  set aside: {LIFT}: terrorist_designation_lifted on 2025-04" in text
    assert "corrected at " in text
    assert "by auditor: the lift came in May" in text


# Law: every fact set_by lists for a certain value ended on or before the day


WINDOW_DAYS = [CHANGE_WINDOW_START + timedelta(days=n) for n in range(-1, CHANGE_WINDOW_DAYS + 1)]


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_a_certain_value_is_set_only_by_facts_that_ended_by_the_day(kind: str) -> None:
    @law_settings(kind)
    @given(script=change_scripts(max_size=8), data=st.data())
    def law(script: list[Operation], data: st.DataObject) -> None:
        with fresh_store(kind) as app:
            run_script(app, script)
            end = app.view.position()
            known_at = data.draw(st.none() | st.integers(0, end).map(lambda n: f"@{n}"))

            for on in WINDOW_DAYS:
                for actor in CHANGE_ACTORS:
                    report = app.explain(actor, on, known_at)
                    check_explanation(report, on)
                    stance = app.stance(actor, on, known_at).model_dump(mode="json")
                    assert_agrees(report.model_dump(mode="json"), stance)

    law()


def check_explanation(report: Explanation, on: date) -> None:
    for name, part in report.components.items():
        if part.certainty.value == "certain":
            assert all(date.fromisoformat(f.latest) <= on for f in part.set_by), name
        # The value shown is always one that certainly happened by the day (or the default).
        assert len(part.set_by) == (0 if part.since is None else 1), name
        assert all(date.fromisoformat(f.latest) <= on for f in part.set_by), name
        assert all(date.fromisoformat(f.earliest) <= on for f in part.uncertain_because), name
        for aside in part.set_aside:
            assert date.fromisoformat(aside.earliest) <= on, name
            assert aside.change in ("corrected", "retracted"), name
            assert aside.reason, name


@pytest.mark.parametrize("on", [date(2002, 12, 31), date(2003, 12, 31), APRIL_10, JULY_4])
def test_the_law_holds_on_the_fixtures(seeded_app: Stanceline, on: date) -> None:
    for actor in ("RUS", "CHN", "ARE", "UZB", "PAK", "USA", "EU"):
        check_explanation(seeded_app.explain(actor, on), on)
