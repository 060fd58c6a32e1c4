"""Competing claims (DESIGN §7): the rules against a brute-force enumeration of claims x days."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import product

from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.claims import counting, happening, turning_days
from stanceline.domain.facts import DEFAULTS, Component, Rank
from stanceline.domain.segments import stance_segments, summary_segments
from stanceline.domain.stance import Answer, Occurrence, stance_on, summarise
from tests.strategies import FACT_WINDOW_START, claimed_occurrences, query_days

SUMMARY_INPUTS = (
    Component.RECOGNITION,
    Component.TALIBAN_ENVOY,
    Component.ENVOY_TO_KABUL,
    Component.DESIGNATION,
)

# The oracle: per happening one claim and one day of its range; the latest chosen claim on
# or before the day gives the value (same day: recording order).

Choice = tuple[Occurrence, date]


def days_of(claim: Occurrence) -> list[date]:
    span = (claim.latest - claim.earliest).days
    return [claim.earliest + timedelta(days=n) for n in range(span + 1)]


def happenings(claims: Sequence[Occurrence]) -> list[list[Occurrence]]:
    groups: dict[str, list[Occurrence]] = {}
    for claim in claims:
        groups.setdefault(happening(claim), []).append(claim)
    return list(groups.values())


def choices(groups: Sequence[Sequence[Occurrence]]) -> Iterator[tuple[Choice, ...]]:
    return product(*([(c, d) for c in claims for d in days_of(c)] for claims in groups))


def value_on(chosen: Sequence[Choice], on: date, default: str) -> str:
    happened = [(day, claim.position, claim.value) for claim, day in chosen if day <= on]
    return max(happened)[2] if happened else default


def measures(claims: Sequence[Occurrence]) -> dict[str | None, list[Occurrence]]:
    found: dict[str | None, list[Occurrence]] = {}
    for claim in claims:
        found.setdefault(claim.measure, []).append(claim)
    return found


def component_possible(
    component: Component, groups: Sequence[Sequence[Occurrence]], on: date
) -> frozenset[str]:
    """Every value some choice gives; sanctions: active while any measure is."""
    if component is not Component.SANCTIONS:
        default = DEFAULTS[component]
        return frozenset(value_on(chosen, on, default) for chosen in choices(groups))
    by_measure: dict[str | None, list[Sequence[Occurrence]]] = {}
    for claims in groups:
        by_measure.setdefault(claims[0].measure, []).append(claims)
    per_measure = [
        {value_on(chosen, on, "none") for chosen in choices(measure_groups)}
        for measure_groups in by_measure.values()
    ]
    return frozenset(
        "active" if "active" in combo else "none" for combo in product(*per_measure)
    ) or frozenset({"none"})


def fixings(groups: Sequence[Sequence[Occurrence]]) -> Iterator[list[list[Sequence[Occurrence]]]]:
    """For each happening with two or more claims: the groups with it fixed to each claim."""
    for i, claims in enumerate(groups):
        if len(claims) > 1:
            yield [[*groups[:i], [claim], *groups[i + 1 :]] for claim in claims]


def primary_value(claims: Sequence[Occurrence], on: date, default: str) -> tuple[str, str | None]:
    """§3's value with each happening read as its claim recorded first."""
    primary = [min(group, key=lambda c: c.position) for group in happenings(claims)]
    certain = [c for c in primary if c.latest <= on]
    if not certain:
        return default, None
    behind = max(certain, key=lambda c: (c.latest, c.position))
    return behind.value, behind.edtf


def summary_possible(possibles: dict[Component, frozenset[str]]) -> frozenset[str]:
    inputs = [sorted(possibles[c]) for c in SUMMARY_INPUTS]
    return frozenset(summarise(*combo) for combo in product(*inputs))


def oracle(facts: Sequence[Occurrence], on: date) -> dict[str, tuple[object, ...]]:
    """Each part's (possible, disputed, default) on `on`, and the summary's, by enumeration."""
    by_component = {c: [f for f in facts if f.component is c] for c in Component}
    groups = {c: happenings(claims) for c, claims in by_component.items()}
    possibles = {c: component_possible(c, groups[c], on) for c in Component}
    found: dict[str, tuple[object, ...]] = {}
    summary_disputed = False
    for component in Component:
        readings = [
            {component_possible(component, fixed, on) for fixed in alternatives}
            for alternatives in fixings(groups[component])
        ]
        disputed = any(len(reading) > 1 for reading in readings)
        default = not any(f.earliest <= on for f in by_component[component])
        found[component.value] = (possibles[component], disputed, default)
        if component in SUMMARY_INPUTS:
            summary_disputed |= any(
                len({summary_possible({**possibles, component: p}) for p in reading}) > 1
                for reading in readings
            )
    every_default = all(found[c.value][2] for c in Component)
    found["summary"] = (summary_possible(possibles), summary_disputed, every_default)
    return found


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
