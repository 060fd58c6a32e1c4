"""Stanceline: the application over one store, composed of its commands and queries.

The store is opened by its URL (adapters/log.py chooses the adapter); every use
case is a plain class over the one read side (readside.py): Commands,
Answers, Audits, Timelines and Feeds. Stanceline holds them and offers their
methods as its own, so the faces (CLI, HTTP) and Python callers ask one object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from eventsourcing.persistence import ApplicationRecorder

from stanceline.adapters.collector import collector_paused
from stanceline.adapters.library import PydanticMapper
from stanceline.adapters.log import Listener, open_log
from stanceline.application.answers import Answers
from stanceline.application.audits import Audits
from stanceline.application.commands import Commands
from stanceline.application.disputes import Disputes
from stanceline.application.feeds import Feeds
from stanceline.application.loading import NumberedFact, Progress
from stanceline.application.projector import Projector
from stanceline.application.readside import ReadSide
from stanceline.application.relay import Backoff, Relay, Say
from stanceline.application.reports import LoadResult
from stanceline.application.sources import Sources
from stanceline.application.timelines import Timelines
from stanceline.config import parse_store_url, store_url
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.events import DomainEvent
from stanceline.domain.recording import NewFact
from stanceline.projections.replication import Replication
from stanceline.stream.wakeup import Wakeup


def utc_now() -> datetime:
    """Now, in UTC: the recorded time of a transaction."""
    return datetime.now(UTC)


class Stanceline:
    """Facts in, stances out: records facts as events and answers from the read model.

    Commands: load_file, record_fact, record_facts, change_fact, correct, retract,
    reinstate (commands.py). Historians: stance, world, history, explain, export,
    status (answers.py); timeline, timelines, timeline_parts (timelines.py); sources
    (sources.py).
    Auditors: fact, claims, diff_dates, diff_knowledge (audits.py, disputes.py).
    Services: read_events, subscribe, stance_changes, subscribe_changes (feeds.py); relay
    (relay.py). The projector of a primary with read-only replicas: project,
    project_following (projector.py).
    Close it when done.
    """

    def __init__(
        self,
        store: str | None = None,
        catalogue: ActorCatalogue | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        self.store = parse_store_url(store_url(store))
        self.catalogue = catalogue or ActorCatalogue.default()
        # read_only: never write on any path, answer from the read model as it stands.
        self.log = open_log(self.store, read_only=read_only)
        self.view = self.log.view
        self.read = read = ReadSide(self.log, self.catalogue)
        self.commands = Commands(read, self.log, clock or utc_now)
        answers, audits, timelines = Answers(read), Audits(read), Timelines(read)
        self.feeds = feeds = Feeds(read, self.log)
        projector = Projector(read, self.log)

        # The read side.
        self.catch_up = read.catch_up
        self.rebuild = read.rebuild
        self.build_index = read.build_index
        self.resolve = read.resolve
        self.known_at = read.known_at
        self.project = projector.once
        self.project_following = projector.follow
        # Commands (load_file and record_facts below: they pause the collector).
        self.record_fact = self.commands.record_fact
        self.change_fact = self.commands.change_fact
        self.correct = self.commands.correct
        self.retract = self.commands.retract
        self.reinstate = self.commands.reinstate
        self.rank = self.commands.rank
        self.fact_state = self.commands.fact_state
        self.fact_events = self.commands.fact_events
        # Historians.
        self.stance = answers.stance
        self.stance_at_once = answers.stance_at_once
        self.world = answers.world
        self.history = answers.history
        self.explain = answers.explain
        self.export = answers.export
        self.status = answers.status
        self.timeline = timelines.timeline
        self.timelines = timelines.timelines
        self.timeline_parts = timelines.parts
        self.knowledge_label = timelines.knowledge_label
        self.sources = Sources(read).sources
        # Auditors.
        self.fact = audits.fact
        self.claims = Disputes(read).claims
        self.diff_dates = audits.diff_dates
        self.diff_knowledge = audits.diff_knowledge
        # Services.
        self.read_events = feeds.read_events
        self.subscribe = feeds.subscribe
        self.stance_changes = feeds.stance_changes
        self.subscribe_changes = feeds.subscribe_changes

    def load_file(
        self, path: str | Path, *, by: str | None = None, progress: Progress | None = None
    ) -> LoadResult:
        """Record every fact of one file in one transaction: all of it or none of it."""
        # The file's facts and events are freed when the load returns, before the collector
        # resumes: it need not walk them all once more on its way out.
        with collector_paused():
            return self.commands.load_file(path, by=by, progress=progress)

    def record_facts(
        self, facts: Sequence[NumberedFact], *, by: str | None = None, origin: str = "input"
    ) -> LoadResult:
        """Record validated facts and changes in one transaction; what is stored is skipped."""
        with collector_paused():
            return self.commands.record_facts(facts, by=by, origin=origin)

    def relay(
        self,
        url: str,
        *,
        stream: str,
        prefix: str,
        say: Say,
        backoff: Backoff | None = None,
    ) -> Relay:
        """A relay of this store's events into NATS JetStream at `url` (close it when done)."""
        # Imported here: only a relay pays for loading the NATS client.
        from stanceline.adapters.jetstream import JetStream

        broker = JetStream(url, stream, prefix)
        return Relay(self.feeds, broker, self.source, say=say, backoff=backoff)

    def save(self, *events: NewFact | DomainEvent) -> dict[int, NewFact | DomainEvent]:
        """Store events as they are, in one transaction, without projecting them (for tools)."""
        return self.log.put(events)

    @property
    def read_only(self) -> bool:
        """Whether this object only reads: opened so, or its store cannot be written here."""
        return self.log.read_only

    @property
    def as_it_stands(self) -> bool:
        """Whether answers come from the read model as it stands (opened with read_only)."""
        return self.log.as_it_stands

    def replication(self) -> Replication | None:
        """How far the store's server replays behind its primary (None: not a standby)."""
        return self.log.replication()

    @property
    def clock(self) -> Callable[[], datetime]:
        """The recorded time of each transaction (UTC)."""
        return self.commands.clock

    @property
    def source(self) -> str:
        """The CloudEvents `source` of this store: stable for the store's life."""
        return self.read.source

    @property
    def recorder(self) -> ApplicationRecorder:
        """The store's eventsourcing ApplicationRecorder (for tools that read the raw log)."""
        return self.log.recorder

    @property
    def mapper(self) -> PydanticMapper:
        """The store's mapper between events and stored events."""
        return self.log.mapper

    @property
    def wakeup(self) -> Wakeup:
        """Rung when new events may be stored (Feeds' followers wait on it)."""
        return self.log.wakeup

    @property
    def listener(self) -> Listener | None:
        """The PostgreSQL LISTEN connection's thread, once a follower asked for it."""
        return self.log.listener

    @property
    def poll_interval(self) -> float:
        """How long a follower waits between reads when nothing wakes it."""
        return self.log.poll_interval

    def close(self) -> None:
        """Stop listening for new events, then close the store's connections."""
        self.log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
