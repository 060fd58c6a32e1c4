"""Diffs of stances: what changed between two days, and what two states of knowledge disagree on.

An answer (its value and possible values) can only change on a day that is some
fact's earliest or latest day, or the day after one of those (the closed form in
stance.py: a fact counts as possible from its earliest day and as certain from its
latest, and the bound K set by a certain fact stops holding uncertain facts back the
day after it). Between those turning days every answer is constant, so the answers
are computed on the turning days only, one component at a time; the summary can
only change on a day some of its inputs changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from stanceline.domain.facts import Component
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
    timelines = _timelines(groups, after, upto)
    changes: list[AnswerChange] = []
    for component in Component:
        for day, before, now in _steps(timelines[component.value]):
            facts = _facts_behind(groups[component], day, now)
            changes.append(_answer_change(day, component.value, before, now, facts))
    # The summary moves only with its inputs: the facts behind it are theirs, in rule order.
    inputs = {c.value for c in SUMMARY_INPUTS}
    for day, before, now in _steps(timelines[SUMMARY]):
        facts = tuple(
            dict.fromkeys(
                fact
                for change in changes
                if change.day == day and change.part in inputs
                for fact in change.facts
            )
        )
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
    old = _timelines(_by_component(before), date.min, date.max)
    new = _timelines(_by_component(after), date.min, date.max)
    changes = [change for part in PARTS for change in _differences(part, old[part], new[part])]
    changes.sort(key=lambda change: (change.first_day, PARTS.index(change.part)))
    return changes


def _by_component(occurrences: Iterable[Occurrence]) -> dict[Component, list[Occurrence]]:
    groups: dict[Component, list[Occurrence]] = {component: [] for component in Component}
    for occurrence in occurrences:
        groups[occurrence.component].append(occurrence)
    return groups


def turning_days(occurrence: Occurrence) -> set[date]:
    """The days on which this fact can move an answer (kept inside the calendar)."""
    days = {occurrence.earliest, occurrence.latest}
    return days | {day + _ONE_DAY for day in days if day < date.max}


def _timelines(
    groups: dict[Component, list[Occurrence]], start: date, end: date
) -> dict[str, _Timeline]:
    """Each part's answer on `start` and on every later day up to `end` where it changes."""
    timelines: dict[str, _Timeline] = {}
    for component, group in groups.items():
        days = {day for occurrence in group for day in turning_days(occurrence)}
        timelines[component.value] = _timeline(group, component.value, days, start, end)
    inputs = [occurrence for c in SUMMARY_INPUTS for occurrence in groups[c]]
    days = {day for c in SUMMARY_INPUTS for day, _ in timelines[c.value][1:]}
    timelines[SUMMARY] = _timeline(inputs, SUMMARY, days, start, end)
    return timelines


def _timeline(
    occurrences: Sequence[Occurrence], part: str, days: Iterable[date], start: date, end: date
) -> _Timeline:
    timeline = [(start, _read(stance_on(occurrences, start), part))]
    for day in sorted(day for day in days if start < day <= end):
        answer = _read(stance_on(occurrences, day), part)
        if _key(answer) != _key(timeline[-1][1]):
            timeline.append((day, answer))
    return timeline


def _steps(timeline: _Timeline) -> list[tuple[date, Answer, Answer]]:
    """(day, answer before, answer from that day) for each change in a timeline."""
    return [(day, timeline[i][1], answer) for i, (day, answer) in enumerate(timeline[1:])]


def _facts_behind(group: Sequence[Occurrence], day: date, now: Answer) -> tuple[str, ...]:
    """The facts of a component that turn on `day`: those behind the new answer first."""
    moved = [occurrence for occurrence in group if day in turning_days(occurrence)]
    if not moved:
        return now.facts
    listed = {fact: index for index, fact in enumerate(now.facts)}

    def rank(occurrence: Occurrence) -> tuple[int, bool, int]:
        on_an_end = day in (occurrence.earliest, occurrence.latest)
        return listed.get(occurrence.fact_id, len(listed)), not on_an_end, -occurrence.position

    return tuple(dict.fromkeys(occurrence.fact_id for occurrence in sorted(moved, key=rank)))


def _differences(part: str, old: _Timeline, new: _Timeline) -> list[KnowledgeChange]:
    """Maximal runs of days on which two timelines (both from date.min) disagree."""
    runs: list[tuple[date, Answer, Answer]] = []
    i = j = 0
    for day in sorted({day for day, _ in old} | {day for day, _ in new}):
        while i + 1 < len(old) and old[i + 1][0] <= day:
            i += 1
        while j + 1 < len(new) and new[j + 1][0] <= day:
            j += 1
        was, now = old[i][1], new[j][1]
        if runs and (_key(runs[-1][1]), _key(runs[-1][2])) == (_key(was), _key(now)):
            continue
        runs.append((day, was, now))
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
