"""The eventsourcing Application: commands and queries; the one place that knows both."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Mapper

from stanceline.application.loading import NumberedFact, Progress, read_facts
from stanceline.application.mapper import PydanticMapper
from stanceline.application.reports import (
    HistoryEntry,
    HistoryReport,
    LoadResult,
    StanceReport,
)
from stanceline.config import parse_store_url, store_url
from stanceline.domain.actors import Actor, ActorCatalogue, ActorKind
from stanceline.domain.events import FactRecorded, fact_event
from stanceline.domain.history import Step, history
from stanceline.domain.intake import FieldError, validate_fact
from stanceline.domain.stance import stance_on
from stanceline.errors import ImportFileError, StancelineError, UnknownActorError
from stanceline.projections.readmodel import FactRow, StanceView, row_for

USER_ENV = "STANCELINE_USER"
CATCH_UP_BATCH = 2000
SAVE_RETRIES = 5


class StoreBusyError(StancelineError, RuntimeError):
    """Concurrent writers kept conflicting; nothing of this load was written."""


def default_recorder() -> str:
    """Who records: $STANCELINE_USER, else the OS user."""
    try:
        return os.environ.get(USER_ENV) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Stanceline(Application[str]):
    """Facts in, stances out: records facts as events and answers from the read model."""

    name = "stanceline"

    def __init__(self, store: str | None = None, catalogue: ActorCatalogue | None = None) -> None:
        self.store = parse_store_url(store_url(store))
        super().__init__(env=self.store.env)
        self.catalogue = catalogue or ActorCatalogue.default()
        view = self.factory.tracking_recorder(StanceView)
        assert isinstance(view, StanceView)
        self.view = view

    def construct_mapper(self) -> Mapper[str]:
        return PydanticMapper()

    # Commands

    def load_file(
        self, path: str | Path, *, by: str | None = None, progress: Progress | None = None
    ) -> LoadResult:
        """Record every fact of one file in one transaction: all of it or none of it."""
        facts = read_facts(path, self.catalogue, progress)
        return self.record_facts(facts, by=by, origin=str(path))

    def record_fact(self, raw: dict[str, Any], *, by: str | None = None) -> LoadResult:
        """Record one fact given as an import-format object (FieldError names a bad field)."""
        fact = validate_fact(raw, self.catalogue)
        try:
            return self.record_facts([NumberedFact(0, fact)], by=by, origin="fact")
        except ImportFileError as error:
            raise FieldError(error.field, error.message) from None

    def record_facts(
        self, facts: Sequence[NumberedFact], *, by: str | None = None, origin: str = "input"
    ) -> LoadResult:
        """Record validated facts in one transaction; facts already stored are skipped."""
        for _ in range(SAVE_RETRIES):
            self.catch_up()
            new, present = self._new_facts(facts, origin)
            recorded_at = datetime.now(UTC)
            recorded_by = by or default_recorder()
            events = [
                fact_event(
                    f.fact.fact_id, f.fact.content, recorded_at=recorded_at, recorded_by=recorded_by
                )
                for f in new
            ]
            try:
                if events:
                    self.save(*events)
            except IntegrityError:
                continue  # another writer stored one of these ids first: look again
            self.catch_up()
            return LoadResult(
                recorded=len(new),
                already_present=present,
                fact_ids=[f.fact.fact_id for f in facts],
            )
        raise StoreBusyError(f"{origin}: other writers kept conflicting; nothing was written")

    def _new_facts(
        self, facts: Sequence[NumberedFact], origin: str
    ) -> tuple[list[NumberedFact], int]:
        stored = self.view.hashes([f.fact.fact_id for f in facts])
        new, present = [], 0
        for numbered in facts:
            fact = numbered.fact
            known = stored.get(fact.fact_id)
            if known is None:
                new.append(numbered)
                stored[fact.fact_id] = fact.content_hash
            elif known == fact.content_hash:
                present += 1
            else:
                raise ImportFileError(
                    origin,
                    numbered.line,
                    "id",
                    f"fact {fact.fact_id!r} is already stored with different content "
                    "(stored facts are never edited: record a correction)",
                )
        return new, present

    # The read model

    def catch_up(self) -> int:
        """Bring the read model up to the end of the log; return its position."""
        position = self.view.position()
        while notifications := self.recorder.select_notifications(
            start=position + 1, limit=CATCH_UP_BATCH
        ):
            rows = []
            for notification in notifications:
                event = self.mapper.to_domain_event(notification)
                if isinstance(event, FactRecorded):
                    rows.append(row_for(notification.id, event))
            # Another process may have projected the same events first.
            with suppress(IntegrityError):
                self.view.apply(rows, notifications[-1].id)
            position = self.view.position()
        return position

    def rebuild(self) -> int:
        """Rebuild the read model from the whole log; return how many facts it holds."""
        self.view.reset()
        self.catch_up()
        return sum(1 for _ in self.view.all_facts())

    # Queries

    def resolve(self, actor: str) -> Actor:
        """The actor a name, alias or code means (UnknownActorError with suggestions)."""
        try:
            return self.catalogue.resolve(actor)
        except UnknownActorError:
            # A stored actor whose catalogue entry is not loaded now still answers.
            code = actor.strip().upper()
            if code in self.view.actors():
                return self._actor(code)
            raise

    def stance(self, actor: str, on: date) -> StanceReport:
        """One actor's stance on one day."""
        self.catch_up()
        return self._stance(self.resolve(actor), on)

    def _stance(self, actor: Actor, on: date) -> StanceReport:
        rows = self.view.facts_of(actor.code)
        occurrences = [o for row in rows if (o := row.occurrence()) is not None]
        return StanceReport.of(actor, stance_on(occurrences, on))

    def world(self, on: date) -> list[StanceReport]:
        """The stance on one day of every actor with any fact, sorted by code."""
        self.catch_up()
        return [self._stance(self._actor(code), on) for code in self.view.actors()]

    def history(self, actor: str) -> HistoryReport:
        """Every fact of one actor in effective-date order, with the change it made."""
        self.catch_up()
        who = self.resolve(actor)
        rows = {row.fact_id: row for row in self.view.facts_of(who.code)}
        changes = history([_step(row) for row in rows.values()])
        entries = [HistoryEntry.of(c, rows[c.step.fact_id].payload) for c in changes]
        return HistoryReport(actor=who.code, actor_name=who.name, entries=entries)

    def export(self) -> Iterator[dict[str, Any]]:
        """Every fact as an import-format object, in recording order."""
        self.catch_up()
        for row in self.view.all_facts():
            yield row.payload

    def _actor(self, code: str) -> Actor:
        try:
            return self.catalogue.get(code)
        except UnknownActorError:
            # Recorded with an extension catalogue that is not loaded now: name it by code.
            return Actor(code=code, name=code, kind=ActorKind.ORGANISATION)


def _step(row: FactRow) -> Step:
    return Step(
        fact_id=row.fact_id,
        edtf=row.edtf,
        earliest=row.earliest,
        latest=row.latest,
        position=row.position,
        component=row.component,
        value=row.value,
        measure=row.measure,
    )
