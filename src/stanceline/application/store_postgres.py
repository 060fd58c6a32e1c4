"""The store on PostgreSQL: a recorder that refuses changes, its pool, and the migration's copy."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal
from psycopg_pool import ConnectionPool

TRIGGER = "stanceline_events_immutable"
FUNCTION = "stanceline_reject_change"
# Event state sent in one INSERT statement: a large load is several statements, one transaction.
STATEMENT_BYTES = 4 << 20

log = logging.getLogger("stanceline.store")


class ImmutableEventsRecorder(PostgresApplicationRecorder):
    """Stored events are never edited or deleted: a trigger refuses UPDATE, DELETE, TRUNCATE.

    Revoking privileges cannot do it: the recorder's LOCK TABLE ... IN
    EXCLUSIVE MODE needs more than SELECT and INSERT.
    """

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        # NOTIFY channels belong to the database, not to a schema: name the schema too, so
        # that stores in other schemas of the same database do not wake this one's readers.
        self.channel_name = f"{self.datastore.schema}.{self.events_table_name}"

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        schema, table = self.datastore.schema, self.events_table_name
        # The trigger is made last, in the same transaction as the rest.
        if trigger_exists(curs, schema, table):
            return
        # Two processes opening a new store at once must not both create the tables.
        curs.execute("SELECT pg_advisory_xact_lock(hashtext('stanceline:create'))")
        super()._create_table(curs)
        curs.execute(
            SQL(
                "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'stored events cannot be changed: % on %.% refused', "
                "TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME; END $$"
            ).format(function=Identifier(schema, FUNCTION))
        )
        # Created only when missing: CREATE OR REPLACE TRIGGER would lock the table each start.
        curs.execute(
            SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger "
                "WHERE tgrelid = {regclass}::regclass AND tgname = {name}) THEN "
                "CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {function}(); END IF; END $$"
            ).format(
                regclass=Literal(Identifier(schema, table).as_string(curs)),
                name=Literal(TRIGGER),
                trigger=Identifier(TRIGGER),
                table=Identifier(schema, table),
                function=Identifier(schema, FUNCTION),
            )
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        """Insert in one transaction, holding the table lock; return the notification ids.

        Not through the library's pipeline: psycopg's Pipeline.sync() can start
        waiting for the answer while part of a large query is still unsent, and
        then client and server wait for each other for ever (seen with 25,000
        facts in one load). Plain statements are sent whole before the wait.
        """
        ids: list[int] = []
        if not stored_events:
            return ids
        # Made before the transaction: the table lock is held for the statements alone.
        chunks = [
            [
                self.construct_pg_stored_event(
                    e.originator_id, e.originator_version, e.topic, e.state
                )
                for e in chunk
            ]
            for chunk in _chunks(stored_events, STATEMENT_BYTES)
        ]
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            for rows in chunks:
                curs.execute(self.insert_events_statement, (rows,))
                ids.extend(row["notification_id"] for row in curs.fetchall())
        return ids


class PostgresCopy:
    """Fills an empty events table in the caller's transaction, each event at its old position.

    The table lock is taken before anything is read, so no other writer gets in
    between. Before each run of consecutive positions the sequence is moved to the
    run's first one; a setval is not undone by a rollback, which does no harm, as the
    next copy moves it again. The events themselves go through the recorder's own
    insert, so the stored bytes are the ones read.
    """

    def __init__(self, recorder: PostgresApplicationRecorder, cursor: Cursor[DictRow]) -> None:
        self.recorder = recorder
        self.cursor = cursor
        table = Identifier(recorder.datastore.schema, recorder.events_table_name)
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'notification_id') AS sequence",
            (table.as_string(cursor),),
        )
        found = cursor.fetchone()
        assert found is not None
        self.sequence = str(found["sequence"])
        self.next = 0  # the position the sequence gives next, 0 while unknown

    def last_position(self) -> int:
        """The table's last position (0 when empty), read under the lock."""
        self.cursor.execute(self.recorder.max_notification_id_statement)
        found = self.cursor.fetchone()
        return int(found["max"]) if found and found["max"] is not None else 0

    def insert(self, page: Sequence[Notification]) -> list[int]:
        """Insert the events of `page` in order; return the positions they were given."""
        positions: list[int] = []
        for run in consecutive_runs(page):
            if run[0].id != self.next:
                self.cursor.execute(
                    "SELECT setval(%s::regclass, %s, false)", (self.sequence, run[0].id)
                )
            self.recorder._insert_stored_events(self.cursor, run)
            given = [int(row["notification_id"]) for row in self.cursor.fetchall()]
            positions += given
            self.next = given[-1] + 1
        return positions


@contextmanager
def copying(recorder: PostgresApplicationRecorder) -> Iterator[PostgresCopy]:
    """One transaction holding the events table's write lock: committed only if all goes well."""
    with recorder.datastore.transaction(commit=True) as cursor:
        recorder._lock_table(cursor)
        yield PostgresCopy(recorder, cursor)


def consecutive_runs(page: Sequence[Notification]) -> Iterator[Sequence[Notification]]:
    """The page cut where its positions skip: runs of consecutive positions."""
    start = 0
    for index in range(1, len(page) + 1):
        if index == len(page) or page[index].id != page[index - 1].id + 1:
            yield page[start:index]
            start = index


def configure_pool(datastore: PostgresDatastore, application_name: str) -> None:
    """Name the pool's connections, and make one dead connection renew the whole pool.

    Called before the pool opens. Every connection is checked before use (an empty
    query). When the server has dropped them (a restart, a failover, terminated
    backends) they are all dead: on the first failed check the pool is drained, so
    the request waits for one fresh connection instead of checking each dead one in
    turn (psycopg_pool backs off 1 s, 2 s, 4 s... between failed checks).
    """
    pool = datastore.pool
    assert isinstance(pool.kwargs, dict)
    pool.kwargs["application_name"] = application_name

    def check(connection: psycopg.Connection[Any]) -> None:
        try:
            ConnectionPool.check_connection(connection)
        except Exception:
            log.warning("a pooled connection was dropped by the server; renewing the pool")
            pool.drain()
            raise

    # psycopg_pool takes the check only as a constructor argument, and eventsourcing
    # makes the pool: set it on the pool before it opens.
    pool._check = check


def trigger_exists(curs: Cursor[DictRow], schema: str, table: str) -> bool:
    """Whether the store's events table exists with its trigger (read from the catalogue).

    Checked before any DDL: CREATE INDEX IF NOT EXISTS takes a SHARE lock on the
    table even when the index is there, so every process starting up would wait
    for whichever writer holds the table's lock (and queue the others behind it).
    """
    curs.execute(
        "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND t.tgname = %s",
        (schema, table, TRIGGER),
    )
    return curs.fetchone() is not None


def _chunks(events: Sequence[StoredEvent], size: int) -> Iterator[Sequence[StoredEvent]]:
    """The events in order, in runs whose states add up to about `size` bytes."""
    start, total = 0, 0
    for end, event in enumerate(events):
        if total and total + len(event.state) > size:
            yield events[start:end]
            start, total = end, 0
        total += len(event.state)
    if start < len(events):
        yield events[start:]
