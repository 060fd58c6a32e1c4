"""The eventsourcing Application: commands and queries; the one place that knows both."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Mapper

from stanceline.application.loading import NumberedFact, Progress, read_facts
from stanceline.application.mapper import PydanticMapper
from stanceline.application.reports import (
    DateChange,
    DateDiff,
    FactBrief,
    FactReport,
    FactVersionReport,
    HistoryEntry,
    HistoryReport,
    KnowledgeDiff,
    KnowledgeRun,
    Learned,
    LoadResult,
    PossibleAnswer,
    StanceReport,
)
from stanceline.config import parse_store_url, store_url
from stanceline.domain.actors import Actor, ActorCatalogue, ActorKind
from stanceline.domain.diff import changes_between, knowledge_changes
from stanceline.domain.events import (
    DomainEvent,
    FactChanged,
    FactCorrected,
    FactReinstated,
    FactRetracted,
    fact_event,
)
from stanceline.domain.history import Step, history
from stanceline.domain.intake import (
    ChangeRequest,
    FieldError,
    ValidFact,
    change_event,
    validate_change,
    validate_fact,
)
from stanceline.domain.knowledge import parse_known_at
from stanceline.domain.lifecycle import (
    FactState,
    FactStateError,
    UnknownFactError,
    evolve,
    fold,
)
from stanceline.domain.stance import Occurrence, stance_on
from stanceline.errors import ImportFileError, StancelineError, UnknownActorError
from stanceline.projections.explain import Explanation, explain
from stanceline.projections.readmodel import FactRow, StanceView, format_time
from stanceline.stream.cloudevents import to_cloudevent
from stanceline.stream.subscription import Subscription

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
        """Record validated facts and changes in one transaction; what is stored is skipped."""
        for _ in range(SAVE_RETRIES):
            self.catch_up()
            stored = self.view.hashes(
                [f.fact.fact_id for f in facts if isinstance(f.fact, ValidFact)]
            )
            batch = _Batch(self, origin, stored, datetime.now(UTC), by or default_recorder())
            for item in facts:
                batch.add(item)
            try:
                if batch.events:
                    self.save(*batch.events)
            except IntegrityError:
                continue  # another writer stored one of these first: look again
            self.catch_up()
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
                recorded_at=datetime.now(UTC),
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

    def fact(self, fact_id: str) -> FactReport:
        """A fact's whole life from the read model: recorded, corrected, retracted."""
        self.catch_up()
        versions = self.view.fact_versions(fact_id)
        if not versions:
            raise UnknownFactError(f"no fact with id {fact_id!r}")
        last = versions[-1]
        return FactReport(
            id=fact_id,
            actor=last.actor,
            status="counts" if last.active else "retracted",
            current=last.payload,
            versions=[
                FactVersionReport(
                    version=v.version,
                    position=v.position,
                    change=v.change,
                    recorded_at=format_time(v.recorded_at),
                    recorded_by=v.recorded_by,
                    reason=v.reason,
                    counts=v.active,
                    fact=v.payload,
                )
                for v in versions
            ],
        )

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

    def catch_up(self) -> int:
        """Bring the read model up to the end of the log; return its position."""
        position = self.view.position()
        while notifications := self.recorder.select_notifications(
            start=position + 1, limit=CATCH_UP_BATCH
        ):
            events = [
                (n.id, cast(DomainEvent, self.mapper.to_domain_event(n))) for n in notifications
            ]
            # Another process may have projected the same events first.
            with suppress(IntegrityError):
                self.view.apply(events, notifications[-1].id)
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

    def _stance(self, actor: Actor, on: date, knowledge: Knowledge) -> StanceReport:
        rows = self.view.facts_of(actor.code, knowledge.position)
        occurrences = [o for row in rows if (o := row.occurrence()) is not None]
        report = StanceReport.of(actor, stance_on(occurrences, on))
        report.known_at = knowledge.text
        return report

    def world(self, on: date, known_at: str | None = None) -> list[StanceReport]:
        """The stance on one day of every actor with any fact, sorted by code."""
        knowledge = self.known_at(known_at)
        return [
            self._stance(self._actor(code), on, knowledge)
            for code in self.view.actors(knowledge.position)
        ]

    def history(self, actor: str, known_at: str | None = None) -> HistoryReport:
        """Every fact of one actor in effective-date order, with the change it made."""
        knowledge = self.known_at(known_at)
        who = self.resolve(actor)
        rows = {row.fact_id: row for row in self.view.facts_of(who.code, knowledge.position)}
        changes = history([_step(row) for row in rows.values()])
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

    def diff_dates(
        self, actor: str | None, after: date, upto: date, known_at: str | None = None
    ) -> DateDiff:
        """Every change of a component or the summary on a day in (after, upto]."""
        knowledge = self.known_at(known_at)
        changes = []
        for who in self._actors(actor, knowledge.position):
            rows = {r.fact_id: r for r in self.view.facts_of(who.code, knowledge.position)}
            occurrences = [o for r in rows.values() if (o := r.occurrence()) is not None]
            for change in changes_between(occurrences, after, upto):
                changes.append(
                    DateChange(
                        actor=who.code,
                        actor_name=who.name,
                        day=change.day.isoformat(),
                        part=change.part,
                        before=PossibleAnswer(
                            value=change.before_value, possible=list(change.before_possible)
                        ),
                        after=PossibleAnswer(
                            value=change.after_value, possible=list(change.after_possible)
                        ),
                        facts=[_brief(rows[f]) for f in change.facts],
                    )
                )
        changes.sort(key=lambda c: (c.day, c.actor))
        return DateDiff(
            **{"from": after.isoformat()},
            to=upto.isoformat(),
            known_at=knowledge.text,
            changes=changes,
        )

    def diff_knowledge(
        self, actor: str | None, known_from: str, known_to: str, on: date | None = None
    ) -> KnowledgeDiff:
        """What the record learned between two audits, and which answers that changed."""
        start, end = self.known_at(known_from), self.known_at(known_to)
        first, last = start.position or 0, end.position or 0
        if last < first:
            raise StancelineError(
                f"known-to {end.text} (position {last}) is before known-from {start.text} "
                f"(position {first})"
            )
        learned = self.view.changes_between(first, last)
        chosen = {a.code for a in self._actors(actor, None)} if actor else None
        learned = [v for v in learned if chosen is None or v.actor in chosen]
        runs = []
        for code in sorted({v.actor for v in learned}):
            who = self._actor(code)
            before = [o for r in self.view.facts_of(code, first) if (o := r.occurrence())]
            after = [o for r in self.view.facts_of(code, last) if (o := r.occurrence())]
            for run in knowledge_changes(before, after, on):
                runs.append(
                    KnowledgeRun(
                        actor=code,
                        actor_name=who.name,
                        first_day=run.first_day.isoformat(),
                        last_day=run.last_day.isoformat(),
                        part=run.part,
                        before=PossibleAnswer(
                            value=run.before_value, possible=list(run.before_possible)
                        ),
                        after=PossibleAnswer(
                            value=run.after_value, possible=list(run.after_possible)
                        ),
                    )
                )
        return KnowledgeDiff(
            known_from=start.text or known_from,
            known_to=end.text or known_to,
            from_position=first,
            to_position=last,
            on=on.isoformat() if on else None,
            learned=[
                Learned(
                    position=v.position,
                    fact_id=v.fact_id,
                    actor=v.actor,
                    change=v.change,
                    reason=v.reason,
                    recorded_at=format_time(v.recorded_at),
                    recorded_by=v.recorded_by,
                    fact=v.payload,
                )
                for v in learned
            ],
            changes=runs,
        )

    # The stream

    @cached_property
    def source(self) -> str:
        """The CloudEvents `source` of this store: stable for the store's life."""
        return f"urn:stanceline:store:{self.view.store_id()}"

    def read_events(
        self, after: int = 0, limit: int = 100, *, actor: str | None = None, kind: str | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """Up to `limit` stored events after `after`, as (position, CloudEvent), in order."""
        code = self.resolve(actor).code if actor else None
        found: list[tuple[int, dict[str, Any]]] = []
        while len(found) < limit:
            batch = self._cloudevents(after, max(limit - len(found), 100))
            if not batch:
                break
            found += [
                (p, e)
                for p, e in batch
                if (code is None or e["subject"] == code)
                and (kind is None or e["data"]["kind"] == kind)
            ]
            after = batch[-1][0]
        return found[:limit]

    def _cloudevents(self, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        self.catch_up()
        notifications = self.recorder.select_notifications(start=after + 1, limit=limit)
        if not notifications:
            return []
        rows = self.view.versions_at(notifications[0].id, notifications[-1].id)
        return [
            (
                n.id,
                to_cloudevent(
                    n.id, cast(DomainEvent, self.mapper.to_domain_event(n)), rows[n.id], self.source
                ),
            )
            for n in notifications
        ]

    def subscribe(
        self,
        after: int = 0,
        *,
        actor: str | None = None,
        kind: str | None = None,
        poll: float = 0.1,
    ) -> Subscription[dict[str, Any]]:
        """Every stored event after `after` as CloudEvents: the catch-up, then live ones."""
        return Subscription(
            lambda at, n: self.read_events(at, n, actor=actor, kind=kind), after, poll
        )

    def stance_changes(self, after: int = 0, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        """For each stored event after `after`: which answers it changed, over which days."""
        self.catch_up()
        found = []
        for row in self.view.changes_between(after, after + limit):
            runs = knowledge_changes(
                self._occurrences(row.actor, row.position - 1),
                self._occurrences(row.actor, row.position),
            )
            first = min((r.first_day for r in runs), default=None)
            last = max((r.last_day for r in runs), default=None)
            change = {
                "position": row.position,
                "event": f"{row.fact_id}/v{row.version}",
                "fact_id": row.fact_id,
                "actor": row.actor,
                "change": row.change,
                "first_day": _day(first),
                "last_day": _day(last),
                "parts": sorted({r.part for r in runs}),
            }
            found.append((row.position, change))
        return found

    def _occurrences(self, actor: str, position: int | None) -> list[Occurrence]:
        return [o for r in self.view.facts_of(actor, position) if (o := r.occurrence())]

    def subscribe_changes(self, after: int = 0, poll: float = 0.1) -> Subscription[dict[str, Any]]:
        """The derived stream of stance changes: the catch-up, then live ones."""
        return Subscription(self.stance_changes, after, poll)

    def _actors(self, actor: str | None, position: int | None) -> list[Actor]:
        if actor is not None:
            return [self.resolve(actor)]
        return [self._actor(code) for code in self.view.actors(position)]

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


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _brief(row: FactRow) -> FactBrief:
    return FactBrief(
        id=row.fact_id, kind=row.kind.value, date=row.edtf, summary=row.payload["summary"]
    )


def _step(row: FactRow) -> Step:
    return Step(
        fact_id=row.fact_id,
        edtf=row.edtf,
        earliest=row.earliest,
        latest=row.latest,
        position=row.first_position,
        component=row.component,
        value=row.value,
        measure=row.measure,
    )


@dataclass(frozen=True, slots=True)
class Knowledge:
    """A resolved known-at: the log position to answer from (None: all) and its text."""

    position: int | None
    text: str | None


class _Batch:
    """The events one load adds, checked line by line against the store and each other."""

    def __init__(
        self,
        app: Stanceline,
        origin: str,
        stored: dict[str, set[str]],
        recorded_at: datetime,
        by: str,
    ) -> None:
        self.app = app
        self.origin = origin
        self.hashes = stored
        self.recorded_at = recorded_at
        self.by = by
        self.events: list[DomainEvent] = []
        self.present = 0
        self.states: dict[str, FactState] = {}
        self.seen: list[str] = []

    def add(self, item: NumberedFact) -> None:
        try:
            if isinstance(item.fact, ValidFact):
                self._add_fact(item.fact)
            else:
                self._add_change(item.fact)
        except FieldError as error:
            raise ImportFileError(self.origin, item.line, error.field, error.message) from None
        except (FactStateError, UnknownFactError) as error:
            field = (
                _ACTION_FIELDS[item.fact.action] if isinstance(item.fact, ChangeRequest) else "id"
            )
            raise ImportFileError(self.origin, item.line, field, str(error)) from None

    def _add_fact(self, fact: ValidFact) -> None:
        known = self.hashes.get(fact.fact_id, set())
        if fact.content_hash in known:
            # As first recorded, or as corrected since (an export loaded back).
            self.present += 1
            return
        if known:
            raise FieldError(
                "id",
                f"fact {fact.fact_id!r} is already stored with different content "
                "(stored facts are never edited: record a correction)",
            )
        event = fact_event(
            fact.fact_id, fact.content, recorded_at=self.recorded_at, recorded_by=self.by
        )
        self.events.append(event)
        self.states[fact.fact_id] = evolve(None, event)
        self.hashes[fact.fact_id] = {fact.content_hash}

    def _add_change(self, request: ChangeRequest) -> None:
        state = self.states.get(request.fact_id) or self.app.fact_state(request.fact_id)
        change_id = request.change_id()
        # The same line again later in one file means it again: number the repeats.
        repeats = self.seen.count(change_id)
        self.seen.append(change_id)
        if repeats:
            change_id = request.change_id(salt=f"#{repeats + 1}")
        if change_id in state.change_ids:
            self.present += 1
            return
        event = change_event(
            request, state, change_id=change_id, recorded_at=self.recorded_at, recorded_by=self.by
        )
        self.events.append(event)
        self.states[request.fact_id] = evolve(state, event)


_ACTION_FIELDS = {
    FactCorrected: "corrects",
    FactRetracted: "retracts",
    FactReinstated: "reinstates",
}
