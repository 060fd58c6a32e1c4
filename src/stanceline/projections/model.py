"""The read model's logic, shared by both stores: apply events, answer queries.

Each stored event makes one version row of its fact: the first event the
recorded fact, each later one a correction, retraction or reinstatement. A
version knows the log position that made it and the position that superseded
it, so the facts as known at any position N are the versions made at or
before N and not superseded by then (bitemporal: effective dates inside the
rows, knowledge time across them). Rows and the tracking position are written
in one transaction, so the model is always exactly the log up to its position.
Queries read rows by actor and never replay the log.

The SQL here (and in index.py, the temporal index) is written once, with
`:name` parameters and `{versions}`, `{segments}`, `{indexed}`, `{store}` and
`{tracking}` for the tables; each store's view says how to run
it (`_sql`) and how to take its write lock (`_writing`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, Tracking

from stanceline.domain.dates import MIN_DAY
from stanceline.domain.events import DomainEvent, FactChanged, FactRecorded
from stanceline.domain.intake import NewFact
from stanceline.projections.index import SegmentIndex
from stanceline.projections.rows import (
    COLUMNS,
    CURRENT,
    KNOWN_AT,
    UPSTREAM,
    WIRE_COLUMNS,
    FactRow,
    changed_row,
    format_time,
    new_fact_params,
    new_fact_row,
    recorded_row,
    to_params,
    to_row,
)

# Positions and times are TEXT/INTEGER on both stores, so one decoding serves both.
VERSIONS_COLUMNS = (
    "fact_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL UNIQUE, "
    "superseded_at BIGINT, first_position BIGINT NOT NULL, active INTEGER NOT NULL, "
    "change TEXT NOT NULL, reason TEXT, change_id TEXT, "
    "actor TEXT NOT NULL, kind TEXT NOT NULL, component TEXT, value TEXT, "
    "measure TEXT, edtf TEXT NOT NULL, earliest TEXT NOT NULL, latest TEXT NOT NULL, "
    "doubtful INTEGER NOT NULL, content_hash TEXT NOT NULL, recorded_at TEXT NOT NULL, "
    "recorded_by TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (fact_id, version)"
)
OPEN_START = MIN_DAY.isoformat()
_COLUMN_COUNT = len(COLUMNS.split(","))
_INSERT_BATCH = 5000  # rows held before they are inserted


def _as_row(made: FactRow | tuple[int, NewFact]) -> FactRow:
    return new_fact_row(*made) if isinstance(made, tuple) else made


class StanceModel(SegmentIndex):
    """Mixed into a tracking recorder of either store: the read model's writes and queries."""

    if TYPE_CHECKING:
        datastore: Any

        def max_tracking_id(self, application_name: str) -> int | None: ...
        def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...

    def _writing(self, table: str = "versions", wait: bool = True) -> AbstractContextManager[Any]:
        """A write transaction holding the write lock of `table` (one projector at a time).

        With `wait` False, LockBusyError at once when another transaction holds it.
        """
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        """The statement with this store's table names and parameter style."""
        raise NotImplementedError

    # This store's positional parameter ("?" or "%s"): rows are inserted by position,
    # which binds about 2 µs a row faster than by name.
    POSITIONAL = "?"

    @cached_property
    def _insert_statement(self) -> str:
        values = ", ".join([self.POSITIONAL] * _COLUMN_COUNT)
        return self._sql(f"INSERT INTO {{versions}} ({COLUMNS}) VALUES ({values})")

    def _run(self, c: Any, statement: str, params: Any = None) -> None:
        if params is None:
            c.execute(self._sql(statement))
        else:
            c.execute(self._sql(statement), params)

    def store_id(self) -> str:
        """This store's id, made on first use and kept."""
        # Its own lock: making the id never waits for a projector, nor a projector for it.
        with self._writing("store") as c:
            self._run(c, "SELECT id FROM {store}")
            found = c.fetchone()
            if found is not None:
                return str(found["id"])
            made = str(uuid.uuid4())
            self._run(c, "INSERT INTO {store} (id) VALUES (:id)", {"id": made})
            return made

    def stored_id(self) -> str | None:
        """This store's id if it has one yet (None), without making one."""
        with self.datastore.transaction(commit=False) as c:
            self._run(c, "SELECT id FROM {store}")
            found = c.fetchone()
        return None if found is None else str(found["id"])

    def adopt_store_id(self, c: Any, store_id: str) -> None:
        """In the caller's write transaction: make `store_id` this store's id (a migration's)."""
        self._run(c, "DELETE FROM {store}")
        self._run(c, "INSERT INTO {store} (id) VALUES (:id)", {"id": store_id})

    def position(self) -> int:
        """The last log position the model includes (0 when empty)."""
        return self.max_tracking_id(UPSTREAM) or 0

    def behind(self) -> tuple[int, int]:
        """The log's last position and the model's, read in one statement (0 when empty).

        Asked before every query: one round trip tells that nothing is new.
        """
        with self.datastore.transaction(commit=False) as c:
            self._run(
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
        with self._writing() as c:
            self._check_behind(c, events[0][0] if events else position)
            # Inserted together at the end: a load's new facts as (position, NewFact), made
            # into a row only when a later event here changes them.
            rows: list[FactRow | tuple[int, NewFact]] = []
            made: dict[str, int] = {}  # fact id -> index in rows of its latest version made here
            touched: dict[str, int] = {}  # actor -> the last position that changed its facts
            for at, event in events:
                if isinstance(event, NewFact):
                    made[event.fact_id] = len(rows)
                    rows.append((at, event))
                    touched[event.actor] = at
                elif isinstance(event, FactRecorded):
                    row = recorded_row(at, event)
                    made[row.fact_id] = len(rows)
                    rows.append(row)
                    touched[row.actor] = at
                elif isinstance(event, FactChanged):
                    fact_id = event.originator_id
                    if fact_id in made:  # superseded before it is even inserted
                        before = _as_row(rows[made[fact_id]])
                        rows[made[fact_id]] = replace(before, superseded_at=at)
                    else:
                        before = self._current(c, fact_id)
                        self._run(
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
            self._mark(c, touched)
            self._insert_tracking(c, Tracking(UPSTREAM, position))

    def _check_behind(self, c: Any, first: int) -> None:
        """Under the write lock: the model must not already hold position `first`."""
        self._run(
            c,
            "SELECT notification_id FROM {tracking} WHERE application_name = :app",
            {"app": UPSTREAM},
        )
        found = c.fetchone()
        if found is not None and found["notification_id"] >= first:
            raise IntegrityError(f"the read model already holds position {first}")

    def reset(self) -> None:
        """Forget every row, the temporal index and the tracking position (before a rebuild)."""
        with self._writing() as c:
            self._run(c, "DELETE FROM {versions}")
            self._reset_index(c)
            self._run(c, "DELETE FROM {tracking} WHERE application_name = :app", {"app": UPSTREAM})

    def _current(self, c: Any, fact_id: str) -> FactRow:
        self._run(
            c,
            f"SELECT {COLUMNS} FROM {{versions}} WHERE fact_id = :id AND {CURRENT}",
            {"id": fact_id},
        )
        return to_row(c.fetchone())

    def _insert(self, c: Any, rows: Iterable[FactRow | tuple[int, NewFact]]) -> None:
        params = [new_fact_params(*r) if isinstance(r, tuple) else to_params(r) for r in rows]
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
        with self.datastore.transaction(commit=False) as c:
            self._run(c, statement, params)
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
        with self.datastore.transaction(commit=False) as c:
            while len(found) < limit and after < upto:
                last = min(upto, after + limit - len(found))
                self._run(
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
                self._run(
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
        with self.datastore.transaction(commit=False) as c:
            self._run(
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
        with self.datastore.transaction(commit=False) as c:
            self._run(
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
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(fact_ids), 500):
                chunk = {
                    f"id{i}": fact_id for i, fact_id in enumerate(fact_ids[start : start + 500])
                }
                self._run(
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
        with self.datastore.transaction(commit=False) as c:
            self._run(
                c,
                "SELECT MIN(position) AS first_later FROM {versions} WHERE recorded_at > :moment",
                {"moment": format_time(moment)},
            )
            first_later = c.fetchone()["first_later"]
        return self.position() if first_later is None else first_later - 1
