"""The event log of one store: eventsourcing's recorders, our mapper, the read model, wake-ups.

`open_log` is the one place that chooses a store by its URL's kind; everything
else of a store kind (its recorder, read-model dialect, inserts, listener,
copy) is its StoreKind (sqlite_store.py, postgres_store.py).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, cast

from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    Notification,
    StoredEvent,
    TrackingRecorder,
)
from eventsourcing.utils import Environment, TopicError

from stanceline.adapters import seals
from stanceline.adapters.library import OrjsonTranscoder, PydanticMapper
from stanceline.adapters.sqlite_store import SQLiteKind
from stanceline.config import POSTGRES, StoreConfig
from stanceline.domain.events import DomainEvent
from stanceline.domain.recording import NewFact
from stanceline.domain.seals import Seal
from stanceline.errors import StancelineError, StoreConfigError
from stanceline.projections.dialect import Dialect
from stanceline.projections.index import INDEX_FORMAT
from stanceline.projections.model import ReadModel
from stanceline.projections.replication import Replication
from stanceline.stream.wakeup import Wakeup

# The name eventsourcing knows the store by: PostgreSQL's tables are stanceline_events and
# stanceline_tracking. Settings may be prefixed with it (STANCELINE_COMPRESSOR_TOPIC).
LOG_NAME = "stanceline"

log = logging.getLogger("stanceline.store")


class Listener(Protocol):
    """A thread that rings the log's wake-up when the store says new events are stored."""

    listening: threading.Event  # set while it holds its connection
    connects: int  # how many times it has connected

    def close(self) -> None: ...


class StoreKind(Protocol):
    """What differs between the kinds of store."""

    name: str
    poll_interval: float  # how long a follower waits between reads when nothing wakes it
    consecutive: bool  # whether positions are 1, 2, 3, ... with no gap
    env: Mapping[str, str]  # eventsourcing settings of its own
    read_only: bool  # whether this process can only read it

    def prepare(self, factory: InfrastructureFactory[Any]) -> None: ...
    def dialect(self, recorder: ApplicationRecorder, tracking: TrackingRecorder) -> Dialect: ...
    def insert(self, recorder: ApplicationRecorder, events: Sequence[StoredEvent]) -> list[int]: ...
    def listen(
        self, recorder: ApplicationRecorder, ring: Callable[[], None]
    ) -> Listener | None: ...
    def copying(self, recorder: ApplicationRecorder) -> AbstractContextManager[Any]: ...
    def refusal(self, error: BaseException) -> StancelineError | None: ...
    def replication(self, recorder: ApplicationRecorder) -> Replication | None: ...
    def close(self) -> None: ...


def open_log(config: StoreConfig, *, read_only: bool = False) -> EventLog:
    """The event log of the store `config` names, its tables made if missing.

    `read_only`: this process only reads (a server behind a load balancer, a replica):
    nothing is made, projected or written, and answers come from the read model as it
    stands.
    """
    if config.kind == POSTGRES:
        # Imported here: a SQLite store never loads psycopg.
        from stanceline.adapters.postgres_store import PostgresKind

        return EventLog(config, PostgresKind(config, read_only=read_only), as_it_stands=read_only)
    return EventLog(config, SQLiteKind(config, read_only=read_only), as_it_stands=read_only)


class EventLog:
    """One store's events: stored, read, decoded, followed; and the read model beside them."""

    def __init__(self, config: StoreConfig, kind: StoreKind, *, as_it_stands: bool = False) -> None:
        self.config = config
        self.kind = kind
        # Opened to read only by choice: the read model is answered from as it stands, its
        # position said, never caught up (the primary's projector does that).
        self.as_it_stands = as_it_stands
        self.closing = threading.Event()
        # Each log's own: one lock shared by every instance deadlocked when the collector
        # closed an unreferenced log while another held it.
        self._wakeup_lock = threading.Lock()
        self._wakeup: Wakeup | None = None
        self._listener: Listener | None = None
        env = Environment(LOG_NAME, {**os.environ, **config.env, **kind.env})
        self.factory = InfrastructureFactory.construct(env)
        try:
            kind.prepare(self.factory)
            self.mapper = _mapper(self.factory)
            self.recorder = self.factory.application_recorder()
            self.events = self.factory.event_store(mapper=self.mapper, recorder=self.recorder)
            tracking = self.factory.tracking_recorder()
            self.view = ReadModel(kind.dialect(self.recorder, tracking))
            old = self.view.open()
        except BaseException as error:
            self.close()  # no connection or thread outlives a failed opening
            said = self.kind.refusal(error)
            if said is None:
                raise
            raise said from None
        if old is not None:
            written = f"in format {old}" if old else "before index formats were recorded"
            log.warning(
                "%s: its temporal index was written %s; this release writes format %d: "
                "the old answers are discarded, and each actor's are rebuilt from its facts "
                "when first asked (`stanceline rebuild` rebuilds them all now)",
                config.description,
                written,
                INDEX_FORMAT,
            )

    @property
    def poll_interval(self) -> float:
        return self.kind.poll_interval

    @property
    def consecutive(self) -> bool:
        return self.kind.consecutive

    @property
    def read_only(self) -> bool:
        """Whether this process can only read the store."""
        return self.kind.read_only

    def put(self, events: Sequence[NewFact | DomainEvent]) -> dict[int, NewFact | DomainEvent]:
        """Store events in one transaction; each by the position it was given.

        New facts come in their stored form already (NewFact): no event model is made,
        dumped and mapped for each of them.
        """
        if not events:
            return {}
        stored = [
            self.mapper.from_state(event.topic, event.state)
            if isinstance(event, NewFact)
            else self.mapper.to_stored_event(event)
            for event in events
        ]
        ids = self.kind.insert(self.recorder, stored)
        # Followers in this process need not wait for their poll or a NOTIFY.
        if self._wakeup is not None:
            self._wakeup.ring()
        return dict(zip(ids, events, strict=True))

    def stream(self, fact_id: str) -> list[DomainEvent]:
        """Every stored event of one fact, oldest first."""
        return [cast(DomainEvent, event) for event in self.events.get(fact_id)]

    def notifications(
        self, start: int, limit: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Notification]:
        """Up to `limit` stored events from position `start` (to `stop`), in order."""
        return self.recorder.select_notifications(
            start=start, limit=limit, stop=stop, topics=topics
        )

    def decode(self, stored: StoredEvent) -> DomainEvent:
        """The event a stored event holds (StoredEventError when it cannot be read)."""
        return cast(DomainEvent, self.mapper.to_domain_event(stored))

    def head(self) -> int:
        """The log's last position (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def replication(self) -> Replication | None:
        """How far the store's server replays behind its primary (None: not a standby)."""
        return self.kind.replication(self.recorder)

    def seals(self, after: int, limit: int) -> Sequence[Seal]:
        """Up to `limit` of the log's seals numbered after `after`, in order."""
        return seals.read(self.view.dialect, after, limit)

    def last_seal(self) -> int:
        """The last seal's number (0 when there is none)."""
        return seals.last(self.view.dialect)

    def copying(self) -> AbstractContextManager[Any]:
        """One write transaction filling this (empty) log, for a migration (ports.Copy)."""
        return self.kind.copying(self.recorder)

    @property
    def wakeup(self) -> Wakeup:
        """Rung when new events may be stored: by this process's writes and, on PostgreSQL,
        by the store's NOTIFY (one LISTEN connection, opened on first use, shared by all)."""
        with self._wakeup_lock:
            if self._wakeup is None:
                self._wakeup = Wakeup()
                if not self.closing.is_set():  # a closed log opens no connection
                    self._listener = self.kind.listen(self.recorder, self._wakeup.ring)
            return self._wakeup

    @property
    def listener(self) -> Listener | None:
        """The LISTEN connection's thread, once a follower asked for it (PostgreSQL only)."""
        return self._listener

    def close(self) -> None:
        """Stop listening for new events, then close the store's connections."""
        self.closing.set()  # before: no follower starts listening again meanwhile
        with self._wakeup_lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        self.kind.close()
        self.factory.close()


def _mapper(factory: InfrastructureFactory[Any]) -> PydanticMapper:
    """Our mapper with the compressor and cipher the settings name (COMPRESSOR_TOPIC, ...)."""
    try:
        mapper = factory.mapper(transcoder=OrjsonTranscoder(), mapper_class=PydanticMapper)
    except (ImportError, TopicError, ValueError, TypeError, KeyError) as error:
        raise StoreConfigError(
            f"the store's compressor or cipher settings cannot be used: {error}"
        ) from None
    assert isinstance(mapper, PydanticMapper)
    return mapper
