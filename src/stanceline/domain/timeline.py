"""An actor's summary over a range of days, as bands: maximal runs of days with one answer.

The summary can only change on a turning day of a fact that moves one of its
inputs (diff.py says why those days), so the stance is computed on the first
day of the range and on those turning days inside it, and equal neighbours are
merged: the work grows with the number of facts, never with the length of the
range.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from stanceline.domain.dates import MIN_DAY
from stanceline.domain.diff import SUMMARY_INPUTS, turning_days
from stanceline.domain.stance import Certainty, Occurrence, stance_on

_ONE_DAY = timedelta(days=1)


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
    turns = sorted({day for o in inputs for day in turning_days(o) if start < day <= end})
    bands: list[Band] = []
    for day in [start, *turns]:
        answer = stance_on(inputs, day).summary
        value, possible = answer.value, tuple(sorted(answer.possible))
        if bands and (bands[-1].value, bands[-1].possible) == (value, possible):
            continue
        if bands:
            bands[-1] = replace(bands[-1], end=day - _ONE_DAY)
        bands.append(Band(day, end, value, possible))
    return bands


def first_day(ranges: Iterable[tuple[date, date]]) -> date | None:
    """The first day worth drawing for facts with these [earliest, latest] ranges.

    The earliest day of any of them, except that a range open at the start
    ("../2025-07-04", which begins on 0001-01-01) counts from its last day: drawing
    two thousand years of "not yet known" helps nobody. None when there are no facts.
    """
    return min(
        (latest if earliest == MIN_DAY else earliest for earliest, latest in ranges), default=None
    )
