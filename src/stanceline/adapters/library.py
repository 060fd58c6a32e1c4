"""Every touch of eventsourcing's private or overridden API (and of its connection pools).

Everything else uses the library's public API: factories, recorders'
select_notifications/insert_events/max_notification_id, datastores' transaction() and
get_connection(), the event store's get(). Each touch here says why it is needed and what an
upgrade must check. Written against eventsourcing 9.5.6 (pyproject.toml pins it);
tests/integration runs every touch on both stores. Every insert here seals its events
(adapters/seals.py) before its transaction commits.

PostgreSQL's touches import psycopg in the function: a SQLite store never loads it (150 ms).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    ConnectionPoolClosedError,
    ConnectionUnavailableError,
    Mapper,
    ProgrammingError,
    StoredEvent,
    Tracking,
    TrackingRecorder,
    Transcoder,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteCursor,
    SQLiteDatastore,
)

from stanceline.adapters import seals
from stanceline.domain.changes import load_event
from stanceline.domain.events import DomainEvent

if TYPE_CHECKING:
    import psycopg
    from eventsourcing.postgres import (
        PostgresApplicationRecorder,
        PostgresDatastore,
        PostgresTrackingRecorder,
    )
    from psycopg import Cursor
    from psycopg.rows import DictRow


# The mapper: eventsourcing's Mapper, overridden.
#
# Why: the library's mapper reads `vars(event)` and rebuilds events without running
# their constructors; our events are pydantic models (validated on the way back) whose
# stored topic is their TOPIC, never their Python location. What is kept: its
# transcoder (ours writes and reads orjson), its compressor and its cipher (from
# COMPRESSOR_TOPIC, CIPHER_TOPIC and CIPHER_KEY, applied in the library's order) and
# upcasting by class_version. Upgrade: check Mapper.__init__'s arguments and the order
# to_stored_event applies the compressor and the cipher in.


class OrjsonTranscoder(Transcoder):
    """An event's state to JSON bytes and back, by orjson (dates are already text)."""

    def encode(self, obj: Any) -> bytes:
        # A right-sized copy: orjson's bytes keep a buffer rounded up to a power of two
        # (8 KiB for a 700-byte event), and a load holds every stored event of a file.
        return bytes(memoryview(orjson.dumps(obj)))

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper[str]):
    """Maps DomainEvent models to stored events and back, keeping upcasting."""

    def __init__(
        self,
        transcoder: Transcoder | None = None,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        super().__init__(transcoder or OrjsonTranscoder(), compressor, cipher)

    def from_state(self, topic: str, state: dict[str, Any], class_version: int = 1) -> StoredEvent:
        """An event stored from its `model_dump(mode="json")`: the stream's id and version are
        columns of their own, the rest (in field order) the state's bytes."""
        stored = dict(state)  # in field order, less the two that have columns
        del stored["originator_id"], stored["originator_version"]
        if class_version > 1:
            stored["class_version"] = class_version
        data = self.transcoder.encode(stored)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=state["originator_id"],
            originator_version=state["originator_version"],
            topic=topic,
            state=data,
        )

    def to_stored_event(self, domain_event: DomainEventProtocol[str]) -> StoredEvent:
        event = cast(DomainEvent, domain_event)
        return self.from_state(event.TOPIC, event.model_dump(mode="json"), event.class_version)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[str]:
        return self.load(
            stored_event.topic,
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.state,
        )

    def load(self, topic: str, originator_id: Any, version: int, state: bytes) -> DomainEvent:
        """Rebuild one event from its stored parts."""
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        return load_event(topic, str(originator_id), version, self.transcoder.decode(state))


# Tracking: both stores.


def insert_tracking(tracking: TrackingRecorder, cursor: Any, name: str, position: int) -> None:
    """In the caller's transaction: the read model holds the log up to `position`.

    Why: the library writes a tracking row only in a transaction of its own; the read model
    writes its rows and its position in one. Touch: both stores' private
    `_insert_tracking(cursor, Tracking)`. Upgrade: check its signature.
    """
    tracking._insert_tracking(cursor, Tracking(name, position))  # type: ignore[attr-defined]


# SQLite.


class SQLiteEventsRecorder(SQLiteApplicationRecorder):
    """SQLite's application recorder, with a transaction's events inserted in one statement.

    Why: the library inserts events one statement each, to read each one's rowid (its
    position). In one write transaction SQLite gives one statement's rows consecutive
    rowids after the largest: one `executemany` and the last rowid give every position,
    about a microsecond less an event; then the seal. Touch: overrides the private
    `_insert_events(cursor, stored_events)` and reads `insert_events_statement`.
    Upgrade: check that insert_events still calls `_insert_events` inside its write
    transaction and returns what it returns; tests/integration/test_store_sqlite.py
    holds the positions equal to the log's.
    """

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **_: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        c.executemany(
            self.insert_events_statement,
            [
                (
                    e.originator_id.hex if isinstance(e.originator_id, UUID) else e.originator_id,
                    e.originator_version,
                    e.topic,
                    e.state,
                )
                for e in stored_events
            ],
        )
        c.execute("SELECT last_insert_rowid()")
        last = int(c.fetchone()[0])
        seals.sqlite_seal(c, self.events_table_name, stored_events)
        return list(range(last - len(stored_events) + 1, last + 1))


def sqlite_after_each_write(
    datastore: SQLiteDatastore,
    prepare: Callable[[sqlite3.Connection], None],
    wrote: Callable[[], None],
) -> None:
    """Run `prepare` on each new connection, and `wrote` after each commit that changed rows.

    Why: the checkpointer (sqlite_store.py) switches off each connection's own WAL
    checkpoints and is asked for one after every write, whichever recorder made it. Only
    a write transaction commits (the library ends a read one with a rollback), and
    only one that changed rows asks (making tables does not). Touch: replaces the
    pool's private `_create_connection`, reads the connection's private `_sqlite_conn`
    and wraps its `commit`. Upgrade: check that the pool still makes every connection
    through `_create_connection` and that writers commit through `commit()`. Call
    before the first connection opens.
    """
    pool: Any = datastore.pool
    create = pool._create_connection

    def create_connection() -> SQLiteConnection:
        connection: SQLiteConnection = create()
        raw: sqlite3.Connection = connection._sqlite_conn
        prepare(raw)
        commit = connection.commit
        seen = [raw.total_changes]  # rows this connection has changed so far

        def commit_then_tell() -> None:
            commit()
            if raw.total_changes != seen[0]:  # rows written: not a read, nor only DDL
                seen[0] = raw.total_changes
                wrote()

        connection.commit = commit_then_tell  # type: ignore[method-assign]
        return connection

    pool._create_connection = create_connection


def sqlite_as_it_is(datastore: SQLiteDatastore) -> None:
    """Open a read-only store's connections as they are, without asking for WAL mode.

    Why: the pool switches every file database into WAL mode on its first connection, a
    write that a read-only file refuses ("attempt to write a readonly database"). Touch:
    sets the pool's `is_journal_mode_wal`, which it checks before switching. Upgrade: check
    _create_connection's journal-mode step. Call before the first connection opens.
    """
    pool: Any = datastore.pool
    pool.is_journal_mode_wal = True


@contextmanager
def sqlite_read_at_once(datastore: SQLiteDatastore) -> Iterator[SQLiteCursor | None]:
    """A read transaction on a pooled connection free now, else None (for an event loop).

    Touch: the pool's `get_connection(timeout=0, is_writer=False)`, asked not to wait:
    for a connection, its queue (where a thread may wait for the writer's connection),
    or, in memory, a writer. Upgrade: check its arguments.
    """
    pool = datastore.pool
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


def sqlite_last_position(recorder: SQLiteApplicationRecorder, cursor: SQLiteCursor) -> int:
    """The log's last position in the caller's transaction (private `_max_notification_id`)."""
    return int(recorder._max_notification_id(cursor) or 0)


def sqlite_insert(
    recorder: SQLiteApplicationRecorder, cursor: SQLiteCursor, events: Sequence[StoredEvent]
) -> list[int]:
    """Insert in the caller's transaction; the positions (private `_insert_events`, above)."""
    return list(recorder._insert_events(cursor, events) or [])


# PostgreSQL.


def postgres_channel(recorder: PostgresApplicationRecorder) -> str:
    """Name the recorder's NOTIFY channel after its schema and table; the name.

    Why: NOTIFY channels belong to the database, not to a schema, and the library names
    the channel after the table alone: stores in other schemas of the same database
    would wake this one's readers. Touch: sets `channel_name`, which `_notify_channel`
    reads. Upgrade: check that the insert still notifies `channel_name`.
    """
    recorder.channel_name = f"{recorder.datastore.schema}.{recorder.events_table_name}"
    return recorder.channel_name


def postgres_create_tables(
    recorder: PostgresApplicationRecorder,
    tracking: PostgresTrackingRecorder,
    ready: Callable[[Cursor[DictRow]], bool],
    create: Callable[[Cursor[DictRow]], None],
    read_only: bool = False,
) -> bool:
    """Make the library's tables and ours in one transaction, only when one is missing.

    Why: the library runs every recorder's CREATE ... IF NOT EXISTS on each start, and CREATE
    INDEX IF NOT EXISTS takes a SHARE lock even when the index exists, so every starting
    process waited for whichever writer held a table. The store is opened with
    CREATE_TABLE=n and this does what the recorders' create_table() would, once: their
    composite types (each in a transaction of its own, as the library does), the tracking
    table's migration probe, then, under an advisory lock so that two new processes do not
    race, their DDL and `create`'s. `ready` says, from the catalogue, whether everything
    exists. Touch: `sql_create_statements`, `_create_table(cursor)` of both recorders, the
    tracking recorder's `tracking_migration_*`, `tracking_table_exists` and
    `table_migration_identifier`, and the datastore's `register_type_adapters()`. Upgrade:
    compare with PostgresRecorder.create_table and PostgresTrackingRecorder.create_table.
    Returns whether all is there; with `read_only` (a standby refuses writes) nothing is made.
    """
    from psycopg.errors import DuplicateObject

    for statement in recorder.sql_create_statements:
        if "CREATE TYPE" in statement.as_string() and not read_only:
            with recorder.datastore.transaction(commit=True) as curs, suppress(DuplicateObject):
                curs.execute(statement, prepare=False)
    try:
        migrated = tracking.max_tracking_id(tracking.table_migration_identifier)
    except ProgrammingError:
        migrated = None  # no tracking table yet
    else:
        tracking.tracking_table_exists = True
    tracking.tracking_migration_previous = tracking.tracking_migration_current = migrated
    with recorder.datastore.transaction(commit=True) as curs:
        there = bool(migrated and ready(curs))
        if not (there or read_only):
            curs.execute("SELECT pg_advisory_xact_lock(hashtext('stanceline:create'))")
            recorder._create_table(curs)
            tracking._create_table(curs)
            create(curs)
    if complete := there or not read_only:  # there already, or made just now
        recorder.datastore.register_type_adapters()
    return complete


def postgres_insert(
    recorder: PostgresApplicationRecorder, chunks: Sequence[Sequence[StoredEvent]]
) -> list[int]:
    """Insert events in one transaction holding the table lock; their positions.

    Why: not through the library's pipeline: psycopg's Pipeline.sync() can start waiting
    for the answer while part of a large query is still unsent, and then client and
    server wait for each other for ever (seen with 25,000 facts in one load). Each chunk
    is one plain INSERT, sent whole before the wait. Touch: `construct_pg_stored_event`,
    `insert_events_statement`, `_lock_table(cursor)` and `_notify_channel(cursor)`.
    Upgrade: compare with PostgresApplicationRecorder.insert_events (the lock, the NOTIFY,
    the inserts, in one transaction).
    """
    # Made before the transaction: the table lock is held for the statements alone.
    make = recorder.construct_pg_stored_event
    rows = [
        [make(e.originator_id, e.originator_version, e.topic, e.state) for e in chunk]
        for chunk in chunks
    ]
    ids: list[int] = []
    with recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
        recorder._lock_table(curs)
        recorder._notify_channel(curs)
        for chunk in rows:
            curs.execute(recorder.insert_events_statement, (chunk,))
            ids.extend(row["notification_id"] for row in curs.fetchall())
        seals.postgres_seal(recorder, curs, [e for chunk in chunks for e in chunk])
    return ids


def postgres_lock_events(recorder: PostgresApplicationRecorder, cursor: Cursor[DictRow]) -> None:
    """The events table's write lock, in the caller's transaction (private `_lock_table`)."""
    recorder._lock_table(cursor)


def postgres_insert_run(
    recorder: PostgresApplicationRecorder, cursor: Cursor[DictRow], run: Sequence[StoredEvent]
) -> list[int]:
    """Insert in the caller's transaction; the positions (private `_insert_stored_events`,
    whose statement returns each row's notification_id: an upgrade must check it still does)."""
    recorder._insert_stored_events(cursor, run)
    ids = [int(row["notification_id"]) for row in cursor.fetchall()]
    seals.postgres_seal(recorder, cursor, run)
    return ids


def postgres_pool_renews(
    datastore: PostgresDatastore,
    application_name: str,
    check: Callable[[psycopg.Connection[Any]], None],
    renew: Callable[[], None],
) -> None:
    """Name the pool's connections; on a failed check of one, call `renew`, then fail it.

    Why: when the server drops every connection (a restart, a failover) psycopg_pool checks
    each dead one in turn, backing off 1 s, 2 s, 4 s between: renewing the pool at the first
    failure makes the request wait for one fresh connection instead. Touch: psycopg_pool's
    `kwargs` and private `_check`, which it takes only as a constructor argument while
    eventsourcing makes the pool. Upgrade: check PostgresDatastore's pool construction and
    psycopg_pool's `_check`. Call before the pool opens.
    """
    pool = datastore.pool
    assert isinstance(pool.kwargs, dict)
    pool.kwargs["application_name"] = application_name

    def checked(connection: psycopg.Connection[Any]) -> None:
        try:
            check(connection)
        except Exception:
            renew()
            raise

    pool._check = checked
