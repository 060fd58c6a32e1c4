"""Commands: record facts (one, a file, a batch) and change stored ones, each in one transaction."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import IntegrityError

from stanceline.application.batch import Batch
from stanceline.application.loading import NumberedFact, Progress, read_facts
from stanceline.application.ports import Log
from stanceline.application.readside import ReadSide
from stanceline.application.reports import LoadResult
from stanceline.domain.amending import ChangeRequest, change_event, validate_change
from stanceline.domain.changes import FactChanged
from stanceline.domain.claims import Claimed, check_claim, claimed
from stanceline.domain.events import DomainEvent
from stanceline.domain.intake import ValidFact, validate_fact
from stanceline.domain.lifecycle import FactState, evolve, fold
from stanceline.errors import (
    FieldError,
    ImportFileError,
    StoreBusyError,
    StoreReadOnlyError,
    UnknownFactError,
)

USER_ENV = "STANCELINE_USER"
SAVE_RETRIES = 5

Clock = Callable[[], datetime]


def default_recorder() -> str:
    """Who records: $STANCELINE_USER, else the OS user."""
    try:
        return os.environ.get(USER_ENV) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Commands:
    """What changes the record. Every event of one command carries one recorded time."""

    def __init__(self, read: ReadSide, log: Log, clock: Clock) -> None:
        self.read = read
        self.log = log
        # The recorded time of each transaction (UTC); replaceable so tests can fix it.
        self.clock = clock

    def load_file(
        self, path: str | Path, *, by: str | None = None, progress: Progress | None = None
    ) -> LoadResult:
        """Record every fact of one file in one transaction: all of it or none of it."""
        facts = read_facts(path, self.read.catalogue, progress)
        return self.record_facts(facts, by=by, origin=str(path))

    def record_fact(self, raw: dict[str, Any], *, by: str | None = None) -> LoadResult:
        """Record one fact given as an import-format object (FieldError names a bad field)."""
        fact = validate_fact(raw, self.read.catalogue)
        try:
            return self.record_facts([NumberedFact(0, fact)], by=by, origin="fact")
        except ImportFileError as error:
            raise FieldError(error.field, error.message) from None

    def record_facts(
        self, facts: Sequence[NumberedFact], *, by: str | None = None, origin: str = "input"
    ) -> LoadResult:
        """Record validated facts and changes in one transaction; what is stored is skipped."""
        by = by or default_recorder()
        self._check_writable(origin)
        for _ in range(SAVE_RETRIES):
            self.read.catch_up()
            stored = self.read.view.hashes(
                [f.fact.fact_id for f in facts if isinstance(f.fact, ValidFact)]
            )
            batch = Batch(self.fact_state, origin, stored, self.clock(), by, self.claims_of)
            for item in facts:
                batch.add(item)
            try:
                saved = self.log.put(batch.events)
            except IntegrityError:
                continue  # another writer stored one of these first: look again
            self.read.catch_up(saved)
            return LoadResult(
                recorded=len(batch.events),
                already_present=batch.present,
                fact_ids=[f.fact.fact_id for f in facts],
            )
        raise StoreBusyError(f"{origin}: other writers kept conflicting; nothing was written")

    def change_fact(self, request: ChangeRequest, *, by: str | None = None) -> FactChanged:
        """Correct, retract, reinstate or rank one stored fact (FactStateError when not
        allowed; FieldError when a correction would break its event's claims)."""
        self._check_writable(f"fact {request.fact_id!r}")
        for _ in range(SAVE_RETRIES):
            state = self.fact_state(request.fact_id)
            event = change_event(
                request,
                state,
                # Salted with the version: the same command given twice means it twice.
                change_id=request.change_id(salt=f"v{state.version}"),
                recorded_at=self.clock(),
                recorded_by=by or default_recorder(),
            )
            content = evolve(state, event).content
            if content.event is not None and content != state.content:
                others = self.claims_of(content.event)
                check_claim(content.event, state.fact_id, claimed(content), others)
            try:
                self.log.put([event])
            except IntegrityError:
                continue  # another writer changed the fact meanwhile: check again
            self.read.catch_up()
            return event
        raise StoreBusyError(f"fact {request.fact_id!r}: other writers kept conflicting")

    def correct(
        self,
        fact_id: str,
        reason: str,
        fields: dict[str, Any],
        *,
        source: dict[str, Any] | None = None,
        by: str | None = None,
    ) -> FactChanged:
        """Correct a fact: `fields` replace its own, `source` updates fields of its source."""
        raw: dict[str, Any] = {"corrects": fact_id, "reason": reason, **fields}
        if source:
            first = self.fact_state(fact_id).content.all_sources[0]
            current = first.model_dump(exclude_none=True)
            raw["source"] = {**current, **source}
        return self.change_fact(validate_change(raw), by=by)

    def rank(self, fact_id: str, rank: str, reason: str, *, by: str | None = None) -> FactChanged:
        """Rank a claim preferred, normal or deprecated (DESIGN §7), saying why."""
        request = validate_change({"ranks": fact_id, "rank": rank, "reason": reason})
        return self.change_fact(request, by=by)

    def claims_of(self, event: str) -> dict[str, Claimed]:
        """The facts that are now claims of `event`, and what each tells of."""
        self.read.catch_up()
        return {row.fact_id: row.claimed for row in self.read.view.claims_of(event)}

    def retract(self, fact_id: str, reason: str, *, by: str | None = None) -> FactChanged:
        """Retract a fact: from now on it no longer counts."""
        return self.change_fact(validate_change({"retracts": fact_id, "reason": reason}), by=by)

    def reinstate(self, fact_id: str, reason: str, *, by: str | None = None) -> FactChanged:
        """Undo a retraction."""
        request = validate_change({"reinstates": fact_id, "reason": reason})
        return self.change_fact(request, by=by)

    def _check_writable(self, what: str) -> None:
        if self.log.read_only:
            why = (
                "this process was opened to read only: writes go to the primary"
                if self.log.as_it_stands
                else "its file or its folder cannot be written"
            )
            raise StoreReadOnlyError(
                f"{what}: store {self.log.config.description} is read-only here ({why}): "
                "nothing was recorded"
            )

    def fact_state(self, fact_id: str) -> FactState:
        """A fact as its own stream says it is now (UnknownFactError when absent)."""
        state = fold(self.fact_events(fact_id))
        if state is None:
            raise UnknownFactError(f"no fact with id {fact_id!r}")
        return state

    def fact_events(self, fact_id: str) -> list[DomainEvent]:
        """Every stored event of one fact, oldest first."""
        return self.log.stream(fact_id)
