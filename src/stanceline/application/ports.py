"""What the use cases need of a store: its event log (adapters/log.py's EventLog is one)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from eventsourcing.persistence import Notification, StoredEvent

from stanceline.config import StoreConfig
from stanceline.domain.events import DomainEvent
from stanceline.domain.recording import NewFact
from stanceline.domain.seals import Seal
from stanceline.projections.model import ReadModel
from stanceline.projections.replication import Replication
from stanceline.stream.wakeup import Wakeup


class Copy(Protocol):
    """One write transaction on an empty events table, filling it (a migration's)."""

    cursor: Any

    def last_position(self) -> int: ...
    def insert(self, page: Sequence[Notification]) -> list[int]: ...


class Log(Protocol):
    """One store's events, and its read model beside them."""

    config: StoreConfig
    view: ReadModel

    @property
    def poll_interval(self) -> float:
        """How long a follower waits between reads when nothing wakes it."""

    @property
    def consecutive(self) -> bool:
        """Whether positions run 1, 2, 3, ... with no gap (SQLite), or may skip (PostgreSQL)."""

    @property
    def read_only(self) -> bool:
        """Whether this process can only read the store."""

    @property
    def as_it_stands(self) -> bool:
        """Whether answers come from the read model as it stands (opened to read only)."""

    @property
    def wakeup(self) -> Wakeup:
        """Rung when new events may be stored."""

    def put(self, events: Sequence[NewFact | DomainEvent]) -> dict[int, NewFact | DomainEvent]: ...
    def stream(self, fact_id: str) -> list[DomainEvent]: ...
    def notifications(
        self, start: int, limit: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Notification]: ...
    def decode(self, stored: StoredEvent) -> DomainEvent: ...
    def head(self) -> int: ...
    def seals(self, after: int, limit: int) -> Sequence[Seal]: ...
    def last_seal(self) -> int: ...
    def replication(self) -> Replication | None: ...
    def copying(self) -> AbstractContextManager[Copy]: ...
    def close(self) -> None: ...
