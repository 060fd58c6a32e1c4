"""An actor's summary, or one component, over a range of days, as bands: maximal runs of
days with one answer.

The part's segments over the whole calendar come from one sweep over the facts'
turning days (segments.py), cut to the range: the work grows with the number of
facts (O(n log n)), never with the length of the range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from stanceline.domain.dates import MIN_DAY
from stanceline.domain.facts import Component
from stanceline.domain.segments import Segment, stance_segments, summary_segments
from stanceline.domain.stance import Certainty, Occurrence


class Part(StrEnum):
    """What a timeline draws: the summary, or one of the six components (in their order)."""

    SUMMARY = "summary"
    RECOGNITION = Component.RECOGNITION.value
    DESIGNATION = Component.DESIGNATION.value
    TALIBAN_ENVOY = Component.TALIBAN_ENVOY.value
    ENVOY_TO_KABUL = Component.ENVOY_TO_KABUL.value
    SANCTIONS = Component.SANCTIONS.value
    ASSETS = Component.ASSETS.value

    @property
    def component(self) -> Component | None:
        """The component this part is; None for the summary."""
        return None if self is Part.SUMMARY else Component(self.value)


@dataclass(frozen=True, slots=True)
class Band:
    """Days `start` to `end` (inclusive) on which a part (the summary, a component) gives
    one answer."""

    start: date
    end: date
    value: str
    possible: tuple[str, ...]
    disputed: bool = False  # sources disagree in a way that matters on these days
    default: bool = False  # no fact of the part (the summary: of any) can have happened yet

    @property
    def certainty(self) -> Certainty:
        """Certain when exactly one value is possible."""
        return Certainty.CERTAIN if len(self.possible) == 1 else Certainty.UNCERTAIN


def summary_bands(occurrences: Iterable[Occurrence], start: date, end: date) -> list[Band]:
    """The summary on every day of [start, end], as contiguous bands covering it exactly.

    Neighbouring bands differ in value, possible values, disputed or default; `possible`
    is sorted.
    """
    return part_bands(occurrences, Part.SUMMARY, start, end)


def component_bands(
    occurrences: Iterable[Occurrence], component: Component, start: date, end: date
) -> list[Band]:
    """One component on every day of [start, end], as summary_bands gives the summary."""
    return part_bands(occurrences, Part(component.value), start, end)


def part_bands(occurrences: Iterable[Occurrence], part: Part, start: date, end: date) -> list[Band]:
    """The summary or one component on every day of [start, end], as contiguous bands that
    cover it exactly; neighbours differ in value, possible values, disputed or default."""
    return every_part_bands(occurrences, start, end, (part,))[part]


def every_part_bands(
    occurrences: Iterable[Occurrence], start: date, end: date, parts: Sequence[Part] = tuple(Part)
) -> dict[Part, list[Band]]:
    """part_bands of each of `parts` (default: the summary and every component), from one
    sweep over the facts."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    components = stance_segments(occurrences)
    found = {}
    for part in parts:
        component = part.component
        segments = summary_segments(components) if component is None else components[component]
        found[part] = _bands(segments, start, end)
    return found


def _bands(segments: Sequence[Segment], start: date, end: date) -> list[Band]:
    """Segments cut to [start, end], neighbours that show the same answer merged."""
    pieces = [
        Band(
            max(s.start, start),
            min(s.end, end),
            s.answer.value,
            tuple(sorted(s.answer.possible)),
            s.answer.disputed,
            s.answer.default,
        )
        for s in segments
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
