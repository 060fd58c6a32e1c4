"""A fact's life: recorded, corrected, retracted, reinstated, folded from its stream (DESIGN §4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from stanceline.domain.amending import change_event, validate_change
from stanceline.domain.changes import (
    FactChanged,
    FactCorrected,
    FactRanked,
    FactReinstated,
    FactRetracted,
)
from stanceline.domain.events import DomainEvent, FactRecorded, fact_event
from stanceline.domain.facts import FactContent, FactKind, Source
from stanceline.domain.lifecycle import (
    CHANGE_CHECKS,
    FactState,
    check_can_correct,
    check_can_rank,
    check_can_reinstate,
    check_can_retract,
    corrected,
    fold,
)
from stanceline.errors import FactStateError, FieldError, StancelineError, UnknownFactError
from tests.strategies import edtf_dates, fact_contents, sources, texts

AT = datetime(2025, 7, 4, 12, 0, tzinfo=UTC)
CONTENT = FactContent(
    kind=FactKind.ENVOY_POSTED_TO_KABUL,
    actor="CHN",
    date="2021-08-15/2025-07-04",
    summary="China has an ambassador in Kabul",
    source=Source(title="Clash Report", publisher="Clash Report", published="2025-07-04"),
    details={"level": "ambassador"},
)


def recorded(content: FactContent = CONTENT, fact_id: str = "chn-envoy") -> FactRecorded:
    return fact_event(fact_id, content, recorded_at=AT, recorded_by="loader")


def change(
    cls: type[FactChanged], version: int, fact_id: str = "chn-envoy", **fields: Any
) -> FactChanged:
    """A change event at `version` of the fact's stream, with the fields given."""
    return cls(
        originator_id=fact_id,
        originator_version=version,
        timestamp=AT,
        recorded_by="auditor",
        reason=f"reason {version}",
        change_id=f"c{version}",
        **fields,
    )


def correction(**fields: Any) -> FactCorrected:
    event = change(FactCorrected, 2, **fields)
    assert isinstance(event, FactCorrected)
    return event


def state(retracted: bool = False) -> FactState:
    return FactState("chn-envoy", CONTENT, 1, "chain", retracted=retracted)


# The fold


def test_an_empty_stream_folds_to_nothing() -> None:
    assert fold([]) is None


def test_the_recorded_event_starts_a_fact_that_counts() -> None:
    event = recorded()

    folded = fold([event])

    assert folded == FactState("chn-envoy", CONTENT, 1, event.chain, retracted=False)


def test_a_change_cannot_start_a_fact() -> None:
    with pytest.raises(FactStateError, match="cannot start fact 'chn-envoy'"):
        fold([change(FactRetracted, 1)])


def test_retracting_and_reinstating_flip_the_flag_and_keep_the_content() -> None:
    events: list[DomainEvent] = [recorded(), change(FactRetracted, 2)]

    retracted = fold(events)
    reinstated = fold([*events, change(FactReinstated, 3)])

    assert retracted is not None
    assert reinstated is not None
    assert (retracted.retracted, retracted.version) == (True, 2)
    assert (reinstated.retracted, reinstated.version) == (False, 3)
    assert retracted.content == reinstated.content == CONTENT


def test_a_correction_changes_the_content_and_keeps_the_flag() -> None:
    folded = fold([recorded(), correction(date="2021-09")])

    assert folded is not None
    assert folded.content == CONTENT.model_copy(update={"date": "2021-09"})
    assert (folded.version, folded.retracted) == (2, False)


def test_the_fold_follows_version_chain_and_change_ids() -> None:
    first = recorded()
    second = change(FactRetracted, 2).chained(first.chain)
    third = change(FactReinstated, 3).chained(second.chain)

    folded = fold([first, second, third])

    assert folded is not None
    assert folded.version == 3
    assert folded.chain == third.chain
    assert folded.change_ids == {"c2", "c3"}


# The guards


def test_a_fact_that_counts_can_be_corrected_and_retracted_but_not_reinstated() -> None:
    check_can_correct(state())
    check_can_retract(state())
    with pytest.raises(FactStateError, match="fact 'chn-envoy' is not retracted"):
        check_can_reinstate(state())


def test_a_retracted_fact_can_be_reinstated_but_not_corrected_or_retracted() -> None:
    check_can_reinstate(state(retracted=True))
    with pytest.raises(FactStateError, match="reinstate it before correcting it"):
        check_can_correct(state(retracted=True))
    with pytest.raises(FactStateError, match="fact 'chn-envoy' is already retracted"):
        check_can_retract(state(retracted=True))


def test_each_change_event_has_its_guard() -> None:
    guards = [
        (FactCorrected, check_can_correct),
        (FactRetracted, check_can_retract),
        (FactReinstated, check_can_reinstate),
        (FactRanked, check_can_rank),
    ]

    assert len(CHANGE_CHECKS) == len(guards)
    assert all(CHANGE_CHECKS[event] is guard for event, guard in guards)


@pytest.mark.parametrize("error", [FactStateError, UnknownFactError])
def test_lifecycle_errors_are_the_projects(error: type[Exception]) -> None:
    assert issubclass(error, StancelineError)


def test_lifecycle_errors_also_inherit_the_nearest_builtin() -> None:
    assert issubclass(FactStateError, ValueError)
    assert issubclass(UnknownFactError, LookupError)


# corrected()


def test_a_correction_replaces_only_the_fields_it_gives() -> None:
    new_source = Source(title="Reuters")

    result = corrected(CONTENT, correction(summary="Better", source=new_source))

    assert result == CONTENT.model_copy(update={"summary": "Better", "source": new_source})


def test_a_corrected_source_replaces_the_whole_source() -> None:
    result = corrected(CONTENT, correction(source=Source(title="Reuters")))

    assert result.source.publisher is None
    assert result.source.published is None


def test_a_kind_change_keeps_the_details_when_the_new_kind_accepts_them() -> None:
    result = corrected(CONTENT, correction(kind=FactKind.TALIBAN_ENVOY_ACCEPTED))

    assert result.kind is FactKind.TALIBAN_ENVOY_ACCEPTED
    assert result.details == {"level": "ambassador"}


def test_a_kind_change_drops_old_details_that_do_not_fit_the_new_kind() -> None:
    result = corrected(CONTENT, correction(kind=FactKind.KABUL_MISSION_CLOSED))

    assert (result.kind, result.details) == (FactKind.KABUL_MISSION_CLOSED, {})


def test_a_kind_change_to_a_kind_that_needs_details_needs_them() -> None:
    with pytest.raises(ValidationError):
        corrected(CONTENT, correction(kind=FactKind.SANCTIONS_IMPOSED))


def test_a_kind_change_with_new_details_takes_them_all() -> None:
    event = correction(kind=FactKind.SANCTIONS_IMPOSED, details={"measure": "travel_ban"})

    result = corrected(CONTENT, event)

    assert (result.kind, result.details) == (FactKind.SANCTIONS_IMPOSED, {"measure": "travel_ban"})
    assert result.effect() is not None


def test_empty_details_clear_them_for_a_kind_that_takes_none() -> None:
    result = corrected(CONTENT, correction(kind=FactKind.KABUL_MISSION_CLOSED, details={}))

    assert result.details == {}


def test_corrected_details_are_stored_as_the_kind_writes_them() -> None:
    envoy = CONTENT.model_copy(update={"kind": FactKind.TALIBAN_ENVOY_ACCEPTED})

    result = corrected(envoy, correction(details={}))

    assert result.details == {"level": "charge_d_affaires"}


def test_details_that_do_not_fit_the_kind_are_refused() -> None:
    with pytest.raises(ValidationError):
        corrected(CONTENT, correction(details={"level": "consul"}))


@given(fact_contents())
def test_law_a_correction_without_fields_changes_nothing(content: FactContent) -> None:
    assert corrected(content, correction()) == content


@given(fact_contents(), edtf_dates(), st.none() | texts(), st.none() | sources())
def test_law_applying_a_correction_twice_is_applying_it_once(
    content: FactContent, date: str, summary: str | None, source: Source | None
) -> None:
    event = correction(date=date, summary=summary, source=source)

    once = corrected(content, event)

    assert corrected(once, event) == once
    assert once.date == date
    assert (once.kind, once.actor, once.details) == (content.kind, content.actor, content.details)


# Change requests and the events they make


def test_a_change_request_names_exactly_one_fact_and_says_why() -> None:
    request = validate_change({"corrects": "chn-envoy", "reason": "wrong", "date": "2021-09"})

    assert (request.action, request.fact_id, request.reason) == (
        FactCorrected,
        "chn-envoy",
        "wrong",
    )
    assert request.fields == {"date": "2021-09"}


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"corrects": "a", "reason": "r"}, "corrects", "changes at least one of"),
        ({"corrects": "a", "retracts": "a", "reason": "r"}, "corrects", "exactly one"),
        ({"retracts": "a", "reason": "r", "date": "2025"}, "date", "only a correction"),
        ({"reinstates": "a", "reason": "r", "summary": "s"}, "summary", "only a correction"),
        ({"retracts": "a"}, "reason", "Field required"),
        ({"retracts": "a", "reason": "  "}, "reason", "at least 1 character"),
        ({"retracts": "a", "reason": "r", "colour": "red"}, "colour", "unknown key"),
        ({"retracts": "not an id!", "reason": "r"}, "retracts", "not a valid key"),
        ({"corrects": "a", "reason": "r", "date": "2025-02-30"}, "date", "not a calendar day"),
        ({"corrects": "a", "reason": "r", "kind": "coup"}, "kind", "Input should be"),
    ],
)
def test_a_bad_change_request_names_its_field(
    raw: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(FieldError) as caught:
        validate_change(raw)

    assert caught.value.field == field
    assert message in caught.value.message


def test_a_corrected_date_is_stored_in_its_normal_form() -> None:
    request = validate_change({"corrects": "a", "reason": "r", "date": " 2025-04 "})

    assert request.fields == {"date": "2025-04"}


def test_the_same_request_has_the_same_change_id_and_a_salt_changes_it() -> None:
    raw = {"retracts": "a", "reason": "duplicate"}

    first, second = validate_change(raw), validate_change(dict(raw))

    assert first.change_id() == second.change_id()
    assert first.change_id("v1") != first.change_id("v2")
    assert first.change_id() != validate_change({**raw, "reason": "other"}).change_id()


def make_event(raw: dict[str, Any], current: FactState) -> FactChanged:
    return change_event(
        validate_change(raw), current, change_id="c", recorded_at=AT, recorded_by="auditor"
    )


def test_a_change_event_is_the_next_version_chained_to_the_fact() -> None:
    first = recorded()
    current = fold([first])
    assert current is not None

    event = make_event({"retracts": "chn-envoy", "reason": "duplicate"}, current)

    assert isinstance(event, FactRetracted)
    assert event.originator_version == 2
    assert event.chain == event.digest(first.chain)
    assert (event.reason, event.recorded_by, event.timestamp) == ("duplicate", "auditor", AT)


@pytest.mark.parametrize(
    ("raw", "retracted", "message"),
    [
        ({"retracts": "chn-envoy", "reason": "r"}, True, "already retracted"),
        ({"corrects": "chn-envoy", "reason": "r", "date": "2025"}, True, "reinstate it"),
        ({"reinstates": "chn-envoy", "reason": "r"}, False, "is not retracted"),
    ],
)
def test_a_change_the_state_does_not_allow_is_refused(
    raw: dict[str, Any], retracted: bool, message: str
) -> None:
    with pytest.raises(FactStateError, match=message):
        make_event(raw, state(retracted))


def test_a_correction_that_changes_nothing_is_refused() -> None:
    same = {"corrects": "chn-envoy", "reason": "r", "date": CONTENT.date}

    with pytest.raises(FieldError) as caught:
        make_event(same, state())

    assert caught.value.field == "corrects"
    assert "changes nothing in fact 'chn-envoy'" in caught.value.message


def test_a_kind_change_without_fitting_details_names_the_details() -> None:
    raw = {"corrects": "chn-envoy", "reason": "r", "kind": "sanctions_imposed"}

    with pytest.raises(FieldError) as caught:
        make_event(raw, state())

    assert caught.value.field.startswith("details")


def test_a_kind_change_with_fitting_details_is_a_correction() -> None:
    raw = {
        "corrects": "chn-envoy",
        "reason": "r",
        "kind": "sanctions_imposed",
        "details": {"measure": "travel_ban"},
    }

    event = make_event(raw, state())

    assert isinstance(event, FactCorrected)
    assert event.changes() == {
        "kind": "sanctions_imposed",
        "details": {"measure": "travel_ban"},
    }
