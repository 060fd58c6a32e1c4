"""One load's events, checked line by line against the store and against each other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from stanceline.application.loading import NumberedFact
from stanceline.domain.amending import ChangeRequest, change_event
from stanceline.domain.claims import Claimed, check_claim, claimed, part_of
from stanceline.domain.events import (
    DomainEvent,
)
from stanceline.domain.facts import effect_of
from stanceline.domain.intake import ValidFact
from stanceline.domain.lifecycle import FactState, evolve
from stanceline.domain.recording import NewFact, new_fact
from stanceline.errors import FactStateError, FieldError, ImportFileError, UnknownFactError


class Batch:
    """The events one load adds, checked line by line against the store and each other."""

    def __init__(
        self,
        fact_state: Callable[[str], FactState],
        origin: str,
        stored: dict[str, set[str]],
        recorded_at: datetime,
        by: str,
        claims_of: Callable[[str], dict[str, Claimed]] = lambda event: {},
    ) -> None:
        self.fact_state = fact_state
        self.claims_of = claims_of
        # The claims of each event a line names, as stored and as this batch leaves them.
        self.claims: dict[str, dict[str, Claimed]] = {}
        self.origin = origin
        self.hashes = stored
        self.recorded_at = recorded_at
        self.by = by
        # New facts as stored, without an event model each; changes as events.
        self.events: list[NewFact | DomainEvent] = []
        self.present = 0
        # The state of a fact this batch changes; a fact it records gets one only when a
        # later line changes it (most never are, and a state per fact costs memory).
        self.states: dict[str, FactState] = {}
        self.recorded: dict[str, NewFact] = {}
        self.lines: dict[str, int] = {}  # the line each fact this batch records is on
        self.seen: Counter[str] = Counter()

    def add(self, item: NumberedFact) -> None:
        try:
            if isinstance(item.fact, ValidFact):
                self._add_fact(item.fact, item.line)
            else:
                self._add_change(item.fact)
        except FieldError as error:
            raise ImportFileError(self.origin, item.line, error.field, error.message) from None
        except (FactStateError, UnknownFactError) as error:
            field = item.fact.action.ACTION if isinstance(item.fact, ChangeRequest) else "id"
            raise ImportFileError(self.origin, item.line, field, str(error)) from None

    def _add_fact(self, fact: ValidFact, line: int) -> None:
        known = self.hashes.get(fact.fact_id, _NONE)
        if fact.content_hash in known:
            # As first recorded, or as corrected since (an export loaded back).
            self.present += 1
            return
        if fact.fact_id in self.lines:
            raise FieldError(
                "id",
                f"fact {fact.fact_id!r} is given twice with different content, first on line "
                f"{self.lines[fact.fact_id]} (an id names one fact: nothing was stored)",
            )
        if known:
            raise FieldError(
                "id",
                f"fact {fact.fact_id!r} is already stored with different content "
                "(stored facts are never edited: record a correction)",
            )
        if (event := fact.dumped.get("event")) is not None:
            claim = (fact.dumped["actor"], part_of(effect_of(fact.kind, fact.details)))
            self._claim(event, fact.fact_id, claim)
        new = new_fact(fact, recorded_at=self.recorded_at, recorded_by=self.by)
        self.events.append(new)
        self.recorded[fact.fact_id] = new
        self.lines[fact.fact_id] = line
        self.hashes[fact.fact_id] = {fact.content_hash}

    def _add_change(self, request: ChangeRequest) -> None:
        state = self._state(request.fact_id)
        change_id = request.change_id()
        # The same line again later in one file means it again: number the repeats.
        repeats = self.seen[change_id]
        self.seen[change_id] += 1
        if repeats:
            change_id = request.change_id(salt=f"#{repeats + 1}")
        if change_id in state.change_ids:
            self.present += 1
            return
        event = change_event(
            request, state, change_id=change_id, recorded_at=self.recorded_at, recorded_by=self.by
        )
        after = evolve(state, event)
        content = after.content
        if content.event is not None and content != state.content:
            self._claim(content.event, after.fact_id, claimed(content))
        if state.content.event not in (None, content.event):
            self._claims(state.content.event).pop(after.fact_id, None)
        self.events.append(event)
        self.states[request.fact_id] = after

    def _claims(self, event: str) -> dict[str, Claimed]:
        if event not in self.claims:
            self.claims[event] = self.claims_of(event)
        return self.claims[event]

    def _claim(self, event: str, fact_id: str, claim: Claimed) -> None:
        """Check that a fact can be a claim of `event` (check_claim), and count it one."""
        claims = self._claims(event)
        check_claim(event, fact_id, claim, claims)
        claims[fact_id] = claim

    def _state(self, fact_id: str) -> FactState:
        """The fact as this batch leaves it so far: changed, recorded here, or as stored."""
        if fact_id in self.states:
            return self.states[fact_id]
        if fact_id in self.recorded:
            return self.recorded[fact_id].fact_state()
        return self.fact_state(fact_id)


_NONE: frozenset[str] = frozenset()
