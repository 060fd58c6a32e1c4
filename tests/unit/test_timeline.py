"""Timelines: the summary and each component as bands of days (issues 6 and 16), checked
against day-by-day answers."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.dates import MAX_DAY, MIN_DAY, parse_effective_date
from stanceline.domain.diff import PARTS
from stanceline.domain.facts import Component
from stanceline.domain.stance import Occurrence, stance_on
from stanceline.domain.timeline import (
    Band,
    Part,
    component_bands,
    every_part_bands,
    first_day,
    part_bands,
    summary_bands,
)
from tests.strategies import FACT_WINDOW_DAYS, claimed_occurrences, occurrences, query_days

ONE_DAY = timedelta(days=1)


@st.composite
def ranges(draw: st.DrawFn) -> tuple[date, date]:
    """[start, end] in and around the fact window, from one day to the whole window and more."""
    start = draw(query_days(slack=3))
    return start, start + timedelta(days=draw(st.integers(0, FACT_WINDOW_DAYS + 5)))


def band_on(bands: list[Band], day: date) -> Band:
    (band,) = [b for b in bands if b.start <= day <= b.end]
    return band


def occurrence(
    fact_id: str, component: Component, value: str, edtf: str, position: int
) -> Occurrence:
    effective = parse_effective_date(edtf)
    return Occurrence(
        fact_id, component, value, effective.earliest, effective.latest, position, edtf
    )


@given(occurrences(), ranges())
def test_bands_give_the_summary_of_every_day(
    facts: list[Occurrence], span: tuple[date, date]
) -> None:
    start, end = span
    bands = summary_bands(facts, start, end)
    day = start
    while day <= end:
        summary = stance_on(facts, day).summary
        band = band_on(bands, day)
        assert (band.value, band.possible) == (summary.value, tuple(sorted(summary.possible)))
        assert (band.disputed, band.default) == (summary.disputed, summary.default)
        assert band.certainty == summary.certainty
        day += ONE_DAY


@given(occurrences(min_size=0), ranges())
def test_bands_are_contiguous_maximal_and_cover_the_range(
    facts: list[Occurrence], span: tuple[date, date]
) -> None:
    start, end = span
    bands = summary_bands(facts, start, end)
    assert bands[0].start == start
    assert bands[-1].end == end
    for band in bands:
        assert band.start <= band.end
        assert list(band.possible) == sorted(band.possible)
        assert band.value in band.possible
    for before, after in pairwise(bands):
        assert after.start == before.end + ONE_DAY
        shown = ("value", "possible", "disputed", "default")
        assert [getattr(before, k) for k in shown] != [getattr(after, k) for k in shown]


@given(occurrences(max_size=4), query_days(), st.permutations(range(4)))
def test_bands_do_not_depend_on_the_order_facts_are_given(
    facts: list[Occurrence], start: date, order: list[int]
) -> None:
    shuffled = [facts[i] for i in order if i < len(facts)]
    end = start + timedelta(days=FACT_WINDOW_DAYS)
    assert summary_bands(shuffled, start, end) == summary_bands(facts, start, end)


def test_russia_designated_in_some_day_of_2003_and_lifted_in_april_2025() -> None:
    facts = [
        occurrence("imposed", Component.DESIGNATION, "designated", "2003", 1),
        occurrence("lifted", Component.DESIGNATION, "not_designated", "2025-04", 2),
        occurrence("recognised", Component.RECOGNITION, "recognized", "2025-07-03", 3),
    ]
    bands = summary_bands(facts, date(2003, 1, 1), date(2025, 12, 31))
    assert [(b.start, b.end, b.value, b.possible) for b in bands] == [
        (date(2003, 1, 1), date(2003, 12, 30), "no_relations", ("designated", "no_relations")),
        (date(2003, 12, 31), date(2025, 3, 31), "designated", ("designated",)),
        (date(2025, 4, 1), date(2025, 4, 29), "designated", ("designated", "no_relations")),
        (date(2025, 4, 30), date(2025, 7, 2), "no_relations", ("no_relations",)),
        (date(2025, 7, 3), date(2025, 12, 31), "recognized", ("recognized",)),
    ]


def test_components_outside_the_summary_split_a_band_only_where_it_stops_being_a_default() -> None:
    facts = [
        occurrence("frozen", Component.ASSETS, "frozen", "2022-01", 1),
        occurrence("sanctions", Component.SANCTIONS, "active", "2023", 2),
    ]
    bands = summary_bands(facts, date(2021, 1, 1), date(2024, 1, 1))
    assert [(b.start, b.end, b.value, b.possible, b.default) for b in bands] == [
        (date(2021, 1, 1), date(2021, 12, 31), "no_relations", ("no_relations",), True),
        (date(2022, 1, 1), date(2024, 1, 1), "no_relations", ("no_relations",), False),
    ]


def test_the_calendar_s_ends_can_be_drawn() -> None:
    facts = [occurrence("open", Component.DESIGNATION, "designated", "../2025-07-04", 1)]
    bands = summary_bands(facts, MIN_DAY, MAX_DAY)
    assert (bands[0].start, bands[-1].end) == (MIN_DAY, MAX_DAY)
    assert bands[-1].start == date(2025, 7, 4)


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        summary_bands([], date(2025, 1, 2), date(2025, 1, 1))


def test_the_first_day_is_the_earliest_fact_an_open_start_counting_from_its_end() -> None:
    assert first_day([]) is None
    assert first_day([(date(2003, 1, 1), date(2003, 12, 31))]) == date(2003, 1, 1)
    open_start = (MIN_DAY, date(2025, 7, 4))
    assert first_day([open_start]) == date(2025, 7, 4)
    assert first_day([open_start, (date(2021, 8, 15), date(2025, 7, 4))]) == date(2021, 8, 15)


# Every part over time (issue 16): a component's bands, by the same rules as the summary's.


@given(
    st.one_of(occurrences(min_size=0), claimed_occurrences()), ranges(), st.sampled_from(Component)
)
def test_a_component_s_bands_cover_the_range_and_give_its_answer_on_every_day(
    facts: list[Occurrence], span: tuple[date, date], component: Component
) -> None:
    start, end = span
    bands = component_bands(facts, component, start, end)
    assert (bands[0].start, bands[-1].end) == (start, end)
    for before, after in pairwise(bands):
        assert after.start == before.end + ONE_DAY
        shown = ("value", "possible", "disputed", "default")
        assert [getattr(before, k) for k in shown] != [getattr(after, k) for k in shown]
    day = start
    while day <= end:
        answer = stance_on(facts, day).components[component]
        band = band_on(bands, day)
        assert (band.value, band.possible) == (answer.value, tuple(sorted(answer.possible)))
        assert (band.disputed, band.default, band.certainty) == (
            answer.disputed,
            answer.default,
            answer.certainty,
        )
        day += ONE_DAY


@given(occurrences(min_size=0), ranges())
def test_every_part_at_once_is_each_part_alone(
    facts: list[Occurrence], span: tuple[date, date]
) -> None:
    start, end = span
    every = every_part_bands(facts, start, end)
    assert list(every) == list(Part)
    assert every[Part.SUMMARY] == summary_bands(facts, start, end)
    for part in Part:
        assert every[part] == part_bands(facts, part, start, end)


def test_the_parts_are_the_summary_then_the_components_in_order() -> None:
    assert [part.value for part in Part] == list(PARTS)
    assert [part.component for part in Part] == [None, *Component]


def test_the_united_states_freezes_assets_while_its_summary_stays_no_relations() -> None:
    facts = [
        occurrence("frozen", Component.ASSETS, "frozen", "2021-08-15/2025-07-04", 1),
        occurrence("sanctions", Component.SANCTIONS, "active", "../2025-07-04", 2),
    ]
    start, end = date(2021, 1, 1), date(2025, 12, 31)
    assets = component_bands(facts, Component.ASSETS, start, end)
    assert [(b.start, b.end, b.value, b.possible, b.default) for b in assets] == [
        (start, date(2021, 8, 14), "not_frozen", ("not_frozen",), True),
        (date(2021, 8, 15), date(2025, 7, 3), "not_frozen", ("frozen", "not_frozen"), False),
        (date(2025, 7, 4), end, "frozen", ("frozen",), False),
    ]
    sanctions = component_bands(facts, Component.SANCTIONS, start, end)
    assert [(b.value, b.possible) for b in sanctions] == [
        ("none", ("active", "none")),
        ("active", ("active",)),
    ]
    assert {b.value for b in summary_bands(facts, start, end)} == {"no_relations"}


def test_a_component_s_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        component_bands([], Component.ASSETS, date(2025, 1, 2), date(2025, 1, 1))
