"""The store in one SQLite file: its recorder, its checkpointer, its inserts and its copy."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    Notification,
    PersistenceError,
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
from stanceline.errors import StancelineError, StoreDamagedError, StoreReadOnlyError
from stanceline.projections.dialect import Dialect

# SQLite cannot push: writes by other processes are seen at a follower's next poll.
POLL_SECONDS = 0.1


class SQLiteKind:
    """What a SQLite store is made of and how it is written (adapters/log.py's StoreKind)."""

    name = "sqlite"
    poll_interval = POLL_SECONDS
    # Rows are numbered 1, 2, ... and a rolled-back insert leaves no hole.
    consecutive = True

    def __init__(self, config: StoreConfig, *, read_only: bool = False) -> None:
        self.checkpointer: Checkpointer | None = None
        self._dialect: SQLiteDialect | None = None
        self.description = config.description
        path = Path(config.env["SQLITE_DBNAME"])
        self.env: Mapping[str, str] = {
            "APPLICATION_RECORDER_TOPIC": get_topic(library.SQLiteEventsRecorder)
        }
        # A store this process cannot write (its file, or the folder its write-ahead log
        # goes in) is read as it is, read-only: SQLite would otherwise try to make its log.
        self.read_only = path.exists() and not (
            os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        )
        if read_only and not self.read_only:
            # Opened to read only, by choice (serve --read-only), beside writers: read
            # through SQLite's read-only mode, which still sees their write-ahead log.
            if not path.exists():
                raise StoreReadOnlyError(
                    f"store {config.description} does not exist, and this process only "
                    "reads: make it where it can be written (stanceline load)"
                )
            self.read_only = True
            self.env = {**self.env, "SQLITE_DBNAME": f"file:{quote(str(path.resolve()))}?mode=ro"}
        elif self.read_only:
            # Read as it is, the file alone: writes still in its write-ahead log would be
            # left out of every answer, silently. They must be merged where it is writable.
            wal = path.with_name(path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StoreReadOnlyError(
                    f"store {config.description} is read-only here, and its write-ahead log "
                    f"{wal.name} holds writes not yet in the file: open it once where it can be "
                    "written (or copy both files to a writable folder), so that no answer "
                    "leaves them out"
                )
            uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
            self.env = {**self.env, "SQLITE_DBNAME": uri}

    def prepare(self, factory: InfrastructureFactory[Any]) -> None:
        """Before the first connection opens: hand the WAL's checkpoints to a thread."""
        assert isinstance(factory, SQLiteFactory)
        if self.read_only:
            library.sqlite_as_it_is(factory.datastore)
            return
        found = _file(factory.datastore)
        if found is None:
            return  # an in-memory database has no log
        self.checkpointer = checkpointer = Checkpointer(*found)
        library.sqlite_after_each_write(
            factory.datastore, checkpointer.prepare, checkpointer.request
        )

    def dialect(self, recorder: ApplicationRecorder, tracking: TrackingRecorder) -> Dialect:
        assert isinstance(tracking, SQLiteTrackingRecorder)
        self._dialect = SQLiteDialect(tracking.datastore, tracking, read_only=self.read_only)
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

    def refusal(self, error: BaseException) -> StancelineError | None:
        """What went wrong opening the store, said so that one knows what to do (None: not
        the store's fault)."""
        cause = error.__cause__ if isinstance(error, PersistenceError) else error
        if not isinstance(cause, sqlite3.DatabaseError):
            return None
        said = str(cause)
        if "not a database" in said or "malformed" in said:
            return StoreDamagedError(
                f"store {self.description} cannot be read: {said} (restore it from a backup; "
                "nothing was written to it)"
            )
        if "readonly" in said:
            return StoreReadOnlyError(f"store {self.description} is read-only here: {said}")
        if "unable to open" in said:
            return StoreDamagedError(
                f"store {self.description} cannot be opened: {said} (name a file in a folder "
                "this user can write)"
            )
        return None

    def replication(self, recorder: ApplicationRecorder) -> None:
        """A SQLite file is never a standby of another."""
        return

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
