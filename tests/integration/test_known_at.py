"""Knowledge time on a real store: "known at T" answers from a prefix of the log (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.application import Stanceline
from stanceline.errors import FactStateError, FieldError, InvalidKnownAtError
from tests.factories import event_count, fact
from tests.integration.conftest import FileWriter
from tests.stores import STORE_PARAMS, law_settings, scratch
from tests.strategies import (
    CHANGE_ACTORS,
    CHANGE_QUERY_DAYS,
    CHANGE_WINDOW_START,
    Operation,
    change_scripts,
    correction_fields,
)

LIFT = "rus-designation-lifted-2025-04"
RECOGNITION = "rus-recognition-2025-07-03"
EU_STATEMENT = "eu-statement-recognition-conditions"
APRIL_10 = date(2025, 4, 10)
JULY_4 = date(2025, 7, 4)
FIXTURE_ACTORS = ["ARE", "CHN", "EU", "PAK", "RUS", "USA", "UZB"]


def designation(app: Stanceline, known_at: str | None = None) -> tuple[str, str]:
    answer = app.stance("RUS", APRIL_10, known_at).components["designation"]
    return answer.value, answer.certainty.value


def recorded_at(app: Stanceline, fact_id: str, version: int = 1) -> datetime:
    """When one version of a fact was recorded."""
    return app.fact_events(fact_id)[version - 1].timestamp


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def corrected_app(loaded_app: Stanceline) -> Stanceline:
    """The fixtures (positions 1-14), then Russia's lift corrected to May (position 15)."""
    loaded_app.correct(LIFT, "the lift came in May", {"date": "2025-05"}, by="auditor")
    return loaded_app


# @N


def test_known_at_zero_knows_nothing(corrected_app: Stanceline) -> None:
    stance = corrected_app.stance("RUS", JULY_4, "@0")

    assert corrected_app.world(JULY_4, "@0") == []
    assert stance.known_at == "@0"
    assert stance.summary.value == "no_relations"
    assert all(c.facts == [] for c in stance.components.values())
    assert corrected_app.history("RUS", "@0").entries == []


def test_known_at_one_knows_the_first_event_only(corrected_app: Stanceline) -> None:
    world = corrected_app.world(APRIL_10, "@1")

    assert [r.actor for r in world] == ["RUS"]
    assert designation(corrected_app, "@1") == ("designated", "certain")


def test_known_at_before_a_correction_answers_as_before_it(corrected_app: Stanceline) -> None:
    assert designation(corrected_app, "@14") == ("designated", "uncertain")
    assert designation(corrected_app, "@15") == ("designated", "certain")
    assert designation(corrected_app) == ("designated", "certain")


def test_known_at_past_the_end_of_the_log_is_now(corrected_app: Stanceline) -> None:
    now = corrected_app.stance("RUS", APRIL_10).model_dump(mode="json")
    later = corrected_app.stance("RUS", APRIL_10, "@999").model_dump(mode="json")

    assert later.pop("known_at") == "@999"
    assert now.pop("known_at") is None
    assert later == now


def test_known_at_before_a_retraction_still_counts_the_fact(loaded_app: Stanceline) -> None:
    loaded_app.retract(EU_STATEMENT, "no EU statement in the article")
    loaded_app.retract(RECOGNITION, "not yet formal")

    assert [r.actor for r in loaded_app.world(JULY_4, "@14")] == FIXTURE_ACTORS
    assert "EU" not in [r.actor for r in loaded_app.world(JULY_4, "@15")]
    assert loaded_app.stance("RUS", JULY_4, "@15").summary.value == "recognized"
    assert loaded_app.stance("RUS", JULY_4, "@16").summary.value == "ambassador_level"


def test_known_at_between_a_retraction_and_a_reinstatement(loaded_app: Stanceline) -> None:
    loaded_app.retract(RECOGNITION, "not yet formal")
    loaded_app.reinstate(RECOGNITION, "confirmed")

    summaries = [loaded_app.stance("RUS", JULY_4, f"@{n}").summary.value for n in (14, 15, 16)]

    assert summaries == ["recognized", "ambassador_level", "recognized"]


def test_history_known_at_shows_the_facts_as_they_were(corrected_app: Stanceline) -> None:
    def lift_date(known_at: str | None) -> str:
        entries = corrected_app.history("RUS", known_at).entries
        return next(e.date for e in entries if e.fact_id == LIFT)

    assert lift_date("@14") == "2025-04"
    assert lift_date("@15") == lift_date(None) == "2025-05"


def test_explain_known_at_shows_the_facts_as_they_were(corrected_app: Stanceline) -> None:
    before = corrected_app.explain("RUS", APRIL_10, "@14")
    now = corrected_app.explain("RUS", APRIL_10)

    assert before.known_at == "@14"
    assert [f.id for f in before.components["designation"].uncertain_because] == [LIFT]
    assert before.components["designation"].set_aside == []
    assert now.components["designation"].uncertain_because == []
    assert [f.id for f in now.components["designation"].set_aside] == [LIFT]


# ISO timestamps


def test_known_at_the_recorded_time_of_a_load_sees_the_whole_load(
    corrected_app: Stanceline,
) -> None:
    loaded = recorded_at(corrected_app, LIFT)
    just_before = loaded - timedelta(microseconds=1)

    assert len(corrected_app.world(JULY_4, z(loaded))) == len(FIXTURE_ACTORS)
    assert designation(corrected_app, z(loaded)) == ("designated", "uncertain")
    assert corrected_app.world(JULY_4, z(just_before)) == []


def test_known_at_just_before_a_correction_is_before_it(corrected_app: Stanceline) -> None:
    corrected = recorded_at(corrected_app, LIFT, version=2)

    assert designation(corrected_app, z(corrected - timedelta(microseconds=1))) == (
        "designated",
        "uncertain",
    )
    assert designation(corrected_app, z(corrected)) == ("designated", "certain")


def test_every_form_of_one_moment_gives_the_same_answer(corrected_app: Stanceline) -> None:
    moment = recorded_at(corrected_app, LIFT).astimezone(UTC)
    plus_two = moment.astimezone(timezone(timedelta(hours=2)))
    forms = [
        z(moment),
        z(moment).replace("Z", "z"),
        moment.isoformat(),
        plus_two.isoformat(),
        moment.replace(tzinfo=None).isoformat(),
    ]

    reports = [
        corrected_app.stance("RUS", APRIL_10, form).model_dump(mode="json") for form in forms
    ]

    assert {r["known_at"] for r in reports} == {z(moment).replace(".000000Z", "Z")}
    assert all(r == reports[0] for r in reports)
    assert reports[0]["components"]["designation"]["certainty"] == "uncertain"


def test_a_bare_day_means_its_end(corrected_app: Stanceline) -> None:
    loaded = recorded_at(corrected_app, LIFT).astimezone(UTC)
    corrected = recorded_at(corrected_app, LIFT, version=2).astimezone(UTC)
    day_before = (loaded.date() - timedelta(days=1)).isoformat()

    assert corrected_app.world(JULY_4, day_before) == []
    assert corrected_app.stance("RUS", APRIL_10, day_before).known_at == (
        f"{day_before}T23:59:59.999999Z"
    )
    # The day the correction was recorded, to its end, knows it.
    assert designation(corrected_app, corrected.date().isoformat()) == ("designated", "certain")
    assert designation(corrected_app, "2999-12-31") == ("designated", "certain")


def test_a_time_before_anything_was_recorded_knows_nothing(corrected_app: Stanceline) -> None:
    assert corrected_app.world(JULY_4, "2000-01-01T00:00:00Z") == []
    assert corrected_app.history("RUS", "2000-01-01").entries == []


@pytest.mark.parametrize("text", ["1000-01-01", "1900-06-01T00:00:00Z", "2000-01-01T00:00:00"])
def test_a_time_long_before_the_log_knows_nothing(corrected_app: Stanceline, text: str) -> None:
    assert corrected_app.world(JULY_4, text) == []


@pytest.mark.parametrize("text", ["0999-06-01T00:00:00Z", "0500-01-01"])
def test_a_time_before_the_year_1000_knows_nothing(corrected_app: Stanceline, text: str) -> None:
    assert corrected_app.world(JULY_4, text) == []


def test_known_at_sees_whole_transactions(app: Stanceline, write_file: FileWriter) -> None:
    app.load_file(write_file("one.jsonl", [fact(id="a"), fact(id="b", actor="CHN")]))
    app.load_file(
        write_file("two.jsonl", [fact(id="c", actor="EU"), {"retracts": "a", "reason": "r"}])
    )
    first, second = recorded_at(app, "a"), recorded_at(app, "c")

    assert first == recorded_at(app, "b")
    assert [r.actor for r in app.world(JULY_4, z(first))] == ["CHN", "RUS"]
    assert [r.actor for r in app.world(JULY_4, z(second))] == ["CHN", "EU"]
    assert event_count(app) == 4


@pytest.mark.parametrize("text", ["garbage", "@", "@-1", "2025-13-01", "2025-07-04T25:00", ""])
def test_a_bad_known_at_is_a_one_line_error_on_every_query(
    loaded_app: Stanceline, text: str
) -> None:
    queries = [
        lambda: loaded_app.stance("RUS", JULY_4, text),
        lambda: loaded_app.world(JULY_4, text),
        lambda: loaded_app.history("RUS", text),
        lambda: loaded_app.explain("RUS", JULY_4, text),
    ]
    for query in queries:
        with pytest.raises(InvalidKnownAtError) as caught:
            query()
        assert "\n" not in str(caught.value)
        assert "@N" in str(caught.value)


# Laws


@contextmanager
def fresh_store(kind: str) -> Iterator[Stanceline]:
    """An application on a store of its own, for one Hypothesis example."""
    with scratch(kind) as (_, make):
        yield make()


def run_operation(app: Stanceline, operation: Operation, recorded: list[str]) -> bool:
    """Apply one scripted operation in its own transaction.

    True when it wrote exactly one event; False when the store refused it and wrote nothing.
    """
    before = event_count(app)
    action = operation[0]
    try:
        if action == "record":
            line = operation[1]
            assert isinstance(line, dict)
            app.record_fact(line)
            recorded.append(str(line["id"]))
        else:
            index = operation[1]
            assert isinstance(index, int)
            fact_id = recorded[index % len(recorded)]
            reason = f"change at {before}"
            if action == "correct":
                fields = operation[2]
                assert isinstance(fields, dict)
                app.correct(fact_id, reason, fields)
            elif action == "retract":
                app.retract(fact_id, reason)
            else:
                app.reinstate(fact_id, reason)
    except (FactStateError, FieldError):
        assert event_count(app) == before
        return False
    assert event_count(app) == before + 1
    return True


def run_script(app: Stanceline, script: list[Operation]) -> list[Operation]:
    """Apply a script one operation per transaction; return the operations that wrote."""
    recorded: list[str] = []
    return [op for op in script if run_operation(app, op, recorded)]


def answer(report: Any) -> dict[str, Any]:
    """A report as JSON, without the "known_at" it echoes (a store given less has none)."""
    data: dict[str, Any] = report.model_dump(mode="json")
    data.pop("known_at", None)
    return data


def worlds(app: Stanceline, known_at: str | None = None) -> list[Any]:
    """World JSON on the query days and every change actor's history."""
    answers: list[Any] = [
        [answer(r) for r in app.world(day, known_at)] for day in CHANGE_QUERY_DAYS
    ]
    answers += [answer(app.history(actor, known_at)) for actor in CHANGE_ACTORS]
    return answers


def untimed(value: Any) -> Any:
    """The answers without the times they were recorded at (histories show them)."""
    if isinstance(value, dict):
        return {k: untimed(v) for k, v in value.items() if k != "recorded_at"}
    if isinstance(value, list):
        return [untimed(v) for v in value]
    return value


def everything(app: Stanceline, known_at: str | None = None) -> list[Any]:
    """`worlds` plus the explanation of every change actor (recorded times included)."""
    day = CHANGE_WINDOW_START + timedelta(days=3)
    explanations = [answer(app.explain(actor, day, known_at)) for actor in CHANGE_ACTORS]
    return [*worlds(app, known_at), explanations]


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_known_at_n_answers_as_the_store_did_when_the_log_ended_at_n(kind: str) -> None:
    @law_settings(kind)
    @given(script=change_scripts(max_size=8))
    def law(script: list[Operation]) -> None:
        with fresh_store(kind) as app:
            snapshots = {0: everything(app)}
            moments = {0: datetime.now(UTC)}
            recorded: list[str] = []
            for operation in script:
                if run_operation(app, operation, recorded):
                    n = event_count(app)
                    snapshots[n] = everything(app)
                    moments[n] = datetime.now(UTC)

            for n, expected in snapshots.items():
                assert everything(app, f"@{n}") == expected, f"known at @{n}"
                form = moments[n].isoformat() if n % 2 else z(moments[n])
                assert everything(app, form) == expected, f"known at {form}"

    law()


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_known_at_n_equals_a_fresh_store_given_only_the_first_n_events(kind: str) -> None:
    @law_settings(kind)
    @given(script=change_scripts(max_size=8), data=st.data())
    def law(script: list[Operation], data: st.DataObject) -> None:
        with fresh_store(kind) as full, fresh_store(kind) as prefix:
            done = run_script(full, script)
            n = data.draw(st.integers(0, len(done)), label="n")

            assert run_script(prefix, done[:n]) == done[:n]

            assert event_count(prefix) == n
            # Two stores record the same script at different times.
            assert untimed(worlds(full, f"@{n}")) == untimed(worlds(prefix))

    law()


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_a_correction_never_changes_an_answer_known_before_it(kind: str) -> None:
    @law_settings(kind)
    @given(
        script=change_scripts(max_size=7),
        fields=correction_fields(),
        pick=st.integers(0, 7),
    )
    def law(script: list[Operation], fields: dict[str, Any], pick: int) -> None:
        with fresh_store(kind) as app:
            recorded: list[str] = []
            for operation in script:
                run_operation(app, operation, recorded)
            target = recorded[pick % len(recorded)]
            if app.fact_state(target).retracted:
                app.reinstate(target, "so that it can be corrected")
            n = event_count(app)
            moment = datetime.now(UTC)
            before = [everything(app, f"@{k}") for k in range(n + 1)]
            at_moment = everything(app, z(moment))

            # The summary makes sure the correction changes something.
            app.correct(target, "a late correction", {**fields, "summary": "corrected"})

            assert event_count(app) == n + 1
            assert [everything(app, f"@{k}") for k in range(n + 1)] == before
            assert everything(app, z(moment)) == at_moment == before[n]
            assert everything(app, f"@{n + 1}") == everything(app)

    law()
