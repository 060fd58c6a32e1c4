"""Segments: every answer over the whole calendar in one sweep, checked against stance_on."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given

from stanceline.domain.facts import Component
from stanceline.domain.segments import Segment, stance_segments, summary_segments
from stanceline.domain.stance import Answer, Occurrence, stance_on
from tests.strategies import FACT_WINDOW_DAYS, FACT_WINDOW_START, open_occurrences


def answer_in(segments: Sequence[Segment], on: date) -> Answer:
    """The answer of the segment that holds `on` (segments cover the calendar, in order):
    what the temporal index's seek finds."""
    return segments[bisect_right([s.start for s in segments], on) - 1].answer


ONE_DAY = timedelta(days=1)


def days_to_check(facts: list[Occurrence]) -> set[date]:
    """Every day of the window and around it, and every fact's turning days and neighbours."""
    first = FACT_WINDOW_START - 3 * ONE_DAY
    window = {first + timedelta(days=n) for n in range(FACT_WINDOW_DAYS + 6)}
    edges = {date.min, date.max}
    for fact in facts:
        for day in (fact.earliest, fact.latest):
            edges.add(day)
            if day > date.min:
                edges.add(day - ONE_DAY)
            if day < date.max:
                edges.add(day + ONE_DAY)
    return window | edges


def assert_covers_the_calendar(segments: list[Segment]) -> None:
    assert segments[0].start == date.min
    assert segments[-1].end == date.max
    for segment in segments:
        assert segment.start <= segment.end
    for before, after in pairwise(segments):
        assert after.start == before.end + ONE_DAY
        assert before.answer != after.answer


@given(open_occurrences())
def test_the_segment_holding_a_day_gives_stance_on_s_answer_that_day(
    facts: list[Occurrence],
) -> None:
    segments = stance_segments(facts)
    summary = summary_segments(segments)
    assert list(segments) == list(Component)
    for day in sorted(days_to_check(facts)):
        stance = stance_on(facts, day)
        for component, answer in stance.components.items():
            assert answer_in(segments[component], day) == answer, (component, day)
        assert answer_in(summary, day) == stance.summary, day


@given(open_occurrences())
def test_segments_cover_the_calendar_contiguously_and_are_maximal(
    facts: list[Occurrence],
) -> None:
    segments = stance_segments(facts)
    for component_segments in segments.values():
        assert_covers_the_calendar(component_segments)
    assert_covers_the_calendar(summary_segments(segments))


def test_without_facts_every_component_is_its_default_over_the_whole_calendar() -> None:
    segments = stance_segments([])
    stance = stance_on([], date(2025, 1, 1))
    for component, answer in stance.components.items():
        assert segments[component] == [Segment(date.min, date.max, answer)]
    assert summary_segments(segments) == [Segment(date.min, date.max, stance.summary)]
