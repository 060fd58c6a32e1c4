"""Corrections, retractions and reinstatements on a real store (DESIGN §4, issue 3).

Stored facts are never edited: each change is a new event with a reason, who and
when; answers follow the fact as changed, and the original stays in the log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.application import Stanceline
from stanceline.domain.changes import FactCorrected, FactReinstated, FactRetracted
from stanceline.domain.events import TerroristDesignationLifted
from stanceline.errors import FactStateError, FieldError, ImportFileError, UnknownFactError
from tests.factories import event_count, fact, history_answers, write_jsonl
from tests.integration.conftest import FIXTURES, FileWriter
from tests.stores import STORE_PARAMS, law_settings, scratch
from tests.strategies import CHANGE_ACTORS, CHANGE_QUERY_DAYS, window_fact_lists

DESIGNATION = "rus-designation-2003"
LIFT = "rus-designation-lifted-2025-04"
RECOGNITION = "rus-recognition-2025-07-03"
CHINA_ENVOY = "chn-ambassador-in-kabul"
EU_STATEMENT = "eu-statement-recognition-conditions"
APRIL_10 = date(2025, 4, 10)
JULY_4 = date(2025, 7, 4)


def refused(app: Stanceline, error: type[Exception], attempt: Callable[[], object]) -> str:
    """The one-line message of a refused change; the store holds exactly what it held before."""
    before = event_count(app)
    with pytest.raises(error) as caught:
        attempt()
    assert event_count(app) == before
    message = str(caught.value)
    assert message
    assert "\n" not in message
    return message


def fixture_line(fact_id: str) -> dict[str, Any]:
    """One line of the fixture file."""
    lines = [json.loads(line) for line in FIXTURES.read_text().splitlines() if line.strip()]
    return next(line for line in lines if line["id"] == fact_id)


def component(app: Stanceline, actor: str, on: date, name: str) -> dict[str, Any]:
    return app.stance(actor, on).model_dump(mode="json")["components"][name]


# Refused changes: a clear one-line error and nothing written


def test_retracting_a_retracted_fact_is_refused(loaded_app: Stanceline) -> None:
    loaded_app.retract(LIFT, "not in the article")

    message = refused(loaded_app, FactStateError, lambda: loaded_app.retract(LIFT, "again"))

    assert message == f"fact {LIFT!r} is already retracted"


def test_correcting_a_retracted_fact_is_refused(loaded_app: Stanceline) -> None:
    loaded_app.retract(LIFT, "not in the article")

    message = refused(
        loaded_app,
        FactStateError,
        lambda: loaded_app.correct(LIFT, "wrong month", {"date": "2025-05"}),
    )

    assert message == f"fact {LIFT!r} is retracted: reinstate it before correcting it"


def test_correcting_the_source_of_a_retracted_fact_is_refused(loaded_app: Stanceline) -> None:
    loaded_app.retract(LIFT, "not in the article")

    refused(
        loaded_app,
        FactStateError,
        lambda: loaded_app.correct(LIFT, "link", {}, source={"url": "https://example.org/a"}),
    )


def test_reinstating_a_fact_that_counts_is_refused(loaded_app: Stanceline) -> None:
    message = refused(loaded_app, FactStateError, lambda: loaded_app.reinstate(LIFT, "why not"))

    assert message == f"fact {LIFT!r} is not retracted"


def test_reinstating_twice_is_refused(loaded_app: Stanceline) -> None:
    loaded_app.retract(LIFT, "doubtful")
    loaded_app.reinstate(LIFT, "confirmed")

    refused(loaded_app, FactStateError, lambda: loaded_app.reinstate(LIFT, "again"))


@pytest.mark.parametrize(
    "attempt",
    [
        lambda app: app.correct("no-such-fact", "typo", {"date": "2025"}),
        lambda app: app.correct("no-such-fact", "link", {}, source={"url": "https://e.org"}),
        lambda app: app.retract("no-such-fact", "duplicate"),
        lambda app: app.reinstate("no-such-fact", "confirmed"),
        lambda app: app.fact("no-such-fact"),
        lambda app: app.fact_state("no-such-fact"),
    ],
    ids=["correct", "correct-source", "retract", "reinstate", "fact", "fact_state"],
)
def test_an_unknown_id_is_refused(
    loaded_app: Stanceline, attempt: Callable[[Stanceline], object]
) -> None:
    message = refused(loaded_app, UnknownFactError, lambda: attempt(loaded_app))

    assert message == "no fact with id 'no-such-fact'"


def test_a_correction_that_changes_nothing_is_refused(loaded_app: Stanceline) -> None:
    message = refused(
        loaded_app, FieldError, lambda: loaded_app.correct(LIFT, "same", {"date": "2025-04"})
    )

    assert f"the correction changes nothing in fact {LIFT!r}" in message


def test_a_correction_to_the_same_source_changes_nothing(loaded_app: Stanceline) -> None:
    publisher = {"publisher": "Clash Report"}

    refused(loaded_app, FieldError, lambda: loaded_app.correct(LIFT, "same", {}, source=publisher))


def test_giving_the_same_correction_twice_changes_nothing_the_second_time(
    loaded_app: Stanceline,
) -> None:
    loaded_app.correct(LIFT, "wrong month", {"date": "2025-05"})

    message = refused(
        loaded_app, FieldError, lambda: loaded_app.correct(LIFT, "wrong month", {"date": "2025-05"})
    )

    assert "changes nothing" in message


def test_a_correction_without_any_field_is_refused(loaded_app: Stanceline) -> None:
    message = refused(loaded_app, FieldError, lambda: loaded_app.correct(LIFT, "nothing", {}))

    assert "a correction changes at least one of kind, date, summary, source, details" in message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"date": "2025-02-30"}, "date"),
        ({"date": "someday"}, "date"),
        ({"kind": "coup"}, "kind"),
        ({"summary": "   "}, "summary"),
        ({"actor": "CHN"}, "actor"),
        ({"source": {"url": "https://example.org"}}, "source.title"),
    ],
)
def test_a_bad_corrected_field_is_refused_naming_it(
    loaded_app: Stanceline, fields: dict[str, Any], field: str
) -> None:
    before = event_count(loaded_app)

    with pytest.raises(FieldError) as caught:
        loaded_app.correct(LIFT, "fix", fields)

    assert caught.value.field == field
    assert event_count(loaded_app) == before


def test_a_change_without_a_reason_is_refused(loaded_app: Stanceline) -> None:
    with pytest.raises(FieldError) as caught:
        loaded_app.retract(LIFT, " ")

    assert caught.value.field == "reason"
    assert event_count(loaded_app) == 14


# Corrections


def test_a_correction_keeps_the_original_event_in_the_log(loaded_app: Stanceline) -> None:
    loaded_app.correct(LIFT, "the article means May", {"date": "2025-05"}, by="auditor")

    original, correction = loaded_app.fact_events(LIFT)

    assert isinstance(original, TerroristDesignationLifted)
    assert original.date == "2025-04"
    assert isinstance(correction, FactCorrected)
    assert correction.changes() == {"date": "2025-05"}
    assert (correction.reason, correction.recorded_by) == ("the article means May", "auditor")
    assert correction.originator_version == 2


def test_after_a_correction_answers_follow_the_corrected_fact(loaded_app: Stanceline) -> None:
    before = component(loaded_app, "RUS", APRIL_10, "designation")
    assert (before["certainty"], before["alternatives"]) == ("uncertain", ["not_designated"])

    loaded_app.correct(LIFT, "the lift came in May", {"date": "2025-05"})

    after = component(loaded_app, "RUS", APRIL_10, "designation")
    assert (after["value"], after["certainty"], after["alternatives"]) == (
        "designated",
        "certain",
        [],
    )
    assert after["facts"] == [DESIGNATION]
    june = component(loaded_app, "RUS", date(2025, 6, 1), "designation")
    assert (june["value"], june["since"], june["facts"]) == ("not_designated", "2025-05", [LIFT])


def test_a_corrected_date_is_stored_normalised(loaded_app: Stanceline) -> None:
    loaded_app.correct(LIFT, "the lift came in May", {"date": " 2025-05 "})

    assert loaded_app.fact(LIFT).current["date"] == "2025-05"


def test_a_correction_can_be_corrected_again(loaded_app: Stanceline) -> None:
    loaded_app.correct(LIFT, "May, not April", {"date": "2025-05"}, by="ann")
    loaded_app.correct(LIFT, "in fact 17 May", {"date": "2025-05-17"}, by="ben")

    report = loaded_app.fact(LIFT)

    assert [v.fact["date"] for v in report.versions] == ["2025-04", "2025-05", "2025-05-17"]
    assert [v.change for v in report.versions] == ["recorded", "corrected", "corrected"]
    assert [v.recorded_by for v in report.versions] == ["fixtures", "ann", "ben"]
    assert [v.reason for v in report.versions] == [None, "May, not April", "in fact 17 May"]
    assert report.current["date"] == "2025-05-17"
    assert component(loaded_app, "RUS", date(2025, 5, 16), "designation")["value"] == "designated"
    assert component(loaded_app, "RUS", date(2025, 5, 17), "designation")["value"] == (
        "not_designated"
    )


def test_a_correction_can_restore_what_was_first_recorded(loaded_app: Stanceline) -> None:
    original = loaded_app.stance("RUS", APRIL_10)
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})

    loaded_app.correct(LIFT, "April after all", {"date": "2025-04"})

    assert loaded_app.stance("RUS", APRIL_10) == original
    assert len(loaded_app.fact_events(LIFT)) == 3


def test_the_fact_report_shows_every_version_with_time_who_and_why(
    loaded_app: Stanceline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCELINE_USER", "carol")
    loaded_app.correct(LIFT, "the lift came in May", {"date": "2025-05"})
    loaded_app.retract(LIFT, "the article is unsure", by="dave")
    loaded_app.reinstate(LIFT, "a second source confirms it")

    report = loaded_app.fact(LIFT).model_dump(mode="json")

    assert (report["id"], report["actor"], report["status"]) == (LIFT, "RUS", "counts")
    steps = [
        (v["version"], v["change"], v["recorded_by"], v["reason"], v["counts"])
        for v in report["versions"]
    ]
    assert steps == [
        (1, "recorded", "fixtures", None, True),
        (2, "corrected", "carol", "the lift came in May", True),
        (3, "retracted", "dave", "the article is unsure", False),
        (4, "reinstated", "carol", "a second source confirms it", True),
    ]
    assert [v["position"] for v in report["versions"]] == [2, 15, 16, 17]
    times = [v["recorded_at"] for v in report["versions"]]
    assert all(t.endswith("Z") for t in times)
    assert times == sorted(times)
    assert report["versions"][0]["fact"]["date"] == "2025-04"
    assert report["current"]["date"] == report["versions"][-1]["fact"]["date"] == "2025-05"


def test_each_change_is_recorded_at_its_own_time_after_the_fact(loaded_app: Stanceline) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})
    loaded_app.retract(LIFT, "unsure")

    recorded, corrected, retracted = (e.timestamp for e in loaded_app.fact_events(LIFT))

    assert recorded < corrected < retracted


def test_a_kind_change_rechecks_the_details(loaded_app: Stanceline) -> None:
    fields = {"kind": "sanctions_imposed"}
    before = event_count(loaded_app)

    with pytest.raises(FieldError) as caught:
        loaded_app.correct(CHINA_ENVOY, "it was a sanction", fields)

    assert caught.value.field.startswith("details")
    assert event_count(loaded_app) == before

    loaded_app.correct(
        CHINA_ENVOY, "it was a sanction", {**fields, "details": {"measure": "travel_ban"}}
    )

    stance = loaded_app.stance("CHN", JULY_4).model_dump(mode="json")["components"]
    assert stance["envoy_to_kabul"]["value"] == "none"
    assert stance["sanctions"]["value"] == "active"
    assert loaded_app.fact(CHINA_ENVOY).current["details"] == {"measure": "travel_ban"}


def test_a_kind_change_to_a_kind_without_details_clears_them_when_told(
    loaded_app: Stanceline,
) -> None:
    fields = {"kind": "kabul_mission_closed", "details": {}}

    loaded_app.correct(CHINA_ENVOY, "the mission closed", fields)

    assert loaded_app.fact(CHINA_ENVOY).current["details"] == {}
    assert component(loaded_app, "CHN", JULY_4, "envoy_to_kabul")["value"] == "none"


def test_a_source_correction_updates_only_the_fields_given(loaded_app: Stanceline) -> None:
    before = loaded_app.fact(LIFT).current["source"]

    loaded_app.correct(
        LIFT, "add the link", {}, source={"url": "https://example.org/clash", "quote": "new"}
    )

    after = loaded_app.fact(LIFT).current["source"]
    assert after == {**before, "url": "https://example.org/clash", "quote": "new"}


def test_a_correction_of_the_summary_shows_in_history_and_export(loaded_app: Stanceline) -> None:
    loaded_app.correct(LIFT, "clearer", {"summary": "Russia suspends its designation"})

    entries = loaded_app.history("RUS").entries
    exported = {f["id"]: f for f in loaded_app.export()}

    assert next(e for e in entries if e.fact_id == LIFT).summary == (
        "Russia suspends its designation"
    )
    assert exported[LIFT]["summary"] == "Russia suspends its designation"
    assert len(exported) == 14


# Retractions and reinstatements


def test_a_retracted_fact_no_longer_counts(loaded_app: Stanceline) -> None:
    loaded_app.retract(RECOGNITION, "recognition not yet formal", by="auditor")

    recognition = component(loaded_app, "RUS", JULY_4, "recognition")
    assert (recognition["value"], recognition["facts"]) == ("none", [])
    assert loaded_app.stance("RUS", JULY_4).summary.value == "ambassador_level"
    assert RECOGNITION not in {e.fact_id for e in loaded_app.history("RUS").entries}
    assert RECOGNITION not in {f["id"] for f in loaded_app.export()}
    assert loaded_app.fact(RECOGNITION).status == "retracted"
    assert isinstance(loaded_app.fact_events(RECOGNITION)[-1], FactRetracted)


def test_an_actor_whose_only_fact_is_retracted_leaves_the_world(loaded_app: Stanceline) -> None:
    loaded_app.retract(EU_STATEMENT, "the article names no EU statement")

    assert "EU" not in [r.actor for r in loaded_app.world(JULY_4)]
    assert loaded_app.history("EU").entries == []


def test_reinstating_gives_back_the_answers_of_before(loaded_app: Stanceline) -> None:
    world = [r.model_dump(mode="json") for r in loaded_app.world(JULY_4)]
    history = loaded_app.history("RUS")

    loaded_app.retract(RECOGNITION, "unsure")
    loaded_app.reinstate(RECOGNITION, "confirmed by TASS")

    assert [r.model_dump(mode="json") for r in loaded_app.world(JULY_4)] == world
    assert history_answers(loaded_app.history("RUS")) == history_answers(history)
    reinstated = next(e for e in loaded_app.history("RUS").entries if e.fact_id == RECOGNITION)
    assert reinstated.status_change is not None
    assert (reinstated.status_change.change, reinstated.status_change.reason) == (
        "reinstated",
        "confirmed by TASS",
    )
    assert loaded_app.fact(RECOGNITION).status == "counts"
    assert isinstance(loaded_app.fact_events(RECOGNITION)[-1], FactReinstated)


def test_a_reinstated_fact_can_be_corrected_and_retracted_again(loaded_app: Stanceline) -> None:
    loaded_app.retract(LIFT, "unsure")
    loaded_app.reinstate(LIFT, "confirmed")
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})
    loaded_app.retract(LIFT, "unsure again")

    assert [e.originator_version for e in loaded_app.fact_events(LIFT)] == [1, 2, 3, 4, 5]
    assert loaded_app.fact_state(LIFT).retracted


def test_the_same_retraction_given_twice_as_commands_means_it_twice(
    loaded_app: Stanceline,
) -> None:
    loaded_app.retract(LIFT, "unsure")
    loaded_app.reinstate(LIFT, "confirmed")

    loaded_app.retract(LIFT, "unsure")

    assert loaded_app.fact_state(LIFT).retracted
    assert event_count(loaded_app) == 17


def test_a_new_instance_on_the_same_file_sees_the_changes(
    loaded_app: Stanceline, make_app: Callable[..., Stanceline]
) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})
    loaded_app.retract(RECOGNITION, "unsure")

    other = make_app()

    assert other.fact(LIFT).current["date"] == "2025-05"
    assert other.fact(RECOGNITION).status == "retracted"
    assert other.stance("RUS", APRIL_10) == loaded_app.stance("RUS", APRIL_10)


def test_a_second_instance_checks_the_fact_as_the_log_has_it_now(
    loaded_app: Stanceline, make_app: Callable[..., Stanceline]
) -> None:
    other = make_app()
    other.catch_up()
    loaded_app.retract(LIFT, "unsure")

    message = refused(other, FactStateError, lambda: other.retract(LIFT, "unsure too"))

    assert "already retracted" in message
    other.reinstate(LIFT, "confirmed")
    assert loaded_app.fact(LIFT).status == "counts"


def test_a_rebuilt_read_model_gives_the_same_answers_after_changes(
    loaded_app: Stanceline,
) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})
    loaded_app.retract(RECOGNITION, "unsure")
    loaded_app.retract(EU_STATEMENT, "no EU statement")
    loaded_app.reinstate(EU_STATEMENT, "found it")
    days = [APRIL_10, date(2025, 6, 1), JULY_4]
    before = [loaded_app.world(d) for d in days]
    lives = [loaded_app.fact(f) for f in (LIFT, RECOGNITION, EU_STATEMENT)]

    assert loaded_app.rebuild() == 13

    assert [loaded_app.world(d) for d in days] == before
    assert [loaded_app.fact(f) for f in (LIFT, RECOGNITION, EU_STATEMENT)] == lives


# Change lines in an import file


def test_a_file_can_correct_retract_and_reinstate(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file(
        "changes.jsonl",
        [
            {"corrects": LIFT, "reason": "the lift came in May", "date": "2025-05"},
            {"retracts": RECOGNITION, "reason": "not yet formal"},
            {"retracts": EU_STATEMENT, "reason": "no EU statement"},
            {"reinstates": EU_STATEMENT, "reason": "found it"},
        ],
    )

    result = loaded_app.load_file(path, by="bulk")

    assert (result.recorded, result.already_present) == (4, 0)
    assert loaded_app.fact(LIFT).current["date"] == "2025-05"
    assert loaded_app.fact(RECOGNITION).status == "retracted"
    assert loaded_app.fact(EU_STATEMENT).status == "counts"
    assert component(loaded_app, "RUS", APRIL_10, "designation")["certainty"] == "certain"
    assert {v.recorded_by for v in loaded_app.fact(EU_STATEMENT).versions[1:]} == {"bulk"}


def test_every_change_of_one_file_carries_the_same_recorded_time(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file(
        "changes.jsonl",
        [
            {"corrects": LIFT, "reason": "May", "date": "2025-05"},
            {"retracts": RECOGNITION, "reason": "not yet formal"},
        ],
    )
    loaded_app.load_file(path)

    times = {loaded_app.fact_events(f)[-1].timestamp for f in (LIFT, RECOGNITION)}

    assert len(times) == 1


def test_a_file_can_record_a_fact_and_correct_it_later(
    app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file(
        "facts.jsonl",
        [
            fact(id="talk", date="2024-05-01"),
            fact(id="other", summary="Something else"),
            {"corrects": "talk", "reason": "wrong day", "date": "2024-05-02"},
            {"corrects": "talk", "reason": "a clearer summary", "summary": "Moscow talks"},
        ],
    )

    result = app.load_file(path)

    assert (result.recorded, result.already_present) == (4, 0)
    report = app.fact("talk")
    assert [v.change for v in report.versions] == ["recorded", "corrected", "corrected"]
    assert (report.current["date"], report.current["summary"]) == ("2024-05-02", "Moscow talks")
    assert [e.originator_version for e in app.fact_events("talk")] == [1, 2, 3]


def test_a_file_can_record_a_fact_and_retract_it(app: Stanceline, write_file: FileWriter) -> None:
    path = write_file(
        "facts.jsonl", [fact(id="talk"), {"retracts": "talk", "reason": "misread the source"}]
    )

    assert app.load_file(path).recorded == 2

    assert app.world(JULY_4) == []
    assert app.fact("talk").status == "retracted"


def test_change_lines_work_in_a_json_array_file(loaded_app: Stanceline, tmp_path: Path) -> None:
    path = tmp_path / "changes.json"
    path.write_text(
        '[\n  {"retracts": "rus-recognition-2025-07-03", "reason": "unsure"},\n'
        '  {"corrects": "rus-designation-lifted-2025-04", "reason": "May", "date": "2025-05"}\n]\n'
    )

    assert loaded_app.load_file(path).recorded == 2
    assert loaded_app.fact(RECOGNITION).status == "retracted"


def test_loading_the_same_change_file_twice_records_nothing_the_second_time(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file(
        "changes.jsonl",
        [
            {"corrects": LIFT, "reason": "May", "date": "2025-05"},
            {"retracts": RECOGNITION, "reason": "unsure"},
            {"reinstates": RECOGNITION, "reason": "confirmed"},
        ],
    )
    loaded_app.load_file(path)
    before = event_count(loaded_app)

    again = loaded_app.load_file(path)

    assert (again.recorded, again.already_present) == (0, 3)
    assert event_count(loaded_app) == before == 17


def test_loading_a_file_of_facts_and_their_corrections_twice_records_nothing_new(
    app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file(
        "facts.jsonl",
        [fact(id="talk"), {"corrects": "talk", "reason": "wrong day", "date": "2024-05-02"}],
    )
    app.load_file(path)

    again = app.load_file(path)

    assert (again.recorded, again.already_present) == (0, 2)
    assert event_count(app) == 2


def test_reloading_the_original_facts_after_a_correction_is_already_present(
    loaded_app: Stanceline,
) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})
    loaded_app.retract(RECOGNITION, "unsure")

    again = loaded_app.load_file(FIXTURES)

    assert (again.recorded, again.already_present) == (0, 14)
    assert loaded_app.fact(LIFT).current["date"] == "2025-05"
    assert loaded_app.fact(RECOGNITION).status == "retracted"


def test_loading_an_export_back_after_a_correction_is_already_present(
    loaded_app: Stanceline, tmp_path: Path
) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})
    exported = write_jsonl(tmp_path / "export.jsonl", list(loaded_app.export()))

    again = loaded_app.load_file(exported)

    assert (again.recorded, again.already_present) == (0, 14)
    assert event_count(loaded_app) == 15


def test_an_id_with_content_it_never_had_is_still_a_conflict(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    loaded_app.correct(LIFT, "May", {"date": "2025-05"})
    line = {**fixture_line(LIFT), "date": "2025-06"}

    error = load_refused(loaded_app, write_file("edited.jsonl", [line]))

    assert (error.line, error.field) == (1, "id")
    assert "already stored with different content" in error.message


def test_reloading_a_change_file_after_later_changes_records_nothing(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file("retract.jsonl", [{"retracts": RECOGNITION, "reason": "unsure"}])
    loaded_app.load_file(path)
    loaded_app.reinstate(RECOGNITION, "confirmed")

    again = loaded_app.load_file(path)

    assert (again.recorded, again.already_present) == (0, 1)
    assert loaded_app.fact(RECOGNITION).status == "counts"


def test_a_change_file_can_follow_the_changes_of_another(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    loaded_app.load_file(write_file("one.jsonl", [{"retracts": LIFT, "reason": "unsure"}]))

    result = loaded_app.load_file(
        write_file(
            "two.jsonl",
            [
                {"reinstates": LIFT, "reason": "confirmed"},
                {"corrects": LIFT, "reason": "May", "date": "2025-05"},
            ],
        )
    )

    assert result.recorded == 2
    assert loaded_app.fact(LIFT).current["date"] == "2025-05"


def test_a_file_that_retracts_reinstates_and_retracts_again_ends_retracted(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file(
        "flip.jsonl",
        [
            {"retracts": LIFT, "reason": "checking"},
            {"reinstates": LIFT, "reason": "checking"},
            {"retracts": LIFT, "reason": "checking"},
        ],
    )

    result = loaded_app.load_file(path)

    assert loaded_app.fact(LIFT).status == "retracted"
    assert (result.recorded, result.already_present) == (3, 0)


# A bad change line: FILE:LINE: field: message, and nothing of the file written


def load_refused(app: Stanceline, path: Path) -> ImportFileError:
    before = event_count(app)
    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)
    assert event_count(app) == before
    assert "\n" not in str(caught.value)
    return caught.value


GOOD_FIRST = fact(id="good-first", summary="Would be recorded if the file were good")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"corrects": "nope", "reason": "r", "date": "2025"}, "corrects", "no fact with id 'nope'"),
        ({"retracts": "nope", "reason": "r"}, "retracts", "no fact with id 'nope'"),
        ({"reinstates": "nope", "reason": "r"}, "reinstates", "no fact with id 'nope'"),
        ({"reinstates": LIFT, "reason": "r"}, "reinstates", f"fact {LIFT!r} is not retracted"),
        (
            {"corrects": LIFT, "reason": "r", "date": "2025-04"},
            "corrects",
            f"the correction changes nothing in fact {LIFT!r}",
        ),
        ({"corrects": LIFT, "reason": "r"}, "corrects", "a correction changes at least one of"),
        ({"corrects": LIFT, "retracts": LIFT, "reason": "r"}, "corrects", "name exactly one"),
        ({"retracts": LIFT, "reason": "r", "date": "2025"}, "date", "only a correction"),
        ({"retracts": LIFT}, "reason", "Field required"),
        ({"retracts": LIFT, "reason": "r", "colour": "red"}, "colour", "unknown key"),
        ({"corrects": LIFT, "reason": "r", "date": "2025-02-30"}, "date", "not a calendar day"),
        ({"corrects": CHINA_ENVOY, "reason": "r", "kind": "sanctions_imposed"}, "details", ""),
    ],
)
def test_a_bad_change_line_names_file_line_and_field(
    loaded_app: Stanceline,
    write_file: FileWriter,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    path = write_file("bad.jsonl", [GOOD_FIRST, "", change])

    error = load_refused(loaded_app, path)

    assert (error.path, error.line) == (str(path), 3)
    assert error.field.startswith(field)
    assert message in error.message
    assert str(error).startswith(f"{path}:3: {field}")


@pytest.mark.parametrize(
    ("first", "second", "field", "message"),
    [
        (
            {"retracts": LIFT, "reason": "unsure"},
            {"retracts": LIFT, "reason": "very unsure"},
            "retracts",
            "already retracted",
        ),
        (
            {"retracts": LIFT, "reason": "unsure"},
            {"corrects": LIFT, "reason": "May", "date": "2025-05"},
            "corrects",
            "reinstate it before correcting it",
        ),
        (
            {"corrects": LIFT, "reason": "May", "date": "2025-05"},
            {"corrects": LIFT, "reason": "May again", "date": "2025-05"},
            "corrects",
            "changes nothing",
        ),
    ],
)
def test_a_change_line_is_checked_against_the_lines_before_it(
    loaded_app: Stanceline,
    write_file: FileWriter,
    first: dict[str, Any],
    second: dict[str, Any],
    field: str,
    message: str,
) -> None:
    error = load_refused(loaded_app, write_file("bad.jsonl", [first, second]))

    assert (error.line, error.field) == (2, field)
    assert message in error.message


def test_a_change_line_before_its_fact_is_an_unknown_id(
    app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file("bad.jsonl", [{"retracts": "talk", "reason": "r"}, fact(id="talk")])

    error = load_refused(app, path)

    assert (error.line, error.field) == (1, "retracts")
    assert "no fact with id 'talk'" in error.message


def test_a_state_error_in_a_file_against_the_store(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    loaded_app.retract(LIFT, "unsure")

    error = load_refused(
        loaded_app, write_file("bad.jsonl", [{"retracts": LIFT, "reason": "duplicate"}])
    )

    assert str(error) == f"{error.path}:1: retracts: fact {LIFT!r} is already retracted"


def test_a_bad_change_line_after_good_changes_writes_none_of_them(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file(
        "bad.jsonl",
        [
            {"corrects": LIFT, "reason": "May", "date": "2025-05"},
            {"retracts": RECOGNITION, "reason": "unsure"},
            {"retracts": "nope", "reason": "r"},
        ],
    )

    load_refused(loaded_app, path)

    assert loaded_app.fact(LIFT).current["date"] == "2025-04"
    assert loaded_app.fact(RECOGNITION).status == "counts"
    assert len(loaded_app.fact(LIFT).versions) == 1


# Law: retracting then asking equals never having recorded the fact


def answers(app: Stanceline) -> list[Any]:
    """World JSON on the change query days and the history of every change actor."""
    worlds = [[r.model_dump(mode="json") for r in app.world(day)] for day in CHANGE_QUERY_DAYS]
    # Who recorded what when differs between the two stores, and a reinstatement is noted.
    histories = [history_answers(app.history(actor)) for actor in CHANGE_ACTORS]
    return [worlds, histories]


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_retracting_then_asking_equals_never_having_recorded_the_fact(kind: str) -> None:
    @law_settings(kind)
    @given(
        facts=window_fact_lists(min_size=1, max_size=6),
        pick=st.integers(0, 5),
        how=st.sampled_from(["command", "same file", "later file", "and reinstate"]),
    )
    def law(facts: list[dict[str, Any]], pick: int, how: str) -> None:
        gone = facts[pick % len(facts)]
        kept = [f for f in facts if f is not gone]
        with scratch(kind) as (folder, make):
            retracted, never = make("retracted.db"), make("never.db")
            retraction = {"retracts": gone["id"], "reason": "not in the source"}
            lines = [*facts, retraction] if how == "same file" else facts
            retracted.load_file(write_jsonl(folder / "facts.jsonl", lines))
            if how in ("command", "and reinstate"):
                retracted.retract(str(gone["id"]), "not in the source")
            elif how == "later file":
                retracted.load_file(write_jsonl(folder / "retract.jsonl", [retraction]))
            if how == "and reinstate":
                # Retracting and reinstating equals never having retracted.
                retracted.reinstate(str(gone["id"]), "it is in the source after all")
                kept = facts
            never.load_file(write_jsonl(folder / "kept.jsonl", kept))

            assert answers(retracted) == answers(never)

    law()
