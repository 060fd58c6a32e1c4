"""An actor's summary over a range of days, as bands: maximal runs of days with one answer.

The summary's segments over the whole calendar come from one sweep over its
inputs' turning days (segments.py), cut to the range: the work grows with the
number of facts (O(n log n)), never with the length of the range.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from stanceline.domain.dates import MIN_DAY
from stanceline.domain.diff import SUMMARY_INPUTS
from stanceline.domain.segments import stance_segments, summary_segments
from stanceline.domain.stance import Certainty, Occurrence


@dataclass(frozen=True, slots=True)
class Band:
    """Days `start` to `end` (inclusive) on which the summary gives one answer."""

    start: date
    end: date
    value: str
    possible: tuple[str, ...]

    @property
    def certainty(self) -> Certainty:
        """Certain when exactly one value is possible."""
        return Certainty.CERTAIN if len(self.possible) == 1 else Certainty.UNCERTAIN


def summary_bands(occurrences: Iterable[Occurrence], start: date, end: date) -> list[Band]:
    """The summary on every day of [start, end], as contiguous bands covering it exactly.

    Neighbouring bands differ in value or in possible values; `possible` is sorted.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    inputs = [o for o in occurrences if o.component in SUMMARY_INPUTS]
    summary = summary_segments(stance_segments(inputs))
    return [
        Band(max(s.start, start), min(s.end, end), s.answer.value, tuple(sorted(s.answer.possible)))
        for s in summary
        if s.start <= end and start <= s.end
    ]


def first_day(ranges: Iterable[tuple[date, date]]) -> date | None:
    """The first day worth drawing for facts with these [earliest, latest] ranges.

    The earliest day of any of them, except that a range open at the start
    ("../2025-07-04", which begins on 0001-01-01) counts from its last day: drawing
    two thousand years of "not yet known" helps nobody. None when there are no facts.
    """
    return min(
        (latest if earliest == MIN_DAY else earliest for earliest, latest in ranges), default=None
    )
