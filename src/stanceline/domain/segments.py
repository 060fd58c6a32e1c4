"""An actor's answers on every day at once, as segments: one sweep over the turning days.

stance.py answers one day in O(n). Here the same closed form is evaluated from
the first day of the calendar to the last in one pass over the days on which a
fact becomes possible (its earliest day), certain (its latest day), or stops
holding others back (the day after its latest), in day order:

* facts become certain in order of their latest day, so the certain facts,
  kept in (latest, position) order, only grow at the end; the fact behind the
  value is always the last of them;
* the bound K (the greatest (earliest, position) of a certain fact) only
  grows, so the certain facts that can still be last are a suffix of that
  list whose start only moves forward;
* a fact that may or may not have happened yet can be last unless K was set
  by a fact of that very day recorded after it.

A segment is a maximal run of days with one answer (value, possible values,
since and the facts behind it, exactly as stance_on gives them). Sorting costs
O(n log n); the rest grows with the answers written out (each segment lists the
facts behind it).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, Protocol, TypeVar

from stanceline.domain import claims
from stanceline.domain.facts import DEFAULTS, Component
from stanceline.domain.stance import Answer, Occurrence, combine_measures, summary_of

_ONE_DAY = timedelta(days=1)


class _Dated(Protocol):
    @property
    def start(self) -> date: ...


_T = TypeVar("_T", bound=_Dated)


@dataclass(frozen=True, slots=True)
class Segment:
    """Days `start` to `end` (inclusive) on which a part of the stance gives one answer."""

    start: date
    end: date
    answer: Answer


class _Piece(NamedTuple):
    """An answer from `start` on, and the certain fact behind its value (None: default)."""

    start: date
    answer: Answer
    behind: Occurrence | None


def stance_segments(occurrences: Iterable[Occurrence]) -> dict[Component, list[Segment]]:
    """Every component's answers over the whole calendar, in Component order.

    Sanctions measures are grouped in the order they first appear among the
    facts, as stance_on groups them.
    """
    groups: dict[Component, list[Occurrence]] = {component: [] for component in Component}
    for occurrence in occurrences:
        groups[occurrence.component].append(occurrence)
    return {
        component: _segments(
            _sanctions(group)
            if component is Component.SANCTIONS
            else _pieces(group, DEFAULTS[component])
        )
        for component, group in groups.items()
    }


def summary_segments(components: Mapping[Component, Sequence[Segment]]) -> list[Segment]:
    """The summary over the whole calendar, from the components' segments (as stance_on's:
    its inputs give its values, every component whether it is a default)."""
    parts = list(components)
    pieces: list[_Piece] = []
    for start, current in _aligned([components[part] for part in parts]):
        answers = {c: segment.answer for c, segment in zip(parts, current, strict=True)}
        _extend(pieces, start, summary_of(answers), None)
    return _segments(pieces)


def _pieces(occurrences: Sequence[Occurrence], default: str) -> list[_Piece]:
    """One small component's answers from date.min on: by the sweep, or, where claims of
    one happening disagree, by the rules on each day the answer may turn."""
    if not claims.has_disputes(occurrences):
        return _sweep(occurrences, default)
    pieces: list[_Piece] = []
    for day, answer, behind in claims.answers_over_time(occurrences, default):
        _extend(pieces, day, answer, behind)
    return pieces


def _key(occurrence: Occurrence) -> tuple[date, int]:
    return occurrence.latest, occurrence.position


def _sweep(occurrences: Sequence[Occurrence], default: str) -> list[_Piece]:
    """One small component's answers (all facts moving the same thing), from date.min on."""
    by_earliest = sorted(occurrences, key=lambda o: (o.earliest, o.position))
    by_latest = sorted(occurrences, key=_key)
    days = sorted({date.min, *(o.earliest for o in occurrences), *(o.latest for o in occurrences)})
    uncertain: list[Occurrence] = []  # possible but not certain, in (latest, position) order
    certain: list[Occurrence] = []  # in (latest, position) order; only grows at the end
    bound = (date.min, 0)  # K, once some fact is certain
    first = 0  # certain[first:] are those with (latest, position) >= K
    opened = closed = 0
    pieces: list[_Piece] = []
    for index, day in enumerate(days):
        while opened < len(by_earliest) and by_earliest[opened].earliest <= day:
            if by_earliest[opened].latest > day:
                insort(uncertain, by_earliest[opened], key=_key)
            opened += 1
        while closed < len(by_latest) and by_latest[closed].latest <= day:
            fact = by_latest[closed]
            at = bisect_left(uncertain, _key(fact), key=_key)
            if at < len(uncertain) and uncertain[at] is fact:
                del uncertain[at]
            certain.append(fact)
            bound = max(bound, (fact.earliest, fact.position))
            closed += 1
        while certain and _key(certain[first]) < bound:
            first += 1
        held = bool(certain) and day == bound[0]
        hold = bound[1] if held else 0
        _extend(pieces, day, *_answer(uncertain, certain, first, hold, default, opened == 0))
        # K set by a fact of this day held back facts recorded before it: the next day
        # it no longer does, whether or not another fact turns then.
        after = day + _ONE_DAY if held and day < date.max else None
        if after and (index + 1 == len(days) or days[index + 1] > after):
            _extend(pieces, after, *_answer(uncertain, certain, first, 0, default, False))
    return pieces


def _answer(
    uncertain: Sequence[Occurrence],
    certain: Sequence[Occurrence],
    first: int,
    held_before: int,
    default: str,
    no_fact: bool,
) -> tuple[Answer, Occurrence | None]:
    """The answer on a day (as stance._solve), from the sweep's state on that day.

    Uncertain facts recorded before position `held_before` cannot be last that day.
    """
    behind = certain[-1] if certain else None
    value = behind.value if behind else default
    facts = [behind.fact_id] if behind else []
    possible = {value}
    # Facts at another value, latest (latest day, position) first: the uncertain ones
    # end after every certain one.
    for o in reversed(uncertain):
        if o.value != value and o.position >= held_before:
            facts.append(o.fact_id)
            possible.add(o.value)
    for o in reversed(certain[first:-1]):
        if o.value != value:
            facts.append(o.fact_id)
            possible.add(o.value)
    since = behind.edtf if behind else None
    return Answer(value, frozenset(possible), since, tuple(facts), default=no_fact), behind


def _sanctions(occurrences: Sequence[Occurrence]) -> list[_Piece]:
    """Sanctions over the calendar: each measure swept alone, combined where any changes."""
    measures: dict[str | None, list[Occurrence]] = {}
    for occurrence in occurrences:
        measures.setdefault(occurrence.measure, []).append(occurrence)
    swept = [_pieces(group, "none") for group in measures.values()]
    if not swept:
        return [_Piece(date.min, combine_measures([]), None)]
    combined: list[_Piece] = []
    for start, current in _aligned(swept):
        _extend(combined, start, combine_measures([(p.answer, p.behind) for p in current]), None)
    return combined


def _aligned(timelines: Sequence[Sequence[_T]]) -> Iterator[tuple[date, list[_T]]]:
    """Walk timelines that all start on date.min together: each day any changes, what holds."""
    starts = sorted({item.start for timeline in timelines for item in timeline})
    index = [0] * len(timelines)
    for start in starts:
        for i, timeline in enumerate(timelines):
            while index[i] + 1 < len(timeline) and timeline[index[i] + 1].start <= start:
                index[i] += 1
        yield start, [timeline[i] for timeline, i in zip(timelines, index, strict=True)]


def _extend(pieces: list[_Piece], start: date, answer: Answer, behind: Occurrence | None) -> None:
    """Add an answer from `start` on, unless it is the answer already holding."""
    if not pieces or pieces[-1].answer != answer:
        pieces.append(_Piece(start, answer, behind))


def _segments(pieces: Sequence[_Piece]) -> list[Segment]:
    ends = [piece.start - _ONE_DAY for piece in pieces[1:]] + [date.max]
    return [Segment(p.start, end, p.answer) for p, end in zip(pieces, ends, strict=True)]
