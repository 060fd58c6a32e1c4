"""The log's seals (domain/seals.py): written beside the events, in their transaction, and read.

Every insert of events (adapters/library.py) seals them before its transaction
commits, under the events table's write lock, so seals follow log order. The table
is made with the read model's (projections/model.py) but is part of the record: a
rebuild never touches it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import StoredEvent

from stanceline.domain.seals import Seal, Sealed, seal_digest
from stanceline.projections.dialect import Dialect
from stanceline.projections.model import TABLES

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresApplicationRecorder
    from psycopg import Cursor
    from psycopg.rows import DictRow

TABLE = TABLES["seals"]


def sqlite_seal(cursor: Any, events_table: str, events: Sequence[StoredEvent]) -> None:
    """Seal `events`, just inserted with `cursor` into `events_table` of a SQLite file."""

    def events_before() -> int:
        cursor.execute(f"SELECT COUNT(*) FROM {events_table}")
        return int(cursor.fetchone()[0]) - len(events)

    seal(cursor, TABLE, "?", events, events_before)


def postgres_seal(
    recorder: PostgresApplicationRecorder, cursor: Cursor[DictRow], events: Sequence[StoredEvent]
) -> None:
    """Seal `events`, just inserted by `recorder` in the caller's transaction."""
    from psycopg.sql import SQL, Identifier

    schema = recorder.datastore.schema

    def events_before() -> int:
        table = Identifier(schema, recorder.events_table_name)
        cursor.execute(SQL("SELECT COUNT(*) AS n FROM {}").format(table))
        found = cursor.fetchone()
        assert found is not None
        return int(found["n"]) - len(events)

    seal(cursor, Identifier(schema, TABLE).as_string(cursor), "%s", events, events_before)


def seal(
    cursor: Any,
    table: str,
    param: str,
    events: Sequence[StoredEvent],
    events_before: Callable[[], int],
) -> None:
    """Store the seal of `events`, just inserted with `cursor`, after the last seal.

    `table` is the seals table's (quoted) name, `param` the store's positional
    parameter. `events_before` counts the log's events before these, asked only for
    a store's first seal.
    """
    if not events:
        return
    cursor.execute(f"SELECT number, digest FROM {table} ORDER BY number DESC LIMIT 1")
    last = cursor.fetchone()
    if last is None:
        number, previous, earlier = 1, "", events_before()
    else:
        number, previous, earlier = last["number"] + 1, last["digest"], None
    digest = seal_digest(
        previous,
        (Sealed(str(e.originator_id), e.originator_version, e.topic, e.state) for e in events),
    )
    values = ", ".join([param] * 4)
    cursor.execute(
        f"INSERT INTO {table} (number, events, digest, earlier) VALUES ({values})",
        (number, len(events), digest, earlier),
    )


def read(dialect: Dialect, after: int, limit: int) -> list[Seal]:
    """Up to `limit` of the log's seals numbered after `after`, in order."""
    if not dialect.has_table("seals"):
        return []  # a store an earlier release made, opened read-only
    with dialect.reading() as c:
        dialect.run(
            c,
            "SELECT number, events, digest, earlier FROM {seals} WHERE number > :after "
            "ORDER BY number LIMIT :limit",
            {"after": after, "limit": limit},
        )
        return [Seal(r["number"], r["events"], r["digest"], r["earlier"]) for r in c.fetchall()]


def last(dialect: Dialect) -> int:
    """The last seal's number (0 when there is none)."""
    if not dialect.has_table("seals"):
        return 0
    with dialect.reading() as c:
        dialect.run(c, "SELECT MAX(number) AS last FROM {seals}")
        found = c.fetchone()
        return int(found["last"] or 0) if found is not None else 0
