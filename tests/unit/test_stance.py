"""Stance rules: what each component may be on a day, and the summary (DESIGN §3, §4)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.dates import parse_effective_date
from stanceline.domain.facts import DEFAULTS, VALUES, Component
from stanceline.domain.stance import (
    Answer,
    Certainty,
    Occurrence,
    Stance,
    Summary,
    answer_on,
    stance_on,
    summarise,
)
from tests.strategies import (
    DISJOINT_WINDOW_DAYS,
    FACT_WINDOW_DAYS,
    FACT_WINDOW_START,
    MEASURES,
    SUMMARY_COMPONENTS,
    days,
    disjoint_occurrences,
    occurrences,
    query_days_near,
)

D = date
DESIGNATION = Component.DESIGNATION
SANCTIONS = Component.SANCTIONS
ONE_VALUE_COMPONENTS = tuple(c for c in Component if c is not SANCTIONS)


class Record:
    """Facts of one actor in recording order, as a historian would write them down."""

    def __init__(self) -> None:
        self.facts: list[Occurrence] = []

    def add(
        self, component: Component, value: str, edtf: str, measure: str | None = None
    ) -> Occurrence:
        effective = parse_effective_date(edtf)
        fact = Occurrence(
            fact_id=f"f{len(self.facts) + 1}",
            component=component,
            value=value,
            earliest=effective.earliest,
            latest=effective.latest,
            position=len(self.facts) + 1,
            edtf=edtf,
            measure=measure,
        )
        self.facts.append(fact)
        return fact

    def on(self, day: date) -> Stance:
        return stance_on(self.facts, day)


def assert_answer(answer: Answer, value: str, *alternatives: str) -> None:
    assert answer.value == value
    assert answer.alternatives == sorted(alternatives)
    assert answer.possible == frozenset({value, *alternatives})
    expected = Certainty.UNCERTAIN if alternatives else Certainty.CERTAIN
    assert answer.certainty is expected


# Scenarios


def test_russia_designation_from_2003_lifted_in_april_2025() -> None:
    russia = Record()
    designated = russia.add(DESIGNATION, "designated", "2003")
    lifted = russia.add(DESIGNATION, "not_designated", "2025-04")

    before = russia.on(D(2025, 3, 31)).components[DESIGNATION]
    assert_answer(before, "designated")
    assert before.since == "2003"
    assert before.facts == (designated.fact_id,)

    # "April 2025" does not say whether the designation was still in force on 10 April.
    during = russia.on(D(2025, 4, 10)).components[DESIGNATION]
    assert_answer(during, "designated", "not_designated")
    assert during.since == "2003"
    assert during.facts == (designated.fact_id, lifted.fact_id)

    after = russia.on(D(2025, 5, 1)).components[DESIGNATION]
    assert_answer(after, "not_designated")
    assert after.since == "2025-04"
    assert after.facts == (lifted.fact_id,)


def test_a_day_precise_fact_applies_on_its_own_day_and_not_before() -> None:
    record = Record()
    granted = record.add(Component.RECOGNITION, "recognized", "2025-07-03")

    assert_answer(record.on(D(2025, 7, 2)).components[Component.RECOGNITION], "none")
    on_the_day = record.on(D(2025, 7, 3)).components[Component.RECOGNITION]
    assert_answer(on_the_day, "recognized")
    assert on_the_day.since == "2025-07-03"
    assert on_the_day.facts == (granted.fact_id,)


def test_before_any_fact_every_component_is_its_default_and_certain() -> None:
    stance = stance_on([], D(2025, 1, 1))
    assert set(stance.components) == set(Component)
    for component, answer in stance.components.items():
        assert_answer(answer, DEFAULTS[component])
        assert answer.since is None
        assert answer.facts == ()
    assert_answer(stance.summary, Summary.NO_RELATIONS.value)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("designated", "not_designated", "not_designated"),
        ("not_designated", "designated", "designated"),
    ],
)
def test_facts_on_the_same_day_apply_in_recording_order(
    first: str, second: str, expected: str
) -> None:
    record = Record()
    record.add(DESIGNATION, first, "2025-06-15")
    later = record.add(DESIGNATION, second, "2025-06-15")

    answer = record.on(D(2025, 6, 15)).components[DESIGNATION]
    assert_answer(answer, expected)
    assert answer.facts == (later.fact_id,)


def test_certainty_is_about_the_value_not_the_facts() -> None:
    record = Record()
    record.add(Component.TALIBAN_ENVOY, "none", "2025-08")

    # Closed "some day in August" when none was open: "none" whether or not it happened yet.
    mid_august = record.on(D(2025, 8, 10)).components[Component.TALIBAN_ENVOY]
    assert_answer(mid_august, "none")
    assert mid_august.since is None

    september = record.on(D(2025, 9, 1)).components[Component.TALIBAN_ENVOY]
    assert_answer(september, "none")
    assert september.since == "2025-08"


@pytest.mark.parametrize("lift_first", [False, True])
def test_overlapping_ranges_leave_their_order_unknown(lift_first: bool) -> None:
    record = Record()
    if lift_first:
        lifted = record.add(DESIGNATION, "not_designated", "2025-06-15")
        designated = record.add(DESIGNATION, "designated", "2025")
    else:
        designated = record.add(DESIGNATION, "designated", "2025")
        lifted = record.add(DESIGNATION, "not_designated", "2025-06-15")

    # Both certainly happened by then, but "in 2025" may be before or after 15 June.
    answer = record.on(D(2026, 1, 1)).components[DESIGNATION]
    assert_answer(answer, "designated", "not_designated")
    # "value" follows the fact with the greatest latest day ("2025" ends on 31 December).
    assert answer.since == "2025"
    assert answer.facts == (designated.fact_id, lifted.fact_id)


def test_value_follows_the_greatest_latest_day_then_position_among_certain_facts() -> None:
    record = Record()
    record.add(DESIGNATION, "designated", "2025-06-01/2025-06-15")
    lifted = record.add(DESIGNATION, "not_designated", "2025-06-15")
    # Uncertain on 15 June: only certain facts decide "value".
    record.add(DESIGNATION, "designated", "2025-06-15/2025-06-20")

    answer = record.on(D(2025, 6, 15)).components[DESIGNATION]
    assert answer.value == "not_designated"
    assert answer.since == "2025-06-15"
    assert answer.facts[0] == lifted.fact_id
    assert answer.possible == {"designated", "not_designated"}


def test_an_earlier_recorded_fact_cannot_follow_a_same_day_fact_on_that_day() -> None:
    record = Record()
    record.add(DESIGNATION, "designated", "2025-06-10/2025-06-20")
    lifted = record.add(DESIGNATION, "not_designated", "2025-06-15")

    # Had the designation happened by the 15th, it came first (same day: recorded first).
    on_the_day = record.on(D(2025, 6, 15)).components[DESIGNATION]
    assert_answer(on_the_day, "not_designated")
    assert on_the_day.facts == (lifted.fact_id,)
    assert_answer(record.on(D(2025, 6, 16)).components[DESIGNATION], "not_designated", "designated")


def test_a_fact_ranging_over_the_day_may_or_may_not_have_happened() -> None:
    record = Record()
    record.add(Component.ASSETS, "frozen", "2024-09-02/2024-09-06")

    assert_answer(record.on(D(2024, 9, 1)).components[Component.ASSETS], "not_frozen")
    for day in range(2, 6):
        answer = record.on(D(2024, 9, day)).components[Component.ASSETS]
        assert_answer(answer, "not_frozen", "frozen")
        assert answer.since is None
    assert_answer(record.on(D(2024, 9, 6)).components[Component.ASSETS], "frozen")


def test_a_fact_after_the_day_does_not_matter() -> None:
    record = Record()
    record.add(Component.ASSETS, "frozen", "2024-09-02")
    record.add(Component.ASSETS, "not_frozen", "2024-10")
    answer = record.on(D(2024, 9, 30)).components[Component.ASSETS]
    assert_answer(answer, "frozen")
    assert answer.facts == ("f1",)


class TestSanctions:
    """One small component per measure; active while any measure is active."""

    @pytest.fixture
    def record(self) -> Record:
        record = Record()
        record.add(SANCTIONS, "active", "2025-01-10", "travel_ban")
        record.add(SANCTIONS, "active", "2025-02-10", "arms_embargo")
        record.add(SANCTIONS, "none", "2025-03", "travel_ban")
        record.add(SANCTIONS, "none", "2025-04-20", "arms_embargo")
        return record

    @pytest.mark.parametrize(
        ("day", "alternatives"),
        [
            (D(2025, 1, 9), ()),
            (D(2025, 4, 20), ()),
            (D(2025, 12, 31), ()),
        ],
    )
    def test_none_when_every_measure_is_certainly_none(
        self, record: Record, day: date, alternatives: tuple[str, ...]
    ) -> None:
        assert_answer(record.on(day).components[SANCTIONS], "none", *alternatives)

    @pytest.mark.parametrize("day", [D(2025, 1, 10), D(2025, 2, 15), D(2025, 3, 15)])
    def test_active_while_any_measure_is_certainly_active(self, record: Record, day: date) -> None:
        # On 15 March the travel ban may have been lifted, but the arms embargo holds.
        assert_answer(record.on(day).components[SANCTIONS], "active")

    def test_since_names_the_latest_active_measure(self, record: Record) -> None:
        answer = record.on(D(2025, 2, 15)).components[SANCTIONS]
        assert answer.since == "2025-02-10"
        assert answer.facts[0] == "f2"

    def test_one_uncertain_measure_and_the_other_none_is_uncertain(self) -> None:
        record = Record()
        record.add(SANCTIONS, "active", "2025-01-10", "travel_ban")
        record.add(SANCTIONS, "none", "2025-03", "travel_ban")
        record.add(SANCTIONS, "none", "2025-01-12", "arms_embargo")
        assert_answer(record.on(D(2025, 3, 15)).components[SANCTIONS], "active", "none")

    def test_two_uncertain_measures_are_uncertain(self) -> None:
        record = Record()
        record.add(SANCTIONS, "active", "2025-01-10", "travel_ban")
        record.add(SANCTIONS, "none", "2025-03", "travel_ban")
        record.add(SANCTIONS, "active", "2025-03-05/2025-03-20", "arms_embargo")
        assert_answer(record.on(D(2025, 3, 10)).components[SANCTIONS], "active", "none")

    def test_an_uncertain_measure_beside_an_active_one_is_certainly_active(self) -> None:
        record = Record()
        record.add(SANCTIONS, "active", "2025-03-05/2025-03-20", "arms_embargo")
        record.add(SANCTIONS, "active", "2025-01-10", "travel_ban")
        answer = record.on(D(2025, 3, 10)).components[SANCTIONS]
        assert_answer(answer, "active")
        assert answer.since == "2025-01-10"

    def test_lifting_one_measure_leaves_another_in_force(self) -> None:
        record = Record()
        record.add(SANCTIONS, "active", "2025-01-10", "travel_ban")
        record.add(SANCTIONS, "active", "2025-01-10", "arms_embargo")
        record.add(SANCTIONS, "none", "2025-01-11", "travel_ban")
        assert_answer(record.on(D(2025, 1, 11)).components[SANCTIONS], "active")


@pytest.mark.parametrize(
    ("recognition", "taliban_envoy", "envoy_to_kabul", "designation", "expected"),
    [
        ("recognized", "ambassador", "ambassador", "designated", "recognized"),
        ("recognized", "none", "none", "not_designated", "recognized"),
        ("none", "ambassador", "charge_d_affaires", "designated", "ambassador_level"),
        ("none", "charge_d_affaires", "ambassador", "designated", "ambassador_level"),
        ("none", "charge_d_affaires", "none", "designated", "charge_level"),
        ("none", "none", "charge_d_affaires", "not_designated", "charge_level"),
        ("none", "none", "none", "designated", "designated"),
        ("none", "none", "none", "not_designated", "no_relations"),
    ],
)
def test_summary_takes_the_first_rule_that_holds(
    recognition: str, taliban_envoy: str, envoy_to_kabul: str, designation: str, expected: str
) -> None:
    assert summarise(recognition, taliban_envoy, envoy_to_kabul, designation) == expected


def test_summary_of_an_actor_moving_up_the_rules() -> None:
    record = Record()
    record.add(DESIGNATION, "designated", "2003")
    record.add(Component.TALIBAN_ENVOY, "charge_d_affaires", "2024-09-02")
    record.add(Component.ENVOY_TO_KABUL, "ambassador", "2025-01-15")
    record.add(Component.RECOGNITION, "recognized", "2025-07-03")

    expected = [
        (D(2002, 12, 31), "no_relations"),
        (D(2004, 1, 1), "designated"),
        (D(2024, 9, 2), "charge_level"),
        (D(2025, 1, 15), "ambassador_level"),
        (D(2025, 7, 3), "recognized"),
    ]
    for day, summary in expected:
        assert_answer(record.on(day).summary, summary)


def test_uncertain_inputs_make_the_summary_uncertain() -> None:
    record = Record()
    record.add(DESIGNATION, "designated", "2003")
    record.add(Component.RECOGNITION, "recognized", "2025-07")

    summary = record.on(D(2025, 7, 10)).summary
    assert_answer(summary, "designated", "recognized")


def test_summary_is_certain_when_every_possibility_gives_the_same_word() -> None:
    record = Record()
    record.add(Component.RECOGNITION, "recognized", "2025-07-03")
    # Whether or not the envoy was accepted yet, a recognizing actor's summary is "recognized".
    record.add(Component.TALIBAN_ENVOY, "ambassador", "2025-07")
    stance = record.on(D(2025, 7, 10))
    assert stance.components[Component.TALIBAN_ENVOY].certainty is Certainty.UNCERTAIN
    assert_answer(stance.summary, "recognized")


def test_statement_free_components_are_independent_of_each_other() -> None:
    record = Record()
    record.add(Component.ASSETS, "frozen", "2021-08")
    stance = record.on(D(2021, 8, 10))
    assert_answer(stance.components[Component.ASSETS], "not_frozen", "frozen")
    for component in Component:
        if component is not Component.ASSETS:
            assert_answer(stance.components[component], DEFAULTS[component])
    assert_answer(stance.summary, "no_relations")


# The oracle: enumerate one day per fact and see what each choice gives (DESIGN §3).


def days_of(fact: Occurrence) -> list[date]:
    return [
        fact.earliest + timedelta(days=n) for n in range((fact.latest - fact.earliest).days + 1)
    ]


def day_choices(facts: Sequence[Occurrence]) -> Iterator[tuple[date, ...]]:
    return product(*(days_of(fact) for fact in facts))


def value_on(facts: Sequence[Occurrence], days: Sequence[date], on: date, default: str) -> str:
    """The effect of the latest fact on or before `on` (same day: recording order)."""
    chosen = zip(facts, days, strict=True)
    happened = [(day, fact.position, fact.value) for fact, day in chosen if day <= on]
    return max(happened)[2] if happened else default


def brute_possible(facts: Sequence[Occurrence], on: date, default: str) -> set[str]:
    return {value_on(facts, days, on, default) for days in day_choices(facts)}


def sanctions_on(facts: Sequence[Occurrence], days: Sequence[date], on: date) -> str:
    measures = {fact.measure for fact in facts}
    values = []
    for measure in measures:
        picked = [(f, d) for f, d in zip(facts, days, strict=True) if f.measure == measure]
        values.append(value_on([f for f, _ in picked], [d for _, d in picked], on, "none"))
    return "active" if "active" in values else "none"


def expected_value(facts: Sequence[Occurrence], on: date, default: str) -> tuple[str, str | None]:
    """The value and `since` of the certain fact with the greatest (latest, position)."""
    certain = [fact for fact in facts if fact.latest <= on]
    if not certain:
        return default, None
    behind = max(certain, key=lambda fact: (fact.latest, fact.position))
    return behind.value, behind.edtf


def assert_consistent(answer: Answer) -> None:
    assert answer.value in answer.possible
    assert answer.value not in answer.alternatives
    assert (answer.certainty is Certainty.CERTAIN) == (len(answer.possible) == 1)
    assert answer.alternatives == sorted(answer.possible - {answer.value})


@st.composite
def one_component(draw: st.DrawFn) -> tuple[Component, list[Occurrence]]:
    component = draw(st.sampled_from(ONE_VALUE_COMPONENTS))
    return component, draw(occurrences(components=(component,)))


@given(one_component(), st.data())
def test_possible_values_are_exactly_those_some_choice_of_days_gives(
    case: tuple[Component, list[Occurrence]], data: st.DataObject
) -> None:
    component, facts = case
    on = data.draw(query_days_near(facts), label="on")
    default = DEFAULTS[component]
    answer = answer_on(facts, on, default)
    assert answer.possible == brute_possible(facts, on, default)
    assert_consistent(answer)
    value, since = expected_value(facts, on, default)
    assert answer.value == value
    assert answer.since == since
    assert set(answer.facts) <= {fact.fact_id for fact in facts}
    if since is not None:
        assert answer.facts[0] in {f.fact_id for f in facts if f.latest <= on and f.edtf == since}


# Every day in and around the window, for the properties that check them all.
WINDOW = [FACT_WINDOW_START + timedelta(days=n) for n in range(-2, FACT_WINDOW_DAYS + 2)]


@given(occurrences(components=(DESIGNATION,)))
def test_possible_values_name_exactly_the_facts_that_some_choice_of_days_puts_last(
    facts: list[Occurrence],
) -> None:
    # With every fact setting a value of its own, a possible value names a fact that can be
    # the last one on the day (or the default): a sharper oracle than two or three values.
    labelled = [replace(fact, value=fact.fact_id) for fact in facts]
    expected: dict[date, set[str]] = {on: set() for on in WINDOW}
    for choice in day_choices(labelled):
        for on in WINDOW:
            expected[on].add(value_on(labelled, choice, on, "default"))
    for on in WINDOW:
        answer = answer_on(labelled, on, "default")
        assert answer.possible == expected[on], on
        assert_consistent(answer)
        assert answer.value == expected_value(labelled, on, "default")[0]


@given(occurrences(components=(SANCTIONS,)), st.data())
def test_sanctions_possible_values_match_the_enumeration(
    facts: list[Occurrence], data: st.DataObject
) -> None:
    on = data.draw(query_days_near(facts), label="on")
    answer = stance_on(facts, on).components[SANCTIONS]
    expected = {sanctions_on(facts, days, on) for days in day_choices(facts)}
    assert answer.possible == expected
    assert_consistent(answer)
    values = []
    for measure in MEASURES:
        group = [fact for fact in facts if fact.measure == measure]
        values.append(expected_value(group, on, "none")[0])
    assert answer.value == ("active" if "active" in values else "none")


@given(occurrences(components=tuple(Component)), st.data())
def test_summary_possible_values_match_the_enumeration(
    facts: list[Occurrence], data: st.DataObject
) -> None:
    on = data.draw(query_days_near(facts), label="on")
    stance = stance_on(facts, on)
    inputs = [[fact for fact in facts if fact.component is c] for c in SUMMARY_COMPONENTS]
    expected = set()
    for choice in product(*(list(day_choices(group)) for group in inputs)):
        values = [
            value_on(group, days, on, DEFAULTS[component])
            for group, days, component in zip(inputs, choice, SUMMARY_COMPONENTS, strict=True)
        ]
        expected.add(summarise(*values))
    assert stance.summary.possible == expected
    assert_consistent(stance.summary)
    assert stance.summary.value == summarise(
        *(stance.components[component].value for component in SUMMARY_COMPONENTS)
    )


@given(occurrences(components=tuple(Component)), st.data())
def test_every_component_of_a_stance_matches_the_enumeration(
    facts: list[Occurrence], data: st.DataObject
) -> None:
    on = data.draw(query_days_near(facts), label="on")
    stance = stance_on(facts, on)
    assert stance.on == on
    for component in ONE_VALUE_COMPONENTS:
        group = [fact for fact in facts if fact.component is component]
        answer = stance.components[component]
        assert answer.possible == brute_possible(group, on, DEFAULTS[component])
        assert answer.value == expected_value(group, on, DEFAULTS[component])[0]
        assert answer.possible <= set(VALUES[component])


def relabelled(facts: Sequence[Occurrence], positions: Sequence[int]) -> list[Occurrence]:
    return [
        Occurrence(f.fact_id, f.component, f.value, f.earliest, f.latest, p, f.edtf, f.measure)
        for f, p in zip(facts, positions, strict=True)
    ]


@given(disjoint_occurrences(), st.data())
def test_recording_order_does_not_matter_when_ranges_do_not_share_a_day(
    facts: list[Occurrence], data: st.DataObject
) -> None:
    positions = data.draw(st.permutations(range(1, len(facts) + 1)))
    shuffled = relabelled(facts, positions)
    for offset in range(-1, DISJOINT_WINDOW_DAYS + 1):
        on = FACT_WINDOW_START + timedelta(days=offset)
        original, reordered = stance_on(facts, on), stance_on(shuffled, on)
        for component in Component:
            assert reordered.components[component].possible == (
                original.components[component].possible
            )
            assert reordered.components[component].value == original.components[component].value
        assert reordered.summary == original.summary


def test_stance_on_accepts_facts_in_any_list_order() -> None:
    record = Record()
    record.add(DESIGNATION, "designated", "2003")
    record.add(DESIGNATION, "not_designated", "2025-04")
    record.add(Component.RECOGNITION, "recognized", "2025-07-03")
    day = D(2025, 7, 4)
    assert record.on(day) == stance_on(list(reversed(record.facts)), day)


@given(st.sampled_from(tuple(Component)), st.data(), days())
def test_a_day_precise_fact_changes_its_component_exactly_on_that_day(
    component: Component, data: st.DataObject, day: date
) -> None:
    others = [value for value in VALUES[component] if value != DEFAULTS[component]]
    value = data.draw(st.sampled_from(others))
    measure = MEASURES[0] if component is SANCTIONS else None
    fact = Occurrence("f1", component, value, day, day, 1, day.isoformat(), measure)

    before = stance_on([fact], day - timedelta(days=1)).components[component]
    assert_answer(before, DEFAULTS[component])
    assert before.since is None
    on_the_day = stance_on([fact], day).components[component]
    assert_answer(on_the_day, value)
    assert on_the_day.since == day.isoformat()
    assert on_the_day.facts == ("f1",)
