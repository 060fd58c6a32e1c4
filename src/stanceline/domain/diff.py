"""Diffs of stances: what changed between two days, and what two states of knowledge disagree on.

Both are read off segments.py's segments: every component's and the summary's answers
over the whole calendar, computed in one O(n log n) sweep rather than by evaluating
stance_on on every turning day (which is quadratic in an actor's facts). Only an
answer's value and possible values count as a change; segments also split where the
facts behind an answer or its `since` change, so adjacent segments with the same
(value, possible) are one step here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from stanceline.domain.facts import Component
from stanceline.domain.segments import Segment, stance_segments, summary_segments
from stanceline.domain.stance import Answer, Occurrence, Stance, stance_on

SUMMARY = "summary"
PARTS: tuple[str, ...] = (SUMMARY, *(component.value for component in Component))
# The components the summary rule reads, in rule order.
SUMMARY_INPUTS = (
    Component.RECOGNITION,
    Component.TALIBAN_ENVOY,
    Component.ENVOY_TO_KABUL,
    Component.DESIGNATION,
)
_ONE_DAY = timedelta(days=1)

_Key = tuple[str, tuple[str, ...]]
# An answer from its day on: the first entry holds from the start, each later one is a change.
_Timeline = list[tuple[date, Answer]]


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """A part's answer changed on `day` (the first day the new answer holds)."""

    day: date
    part: str
    before_value: str
    before_possible: tuple[str, ...]
    after_value: str
    after_possible: tuple[str, ...]
    facts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KnowledgeChange:
    """Two states of knowledge give a part different answers on every day of a run."""

    first_day: date
    last_day: date
    part: str
    before_value: str
    before_possible: tuple[str, ...]
    after_value: str
    after_possible: tuple[str, ...]


def changes_between(
    occurrences: Sequence[Occurrence], after: date, upto: date
) -> list[AnswerChange]:
    """Every change of a component's or the summary's answer on a day in (after, upto].

    In day order, then part order (summary first, then components in Component order).
    """
    if upto <= after:
        return []
    groups = _by_component(occurrences)
    segments = _all_segments(occurrences)
    changes: list[AnswerChange] = []
    # The facts of the summary's inputs that moved on a day, in Component order.
    moved_inputs: dict[date, list[str]] = {}
    for component in Component:
        turning = _by_turning_day(groups[component])
        for day, before, now in _steps(_window(segments[component.value], after, upto)):
            facts = _facts_behind(turning.get(day, []), day, now)
            changes.append(_answer_change(day, component.value, before, now, facts))
            if component in SUMMARY_INPUTS:
                moved_inputs.setdefault(day, []).extend(facts)
    # The summary moves only with its inputs: the facts behind it are theirs.
    for day, before, now in _steps(_window(segments[SUMMARY], after, upto)):
        facts = tuple(dict.fromkeys(moved_inputs.get(day, [])))
        changes.append(_answer_change(day, SUMMARY, before, now, facts))
    changes.sort(key=lambda change: (change.day, PARTS.index(change.part)))
    return changes


def knowledge_changes(
    before: Sequence[Occurrence], after: Sequence[Occurrence], on: date | None = None
) -> list[KnowledgeChange]:
    """Where two versions of an actor's facts give different answers.

    On the one day `on`, or (on=None) over every day, as maximal runs of days with the
    same before/after pair; in first-day order, then part order.
    """
    if on is not None:
        was, now = stance_on(before, on), stance_on(after, on)
        return [
            _knowledge_change(on, on, part, _read(was, part), _read(now, part))
            for part in PARTS
            if _key(_read(was, part)) != _key(_read(now, part))
        ]
    old, new = _all_segments(before), _all_segments(after)
    changes = [change for part in PARTS for change in _differences(part, old[part], new[part])]
    changes.sort(key=lambda change: (change.first_day, PARTS.index(change.part)))
    return changes


def _by_component(occurrences: Iterable[Occurrence]) -> dict[Component, list[Occurrence]]:
    groups: dict[Component, list[Occurrence]] = {component: [] for component in Component}
    for occurrence in occurrences:
        groups[occurrence.component].append(occurrence)
    return groups


def _all_segments(occurrences: Iterable[Occurrence]) -> dict[str, list[Segment]]:
    """Every part's segments over the whole calendar, by part name."""
    components = stance_segments(occurrences)
    parts = {component.value: segments for component, segments in components.items()}
    parts[SUMMARY] = summary_segments(components)
    return parts


def _window(segments: Sequence[Segment], start: date, end: date) -> _Timeline:
    """A part's answer on `start` and on every later day up to `end` where it changes."""
    first = bisect_right([segment.start for segment in segments], start) - 1
    timeline = [(start, segments[first].answer)]
    for segment in segments[first + 1 :]:
        if segment.start > end:
            break
        if _key(segment.answer) != _key(timeline[-1][1]):
            timeline.append((segment.start, segment.answer))
    return timeline


def _steps(timeline: _Timeline) -> list[tuple[date, Answer, Answer]]:
    """(day, answer before, answer from that day) for each change in a timeline."""
    return [(day, timeline[i][1], answer) for i, (day, answer) in enumerate(timeline[1:])]


def _by_turning_day(group: Sequence[Occurrence]) -> dict[date, list[Occurrence]]:
    """A component's facts by each of their turning days, each list in the group's order."""
    turning: dict[date, list[Occurrence]] = {}
    for occurrence in group:
        for day in occurrence.turning_days():
            turning.setdefault(day, []).append(occurrence)
    return turning


def _facts_behind(moved: Sequence[Occurrence], day: date, now: Answer) -> tuple[str, ...]:
    """The facts of a component that turn on `day` (`moved`): those behind the new answer first."""
    if not moved:
        return now.facts
    listed = {fact: index for index, fact in enumerate(now.facts)}

    def rank(occurrence: Occurrence) -> tuple[int, bool, int]:
        on_an_end = day in (occurrence.earliest, occurrence.latest)
        return listed.get(occurrence.fact_id, len(listed)), not on_an_end, -occurrence.position

    return tuple(dict.fromkeys(occurrence.fact_id for occurrence in sorted(moved, key=rank)))


def _differences(
    part: str, old: Sequence[Segment], new: Sequence[Segment]
) -> list[KnowledgeChange]:
    """Maximal runs of days on which two parts' segments (both over the calendar) disagree.

    Walks the two lists together: each step starts where either list starts a segment.
    """
    runs: list[tuple[date, Answer, Answer]] = []
    i = j = 0
    day = date.min
    while True:
        was, now = old[i].answer, new[j].answer
        if not runs or (_key(runs[-1][1]), _key(runs[-1][2])) != (_key(was), _key(now)):
            runs.append((day, was, now))
        end = min(old[i].end, new[j].end)
        if end == date.max:
            break
        day = end + _ONE_DAY
        if old[i].end == end:
            i += 1
        if new[j].end == end:
            j += 1
    ends = [start - _ONE_DAY for start, _, _ in runs[1:]] + [date.max]
    return [
        _knowledge_change(start, end, part, was, now)
        for (start, was, now), end in zip(runs, ends, strict=True)
        if _key(was) != _key(now)
    ]


def _read(stance: Stance, part: str) -> Answer:
    return stance.summary if part == SUMMARY else stance.components[Component(part)]


def _key(answer: Answer) -> _Key:
    return answer.value, tuple(sorted(answer.possible))


def _answer_change(
    day: date, part: str, before: Answer, after: Answer, facts: tuple[str, ...]
) -> AnswerChange:
    (before_value, before_possible), (after_value, after_possible) = _key(before), _key(after)
    return AnswerChange(
        day, part, before_value, before_possible, after_value, after_possible, facts
    )


def _knowledge_change(
    first_day: date, last_day: date, part: str, before: Answer, after: Answer
) -> KnowledgeChange:
    (before_value, before_possible), (after_value, after_possible) = _key(before), _key(after)
    return KnowledgeChange(
        first_day, last_day, part, before_value, before_possible, after_value, after_possible
    )
