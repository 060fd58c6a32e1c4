"""The eventsourcing Application: commands and queries; the one place that knows both."""

from __future__ import annotations

import getpass
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    Mapper,
    Notification,
    Recording,
)
from eventsourcing.sqlite import SQLiteFactory
from eventsourcing.utils import Environment, get_topic

from stanceline.application.audit import AuditQueries
from stanceline.application.batch import Batch
from stanceline.application.checkpoint import Checkpointer, hand_checkpoints_over
from stanceline.application.collector import collector_paused
from stanceline.application.feed import Feed
from stanceline.application.loading import NumberedFact, Progress, read_facts
from stanceline.application.mapper import PydanticMapper, stored_event
from stanceline.application.reports import (
    HistoryEntry,
    HistoryReport,
    LoadResult,
    StanceReport,
    StatusReport,
)
from stanceline.application.store_sqlite import EventsRecorder
from stanceline.application.timeline import TimelineQueries
from stanceline.config import APPLICATION_NAME_KEY, POSTGRES, parse_store_url, store_url
from stanceline.domain.actors import Actor, ActorCatalogue, ActorKind
from stanceline.domain.events import (
    DomainEvent,
    FactChanged,
)
from stanceline.domain.history import history
from stanceline.domain.intake import (
    ChangeRequest,
    NewFact,
    ValidFact,
    change_event,
    validate_change,
    validate_fact,
)
from stanceline.domain.knowledge import parse_known_at
from stanceline.domain.lifecycle import FactState, fold
from stanceline.domain.stance import Occurrence, stance_on
from stanceline.errors import (
    FieldError,
    ImportFileError,
    ProjectionError,
    StoreBusyError,
    UnknownActorError,
    UnknownFactError,
)
from stanceline.projections.explain import Explanation, explain
from stanceline.projections.model import StanceModel
from stanceline.projections.readmodel import StanceView
from stanceline.projections.rows import FactRow

USER_ENV = "STANCELINE_USER"
NO_EVENTS: Mapping[int, NewFact | DomainEvent] = MappingProxyType({})
CATCH_UP_BATCH = 2000
SAVE_RETRIES = 5


def default_recorder() -> str:
    """Who records: $STANCELINE_USER, else the OS user."""
    try:
        return os.environ.get(USER_ENV) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Stanceline(AuditQueries, Feed, TimelineQueries, Application[str]):
    """Facts in, stances out: records facts as events and answers from the read model."""

    name = "stanceline"

    def __init__(
        self,
        store: str | None = None,
        catalogue: ActorCatalogue | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._wakeup_lock = threading.Lock()  # first: close() needs it, even after a failed init
        self._checkpointer: Checkpointer | None = None  # a SQLite store's, made with the factory
        self.store = parse_store_url(store_url(store))
        # The recorded time of each transaction (UTC); replaceable so tests can fix it.
        self.clock = clock or _utc_now
        super().__init__(env={**self.store.env, **_recorder_env(self.store.kind)})
        self.catalogue = catalogue or ActorCatalogue.default()
        view = self.factory.tracking_recorder(_view_class(self.store.kind))
        assert isinstance(view, StanceModel)
        self.view = view

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        factory = super().construct_factory(env)
        if self.store.kind == POSTGRES:
            # Before the first connection opens.
            from eventsourcing.postgres import PostgresFactory

            from stanceline.application.store_postgres import configure_pool

            assert isinstance(factory, PostgresFactory)
            configure_pool(factory.datastore, self.store.env[APPLICATION_NAME_KEY])
        elif isinstance(factory, SQLiteFactory):
            self._checkpointer = hand_checkpoints_over(factory.datastore)
        return factory

    def construct_mapper(self) -> Mapper[str]:
        return PydanticMapper()

    def close(self) -> None:
        """Stop listening for new events, then close the store's connections."""
        self.closing.set()  # before: no follower starts listening again meanwhile
        self._stop_listening()
        if self._checkpointer is not None:
            self._checkpointer.close()
        super().close()

    def save(
        self,
        *objs: MutableOrImmutableAggregate[str] | DomainEventProtocol[str] | None,
        **kwargs: Any,
    ) -> list[Recording[str]]:
        """Application.save, without its slow type check when given only this application's events.

        eventsourcing asks of each object whether it is an event, with a runtime-checkable
        Protocol that costs about 11 µs an object on Python 3.11, as much as mapping and
        inserting the event. Events of our own classes are stored as save would store
        them (the event store's put, then the same notification hooks); anything else is
        left to the library.
        """
        if kwargs or not all(isinstance(obj, DomainEvent) for obj in objs):
            return super().save(*objs, **kwargs)
        events = cast(list[DomainEventProtocol[str]], list(objs))
        recordings = self.events.put(events)
        self._notify(recordings)
        self.notify(events)
        return recordings

    def _store(self, events: Sequence[NewFact | DomainEvent]) -> dict[int, NewFact | DomainEvent]:
        """Store a load's events in one transaction, as `save` would; by notification id.

        New facts come already in their stored form (NewFact): no event model is made,
        dumped and mapped for each of them.
        """
        if not events:
            return {}
        stored = [
            stored_event(event.topic, event.state)
            if isinstance(event, NewFact)
            else self.mapper.to_stored_event(event)
            for event in events
        ]
        ids = self.recorder.insert_events(stored)
        assert ids is not None  # both stores' recorders return them
        self._notify([])
        return dict(zip(ids, events, strict=True))

    # Commands

    def load_file(
        self, path: str | Path, *, by: str | None = None, progress: Progress | None = None
    ) -> LoadResult:
        """Record every fact of one file in one transaction: all of it or none of it."""
        with collector_paused():
            # The file's facts and events are freed when this call returns, before the
            # collector resumes: it need not walk them all once more on its way out.
            return self._load_file(path, by, progress)

    def _load_file(self, path: str | Path, by: str | None, progress: Progress | None) -> LoadResult:
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
        """Record validated facts and changes in one transaction; what is stored is skipped."""
        with collector_paused():
            return self._record_facts(facts, by or default_recorder(), origin)

    def _record_facts(self, facts: Sequence[NumberedFact], by: str, origin: str) -> LoadResult:
        for _ in range(SAVE_RETRIES):
            self.catch_up()
            stored = self.view.hashes(
                [f.fact.fact_id for f in facts if isinstance(f.fact, ValidFact)]
            )
            batch = Batch(self.fact_state, origin, stored, self.clock(), by)
            for item in facts:
                batch.add(item)
            try:
                saved = self._store(batch.events)
            except IntegrityError:
                continue  # another writer stored one of these first: look again
            self.catch_up(saved)
            return LoadResult(
                recorded=len(batch.events),
                already_present=batch.present,
                fact_ids=[f.fact.fact_id for f in facts],
            )
        raise StoreBusyError(f"{origin}: other writers kept conflicting; nothing was written")

    def change_fact(self, request: ChangeRequest, *, by: str | None = None) -> FactChanged:
        """Correct, retract or reinstate one stored fact (FactStateError when not allowed)."""
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
            try:
                self.save(event)
            except IntegrityError:
                continue  # another writer changed the fact meanwhile: check again
            self.catch_up()
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
            current = self.fact_state(fact_id).content.source.model_dump(exclude_none=True)
            raw["source"] = {**current, **source}
        return self.change_fact(validate_change(raw), by=by)

    def retract(self, fact_id: str, reason: str, *, by: str | None = None) -> FactChanged:
        """Retract a fact: from now on it no longer counts."""
        return self.change_fact(validate_change({"retracts": fact_id, "reason": reason}), by=by)

    def reinstate(self, fact_id: str, reason: str, *, by: str | None = None) -> FactChanged:
        """Undo a retraction."""
        request = validate_change({"reinstates": fact_id, "reason": reason})
        return self.change_fact(request, by=by)

    def fact_state(self, fact_id: str) -> FactState:
        """A fact as its own stream says it is now (UnknownFactError when absent)."""
        state = fold(self.fact_events(fact_id))
        if state is None:
            raise UnknownFactError(f"no fact with id {fact_id!r}")
        return state

    def fact_events(self, fact_id: str) -> list[DomainEvent]:
        """Every stored event of one fact, oldest first."""
        return [cast(DomainEvent, e) for e in self.events.get(fact_id)]

    # The read model

    def catch_up(self, saved: Mapping[int, NewFact | DomainEvent] = NO_EVENTS) -> int:
        """Bring the read model up to the end of the log; return its position.

        `saved` are events this application has just stored, by notification id:
        they are projected as they are, not decoded again from the log. The log
        still says which events come, in which order, so events that other
        writers stored meanwhile are projected in their places.
        """
        head, position = self.view.behind()
        if head <= position:
            return position  # the common case, in one round trip
        if len(saved) == head - position and all(
            at in saved for at in range(position + 1, head + 1)
        ):
            # The log grew by exactly these events: it need not be read back for them.
            events = [(at, saved[at]) for at in range(position + 1, head + 1)]
            position = self._apply(events, head, position)
        while notifications := self.recorder.select_notifications(
            start=position + 1, limit=CATCH_UP_BATCH
        ):
            events = [(n.id, self._event(n, saved)) for n in notifications]
            position = self._apply(events, notifications[-1].id, position)
        return position

    def _apply(
        self, events: Sequence[tuple[int, NewFact | DomainEvent]], upto: int, position: int
    ) -> int:
        """Project events after `position` up to `upto`; return the model's position after.

        Another process may have projected the same events first: the model has then
        moved on. If it has not, the model refuses them for another reason, and
        asking again would refuse them for ever: ProjectionError.
        """
        try:
            self.view.apply(events, upto)
        except IntegrityError as error:
            moved = self.view.position()
            if moved <= position:
                raise ProjectionError(
                    f"the read model refuses the events after position {position}: {error}"
                ) from None
            return moved
        return self.view.position()

    def _event(
        self, notification: Notification, saved: Mapping[int, NewFact | DomainEvent]
    ) -> NewFact | DomainEvent:
        if notification.id in saved:
            return saved[notification.id]
        return cast(DomainEvent, self.mapper.to_domain_event(notification))

    def rebuild(self) -> int:
        """Rebuild the read model and its index from the whole log; return how many facts."""
        self.view.reset()
        self.catch_up()
        self.build_index()
        return sum(1 for _ in self.view.all_facts())

    def build_index(self) -> int:
        """Bring every actor's index up to date now, not on first use; return how many were."""
        self.catch_up()
        return sum(self.view.refresh(actor) for actor in self.view.stale_actors())

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

    def known_at(self, text: str | None) -> Knowledge:
        """Resolve a known-at value (ISO timestamp or @N) to a log position; None means now."""
        self.catch_up()
        if text is None:
            return Knowledge(None, None)
        known = parse_known_at(text)
        if known.position is not None:
            return Knowledge(known.position, known.text)
        assert known.moment is not None
        return Knowledge(self.view.position_at(known.moment), known.text)

    def stance(self, actor: str, on: date, known_at: str | None = None) -> StanceReport:
        """One actor's stance on one day, as known now or at `known_at`."""
        knowledge = self.known_at(known_at)
        return self._stance(self.resolve(actor), on, knowledge)

    def stance_at_once(self, actor: str, on: date) -> StanceReport | None:
        """stance(actor, on) as known now, if the temporal index answers it at once, else None.

        For a caller that must not wait, an event loop: never writes, never waits, one
        short read. None whenever stance() would do more than that lookup (the model
        behind the log, the actor's index behind its facts, a name the catalogue does
        not know, a store not read at once): the caller then asks stance().
        """
        who = self.catalogue.find(actor)
        if who is None:
            return None
        parts = self.view.answers_at_once(who.code, on)
        return None if parts is None else StanceReport.from_parts(who, on, parts)

    def _stance(self, actor: Actor, on: date, knowledge: Knowledge) -> StanceReport:
        if knowledge.position is None:
            # As known now: one lookup in the temporal index.
            parts = self.view.answers_on(actor.code, on)
            if parts is not None:
                return StanceReport.from_parts(actor, on, parts)
        # As known at an earlier position (or never a fact): the facts, through the rules.
        return self._by_rules(
            actor, on, self.view.facts_of(actor.code, knowledge.position), knowledge
        )

    @staticmethod
    def _by_rules(
        actor: Actor, on: date, rows: Sequence[FactRow], knowledge: Knowledge
    ) -> StanceReport:
        occurrences = [o for row in rows if (o := row.occurrence()) is not None]
        report = StanceReport.of(actor, stance_on(occurrences, on))
        report.known_at = knowledge.text
        return report

    def world(self, on: date, known_at: str | None = None) -> list[StanceReport]:
        """The stance on one day of every actor with any fact, sorted by code."""
        knowledge = self.known_at(known_at)
        if knowledge.position is None:
            reports = []
            for code, parts in self.view.world_on(on):
                if parts is not None:
                    reports.append(StanceReport.from_parts(self._actor(code), on, parts))
                elif rows := self.view.facts_of(code):  # not indexed yet: from its facts
                    reports.append(self._by_rules(self._actor(code), on, rows, knowledge))
            return reports
        return [
            self._stance(self._actor(code), on, knowledge)
            for code in self.view.actors(knowledge.position)
        ]

    def history(self, actor: str, known_at: str | None = None) -> HistoryReport:
        """Every fact of one actor in effective-date order, with the change it made."""
        knowledge = self.known_at(known_at)
        who = self.resolve(actor)
        rows = {row.fact_id: row for row in self.view.facts_of(who.code, knowledge.position)}
        changes = history([row.step() for row in rows.values()])
        entries = [HistoryEntry.of(c, rows[c.step.fact_id].payload) for c in changes]
        return HistoryReport(
            actor=who.code, actor_name=who.name, known_at=knowledge.text, entries=entries
        )

    def explain(self, actor: str, on: date, known_at: str | None = None) -> Explanation:
        """Why one actor's stance on one day is what it is: facts, sources, rules."""
        knowledge = self.known_at(known_at)
        who = self.resolve(actor)
        rows = self.view.facts_of(who.code, knowledge.position)
        versions = self.view.versions_of(who.code, knowledge.position)
        return explain(who, on, rows, versions, knowledge.text)

    def export(self) -> Iterator[dict[str, Any]]:
        """Every fact as an import-format object, in recording order."""
        self.catch_up()
        for row in self.view.all_facts():
            yield row.payload

    def status(self) -> StatusReport:
        """What the store holds now, and the position the answers include."""
        position = self.catch_up()
        facts, actors, first_day = self.view.overview()
        return StatusReport(
            source=self.source, position=position, facts=facts, actors=actors, first_day=first_day
        )

    def _occurrences(self, actor: str, position: int | None) -> list[Occurrence]:
        return [o for r in self.view.facts_of(actor, position) if (o := r.occurrence())]

    def _actor(self, code: str) -> Actor:
        try:
            return self.catalogue.get(code)
        except UnknownActorError:
            # Recorded with an extension catalogue that is not loaded now: name it by code.
            return Actor(code=code, name=code, kind=ActorKind.ORGANISATION)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _recorder_env(kind: str) -> dict[str, str]:
    """Settings the store URL does not give: which recorder keeps the events."""
    if kind != POSTGRES:
        return {"APPLICATION_RECORDER_TOPIC": get_topic(EventsRecorder)}
    # Imported here: PostgreSQL's modules are not loaded for a SQLite store.
    from stanceline.application.store_postgres import ImmutableEventsRecorder

    return {"APPLICATION_RECORDER_TOPIC": get_topic(ImmutableEventsRecorder)}


def _view_class(kind: str) -> type[Any]:
    """The read model's class for this kind of store."""
    if kind != POSTGRES:
        return StanceView
    from stanceline.projections.readmodel_postgres import PostgresStanceView

    return PostgresStanceView


@dataclass(frozen=True, slots=True)
class Knowledge:
    """A resolved known-at: the log position to answer from (None: all) and its text."""

    position: int | None
    text: str | None
