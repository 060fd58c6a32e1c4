"""The public Python API: `from stanceline import Stanceline`.

One object over one store, with the questions the command line asks, under the
names its commands have (`stance`, `world`, `history`, `explain`, `timeline`,
`claims`, `sources`, `fact`, `diff`, `status`, `verify`, `events`, `changes`),
the commands that write (`load`, `record`, `correct`, `retract`, `reinstate`,
`rank`) and the followers a service needs (`subscribe`, `subscribe_changes`).
Answers are the report models whose JSON the CLI and the HTTP API print.

What is public and stable: the names `stanceline.__all__` lists, the methods of
`Stanceline` below, and the fields of the reports (as their JSON shows them).
Every other module of the package is internal and may change between releases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self, overload

from stanceline.application.app import Stanceline as _Application
from stanceline.application.disputes import ClaimsReport
from stanceline.application.filters import Where, WorldFilter
from stanceline.application.loading import files_of
from stanceline.application.reports import (
    DateDiff,
    FactReport,
    HistoryReport,
    KnowledgeDiff,
    LoadResult,
    StanceReport,
    StatusReport,
    TimelineReport,
)
from stanceline.application.sources import SourcesReport
from stanceline.application.verify import VerifyReport
from stanceline.application.verify import verify as _verify
from stanceline.domain.actors import ActorCatalogue
from stanceline.projections.explain import Explanation
from stanceline.stream.subscription import Subscription

__all__ = [
    "ClaimsReport",
    "CloudEvent",
    "DateDiff",
    "Explanation",
    "FactReport",
    "HistoryReport",
    "KnowledgeDiff",
    "LoadResult",
    "SourcesReport",
    "StanceReport",
    "Stanceline",
    "StatusReport",
    "Subscription",
    "TimelineReport",
    "VerifyReport",
]

CloudEvent = dict[str, Any]


def _day(on: date | None) -> date:
    return on if on is not None else datetime.now(UTC).date()


class Stanceline:
    """The engine over one store: `Stanceline("sqlite:///stanceline.db")`.

    `store` is a store URL as `--store` takes it (default: $STANCELINE_STORE, else
    `sqlite:///stanceline.db`); `organisations` a file of extra organisations, as
    `--organisations` takes it. Use it as a context manager, or call `close()`.
    Days are `datetime.date` (default: today, UTC); `known_at` takes what
    `--known-at` takes (an ISO 8601 timestamp, a day, or `@N`), `according_to` what
    `--according-to` takes (a source's publisher or URL). Bad input raises a
    `StancelineError` whose message is the line the CLI would print. With
    `read_only=True` nothing is ever written: answers come from the read model as it
    stands (a replica's), and writes raise `StancelineError`.
    """

    def __init__(
        self,
        store: str | None = None,
        *,
        organisations: str | Path | None = None,
        read_only: bool = False,
    ):
        catalogue = ActorCatalogue.with_extension(organisations) if organisations else None
        self._app = _Application(store, catalogue=catalogue, read_only=read_only)

    def close(self) -> None:
        """Close the store's connections (and stop listening for new events)."""
        self._app.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Writing: each call is one transaction, all of it or none of it.

    def load(self, path: str | Path, *, by: str | None = None) -> list[LoadResult]:
        """Load a file, or every .jsonl and .json file of a folder in name order (each file
        its own transaction), as `stanceline load PATH`; one result per file."""
        return [self._app.load_file(file, by=by) for file in files_of(path)]

    def record(self, fact: Mapping[str, Any], *, by: str | None = None) -> LoadResult:
        """Record one fact (an import-format object), as `stanceline record`."""
        return self._app.record_fact(dict(fact), by=by)

    def correct(
        self, fact_id: str, reason: str, fields: Mapping[str, Any], *, by: str | None = None
    ) -> FactReport:
        """Correct fields of a stored fact (a new version; the old one stays); the fact's
        life after it."""
        self._app.correct(fact_id, reason, dict(fields), by=by)
        return self._app.fact(fact_id)

    def retract(self, fact_id: str, reason: str, *, by: str | None = None) -> FactReport:
        """Retract a fact: it no longer counts, and stays in the record."""
        self._app.retract(fact_id, reason, by=by)
        return self._app.fact(fact_id)

    def reinstate(self, fact_id: str, reason: str, *, by: str | None = None) -> FactReport:
        """Reinstate a retracted fact."""
        self._app.reinstate(fact_id, reason, by=by)
        return self._app.fact(fact_id)

    def rank(self, fact_id: str, rank: str, reason: str, *, by: str | None = None) -> FactReport:
        """Rank a claim `preferred`, `normal` or `deprecated`, with the reason."""
        self._app.rank(fact_id, rank, reason, by=by)
        return self._app.fact(fact_id)

    # Historians' questions.

    def stance(
        self,
        actor: str,
        on: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> StanceReport:
        """An actor's stance on one day: `.summary.value`, `.components[...]`, ..."""
        return self._app.stance(actor, _day(on), known_at, according_to)

    def world(
        self,
        on: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
        *,
        where: Where | WorldFilter | None = None,
    ) -> list[StanceReport]:
        """Every actor with a fact, on one day, by code; `where` as `world --where`:
        `{"summary": "recognized"}` (parts ANDed, one part's values ORed)."""
        return self._app.world(_day(on), known_at, according_to, where=where)

    def history(
        self,
        actor: str,
        known_at: str | None = None,
        according_to: str | None = None,
        *,
        all_facts: bool = False,
    ) -> HistoryReport:
        """Every fact of an actor in effective-date order, with what each changed and its
        sources; `all_facts` adds those that no longer count (`history --all`)."""
        return self._app.history(actor, known_at, according_to, all_facts=all_facts)

    def explain(
        self,
        actor: str,
        on: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> Explanation:
        """Why an actor's stance on one day is what it is: facts, sources and rules."""
        return self._app.explain(actor, _day(on), known_at, according_to)

    def timeline(
        self,
        actor: str,
        start: date | None = None,
        end: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
        *,
        part: str = "summary",
    ) -> TimelineReport:
        """An actor's summary (or one component: `part`) from `start` to `end` as bands."""
        return self._app.timeline(actor, start, end, known_at, according_to, part=part)

    def timelines(
        self,
        actors: Iterable[str] = (),
        start: date | None = None,
        end: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
        *,
        part: str = "summary",
    ) -> list[TimelineReport]:
        """Several actors' timelines over one range (default: every actor with a fact)."""
        chosen = list(actors)
        return self._app.timelines(chosen, start, end, known_at, according_to, part=part)

    def claims(self, event: str, on: date | None = None) -> ClaimsReport:
        """Every account of one happening (an event key, or a fact id of one of them)."""
        return self._app.claims(event, _day(on))

    def sources(self, actor: str | None = None) -> SourcesReport:
        """Every cited source with the facts citing it, and the totals."""
        return self._app.sources(actor)

    def fact(self, fact_id: str) -> FactReport:
        """A fact's whole life: every version, who recorded it and why it changed."""
        return self._app.fact(fact_id)

    @overload
    def diff(
        self,
        actor: str | None = None,
        *,
        start: date,
        end: date,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> DateDiff: ...

    @overload
    def diff(
        self,
        actor: str | None = None,
        *,
        known_from: str,
        known_to: str | None = None,
        on: date | None = None,
        according_to: str | None = None,
    ) -> KnowledgeDiff: ...

    def diff(
        self,
        actor: str | None = None,
        *,
        start: date | None = None,
        end: date | None = None,
        known_from: str | None = None,
        known_to: str | None = None,
        on: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> DateDiff | KnowledgeDiff:
        """What changed between two days (`start`, `end`: `diff --from --to`) or between two
        audits (`known_from`, `known_to`: `diff --known-from`); `actor` None is every actor."""
        if known_from is not None:
            return self._app.diff_knowledge(actor, known_from, known_to, on, according_to)
        if start is None or end is None:
            raise TypeError("diff needs start and end, or known_from")
        return self._app.diff_dates(actor, start, end, known_at, according_to)

    def project(self) -> int:
        """Bring the read model up to the log and rebuild every stale actor's index, as
        `stanceline project`; the model's position after. For the primary of readers
        opened with `read_only=True`, which never do it themselves."""
        return self._app.project().position

    def status(self) -> StatusReport:
        """What the store holds: facts, actors, the first day, the log position."""
        return self._app.status()

    def verify(self, expect: str | None = None) -> VerifyReport:
        """Walk the whole log and check every event's chain and seal (`stanceline verify`)."""
        return _verify(self._app, expect)

    def export(self) -> Iterator[dict[str, Any]]:
        """Every fact as an import-format object, in recording order (read as iterated)."""
        return self._app.export()

    # Services: the log as CloudEvents, and the stance changes it causes.

    def events(
        self,
        after: int = 0,
        limit: int = 100,
        *,
        actor: str | None = None,
        kind: str | None = None,
    ) -> list[tuple[int, CloudEvent]]:
        """Up to `limit` stored events after position `after`, as (position, CloudEvent)."""
        return self._app.read_events(after, limit, actor=actor, kind=kind)

    def subscribe(
        self, after: int = 0, *, actor: str | None = None, kind: str | None = None
    ) -> Subscription[CloudEvent]:
        """Every event after `after`, then each new one as it is stored: iterate it for
        (position, CloudEvent); `close()` it (from any thread), or use it in `with`."""
        return self._app.subscribe(after, actor=actor, kind=kind)

    def changes(self, after: int = 0, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        """Up to `limit` stance changes after position `after` (`stanceline changes`)."""
        return self._app.stance_changes(after, limit)

    def subscribe_changes(self, after: int = 0) -> Subscription[dict[str, Any]]:
        """Every stance change after `after`, then each new one (`changes --follow`)."""
        return self._app.subscribe_changes(after)
