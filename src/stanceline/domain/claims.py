"""Competing claims (DESIGN §7): which claims count, and a part's answer when some disagree.

A happening (an `event`) may be told by several claims, exactly one of them
right, on one unknown day of its range. For each choice, per happening, of one
counting claim and one day in its range, a part's value on D is the effect of
the latest chosen claim on or before D. The possible values are those some
choice gives; they have a closed form, as §3's (stance.py):

* a happening all of whose claims have certainly happened by D ("settled")
  holds the others back by the least (earliest, position) of its claims: the
  least it can;
* a claim f can be the last one exactly when (min(latest_f, D), position_f) is
  at least every other settled happening's bound (its own happening's other
  claims are not chosen with it);
* the default stays possible only while no happening is settled.

A part is disputed on D when fixing one happening to one of its claims or to
another (the rest left free) changes the part's possible values; `readings`
keeps, per such happening, the distinct possible values its claims leave, so
the summary can ask the same of its own possible values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from heapq import nlargest
from typing import TypeVar

from stanceline.domain.answer import Answer, Occurrence
from stanceline.domain.facts import Effect, Rank
from stanceline.errors import FieldError

T = TypeVar("T")

_ONE_DAY = timedelta(days=1)


def happening(occurrence: Occurrence) -> str:
    """The key of the happening a claim tells of ("#" and its id for a fact told alone)."""
    return occurrence.event if occurrence.event is not None else "#" + occurrence.fact_id


def counting(
    claims: Iterable[T], event_of: Callable[[T], str | None], rank_of: Callable[[T], Rank]
) -> list[T]:
    """The claims that count, in the order given: per event its preferred claims if it has
    any, else its normal ones; a fact without an event counts unless deprecated.

    Retracted claims are left out by the caller, before: they never count.
    """
    given = list(claims)
    preferred = {
        event
        for claim in given
        if (event := event_of(claim)) is not None and rank_of(claim) is Rank.PREFERRED
    }
    return [
        claim
        for claim in given
        if (rank := rank_of(claim)) is not Rank.DEPRECATED
        and (rank is Rank.PREFERRED or event_of(claim) not in preferred)
    ]


# What a claim tells of: its actor and the part of the stance it moves (component and
# measure; None for a statement).
Part = tuple[str, str | None] | None
Claimed = tuple[str, Part]


def part_of(effect: Effect | None) -> Part:
    """The part of the stance a fact with this effect moves (None: a statement)."""
    return None if effect is None else (effect.component.value, effect.measure)


def check_claim(event: str, fact_id: str, claim: Claimed, others: Mapping[str, Claimed]) -> None:
    """A claim of `event` must tell of the actor and part its other claims tell of
    (FieldError on `event` naming the one it disagrees with)."""
    for other, (actor, part) in others.items():
        if other == fact_id:
            continue
        if actor != claim[0]:
            raise FieldError(
                "event",
                f"event {event!r} is a happening of {actor} (fact {other!r}); this fact is of "
                f"{claim[0]}: the claims of one happening share their actor",
            )
        if part != claim[1]:
            raise FieldError(
                "event",
                f"event {event!r} moves {_shown(part)} (fact {other!r}); this fact moves "
                f"{_shown(claim[1])}: the claims of one happening move the same part",
            )
        return  # the others agree with this one already


def _shown(part: Part) -> str:
    if part is None:
        return "no part of the stance (a statement)"
    component, measure = part
    return f"sanctions measure {measure!r}" if measure else component


def cites(sources: Iterable[Mapping[str, object]], who: str) -> bool:
    """Whether one of `sources` is `who`: its publisher, ignoring case, or its url exactly."""
    wanted = who.strip()
    folded = wanted.casefold()
    return any(
        (isinstance(publisher := source.get("publisher"), str) and publisher.casefold() == folded)
        or source.get("url") == wanted
        for source in sources
    )


def has_disputes(occurrences: Iterable[Occurrence]) -> bool:
    """Whether some happening is told by two or more of these claims."""
    seen: set[str] = set()
    for occurrence in occurrences:
        if occurrence.event is not None:
            if occurrence.event in seen:
                return True
            seen.add(occurrence.event)
    return False


def grouped(occurrences: Iterable[Occurrence]) -> dict[str, list[Occurrence]]:
    """The claims by happening, in the order each happening first appears."""
    groups: dict[str, list[Occurrence]] = {}
    for occurrence in occurrences:
        groups.setdefault(happening(occurrence), []).append(occurrence)
    return groups


def _can_be_last(
    groups: Mapping[str, Sequence[Occurrence]], on: date
) -> tuple[bool, list[Occurrence]]:
    """Whether no happening may have happened by `on` (the default possible), and the
    claims that can be the last one on or before it."""
    # The two greatest bounds of settled happenings: a claim's own is never its bound.
    bounds = nlargest(
        2,
        (
            (min((c.earliest, c.position) for c in claims), key)
            for key, claims in groups.items()
            if all(c.latest <= on for c in claims)
        ),
    )
    last = []
    for key, claims in groups.items():
        bound = next((b for b, k in bounds if k != key), None)
        for claim in claims:
            if claim.earliest <= on and (
                bound is None or (min(claim.latest, on), claim.position) >= bound
            ):
                last.append(claim)
    return not bounds, last


def _possible(groups: Mapping[str, Sequence[Occurrence]], on: date, default: str) -> frozenset[str]:
    open_, last = _can_be_last(groups, on)
    return frozenset({c.value for c in last} | ({default} if open_ else set()))


def solve(
    occurrences: Sequence[Occurrence], on: date, default: str
) -> tuple[Answer, Occurrence | None]:
    """One small component's answer on `on` (all claims moving the same thing), and the
    claim behind its value in the primary reading (None: the default)."""
    groups = grouped(occurrences)
    open_, last = _can_be_last(groups, on)
    possible = {c.value for c in last} | ({default} if open_ else set())
    # The primary reading: each happening read as its claim recorded first.
    primary = [min(claims, key=lambda c: c.position) for claims in groups.values()]
    behind = max(
        (c for c in primary if c.latest <= on), key=lambda c: (c.latest, c.position), default=None
    )
    value = behind.value if behind else default
    others = sorted(
        (c for c in last if c is not behind), key=lambda c: (c.latest, c.position), reverse=True
    )
    facts = ([behind] if behind else []) + [c for c in others if c.value != value]
    readings = []
    # Fixing a happening only narrows the possible values: with one left, none can differ.
    for key, claims in groups.items() if len(possible) > 1 else ():
        if len(claims) > 1 and any(c.earliest <= on for c in claims):
            fixed = frozenset(_possible({**groups, key: [c]}, on, default) for c in claims)
            if len(fixed) > 1:
                readings.append(fixed)
    answer = Answer(
        value=value,
        possible=frozenset(possible),
        since=behind.edtf if behind else None,
        facts=tuple(c.fact_id for c in facts),
        disputed=bool(readings),
        default=not any(c.earliest <= on for c in occurrences),
        readings=tuple(readings),
    )
    return answer, behind


def turning_days(occurrences: Iterable[Occurrence]) -> list[date]:
    """The days on which a component's answer may change, date.min first: a claim's earliest
    day, its latest, and the day after each (where a claim of that day stops holding
    others back)."""
    days = {date.min}
    for o in occurrences:
        days.update((o.earliest, o.latest))
        days.update(day + _ONE_DAY for day in (o.earliest, o.latest) if day < date.max)
    return sorted(days)
