"""A PostgreSQL store's tables: the read model's in the store's schema, its write lock, and
the trigger that keeps the events table from being changed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.errors import LockNotAvailable
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal

from stanceline.adapters import library
from stanceline.errors import LockBusyError, StoreReadOnlyError
from stanceline.projections.dialect import UPSTREAM, Dialect
from stanceline.projections.model import SCHEMA, TABLES

TRIGGER = "stanceline_events_immutable"
FUNCTION = "stanceline_reject_change"
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
# The tables a write lock is taken on, by the name statements give them.
_LOCKED = ("versions", "store")


def quoted(*names: str) -> str:
    """A (schema-)qualified SQL identifier, quoted."""
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)


class PostgresDialect(Dialect):
    """The read model's tables in the PostgreSQL store, in the same schema as the event log."""

    POSITIONAL = "%s"

    def __init__(
        self,
        recorder: PostgresApplicationRecorder,
        tracking: PostgresTrackingRecorder,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__(recorder.datastore)
        self.recorder = recorder
        self.tracking = tracking
        self.read_only = read_only  # opened to read only (a hot standby refuses writes)
        schema, events_table = recorder.datastore.schema, recorder.events_table_name
        self.schema = schema
        self._tables = {
            **{key: quoted(schema, name) for key, name in TABLES.items()},
            "tracking": quoted(schema, tracking.tracking_table_name),
            "head": f"(SELECT MAX(notification_id) FROM {quoted(schema, events_table)})",
        }
        self._locks = {
            key: SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(Identifier(schema, TABLES[key]))
            for key in _LOCKED
        }

    def sql(self, statement: str) -> str:
        return _NAMED.sub(r"%(\1)s", statement.format(**self._tables))

    def create_tables(
        self,
        statements: Sequence[str],
        made: Callable[[Any], None],
        columns: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """The library's tables (the events' with their trigger) and ours, in one transaction,
        only when one is missing: no DDL, so no lock, on a store that has them all."""
        schema, events_table = self.schema, self.recorder.events_table_name

        def ready(curs: Cursor[DictRow]) -> bool:
            return trigger_exists(curs, schema, events_table) and self.exists(curs)

        def create(curs: Cursor[DictRow]) -> None:
            create_trigger(curs, schema, events_table)
            for key, name, sql_type in columns:
                curs.execute(
                    SQL("ALTER TABLE IF EXISTS {} ADD COLUMN IF NOT EXISTS {} {}").format(
                        Identifier(schema, TABLES[key]), Identifier(name), SQL(sql_type)
                    )
                )
            for statement in statements:
                curs.execute(self.sql(statement))
            made(curs)

        complete = library.postgres_create_tables(
            self.recorder, self.tracking, ready, create, read_only=self.read_only
        )
        if not complete:
            raise StoreReadOnlyError(
                f"schema {self.schema!r} holds no stanceline store yet (or one an earlier "
                "release made, whose tables are upgraded on first opening), and this process "
                "only reads: open the store once on the primary, where it can be written"
            )

    def exists(self, curs: Cursor[DictRow]) -> bool:
        """Whether the schema holds every table and index of the read model and the tracking
        table (read from the catalogue, taking no lock)."""
        names = [name for name, _ in SCHEMA] + [self.tracking.tracking_table_name]
        curs.execute(
            "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
            "WHERE s.nspname = %s AND c.relname = ANY(%s)",
            (self.schema, names),
        )
        found = curs.fetchone()
        return found is not None and found["n"] == len(names)

    def position(self) -> int:
        return self.tracking.max_tracking_id(UPSTREAM) or 0

    @contextmanager
    def reading_one(self) -> Iterator[Cursor[DictRow]]:
        """A cursor on a pooled connection, outside any transaction block: the pool's
        connections are in autocommit mode, so one statement is its own transaction, read
        from one snapshot, in one round trip instead of BEGIN, the statement and ROLLBACK."""
        with self.datastore.get_connection() as connection, connection.cursor() as c:
            yield c

    def track(self, c: Any, position: int) -> None:
        library.insert_tracking(self.tracking, c, UPSTREAM, position)

    @contextmanager
    def writing(self, table: str = "versions", wait: bool = True) -> Iterator[Cursor[DictRow]]:
        """A write transaction that holds the model's table lock (readers are not blocked).

        EXCLUSIVE mode lets SELECTs through but makes a second projector wait
        its turn, and then it finds the positions already applied. Opened to read only,
        nothing is written: an answer that would write (a stale actor's segments) is made
        without (LockBusyError), anything else is refused (StoreReadOnlyError).
        """
        if self.read_only:
            if not wait:
                raise LockBusyError("the store is opened to read only")
            raise StoreReadOnlyError(
                "this process only reads the store (serve --read-only, or a replica): "
                "writes go to the primary"
            )
        with self.datastore.transaction(commit=True) as c:
            if wait:
                c.execute(self._locks[table])
            else:
                try:
                    c.execute(self._locks[table] + SQL(" NOWAIT"))
                except LockNotAvailable as error:
                    raise LockBusyError(str(error)) from error
            yield c


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


def create_trigger(curs: Cursor[DictRow], schema: str, table: str) -> None:
    """Stored events are never edited or deleted: a trigger refuses UPDATE, DELETE, TRUNCATE.

    Revoking privileges cannot do it: the recorder's LOCK TABLE ... IN EXCLUSIVE MODE
    needs more than SELECT and INSERT. Made after the events table, in its transaction.
    """
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
