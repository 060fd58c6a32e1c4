"""The store in one SQLite file: its recorder, its checkpointer, its inserts and its copy."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    Notification,
    StoredEvent,
    TrackingRecorder,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteTrackingRecorder,
)
from eventsourcing.utils import get_topic

from stanceline.adapters import library
from stanceline.adapters.sqlite_checkpoint import Checkpointer
from stanceline.adapters.sqlite_readmodel import SQLiteDialect
from stanceline.config import StoreConfig
from stanceline.projections.dialect import Dialect

# SQLite cannot push: writes by other processes are seen at a follower's next poll.
POLL_SECONDS = 0.1


class SQLiteKind:
    """What a SQLite store is made of and how it is written (adapters/log.py's StoreKind)."""

    name = "sqlite"
    poll_interval = POLL_SECONDS
    # Rows are numbered 1, 2, ... and a rolled-back insert leaves no hole.
    consecutive = True
    env: ClassVar[Mapping[str, str]] = {
        "APPLICATION_RECORDER_TOPIC": get_topic(library.SQLiteEventsRecorder)
    }

    def __init__(self, config: StoreConfig) -> None:
        self.checkpointer: Checkpointer | None = None
        self._dialect: SQLiteDialect | None = None

    def prepare(self, factory: InfrastructureFactory[Any]) -> None:
        """Before the first connection opens: hand the WAL's checkpoints to a thread."""
        assert isinstance(factory, SQLiteFactory)
        found = _file(factory.datastore)
        if found is None:
            return  # an in-memory database has no log
        self.checkpointer = checkpointer = Checkpointer(*found)
        library.sqlite_after_each_write(
            factory.datastore, checkpointer.prepare, checkpointer.request
        )

    def dialect(self, recorder: ApplicationRecorder, tracking: TrackingRecorder) -> Dialect:
        assert isinstance(tracking, SQLiteTrackingRecorder)
        self._dialect = SQLiteDialect(tracking.datastore, tracking)
        return self._dialect

    def insert(self, recorder: ApplicationRecorder, events: Sequence[StoredEvent]) -> list[int]:
        """Insert in one transaction; the events' positions."""
        ids = recorder.insert_events(events)
        assert ids is not None  # SQLiteEventsRecorder returns them
        return list(ids)

    def listen(self, recorder: ApplicationRecorder, ring: Callable[[], None]) -> None:
        """Nothing pushes: other processes' writes are seen at the next poll."""
        return

    @contextmanager
    def copying(self, recorder: ApplicationRecorder) -> Iterator[SQLiteCopy]:
        """One transaction that takes SQLite's write lock first, committed only at the end."""
        assert isinstance(recorder, SQLiteApplicationRecorder)
        assert self._dialect is not None  # made when the store was opened
        with self._dialect.writing() as cursor:
            yield SQLiteCopy(recorder, cursor)

    def close(self) -> None:
        """Wait for the last checkpoint."""
        if self.checkpointer is not None:
            self.checkpointer.close()


class SQLiteCopy:
    """Fills an empty SQLite events table: rows are numbered 1..N in the order inserted."""

    def __init__(self, recorder: SQLiteApplicationRecorder, cursor: SQLiteCursor) -> None:
        self.recorder = recorder
        self.cursor = cursor

    def last_position(self) -> int:
        return library.sqlite_last_position(self.recorder, self.cursor)

    def insert(self, page: Sequence[Notification]) -> list[int]:
        return library.sqlite_insert(self.recorder, self.cursor, page)


def _file(datastore: SQLiteDatastore) -> tuple[str, float] | None:
    """The file's name and lock timeout, None in memory (the pool's `is_sqlite_memory_mode`,
    `db_name` and `lock_timeout`)."""
    pool: Any = datastore.pool
    if pool.is_sqlite_memory_mode:
        return None
    return str(pool.db_name), float(pool.lock_timeout or 5)
