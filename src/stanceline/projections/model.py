"""The read model's logic, shared by both stores: apply events, answer queries.

Each stored event makes one version row of its fact: the first event the
recorded fact, each later one a correction, retraction or reinstatement. A
version knows the log position that made it and the position that superseded
it, so the facts as known at any position N are the versions made at or
before N and not superseded by then (bitemporal: effective dates inside the
rows, knowledge time across them). Rows and the tracking position are written
in one transaction, so the model is always exactly the log up to its position.
Queries read rows by actor and never replay the log.

The SQL here (and in index.py, the temporal index) is written once; each
store's Dialect (dialect.py) says how to run it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from eventsourcing.persistence import IntegrityError

from stanceline.domain.changes import FactChanged
from stanceline.domain.dates import MIN_DAY
from stanceline.domain.events import DomainEvent, FactRecorded
from stanceline.domain.recording import NewFact
from stanceline.projections import index
from stanceline.projections.dialect import UPSTREAM, Dialect
from stanceline.projections.index import SegmentIndex
from stanceline.projections.rows import (
    ADDED_COLUMNS,
    COLUMNS,
    CURRENT,
    KNOWN_AT,
    NAMES,
    VERSIONS_TABLE,
    WIRE_COLUMNS,
    FactRow,
    changed_row,
    format_time,
    new_fact_row,
    recorded_row,
    to_params,
    to_row,
)

OPEN_START = MIN_DAY.isoformat()
_INSERT_BATCH = 5000  # rows held before they are inserted

# Every table and index of the read model (name, statement), made where missing on opening.
SCHEMA = (
    ("stance_versions", f"CREATE TABLE IF NOT EXISTS {{versions}} ({VERSIONS_TABLE})"),
    (
        "stance_versions_actor",
        "CREATE INDEX IF NOT EXISTS stance_versions_actor ON {versions} (actor, superseded_at)",
    ),
    (
        "stance_versions_recorded",
        "CREATE INDEX IF NOT EXISTS stance_versions_recorded ON {versions} (recorded_at)",
    ),
    # The claims of a happening (DESIGN §7), found by its key.
    (
        "stance_versions_event",
        "CREATE INDEX IF NOT EXISTS stance_versions_event ON {versions} (event) "
        "WHERE event IS NOT NULL",
    ),
    *index.SCHEMA,
    # The store's own id, the stable `source` of its CloudEvents (not part of the model:
    # a rebuild keeps it).
    ("stanceline_store", "CREATE TABLE IF NOT EXISTS {store} (id TEXT NOT NULL)"),
    # The log's seals (domain/seals.py), written with the events: part of the record.
    (
        "stanceline_seals",
        "CREATE TABLE IF NOT EXISTS {seals} (number BIGINT NOT NULL PRIMARY KEY, "
        "events BIGINT NOT NULL, digest TEXT NOT NULL, earlier BIGINT)",
    ),
)
# The names the statements give the tables.
TABLES = {
    "versions": "stance_versions",
    "segments": "stance_segments",
    "indexed": "stance_index",
    "format": "stance_index_format",
    "store": "stanceline_store",
    "seals": "stanceline_seals",
}


class ReadModel:
    """The read model of one store: its writes and queries, through the store's dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.datastore = dialect.datastore
        self.index = index = SegmentIndex(dialect)
        # The temporal index's questions (index.py), asked of the read model.
        self.answers_on = index.answers_on
        self.answers_at_once = index.answers_at_once
        self.answers_now = index.answers_now
        self.world_on = index.world_on
        self.stale_actors = index.stale_actors
        self.refresh = index.refresh
        values = ", ".join([dialect.POSITIONAL] * len(NAMES))
        self._insert_statement = dialect.sql(
            f"INSERT INTO {{versions}} ({COLUMNS}) VALUES ({values})"
        )

    def open(self) -> int | None:
        """Make the tables where missing; re-index a store whose index has another format.

        Returns the old format when the index was discarded (see SegmentIndex.check_format).
        """
        self.dialect.create_tables(
            [statement for _, statement in SCHEMA], self.index.seed, ADDED_COLUMNS
        )
        return self.index.check_format()

    def store_id(self) -> str:
        """This store's id, made on first use and kept."""
        if (found := self.stored_id()) is not None:
            return found
        # Its own lock: making the id never waits for a projector, nor a projector for it.
        with self.dialect.writing("store") as c:
            self.dialect.run(c, "SELECT id FROM {store}")
            found = c.fetchone()
            if found is not None:
                return str(found["id"])
            made = str(uuid.uuid4())
            self.dialect.run(c, "INSERT INTO {store} (id) VALUES (:id)", {"id": made})
            return made

    def stored_id(self) -> str | None:
        """This store's id if it has one yet (None), without making one."""
        with self.dialect.reading_one() as c:
            self.dialect.run(c, "SELECT id FROM {store}")
            found = c.fetchone()
        return None if found is None else str(found["id"])

    def adopt_store_id(self, c: Any, store_id: str) -> None:
        """In the caller's write transaction: make `store_id` this store's id (a migration's)."""
        self.dialect.run(c, "DELETE FROM {store}")
        self.dialect.run(c, "INSERT INTO {store} (id) VALUES (:id)", {"id": store_id})

    def position(self) -> int:
        """The last log position the model includes (0 when empty)."""
        return self.dialect.position()

    def behind(self) -> tuple[int, int]:
        """The log's last position and the model's, read in one statement (0 when empty).

        Asked before every query: one round trip tells that nothing is new.
        """
        with self.dialect.reading_one() as c:
            self.dialect.run(
                c,
                "SELECT {head} AS head, "
                "(SELECT MAX(notification_id) FROM {tracking} WHERE application_name = :app) "
                "AS at",
                {"app": UPSTREAM},
            )
            found = c.fetchone()
        return int(found["head"] or 0), int(found["at"] or 0)

    def apply(self, events: Sequence[tuple[int, DomainEvent | NewFact]], position: int) -> None:
        """Add the versions the events make and move the tracking position, in one transaction.

        An event may be given as the NewFact this application has just stored, rather
        than as the event model. IntegrityError when another projector has already
        applied them.
        """
        with self.dialect.writing() as c:
            self._check_behind(c, events[0][0] if events else position)
            rows: list[FactRow] = []  # inserted together, at the end or every _INSERT_BATCH
            made: dict[str, int] = {}  # fact id -> index in rows of its latest version made here
            touched: dict[str, int] = {}  # actor -> the last position that changed its facts
            for at, event in events:
                if isinstance(event, NewFact | FactRecorded):
                    row = (
                        new_fact_row(at, event)
                        if isinstance(event, NewFact)
                        else recorded_row(at, event)
                    )
                    made[row.fact_id] = len(rows)
                    rows.append(row)
                    touched[row.actor] = at
                elif isinstance(event, FactChanged):  # every other event changes a fact
                    fact_id = event.originator_id
                    if fact_id in made:  # superseded before it is even inserted
                        before = rows[made[fact_id]]
                        rows[made[fact_id]] = before._replace(superseded_at=at)
                    else:
                        before = self._current(c, fact_id)
                        self.dialect.run(
                            c,
                            "UPDATE {versions} SET superseded_at = :at "
                            f"WHERE fact_id = :id AND {CURRENT}",
                            {"at": at, "id": fact_id},
                        )
                    row = changed_row(before, at, event)
                    touched[before.actor] = at  # its actor before the change, should one move it
                    made[row.fact_id] = len(rows)
                    rows.append(row)
                    touched[row.actor] = at
                if len(rows) >= _INSERT_BATCH:  # a bounded list; later changes find them stored
                    self._insert(c, rows)
                    rows.clear()
                    made.clear()
            self._insert(c, rows)
            self.index.mark(c, touched)
            self.dialect.track(c, position)

    def _check_behind(self, c: Any, first: int) -> None:
        """Under the write lock: the model must not already hold position `first`."""
        self.dialect.run(
            c,
            "SELECT notification_id FROM {tracking} WHERE application_name = :app",
            {"app": UPSTREAM},
        )
        found = c.fetchone()
        if found is not None and found["notification_id"] >= first:
            raise IntegrityError(f"the read model already holds position {first}")

    def reset(self) -> None:
        """Forget every row, the temporal index and the tracking position (before a rebuild)."""
        with self.dialect.writing() as c:
            self.dialect.run(c, "DELETE FROM {versions}")
            self.index.reset(c)
            self.dialect.run(
                c, "DELETE FROM {tracking} WHERE application_name = :app", {"app": UPSTREAM}
            )

    def _current(self, c: Any, fact_id: str) -> FactRow:
        self.dialect.run(
            c,
            f"SELECT {COLUMNS} FROM {{versions}} WHERE fact_id = :id AND {CURRENT}",
            {"id": fact_id},
        )
        return to_row(c.fetchone())

    def _insert(self, c: Any, rows: Iterable[FactRow]) -> None:
        params = [to_params(row) for row in rows]
        if params:
            c.executemany(self._insert_statement, params)

    def _select(
        self,
        where: str,
        params: dict[str, Any],
        order: str = "first_position",
        limit: int | None = None,
    ) -> list[FactRow]:
        statement = f"SELECT {COLUMNS} FROM {{versions}} WHERE {where} ORDER BY {order}"
        if limit is not None:
            statement += f" LIMIT {int(limit)}"
        with self.dialect.reading_one() as c:
            self.dialect.run(c, statement, params)
            return [to_row(record) for record in c.fetchall()]

    @staticmethod
    def _visible(known_at: int | None) -> str:
        return CURRENT if known_at is None else KNOWN_AT

    def wire_records(self, after: int, upto: int, limit: int) -> list[Any]:
        """The first `limit` versions made by events at positions in (after, upto], as stored.

        Only the WIRE_COLUMNS, undecoded (dates and times as their stored text), for
        the stream: a CloudEvent shows them as they are.
        """
        return self._by_position(WIRE_COLUMNS, after, upto, limit)

    def _by_position(self, columns: str, after: int, upto: int, limit: int) -> list[Any]:
        """The first `limit` records at positions in (after, upto], in position order.

        Read in windows of at most `limit` positions, so no plan ever reads or sorts
        the rest of the log: PostgreSQL, asked for `ORDER BY position LIMIT n`
        while its statistics still think the table small, read every later row
        and sorted them, for each page.
        """
        found: list[Any] = []
        select = f"SELECT {columns} FROM {{versions}} WHERE position > :after AND "
        with self.dialect.reading() as c:
            while len(found) < limit and after < upto:
                last = min(upto, after + limit - len(found))
                self.dialect.run(
                    c,
                    select + "position <= :last ORDER BY position",
                    {"after": after, "last": last},
                )
                page = c.fetchall()
                if page:
                    found.extend(page)
                    after = last
                    continue
                # Positions may have gaps on PostgreSQL (rolled-back inserts): skip this one.
                self.dialect.run(
                    c,
                    "SELECT MIN(position) AS next FROM {versions} "
                    "WHERE position > :after AND position <= :upto",
                    {"after": after, "upto": upto},
                )
                following = c.fetchone()["next"]
                after = upto if following is None else following - 1
        return found

    def facts_of(self, actor: str, known_at: int | None = None) -> list[FactRow]:
        """The facts of one actor that count (not retracted), as known now or at position N."""
        where = f"actor = :actor AND active = 1 AND {self._visible(known_at)}"
        return self._select(where, {"actor": actor, "n": known_at})

    def versions_of(self, actor: str, known_at: int | None = None) -> list[FactRow]:
        """Every version of every fact of one actor made by position N (default: all)."""
        where = "actor = :actor" if known_at is None else "actor = :actor AND position <= :n"
        return self._select(where, {"actor": actor, "n": known_at}, order="position")

    def fact(self, fact_id: str) -> FactRow | None:
        """The current version of one fact (None when absent)."""
        rows = self._select(f"fact_id = :id AND {CURRENT}", {"id": fact_id})
        return rows[0] if rows else None

    def claims_of(self, event: str) -> list[FactRow]:
        """Every fact that is now a claim of `event`, retracted or not, in recording order."""
        return self._select(f"event = :event AND {CURRENT}", {"event": event})

    def fact_versions(self, fact_id: str) -> list[FactRow]:
        """Every version of one fact, oldest first."""
        return self._select("fact_id = :id", {"id": fact_id}, order="version")

    def all_facts(self, batch: int = 5000) -> Iterator[FactRow]:
        """Every fact that counts now, in recording order, read in batches."""
        after = 0
        where = f"first_position > :after AND active = 1 AND {CURRENT}"
        while rows := self._select(where, {"after": after}, limit=batch):
            yield from rows
            after = rows[-1].first_position

    def changes_between(self, after: int, upto: int, limit: int | None = None) -> list[FactRow]:
        """The versions made by events at positions in (after, upto], the first `limit` of them."""
        if limit is None:
            where = "position > :after AND position <= :upto"
            return self._select(where, {"after": after, "upto": upto}, order="position")
        return [to_row(record) for record in self._by_position(COLUMNS, after, upto, limit)]

    def actors(self, known_at: int | None = None) -> list[str]:
        """Every actor with a fact that counts, sorted by code."""
        with self.dialect.reading_one() as c:
            self.dialect.run(
                c,
                "SELECT DISTINCT actor FROM {versions} "
                f"WHERE active = 1 AND {self._visible(known_at)} ORDER BY actor",
                {"n": known_at},
            )
            return [record["actor"] for record in c.fetchall()]

    def overview(self) -> tuple[int, int, str | None]:
        """Facts that count now, actors with one, and the first day any of them may have happened.

        A range open at the start (`../D`, earliest 0001-01-01) counts from its last day.
        """
        with self.dialect.reading_one() as c:
            self.dialect.run(
                c,
                "SELECT COUNT(*) AS facts, COUNT(DISTINCT actor) AS actors, "
                "MIN(CASE WHEN earliest = :open THEN latest ELSE earliest END) AS first_day "
                f"FROM {{versions}} WHERE active = 1 AND {CURRENT}",
                {"open": OPEN_START},
            )
            found = c.fetchone()
        return int(found["facts"]), int(found["actors"]), found["first_day"]

    def hashes(self, fact_ids: Sequence[str]) -> dict[str, set[str]]:
        """Content hashes, as first recorded and as now, of those of `fact_ids` that are present."""
        found: dict[str, set[str]] = {}
        with self.dialect.reading() as c:
            for start in range(0, len(fact_ids), 500):
                chunk = {
                    f"id{i}": fact_id for i, fact_id in enumerate(fact_ids[start : start + 500])
                }
                self.dialect.run(
                    c,
                    "SELECT fact_id, content_hash FROM {versions} "
                    f"WHERE (version = 1 OR {CURRENT}) "
                    f"AND fact_id IN ({', '.join(':' + name for name in chunk)})",
                    chunk,
                )
                for record in c.fetchall():
                    found.setdefault(record["fact_id"], set()).add(record["content_hash"])
        return found

    def position_at(self, moment: datetime) -> int:
        """The longest prefix of the log whose events were all recorded at or before `moment`."""
        with self.dialect.reading_one() as c:
            self.dialect.run(
                c,
                "SELECT MIN(position) AS first_later FROM {versions} WHERE recorded_at > :moment",
                {"moment": format_time(moment)},
            )
            first_later = c.fetchone()["first_later"]
        return self.position() if first_later is None else first_later - 1
