"""The event log on PostgreSQL: eventsourcing's recorder, with stored events made unchangeable."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal

TRIGGER = "stanceline_events_immutable"
FUNCTION = "stanceline_reject_change"
# Event state sent in one INSERT statement: a large load is several statements, one transaction.
STATEMENT_BYTES = 4 << 20


class ImmutableEventsRecorder(PostgresApplicationRecorder):
    """Stored events are never edited or deleted: a trigger refuses UPDATE, DELETE, TRUNCATE.

    Revoking privileges cannot do it: the recorder's LOCK TABLE ... IN
    EXCLUSIVE MODE needs more than SELECT and INSERT.
    """

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
