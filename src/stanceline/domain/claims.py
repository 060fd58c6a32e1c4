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

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from datetime import date
from heapq import nlargest
from typing import TypeVar

from stanceline.domain.answer import Answer, Occurrence
from stanceline.domain.facts import Effect, FactContent, Rank
from stanceline.errors import FieldError

T = TypeVar("T")


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


def claimed(content: FactContent) -> Claimed:
    """What a fact's content tells of, as a claim: its actor and the part it moves."""
    return content.actor, part_of(content.effect())


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


def alone(occurrences: Sequence[Occurrence], claim: Occurrence) -> list[Occurrence]:
    """The claims that count with `claim`'s happening fixed to it: were it the one true
    account, the rest left as they are."""
    key = happening(claim)
    return [*(o for o in occurrences if happening(o) != key), claim]


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
    groups: Mapping[str, Sequence[Occurrence]], on: date, pending: Set[str] = frozenset()
) -> tuple[bool, list[Occurrence]]:
    """Whether no happening may have happened by `on` (the default possible), and the
    claims that can be the last one on or before it. A happening of `pending` has
    claims not given here that start after `on`: it is not settled."""
    # The two greatest bounds of settled happenings: a claim's own is never its bound.
    bounds = nlargest(
        2,
        (
            (min((c.earliest, c.position) for c in claims), key)
            for key, claims in groups.items()
            if key not in pending and all(c.latest <= on for c in claims)
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


def _possible(
    groups: Mapping[str, Sequence[Occurrence]],
    on: date,
    default: str,
    pending: Set[str] = frozenset(),
) -> frozenset[str]:
    open_, last = _can_be_last(groups, on, pending)
    return frozenset({c.value for c in last} | ({default} if open_ else set()))


def solve(
    occurrences: Sequence[Occurrence], on: date, default: str
) -> tuple[Answer, Occurrence | None]:
    """One small component's answer on `on` (all claims moving the same thing), and the
    claim behind its value in the primary reading (None: the default)."""
    groups = grouped(occurrences)
    primary = {min(claims, key=_position).fact_id for claims in groups.values()}
    relevant = any(c.earliest <= on for c in occurrences)
    return _solve(groups, on, default, primary, frozenset(), frozenset(), relevant)


def _position(claim: Occurrence) -> int:
    return claim.position


def _solve(
    groups: Mapping[str, Sequence[Occurrence]],
    on: date,
    default: str,
    primary: Set[str],
    shed: Set[str],
    pending: Set[str],
    relevant: bool,
) -> tuple[Answer, Occurrence | None]:
    """`solve` over the claims that can still matter on `on`: `primary` names each
    happening's claim recorded first; `shed` the happenings some of whose claims were
    left out for good, `pending` those with claims not given yet, which start after `on`
    (either way, a choice of one of those leaves the happening out); `relevant` whether
    any claim may have happened by then."""
    # A shed happening's bound is its least claim's, below K2: it bounds nobody, as if
    # it were not settled; one with claims to come is not settled.
    unsettled = shed | pending
    open_, last = _can_be_last(groups, on, unsettled)
    possible = {c.value for c in last} | ({default} if open_ else set())
    # The primary reading: each happening read as its claim recorded first.
    behind = max(
        (
            c
            for claims in groups.values()
            for c in claims
            if c.fact_id in primary and c.latest <= on
        ),
        key=lambda c: (c.latest, c.position),
        default=None,
    )
    value = behind.value if behind else default
    others = sorted(
        (c for c in last if c is not behind), key=lambda c: (c.latest, c.position), reverse=True
    )
    facts = ([behind] if behind else []) + [c for c in others if c.value != value]
    readings = set()
    # Fixing a happening only narrows the possible values: with one left, none can differ.
    for key, claims in groups.items() if len(possible) > 1 else ():
        absent = key in unsettled
        if (len(claims) > 1 or absent) and any(c.earliest <= on for c in claims):
            rest = unsettled - {key}
            fixed = {_possible({**groups, key: [c]}, on, default, rest) for c in claims}
            if absent:
                without = {k: v for k, v in groups.items() if k != key}
                fixed.add(_possible(without, on, default, rest))
            if len(fixed) > 1:
                readings.add(frozenset(fixed))
    answer = Answer(
        value=value,
        possible=frozenset(possible),
        since=behind.edtf if behind else None,
        facts=tuple(c.fact_id for c in facts),
        disputed=bool(readings),
        default=not relevant,
        readings=frozenset(readings),
    )
    return answer, behind


def answers_over_time(
    occurrences: Sequence[Occurrence], default: str
) -> Iterator[tuple[date, Answer, Occurrence | None]]:
    """`solve` on each day a component's answer may turn (turning_days), in day order.

    Each day asks only of the claims that can still matter. With K2 the second greatest
    bound of a settled happening, a claim that has certainly happened and whose (latest,
    position) is below K2 can never be the last one again, and its happening's bound is
    below K2 (a bound is the least of its claims'), so it never bounds another: such
    claims are shed for good, and a happening shed of some of its claims counts, among
    the choices that fix it, the choice that leaves it out. The claim behind the value
    is never shed: its (latest, position) is at least K1.
    """
    groups = grouped(occurrences)
    primary = {min(claims, key=_position).fact_id for claims in groups.values()}
    settling = sorted(
        (max(c.latest for c in claims), min((c.earliest, c.position) for c in claims), key)
        for key, claims in groups.items()
    )
    by_earliest = sorted(occurrences, key=lambda c: (c.earliest, c.position))
    live: dict[str, list[Occurrence]] = {}
    unopened = {key: len(claims) for key, claims in groups.items()}
    shed: set[str] = set()
    top: list[tuple[tuple[date, int], str]] = []  # the two greatest bounds, greatest first
    opened = settled = 0
    for day in turning_days(occurrences):
        while opened < len(by_earliest) and by_earliest[opened].earliest <= day:
            claim = by_earliest[opened]
            live.setdefault(happening(claim), []).append(claim)
            unopened[happening(claim)] -= 1
            opened += 1
        while settled < len(settling) and settling[settled][0] <= day:
            _, bound, key = settling[settled]
            top = nlargest(2, [*top, (bound, key)])
            settled += 1
        if len(top) == 2:
            second = top[1][0]
            for key in list(live):
                kept = [c for c in live[key] if c.latest > day or (c.latest, c.position) >= second]
                if len(kept) < len(live[key]):
                    shed.add(key)
                    if kept:
                        live[key] = kept
                    else:
                        del live[key]
        pending = {key for key in live if unopened[key]}
        yield day, *_solve(live, day, default, primary, shed, pending, opened > 0)


def turning_days(occurrences: Iterable[Occurrence]) -> list[date]:
    """The days on which a component's answer may change, date.min first."""
    return sorted({date.min}.union(*(o.turning_days() for o in occurrences)))
