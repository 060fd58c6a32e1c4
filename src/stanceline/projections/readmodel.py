"""The read model in the SQLite store: its tables beside the event log, and its write lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    ConnectionUnavailableError,
    IntegrityError,
    OperationalError,
)
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from stanceline.errors import LockBusyError
from stanceline.projections.index import INDEX_TABLE, SEGMENTS_TABLE
from stanceline.projections.model import VERSIONS_COLUMNS, StanceModel
from stanceline.projections.rows import FactRow, format_time

__all__ = ["FactRow", "StanceView", "format_time"]

_TABLES = {
    "versions": "stance_versions",
    "segments": "stance_segments",
    "indexed": "stance_index",
    "store": "stanceline_store",
    "tracking": "tracking",
    # The log's last position: eventsourcing keeps SQLite's events by rowid.
    "head": "(SELECT MAX(rowid) FROM stored_events)",
}


class StanceView(StanceModel, SQLiteTrackingRecorder):
    """The read model's tables in the SQLite store, beside the event log."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS stance_versions ({VERSIONS_COLUMNS})",
            "CREATE INDEX IF NOT EXISTS stance_versions_actor "
            "ON stance_versions (actor, superseded_at)",
            "CREATE INDEX IF NOT EXISTS stance_versions_recorded ON stance_versions (recorded_at)",
            f"CREATE TABLE IF NOT EXISTS stance_segments ({SEGMENTS_TABLE})",
            f"CREATE TABLE IF NOT EXISTS stance_index ({INDEX_TABLE})",
            # The store's own id, the stable `source` of its CloudEvents (not part of the model:
            # a rebuild keeps it).
            "CREATE TABLE IF NOT EXISTS stanceline_store (id TEXT NOT NULL)",
        ]

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        self._seed_index(c)

    def _sql(self, statement: str) -> str:
        # SQLite reads `:name` parameters as they are.
        return statement.format(**_TABLES)

    @contextmanager
    def _reading_at_once(self) -> Iterator[SQLiteCursor | None]:
        """A read transaction on a pooled connection free now, else None (for an event loop).

        The pool is asked not to wait: not for a connection, nor for its queue (where a
        thread may wait for the writer's connection), nor, in a memory store, for a
        writer. A reader of a WAL file does not wait for writers.
        """
        pool = self.datastore.pool
        try:
            connection = pool.get_connection(timeout=0, is_writer=False)
        except (ConnectionUnavailableError, ConnectionPoolClosedError):
            yield None
            return
        try:
            with connection.transaction(commit=False) as cursor:
                yield cursor
        finally:
            pool.put_connection(connection)

    @contextmanager
    def _writing(self, table: str = "versions", wait: bool = True) -> Iterator[SQLiteCursor]:
        """A write transaction that takes the write lock first (BEGIN IMMEDIATE).

        SQLite locks the whole file, whatever the table.

        A plain BEGIN reads before it writes, and SQLite refuses, without
        waiting, to upgrade a reader whose snapshot another writer has moved
        past ("database is locked"); taking the lock first waits its turn.
        """
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
            except BaseException:
                connection.rollback()
                raise


def _begin_at_once(cursor: SQLiteCursor) -> None:
    """BEGIN IMMEDIATE without waiting for the lock: LockBusyError when another writer holds it."""
    cursor.execute("PRAGMA busy_timeout")
    waits = int(cursor.fetchone()[0])
    cursor.execute("PRAGMA busy_timeout = 0")
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise LockBusyError(str(error)) from error
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {waits}")
