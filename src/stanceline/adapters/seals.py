"""The log's seals (domain/seals.py): written beside the events, in their transaction, and read.

Every insert of events (adapters/library.py) seals them before its transaction
commits, under the events table's write lock, so seals follow log order. The table
is made with the read model's (projections/model.py) but is part of the record: a
rebuild never touches it.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    seal(cursor, TABLE, events_table, "?", events)


def postgres_seal(
    recorder: PostgresApplicationRecorder, cursor: Cursor[DictRow], events: Sequence[StoredEvent]
) -> None:
    """Seal `events`, just inserted by `recorder` in the caller's transaction."""
    from psycopg.sql import Identifier

    schema = recorder.datastore.schema
    seals, stored = (
        Identifier(schema, name).as_string(cursor) for name in (TABLE, recorder.events_table_name)
    )
    seal(cursor, seals, stored, "%s", events)


def seal(
    cursor: Any, table: str, events_table: str, param: str, events: Sequence[StoredEvent]
) -> None:
    """Store the seal of `events`, just inserted with `cursor`, after the last seal.

    `table` and `events_table` are the seals' and the events' (quoted) table names,
    `param` the store's positional parameter. A store's first seal records how many
    events the log held before these.
    """
    if not events:
        return
    cursor.execute(f"SELECT number, digest FROM {table} ORDER BY number DESC LIMIT 1")
    last = cursor.fetchone()
    if last is None:
        cursor.execute(f"SELECT COUNT(*) AS n FROM {events_table}")
        number, previous, earlier = 1, "", int(cursor.fetchone()["n"]) - len(events)
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
