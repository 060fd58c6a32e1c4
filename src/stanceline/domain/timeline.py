"""An actor's summary over a range of days, as bands: maximal runs of days with one answer.

The summary's segments over the whole calendar come from one sweep over its
inputs' turning days (segments.py), cut to the range: the work grows with the
number of facts (O(n log n)), never with the length of the range.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from stanceline.domain.dates import MIN_DAY
from stanceline.domain.segments import stance_segments, summary_segments
from stanceline.domain.stance import Certainty, Occurrence


@dataclass(frozen=True, slots=True)
class Band:
    """Days `start` to `end` (inclusive) on which the summary gives one answer."""

    start: date
    end: date
    value: str
    possible: tuple[str, ...]
    disputed: bool = False  # sources disagree in a way that matters on these days
    default: bool = False  # no fact of any part can have happened by then

    @property
    def certainty(self) -> Certainty:
        """Certain when exactly one value is possible."""
        return Certainty.CERTAIN if len(self.possible) == 1 else Certainty.UNCERTAIN


def summary_bands(occurrences: Iterable[Occurrence], start: date, end: date) -> list[Band]:
    """The summary on every day of [start, end], as contiguous bands covering it exactly.

    Neighbouring bands differ in value, possible values, disputed or default; `possible`
    is sorted.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    pieces = [
        Band(
            max(s.start, start),
            min(s.end, end),
            s.answer.value,
            tuple(sorted(s.answer.possible)),
            s.answer.disputed,
            s.answer.default,
        )
        for s in summary_segments(stance_segments(occurrences))
        if s.start <= end and start <= s.end
    ]
    bands = pieces[:1]
    for band in pieces[1:]:
        last = bands[-1]
        if (band.value, band.possible, band.disputed, band.default) == (
            last.value,
            last.possible,
            last.disputed,
            last.default,
        ):
            bands[-1] = replace(last, end=band.end)
        else:
            bands.append(band)
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
