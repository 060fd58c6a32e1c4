"""The read model in the SQLite store: its tables beside the event log, and its write lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteTrackingRecorder

from stanceline.adapters import library
from stanceline.errors import LockBusyError, StoreReadOnlyError
from stanceline.projections.dialect import UPSTREAM, Dialect
from stanceline.projections.model import TABLES

_TABLES = {
    **TABLES,
    "tracking": "tracking",
    # The log's last position: eventsourcing keeps SQLite's events by rowid.
    "head": "(SELECT MAX(rowid) FROM stored_events)",
}


class SQLiteDialect(Dialect):
    """The read model's tables in the SQLite file, beside the event log."""

    POSITIONAL = "?"

    def __init__(
        self, datastore: SQLiteDatastore, tracking: SQLiteTrackingRecorder, *, read_only: bool
    ) -> None:
        super().__init__(datastore)
        self.tracking = tracking
        self.read_only = read_only
        self._tables: frozenset[str] | None = None  # read-only: the file's tables

    def sql(self, statement: str) -> str:
        # SQLite reads `:name` parameters as they are.
        return statement.format(**_TABLES)

    def create_tables(
        self,
        statements: Sequence[str],
        made: Callable[[Any], None],
        columns: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        # Read-only, nothing can be made: a table an earlier release did not make (the
        # seals') is read as empty (has_table); a column it did not make cannot be read.
        if self.read_only:
            with self.reading() as c:
                if missing := _missing(c, columns):
                    raise StoreReadOnlyError(
                        f"this store's read model was made by an earlier release (it has no "
                        f"{missing[0][1]!r} column) and the store is read-only here: open it "
                        "once where it can be written, so that the read model is upgraded"
                    )
            return
        # A deferred transaction, as the library makes its own tables in: opening a store
        # never waits for a writer when there is nothing to make.
        with self.datastore.transaction(commit=True) as c:
            for key, name, sql_type in _missing(c, columns):
                c.execute(f"ALTER TABLE {TABLES[key]} ADD COLUMN {name} {sql_type}")
            for statement in statements:
                c.execute(self.sql(statement))
            made(c)

    def has_table(self, key: str) -> bool:
        # Writable, the opening made every table; read-only (and immutable), the file's
        # tables are read once.
        if not self.read_only:
            return True
        if self._tables is None:
            with self.reading() as c:
                c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                self._tables = frozenset(row[0] for row in c.fetchall())
        return TABLES[key] in self._tables

    def position(self) -> int:
        return self.tracking.max_tracking_id(UPSTREAM) or 0

    def track(self, c: Any, position: int) -> None:
        library.insert_tracking(self.tracking, c, UPSTREAM, position)

    def reading_at_once(self) -> AbstractContextManager[SQLiteCursor | None]:
        """A read transaction on a pooled connection free now, else None (for an event loop).

        A reader of a WAL file does not wait for writers.
        """
        return library.sqlite_read_at_once(self.datastore)

    @contextmanager
    def writing(self, table: str = "versions", wait: bool = True) -> Iterator[SQLiteCursor]:
        """A write transaction that takes the write lock first (BEGIN IMMEDIATE).

        SQLite locks the whole file, whatever the table.

        A plain BEGIN reads before it writes, and SQLite refuses, without
        waiting, to upgrade a reader whose snapshot another writer has moved
        past ("database is locked"); taking the lock first waits its turn.
        """
        if self.read_only and not wait:
            # An answer that would need a write (a stale actor's segments) is made without.
            raise LockBusyError("the store is read-only")
        if self.read_only:
            raise StoreReadOnlyError(
                "the store is read-only here (its file or its folder cannot be written, "
                "or this process was opened to read only)"
            )
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            if not wait:
                _begin_at_once(cursor)
                try:
                    yield cursor
                    connection.commit()
                except BaseException:
                    connection.rollback()
                    raise
                return
            try:
                cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                connection.commit()
            except sqlite3.IntegrityError as error:
                connection.rollback()
                raise IntegrityError(error) from error
            except sqlite3.OperationalError as error:
                connection.rollback()
                raise OperationalError(error) from error
            except sqlite3.Error as error:
                connection.rollback()
                raise PersistenceError(error) from error
            except BaseException:
                connection.rollback()
                raise


def _missing(c: Any, columns: Sequence[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Those of `columns` whose table is there without them (none on a new file)."""
    found: dict[str, set[str]] = {}
    for key, _, _ in columns:
        if key not in found:
            c.execute(f"PRAGMA table_info({TABLES[key]})")
            found[key] = {row[1] for row in c.fetchall()}
    return [column for column in columns if found[column[0]] and column[1] not in found[column[0]]]


def _begin_at_once(cursor: SQLiteCursor) -> None:
    """BEGIN IMMEDIATE without waiting for the lock: LockBusyError when another writer has it."""
    cursor.execute("PRAGMA busy_timeout")
    waits = int(cursor.fetchone()[0])
    cursor.execute("PRAGMA busy_timeout = 0")
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise LockBusyError(str(error)) from error
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {waits}")
