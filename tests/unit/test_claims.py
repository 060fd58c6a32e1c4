"""Competing claims (DESIGN §7): the rules against a brute-force enumeration of claims x days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.claims import counting, turning_days
from stanceline.domain.facts import DEFAULTS, Component, Rank
from stanceline.domain.segments import stance_segments, summary_segments
from stanceline.domain.stance import Answer, Occurrence, stance_on
from tests.oracle import oracle, primary_value
from tests.strategies import FACT_WINDOW_START, claimed_occurrences, query_days


def shown(answer: Answer) -> tuple[object, ...]:
    return (answer.possible, answer.disputed, answer.default)


@given(claimed_occurrences(), query_days())
def test_every_part_matches_the_enumeration_over_claims_and_days(
    facts: list[Occurrence], on: date
) -> None:
    stance = stance_on(facts, on)
    expected = oracle(facts, on)
    assert shown(stance.summary) == expected["summary"]
    for component, answer in stance.components.items():
        assert shown(answer) == expected[component.value], component
        assert answer.value in answer.possible
        assert not answer.disputed or len(answer.possible) > 1  # disputed: never certain
        if component is not Component.SANCTIONS:
            claims = [f for f in facts if f.component is component]
            value, since = primary_value(claims, on, DEFAULTS[component])
            assert (answer.value, answer.since) == (value, since)


@given(claimed_occurrences(), st.data())
def test_the_segments_give_the_rules_answer_on_every_day(
    facts: list[Occurrence], data: st.DataObject
) -> None:
    components = stance_segments(facts)
    summary = summary_segments(components)
    days = [d for d in turning_days(facts) if d >= FACT_WINDOW_START - timedelta(days=2)]
    days += [data.draw(query_days(), label="on")]
    for on in days:
        stance = stance_on(facts, on)
        assert _holding(summary, on) == stance.summary
        for component, segments in components.items():
            assert _holding(segments, on) == stance.components[component]


def _holding(segments: Sequence[object], on: date) -> Answer:
    (answer,) = [s.answer for s in segments if s.start <= on <= s.end]  # type: ignore[attr-defined]
    return answer  # type: ignore[no-any-return]


@given(claimed_occurrences(), query_days(), st.permutations(range(6)))
def test_the_answer_does_not_depend_on_the_order_claims_are_given(
    facts: list[Occurrence], on: date, order: list[int]
) -> None:
    shuffled = [facts[i] for i in order if i < len(facts)]
    assert stance_on(shuffled, on) == stance_on(facts, on)


def test_two_sources_that_disagree_on_a_day_leave_the_days_between_disputed() -> None:
    first = Occurrence(
        "kgz-2-sep", Component.DESIGNATION, "not_designated", date(2024, 9, 2),
        date(2024, 9, 2), 2, "2024-09-02", event="kgz-delisting",
    )  # fmt: skip
    second = Occurrence(
        "kgz-6-sep", Component.DESIGNATION, "not_designated", date(2024, 9, 6),
        date(2024, 9, 6), 3, "2024-09-06", event="kgz-delisting",
    )  # fmt: skip
    imposed = Occurrence(
        "kgz-2006", Component.DESIGNATION, "designated", date(2006, 1, 1),
        date(2006, 12, 31), 1, "2006",
    )  # fmt: skip
    facts = [imposed, first, second]

    between = stance_on(facts, date(2024, 9, 4))
    designation = between.components[Component.DESIGNATION]
    assert designation.possible == {"designated", "not_designated"}
    assert designation.disputed
    assert not designation.default
    assert designation.value == "not_designated"  # the claim recorded first: 2 September
    assert between.summary.disputed
    after = stance_on(facts, date(2024, 9, 6)).components[Component.DESIGNATION]
    assert (after.possible, after.disputed) == ({"not_designated"}, False)
    before = stance_on(facts, date(2024, 9, 1)).components[Component.DESIGNATION]
    assert (before.possible, before.disputed) == ({"designated"}, False)


def test_a_dispute_that_cannot_change_the_summary_leaves_it_undisputed() -> None:
    recognized = Occurrence(
        "rec", Component.RECOGNITION, "recognized", date(2025, 7, 3), date(2025, 7, 3), 1,
        "2025-07-03",
    )  # fmt: skip
    early, late = (_lift(d) for d in (2, 20))
    imposed = Occurrence(
        "imp", Component.DESIGNATION, "designated", date(2003, 1, 1), date(2003, 12, 31), 0,
        "2003",
    )  # fmt: skip
    stance = stance_on([imposed, early, late, recognized], date(2025, 7, 3))
    assert not stance.components[Component.DESIGNATION].disputed  # both dates are past
    stance = stance_on([imposed, early, late, recognized], date(2025, 4, 10))
    assert stance.components[Component.DESIGNATION].disputed
    assert stance.summary.disputed  # designated or no relations
    on_day = stance_on([imposed, early, late, _on(recognized, date(2025, 4, 1))], date(2025, 4, 10))
    assert on_day.components[Component.DESIGNATION].disputed
    assert not on_day.summary.disputed  # recognized whichever source is right


def _lift(day: int) -> Occurrence:
    on = date(2025, 4, day)
    return Occurrence(
        f"lift-{day}", Component.DESIGNATION, "not_designated", on, on, day, on.isoformat(),
        event="lift",
    )  # fmt: skip


def _on(claim: Occurrence, day: date) -> Occurrence:
    return replace(claim, earliest=day, latest=day, edtf=day.isoformat())


class _Claim:
    def __init__(self, name: str, event: str | None, rank: Rank) -> None:
        self.name, self.event, self.rank = name, event, rank


@given(
    st.lists(st.tuples(st.sampled_from([None, "a", "b"]), st.sampled_from(list(Rank))), max_size=8)
)
def test_the_claims_that_count_are_the_preferred_else_the_normal(
    given_claims: list[tuple[str | None, Rank]],
) -> None:
    claims = [_Claim(f"c{i}", event, rank) for i, (event, rank) in enumerate(given_claims)]
    kept = counting(claims, lambda c: c.event, lambda c: c.rank)
    for claim in claims:
        peers = [c for c in claims if c.event is not None and c.event == claim.event]
        if claim.rank is Rank.DEPRECATED:
            expected = False
        elif claim.event is None or claim.rank is Rank.PREFERRED:
            expected = True
        else:
            expected = not any(c.rank is Rank.PREFERRED for c in peers)
        assert (claim in kept) == expected
    assert kept == [c for c in claims if c in kept]  # in the order given
