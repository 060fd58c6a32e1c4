"""A fact's life: recorded, corrected, retracted, reinstated, folded from its stream."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from pydantic import ValidationError

from stanceline.domain.changes import (
    FactChanged,
    FactCorrected,
    FactRanked,
    FactReinstated,
    FactRetracted,
)
from stanceline.domain.events import DomainEvent, FactRecorded
from stanceline.domain.facts import FactContent, Rank, Source, details_model
from stanceline.errors import FactStateError


@dataclass(frozen=True, slots=True)
class FactState:
    """A fact as its stream says it is now."""

    fact_id: str
    content: FactContent
    version: int
    chain: str
    retracted: bool
    change_ids: frozenset[str] = frozenset()


def corrected(content: FactContent, event: FactCorrected) -> FactContent:
    """The content after a correction (details checked against the resulting kind)."""
    kind = event.kind or content.kind
    model = details_model(kind)
    details = content.details if event.details is None else event.details
    if event.details is None and kind is not content.kind:
        try:
            model.model_validate(details)
        except ValidationError:
            details = {}  # the old kind's details do not fit the new kind: start afresh
    checked = model.model_validate(details).model_dump(mode="json")
    return content.model_copy(
        update={
            "kind": kind,
            "date": event.date or content.date,
            "summary": event.summary or content.summary,
            **_sources_after(content, event),
            "details": checked,
            "event": event.event or content.event,
        }
    )


def _sources_after(content: FactContent, event: FactCorrected) -> dict[str, object]:
    """`source` replaces the fact's (its first), `sources` all of them; `add_sources`
    adds those it does not cite yet. In the one-source form when one is left."""
    sources: tuple[Source, ...] = content.all_sources
    if event.sources is not None:
        sources = event.sources
    elif event.source is not None:
        sources = (event.source, *sources[1:])
    for added in event.add_sources or ():
        if added not in sources:
            sources = (*sources, added)
    if len(sources) == 1:
        return {"source": sources[0], "sources": None}
    return {"source": None, "sources": sources}


def ranked(content: FactContent, event: FactRanked) -> FactContent:
    """The content after a rank change: the reason is kept as the rank's (none for normal)."""
    if event.rank is Rank.NORMAL:
        return content.model_copy(update={"rank": None, "rank_reason": None})
    return content.model_copy(update={"rank": event.rank, "rank_reason": event.reason})


def evolve(state: FactState | None, event: DomainEvent) -> FactState:
    """One step of the fold."""
    if isinstance(event, FactRecorded):
        return FactState(event.fact_id, event.content(), 1, event.chain, retracted=False)
    if state is None or not isinstance(event, FactChanged):
        raise FactStateError(f"event {event.TOPIC} cannot start fact {event.originator_id!r}")
    state = replace(
        state,
        version=event.originator_version,
        chain=event.chain,
        change_ids=state.change_ids | {event.change_id},
    )
    if isinstance(event, FactCorrected):
        state = replace(state, content=corrected(state.content, event))
    elif isinstance(event, FactRanked):
        state = replace(state, content=ranked(state.content, event))
    if event.COUNTS_AFTER is None:
        return state
    return replace(state, retracted=not event.COUNTS_AFTER)


def fold(events: Iterable[DomainEvent]) -> FactState | None:
    """The fact's current state (None for an empty stream)."""
    state = None
    for event in events:
        state = evolve(state, event)
    return state


def check_can_correct(state: FactState) -> None:
    """A retracted fact must be reinstated before it can be corrected."""
    if state.retracted:
        raise FactStateError(
            f"fact {state.fact_id!r} is retracted: reinstate it before correcting it"
        )


def check_can_retract(state: FactState) -> None:
    """A fact is retracted at most once at a time."""
    if state.retracted:
        raise FactStateError(f"fact {state.fact_id!r} is already retracted")


def check_can_rank(state: FactState) -> None:
    """A retracted fact is reinstated before it is ranked."""
    if state.retracted:
        raise FactStateError(f"fact {state.fact_id!r} is retracted: reinstate it before ranking it")


def check_can_reinstate(state: FactState) -> None:
    """Only a retracted fact can be reinstated."""
    if not state.retracted:
        raise FactStateError(f"fact {state.fact_id!r} is not retracted")


CHANGE_CHECKS = {
    FactCorrected: check_can_correct,
    FactRetracted: check_can_retract,
    FactReinstated: check_can_reinstate,
    FactRanked: check_can_rank,
}
