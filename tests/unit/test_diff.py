"""Diffs of stances: changes between two days, and between two states of knowledge (issue 3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.dates import parse_effective_date
from stanceline.domain.diff import (
    PARTS,
    SUMMARY,
    SUMMARY_INPUTS,
    AnswerChange,
    KnowledgeChange,
    changes_between,
    knowledge_changes,
)
from stanceline.domain.facts import Component
from stanceline.domain.stance import Answer, Occurrence, Stance, stance_on
from tests.strategies import (
    FACT_WINDOW_DAYS,
    FACT_WINDOW_START,
    occurrences,
    open_occurrences,
    query_days,
)

D = date
ONE_DAY = timedelta(days=1)
DESIGNATION = Component.DESIGNATION
RECOGNITION = Component.RECOGNITION

# Strategies used only here


@st.composite
def windows(draw: st.DrawFn) -> tuple[date, date]:
    """(after, upto) around the fact window, upto possibly before after (an empty window)."""
    after = draw(query_days(slack=3))
    return after, after + timedelta(days=draw(st.integers(-1, FACT_WINDOW_DAYS + 4)))


@st.composite
def revisions(draw: st.DrawFn) -> tuple[list[Occurrence], list[Occurrence]]:
    """Facts as known at T1, and at T2 after corrections, retractions and new facts."""
    before = draw(occurrences(min_size=0))
    after = []
    for fact in before:
        fate = draw(st.sampled_from(("kept", "retracted", "corrected")))
        if fate == "kept":
            after.append(fact)
        elif fate == "corrected":
            # A correction keeps the fact's id and position; its date moves.
            shift = timedelta(days=draw(st.integers(-3, 3)))
            span = timedelta(days=draw(st.integers(0, 3)))
            earliest = fact.earliest + shift
            after.append(replace(fact, earliest=earliest, latest=earliest + span))
    added = draw(occurrences(min_size=0, max_size=3))
    after += [replace(f, fact_id=f"new-{f.fact_id}", position=100 + f.position) for f in added]
    return before, draw(st.permutations(after))


# Helpers


class Record:
    """Facts of one actor in recording order."""

    def __init__(self) -> None:
        self.facts: list[Occurrence] = []

    def add(self, component: Component, value: str, edtf: str) -> Occurrence:
        effective = parse_effective_date(edtf)
        fact = Occurrence(
            fact_id=f"f{len(self.facts) + 1}",
            component=component,
            value=value,
            earliest=effective.earliest,
            latest=effective.latest,
            position=len(self.facts) + 1,
            edtf=edtf,
        )
        self.facts.append(fact)
        return fact


def read(stance: Stance, part: str) -> Answer:
    return stance.summary if part == SUMMARY else stance.components[Component(part)]


def key(stance: Stance, part: str) -> tuple[str, tuple[str, ...]]:
    answer = read(stance, part)
    return answer.value, tuple(sorted(answer.possible))


def each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def change(
    day: date, part: str, before: tuple[str, ...], after: tuple[str, ...], *facts: str
) -> AnswerChange:
    """A change written as (value, *alternatives) before and after."""
    return AnswerChange(
        day, part, before[0], tuple(sorted(before)), after[0], tuple(sorted(after)), facts
    )


# Scenarios: changes between two days


def test_russia_designation_becomes_uncertain_in_april_and_ends_on_its_last_day() -> None:
    russia = Record()
    russia.add(DESIGNATION, "designated", "2003")
    lifted = russia.add(DESIGNATION, "not_designated", "2025-04")

    changes = changes_between(russia.facts, D(2025, 3, 15), D(2025, 5, 15))

    # "April 2025" may be any day of April: uncertain from the 1st, lifted for sure on the 30th.
    # The summary's facts are those of the inputs that moved with it.
    assert changes == [
        change(
            D(2025, 4, 1), SUMMARY, ("designated",), ("designated", "no_relations"), lifted.fact_id
        ),
        change(
            D(2025, 4, 1),
            "designation",
            ("designated",),
            ("designated", "not_designated"),
            lifted.fact_id,
        ),
        change(
            D(2025, 4, 30),
            SUMMARY,
            ("designated", "no_relations"),
            ("no_relations",),
            lifted.fact_id,
        ),
        change(
            D(2025, 4, 30),
            "designation",
            ("designated", "not_designated"),
            ("not_designated",),
            lifted.fact_id,
        ),
    ]
    # The day semantics agree with stance_on: the new answer holds on the day, not the day before.
    for c in changes:
        assert key(stance_on(russia.facts, c.day), c.part) == (c.after_value, c.after_possible)
        before = stance_on(russia.facts, c.day - ONE_DAY)
        assert key(before, c.part) == (c.before_value, c.before_possible)


def test_recognition_on_a_day_changes_the_summary_that_day() -> None:
    russia = Record()
    russia.add(DESIGNATION, "designated", "2003")
    russia.add(DESIGNATION, "not_designated", "2025-04")
    granted = russia.add(RECOGNITION, "recognized", "2025-07-03")

    assert changes_between(russia.facts, D(2025, 6, 30), D(2025, 7, 31)) == [
        change(D(2025, 7, 3), SUMMARY, ("no_relations",), ("recognized",), granted.fact_id),
        change(D(2025, 7, 3), "recognition", ("none",), ("recognized",), granted.fact_id),
    ]
    # (after, upto]: a change on `after` itself is not in the window, one on `upto` is.
    assert changes_between(russia.facts, D(2025, 7, 3), D(2025, 7, 31)) == []
    assert [c.day for c in changes_between(russia.facts, D(2025, 7, 2), D(2025, 7, 3))] == [
        D(2025, 7, 3),
        D(2025, 7, 3),
    ]


def test_an_empty_or_backwards_window_has_no_changes() -> None:
    record = Record()
    record.add(RECOGNITION, "recognized", "2025-07-03")
    assert changes_between(record.facts, D(2025, 7, 3), D(2025, 7, 3)) == []
    assert changes_between(record.facts, D(2025, 8, 1), D(2025, 7, 1)) == []


def test_a_same_day_fact_holds_back_an_earlier_recorded_one_until_the_next_day() -> None:
    record = Record()
    record.add(DESIGNATION, "designated", "2025-06-10/2025-06-20")
    lifted = record.add(DESIGNATION, "not_designated", "2025-06-15")

    changes = changes_between(record.facts, D(2025, 6, 14), D(2025, 6, 17))
    designation = [c for c in changes if c.part == "designation"]
    # On the 15th the lift certainly came last; from the 16th the designation may have followed.
    assert [(c.day, c.after_value, c.after_possible) for c in designation] == [
        (D(2025, 6, 15), "not_designated", ("not_designated",)),
        (D(2025, 6, 16), "not_designated", ("designated", "not_designated")),
    ]
    assert designation[1].facts[-1] == lifted.fact_id


def test_ranges_reaching_the_ends_of_the_calendar_do_not_overflow() -> None:
    record = Record()
    record.add(DESIGNATION, "designated", "../2001")
    record.add(DESIGNATION, "not_designated", "2025/..")
    record.add(RECOGNITION, "recognized", "9999-12-31")

    changes = changes_between(record.facts, D.min, D.max)
    assert [(c.day, c.part) for c in changes] == [
        (D(2001, 12, 31), SUMMARY),
        (D(2001, 12, 31), "designation"),
        (D(2025, 1, 1), SUMMARY),
        (D(2025, 1, 1), "designation"),
        (D.max, SUMMARY),
        (D.max, "recognition"),
        (D.max, "designation"),
    ]
    runs = knowledge_changes(record.facts, [])
    assert runs[0].first_day == D.min
    assert runs[-1].last_day == D.max


# Scenarios: changes between two states of knowledge


def test_a_correction_to_the_lifting_date_shows_which_days_it_changed() -> None:
    russia = Record()
    russia.add(DESIGNATION, "designated", "2003")
    lifted = russia.add(DESIGNATION, "not_designated", "2025-04")
    corrected = [
        russia.facts[0],
        replace(lifted, edtf="2025-04-17", earliest=D(2025, 4, 17), latest=D(2025, 4, 17)),
    ]

    runs = knowledge_changes(russia.facts, corrected)

    uncertain = ("designated", ("designated", "not_designated"))
    designation = [r for r in runs if r.part == "designation"]
    assert designation == [
        KnowledgeChange(
            D(2025, 4, 1), D(2025, 4, 16), "designation", *uncertain, "designated", ("designated",)
        ),
        KnowledgeChange(
            D(2025, 4, 17),
            D(2025, 4, 29),
            "designation",
            *uncertain,
            "not_designated",
            ("not_designated",),
        ),
    ]
    assert [(r.first_day, r.last_day) for r in runs if r.part == SUMMARY] == [
        (D(2025, 4, 1), D(2025, 4, 16)),
        (D(2025, 4, 17), D(2025, 4, 29)),
    ]
    assert {r.part for r in runs} == {SUMMARY, "designation"}

    on_the_tenth = knowledge_changes(russia.facts, corrected, on=D(2025, 4, 10))
    assert [(r.first_day, r.last_day, r.part) for r in on_the_tenth] == [
        (D(2025, 4, 10), D(2025, 4, 10), SUMMARY),
        (D(2025, 4, 10), D(2025, 4, 10), "designation"),
    ]
    assert knowledge_changes(russia.facts, corrected, on=D(2025, 5, 1)) == []


def test_a_retraction_changes_every_day_from_the_fact_on() -> None:
    russia = Record()
    russia.add(DESIGNATION, "designated", "2003")
    russia.add(DESIGNATION, "not_designated", "2025-04")

    runs = knowledge_changes(russia.facts, russia.facts[:1])
    designation = [(r.first_day, r.last_day) for r in runs if r.part == "designation"]
    assert designation == [(D(2025, 4, 1), D(2025, 4, 29)), (D(2025, 4, 30), D.max)]
    assert knowledge_changes(russia.facts, list(reversed(russia.facts))) == []


# Laws


@given(occurrences(), windows())
def test_changes_between_are_exactly_the_days_an_answer_differs_from_the_day_before(
    facts: list[Occurrence], window: tuple[date, date]
) -> None:
    after, upto = window
    changes = changes_between(facts, after, upto)

    expected = {}
    if after < upto:
        previous = stance_on(facts, after)
        for day in each_day(after + ONE_DAY, upto):
            current = stance_on(facts, day)
            for part in PARTS:
                if key(current, part) != key(previous, part):
                    expected[day, part] = (key(previous, part), key(current, part))
            previous = current
    found = {
        (c.day, c.part): ((c.before_value, c.before_possible), (c.after_value, c.after_possible))
        for c in changes
    }
    assert found == expected
    assert len(found) == len(changes)
    assert changes == sorted(changes, key=lambda c: (c.day, PARTS.index(c.part)))
    # Every change names the facts behind it, and only facts that move that part.
    components = {f.fact_id: f.component for f in facts}
    for c in changes:
        assert c.facts
        movers = SUMMARY_INPUTS if c.part == SUMMARY else (Component(c.part),)
        assert {components[fact] for fact in c.facts} <= set(movers)


def pair(run: KnowledgeChange) -> tuple[object, ...]:
    return run.before_value, run.before_possible, run.after_value, run.after_possible


def differing_days(
    before: Sequence[Occurrence], after: Sequence[Occurrence], days: list[date]
) -> dict[tuple[date, str], tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]]]:
    result = {}
    for day in days:
        was, now = stance_on(before, day), stance_on(after, day)
        for part in PARTS:
            if key(was, part) != key(now, part):
                result[day, part] = (key(was, part), key(now, part))
    return result


WINDOW = each_day(
    FACT_WINDOW_START - 5 * ONE_DAY, FACT_WINDOW_START + (FACT_WINDOW_DAYS + 5) * ONE_DAY
)


@given(revisions())
def test_knowledge_changes_cover_exactly_the_days_the_answers_differ_in_maximal_runs(
    versions: tuple[list[Occurrence], list[Occurrence]],
) -> None:
    before, after = versions
    runs = knowledge_changes(before, after)

    days = [D.min, *WINDOW, D.max]
    covered = {
        (day, r.part): ((r.before_value, r.before_possible), (r.after_value, r.after_possible))
        for r in runs
        for day in days
        if r.first_day <= day <= r.last_day
    }
    assert covered == differing_days(before, after, days)
    assert runs == sorted(runs, key=lambda r: (r.first_day, PARTS.index(r.part)))
    for part in PARTS:
        mine = [r for r in runs if r.part == part]
        for run in mine:
            assert run.first_day <= run.last_day
        for first, second in pairwise(mine):
            assert first.last_day < second.first_day
            if first.last_day + ONE_DAY == second.first_day:
                # Adjacent runs exist only where the pair of answers changes.
                assert pair(first) != pair(second)


@given(revisions(), query_days(slack=5))
def test_knowledge_changes_on_one_day_agree_with_the_runs_over_every_day(
    versions: tuple[list[Occurrence], list[Occurrence]], day: date
) -> None:
    before, after = versions
    on_the_day = knowledge_changes(before, after, on=day)
    assert {(r.part, r.first_day, r.last_day) for r in on_the_day} == {
        (part, day, day) for _, part in differing_days(before, after, [day])
    }
    over_all = {
        r.part: pair(r)
        for r in knowledge_changes(before, after)
        if r.first_day <= day <= r.last_day
    }
    assert over_all == {r.part: pair(r) for r in on_the_day}


@given(occurrences(min_size=0))
def test_knowing_the_same_facts_in_any_order_changes_nothing(facts: list[Occurrence]) -> None:
    assert knowledge_changes(facts, list(reversed(facts))) == []


# The per-turning-day implementations the segment-based ones replaced, kept as references:
# stance_on on every day some fact's earliest or latest day falls, or the day after.

ReferenceTimeline = list[tuple[date, Answer]]


def reference_knowledge_changes(
    before: Sequence[Occurrence], after: Sequence[Occurrence]
) -> list[KnowledgeChange]:
    """knowledge_changes over every day, as it was before segments."""
    old = reference_timelines(before, D.min, D.max)
    new = reference_timelines(after, D.min, D.max)
    changes = [
        change for part in PARTS for change in reference_differences(part, old[part], new[part])
    ]
    changes.sort(key=lambda change: (change.first_day, PARTS.index(change.part)))
    return changes


def reference_changes_between(
    occurrences: Sequence[Occurrence], after: date, upto: date
) -> list[AnswerChange]:
    """changes_between as it was before segments."""
    if upto <= after:
        return []
    groups = reference_groups(occurrences)
    timelines = reference_timelines(occurrences, after, upto)
    changes: list[AnswerChange] = []
    for component in Component:
        for day, before, now in reference_steps(timelines[component.value]):
            facts = reference_facts_behind(groups[component], day, now)
            changes.append(answer_change(day, component.value, before, now, facts))
    inputs = {c.value for c in SUMMARY_INPUTS}
    for day, before, now in reference_steps(timelines[SUMMARY]):
        facts = tuple(
            dict.fromkeys(
                fact
                for change in changes
                if change.day == day and change.part in inputs
                for fact in change.facts
            )
        )
        changes.append(answer_change(day, SUMMARY, before, now, facts))
    changes.sort(key=lambda change: (change.day, PARTS.index(change.part)))
    return changes


def reference_groups(occurrences: Sequence[Occurrence]) -> dict[Component, list[Occurrence]]:
    groups: dict[Component, list[Occurrence]] = {component: [] for component in Component}
    for occurrence in occurrences:
        groups[occurrence.component].append(occurrence)
    return groups


def reference_turning_days(occurrence: Occurrence) -> set[date]:
    days = {occurrence.earliest, occurrence.latest}
    return days | {day + ONE_DAY for day in days if day < D.max}


def reference_timelines(
    occurrences: Sequence[Occurrence], start: date, end: date
) -> dict[str, ReferenceTimeline]:
    groups = reference_groups(occurrences)
    timelines: dict[str, ReferenceTimeline] = {}
    for component, group in groups.items():
        days = {day for occurrence in group for day in reference_turning_days(occurrence)}
        timelines[component.value] = reference_timeline(group, component.value, days, start, end)
    inputs = [occurrence for c in SUMMARY_INPUTS for occurrence in groups[c]]
    days = {day for c in SUMMARY_INPUTS for day, _ in timelines[c.value][1:]}
    timelines[SUMMARY] = reference_timeline(inputs, SUMMARY, days, start, end)
    return timelines


def reference_timeline(
    occurrences: Sequence[Occurrence], part: str, days: set[date], start: date, end: date
) -> ReferenceTimeline:
    timeline = [(start, read(stance_on(occurrences, start), part))]
    for day in sorted(day for day in days if start < day <= end):
        answer = read(stance_on(occurrences, day), part)
        if answer_key(answer) != answer_key(timeline[-1][1]):
            timeline.append((day, answer))
    return timeline


def reference_steps(timeline: ReferenceTimeline) -> list[tuple[date, Answer, Answer]]:
    return [(day, timeline[i][1], answer) for i, (day, answer) in enumerate(timeline[1:])]


def reference_facts_behind(group: Sequence[Occurrence], day: date, now: Answer) -> tuple[str, ...]:
    moved = [occurrence for occurrence in group if day in reference_turning_days(occurrence)]
    if not moved:
        return now.facts
    listed = {fact: index for index, fact in enumerate(now.facts)}

    def rank(occurrence: Occurrence) -> tuple[int, bool, int]:
        on_an_end = day in (occurrence.earliest, occurrence.latest)
        return listed.get(occurrence.fact_id, len(listed)), not on_an_end, -occurrence.position

    return tuple(dict.fromkeys(occurrence.fact_id for occurrence in sorted(moved, key=rank)))


def reference_differences(
    part: str, old: ReferenceTimeline, new: ReferenceTimeline
) -> list[KnowledgeChange]:
    runs: list[tuple[date, Answer, Answer]] = []
    i = j = 0
    for day in sorted({day for day, _ in old} | {day for day, _ in new}):
        while i + 1 < len(old) and old[i + 1][0] <= day:
            i += 1
        while j + 1 < len(new) and new[j + 1][0] <= day:
            j += 1
        was, now = old[i][1], new[j][1]
        if runs and (answer_key(runs[-1][1]), answer_key(runs[-1][2])) == (
            answer_key(was),
            answer_key(now),
        ):
            continue
        runs.append((day, was, now))
    ends = [start - ONE_DAY for start, _, _ in runs[1:]] + [D.max]
    return [
        KnowledgeChange(start, end, part, *answer_key(was), *answer_key(now))
        for (start, was, now), end in zip(runs, ends, strict=True)
        if answer_key(was) != answer_key(now)
    ]


def answer_key(answer: Answer) -> tuple[str, tuple[str, ...]]:
    return answer.value, tuple(sorted(answer.possible))


def answer_change(
    day: date, part: str, before: Answer, after: Answer, facts: tuple[str, ...]
) -> AnswerChange:
    return AnswerChange(day, part, *answer_key(before), *answer_key(after), facts)


@st.composite
def open_revisions(draw: st.DrawFn) -> tuple[list[Occurrence], list[Occurrence]]:
    """Before/after fact lists with same-day ties, wide and open ranges: related or not."""
    before = draw(open_occurrences())
    if draw(st.booleans()):
        return before, draw(open_occurrences())
    after = []
    for fact in before:
        fate = draw(st.sampled_from(("kept", "retracted", "corrected")))
        if fate == "kept":
            after.append(fact)
        elif fate == "corrected":
            shift = timedelta(days=draw(st.integers(-3, 3)))
            earliest = max(fact.earliest, D.min + 3 * ONE_DAY) + shift
            latest = max(earliest, min(fact.latest, D.max - 3 * ONE_DAY) + shift)
            after.append(replace(fact, earliest=earliest, latest=latest))
    added = draw(open_occurrences(max_size=3))
    after += [replace(f, fact_id=f"new-{f.fact_id}", position=100 + f.position) for f in added]
    return before, draw(st.permutations(after))


@given(st.one_of(revisions(), open_revisions()))
def test_knowledge_changes_equal_the_per_turning_day_reference(
    versions: tuple[list[Occurrence], list[Occurrence]],
) -> None:
    before, after = versions
    assert knowledge_changes(before, after) == reference_knowledge_changes(before, after)


@st.composite
def facts_and_windows(draw: st.DrawFn) -> tuple[list[Occurrence], date, date]:
    """Facts, and a window that is the whole calendar, arbitrary, or starts or ends on a
    fact's turning day (where an answer may change)."""
    facts = draw(open_occurrences())
    after, upto = draw(windows())
    turning = sorted(
        day
        for fact in facts
        for edge in (fact.earliest, fact.latest)
        if D.min < edge < D.max
        for day in (edge - ONE_DAY, edge, edge + ONE_DAY)
    )
    shape = draw(st.sampled_from(("whole", "window", "from a turn", "to a turn")))
    if shape == "whole":
        return facts, D.min, D.max
    if turning and shape == "from a turn":
        after = draw(st.sampled_from(turning))
    elif turning and shape == "to a turn":
        upto = draw(st.sampled_from(turning))
    return facts, after, upto


@given(facts_and_windows())
def test_changes_between_equal_the_per_turning_day_reference(
    case: tuple[list[Occurrence], date, date],
) -> None:
    facts, after, upto = case
    assert changes_between(facts, after, upto) == reference_changes_between(facts, after, upto)
