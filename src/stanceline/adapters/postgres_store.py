"""The store on PostgreSQL: events that refuse changes, its pool, its inserts and its copy."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
    TrackingRecorder,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresFactory,
    PostgresTrackingRecorder,
)
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import Identifier
from psycopg_pool import ConnectionPool

from stanceline.adapters import library
from stanceline.adapters.postgres_listener import NotifyListener, listener_for
from stanceline.adapters.postgres_readmodel import PostgresDialect
from stanceline.config import APPLICATION_NAME_KEY, StoreConfig
from stanceline.errors import StancelineError, StoreReadOnlyError, StoreUnavailableError
from stanceline.projections.dialect import Dialect
from stanceline.projections.replication import Replication

# Event state sent in one INSERT statement: a large load is several statements, one transaction.
STATEMENT_BYTES = 4 << 20
# PostgreSQL's NOTIFY wakes followers at once, so their poll is only a safety net.
SAFETY_POLL_SECONDS = 2.0
# A hot standby has no LISTEN: followers of a process that only reads poll, this often.
READER_POLL_SECONDS = 0.25

log = logging.getLogger("stanceline.store")


class PostgresKind:
    """What a PostgreSQL store is made of and how it is written (adapters/log.py's StoreKind)."""

    name = "postgresql"
    poll_interval = SAFETY_POLL_SECONDS
    # A sequence gives positions, and a rolled-back insert consumes some: gaps are normal.
    consecutive = False
    # The tables are made by the read model's dialect (library.postgres_create_tables),
    # only when one is missing, never by the library on each start.

    def __init__(self, config: StoreConfig, *, read_only: bool = False) -> None:
        self.application_name = config.env[APPLICATION_NAME_KEY]
        self.env: Mapping[str, str] = {"CREATE_TABLE": "n"}
        self.config = config
        # Opened to read only (serve --read-only, a replica): nothing is made or written,
        # and nothing listens (a hot standby refuses LISTEN). Opened to write, a role that
        # may not write is refused when the store opens.
        self.read_only = read_only
        self.poll_interval = READER_POLL_SECONDS if read_only else SAFETY_POLL_SECONDS

    def prepare(self, factory: InfrastructureFactory[Any]) -> None:
        """Before the first connection opens: name the pool's connections, renew it on a drop.

        One connection is tried first, alone: the pool, refused, would try again until its
        timeout and then say only that it got none; this says why, at once.
        """
        assert isinstance(factory, PostgresFactory)
        _try_connecting(self.config, read_only=self.read_only)
        pool = factory.datastore.pool

        def renew() -> None:
            log.warning("a pooled connection was dropped by the server; renewing the pool")
            pool.drain()

        library.postgres_pool_renews(
            factory.datastore, self.application_name, ConnectionPool.check_connection, renew
        )

    def dialect(self, recorder: ApplicationRecorder, tracking: TrackingRecorder) -> Dialect:
        assert isinstance(recorder, PostgresApplicationRecorder)
        assert isinstance(tracking, PostgresTrackingRecorder)
        library.postgres_channel(recorder)
        return PostgresDialect(recorder, tracking, read_only=self.read_only)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert(self, recorder: ApplicationRecorder, events: Sequence[StoredEvent]) -> list[int]:
        """Insert in one transaction, holding the table lock; the events' positions."""
        assert isinstance(recorder, PostgresApplicationRecorder)
        if not events:
            return []
        return library.postgres_insert(recorder, list(_chunks(events, STATEMENT_BYTES)))

    def listen(
        self, recorder: ApplicationRecorder, ring: Callable[[], None]
    ) -> NotifyListener | None:
        """A started LISTEN thread ringing `ring` on every notification (None when only
        reading: a hot standby has no LISTEN, and followers poll)."""
        assert isinstance(recorder, PostgresApplicationRecorder)
        if self.read_only:
            return None
        listener = listener_for(recorder, ring)
        listener.start()
        return listener

    def copying(self, recorder: ApplicationRecorder) -> AbstractContextManager[PostgresCopy]:
        assert isinstance(recorder, PostgresApplicationRecorder)
        return _copying(recorder)

    def refusal(self, error: BaseException) -> StancelineError | None:
        """What went wrong opening the store (None: nothing it can say more of)."""
        return error if isinstance(error, StancelineError) else None

    def replication(self, recorder: ApplicationRecorder) -> Replication | None:
        """How far this server replays behind its primary (None: it is not a standby)."""
        assert isinstance(recorder, PostgresApplicationRecorder)
        with recorder.datastore.get_connection() as connection:  # one statement, autocommit
            found = connection.execute(REPLICATION).fetchone()
        if found is None or not found["standby"]:
            return None
        seconds = found["seconds"]
        return Replication(
            replay_lag_seconds=None if seconds is None else round(float(seconds), 3),
            replay_lag_bytes=int(found["bytes"] or 0),
        )

    def close(self) -> None:
        """Nothing of its own to stop: the listener is the log's."""


# A standby's replay lag: 0 seconds when it has replayed all it received (an idle primary
# sends nothing, and the last replayed transaction's age would grow for ever), else the age
# of the last transaction replayed; bytes received and not yet replayed.
REPLICATION = (
    "SELECT pg_is_in_recovery() AS standby, "
    "CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS seconds, "
    "pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) AS bytes"
)


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
            given = library.postgres_insert_run(self.recorder, self.cursor, run)
            positions += given
            self.next = given[-1] + 1
        return positions


@contextmanager
def _copying(recorder: PostgresApplicationRecorder) -> Iterator[PostgresCopy]:
    """One transaction holding the events table's write lock: committed only if all goes well."""
    with recorder.datastore.transaction(commit=True) as cursor:
        library.postgres_lock_events(recorder, cursor)
        yield PostgresCopy(recorder, cursor)


def consecutive_runs(page: Sequence[Notification]) -> Iterator[Sequence[Notification]]:
    """The page cut where its positions skip: runs of consecutive positions."""
    start = 0
    for index in range(1, len(page) + 1):
        if index == len(page) or page[index].id != page[index - 1].id + 1:
            yield page[start:index]
            start = index


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


def _try_connecting(config: StoreConfig, *, read_only: bool = False) -> None:
    """Connect once, as the store's settings say; StoreUnavailableError saying why it fails.

    A hot standby refuses every write: opened to write, it is refused here, in one line,
    rather than by the first statement that writes.
    """
    env = config.env
    try:
        connection = psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=max(1, int(env["POSTGRES_CONNECT_TIMEOUT"])),
            application_name=env[APPLICATION_NAME_KEY],
        )
        with connection:
            found = connection.execute("SELECT pg_is_in_recovery()").fetchone()
    except psycopg.OperationalError as error:
        lines = [" ".join(line.split()) for line in str(error).splitlines() if line.strip()]
        # "connection failed: connection to server at ..., port N failed: WHY", then a hint.
        cause = lines[0].rsplit(" failed: ", 1)[-1] if lines else type(error).__name__
        hint = f" ({lines[1][0].lower()}{lines[1][1:]})" if len(lines) > 1 else ""
        raise StoreUnavailableError(
            f"store {config.description} refuses the connection: {cause}{hint}"
        ) from None
    if found is not None and found[0] and not read_only:
        raise StoreReadOnlyError(
            f"store {config.description} is a hot standby (a replica), which refuses every "
            "write: open it to read only (serve --read-only, or Stanceline(..., "
            "read_only=True)), and write to the primary"
        )
