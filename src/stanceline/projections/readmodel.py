"""The persistent read model: every version of every fact, in the store, with a tracking position.

Each stored event makes one version row of its fact: the first event the
recorded fact, each later one a correction, retraction or reinstatement. A
version knows the log position that made it and the position that superseded
it, so the facts as known at any position N are the versions made at or
before N and not superseded by then (bitemporal: effective dates inside the
rows, knowledge time across them). Rows and the tracking position are written
in one transaction, so the model is always exactly the log up to its position.
Queries read rows by actor and never replay the log.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import orjson
from eventsourcing.persistence import IntegrityError, OperationalError, Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from stanceline.domain.dates import parse_effective_date
from stanceline.domain.events import (
    DomainEvent,
    FactChanged,
    FactCorrected,
    FactRecorded,
    FactReinstated,
    FactRetracted,
)
from stanceline.domain.facts import Component, FactContent, FactKind
from stanceline.domain.intake import content_hash
from stanceline.domain.lifecycle import corrected
from stanceline.domain.stance import Occurrence

UPSTREAM = "stanceline"

CHANGES: dict[type[DomainEvent], str] = {
    FactCorrected: "corrected",
    FactRetracted: "retracted",
    FactReinstated: "reinstated",
}

_COLUMNS = (
    "fact_id, version, position, superseded_at, first_position, active, change, reason, "
    "change_id, actor, kind, component, value, measure, edtf, earliest, latest, doubtful, "
    "content_hash, recorded_at, recorded_by, payload"
)
_CURRENT = "superseded_at IS NULL"
_KNOWN_AT = "position <= :n AND (superseded_at IS NULL OR superseded_at > :n)"


def format_time(moment: datetime) -> str:
    """A UTC timestamp in one fixed form (four-digit year, microseconds, Z), sorting as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class FactRow:
    """One version of a fact as the read model keeps it."""

    fact_id: str
    version: int
    position: int
    superseded_at: int | None
    first_position: int
    active: bool
    change: str
    reason: str | None
    change_id: str | None
    actor: str
    kind: FactKind
    component: Component | None
    value: str | None
    measure: str | None
    edtf: str
    earliest: date
    latest: date
    doubtful: bool
    content_hash: str
    recorded_at: datetime
    recorded_by: str
    payload: dict[str, Any]

    def content(self) -> FactContent:
        """The fact's content in this version."""
        return FactContent.model_validate({k: v for k, v in self.payload.items() if k != "id"})

    def occurrence(self) -> Occurrence | None:
        """The fact as the stance rules see it (None for a statement)."""
        if self.component is None or self.value is None:
            return None
        return Occurrence(
            fact_id=self.fact_id,
            component=self.component,
            value=self.value,
            earliest=self.earliest,
            latest=self.latest,
            position=self.first_position,
            edtf=self.edtf,
            measure=self.measure,
        )


def _with_content(row: FactRow, fact_id: str, content: FactContent) -> FactRow:
    effect = content.effect()
    effective = parse_effective_date(content.date)
    return replace(
        row,
        actor=content.actor,
        kind=content.kind,
        component=effect.component if effect else None,
        value=effect.value if effect else None,
        measure=effect.measure if effect else None,
        edtf=content.date,
        earliest=effective.earliest,
        latest=effective.latest,
        doubtful=effective.doubtful,
        content_hash=content_hash(content),
        payload={"id": fact_id, **content.model_dump(mode="json", exclude_none=True)},
    )


def recorded_row(position: int, event: FactRecorded) -> FactRow:
    """The first version of a fact, from the event that recorded it."""
    blank = FactRow(
        fact_id=event.fact_id,
        version=event.originator_version,
        position=position,
        superseded_at=None,
        first_position=position,
        active=True,
        change="recorded",
        reason=None,
        change_id=None,
        actor="",
        kind=event.KIND,
        component=None,
        value=None,
        measure=None,
        edtf="",
        earliest=date.min,
        latest=date.min,
        doubtful=False,
        content_hash="",
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
        payload={},
    )
    return _with_content(blank, event.fact_id, event.content())


def changed_row(before: FactRow, position: int, event: FactChanged) -> FactRow:
    """The next version of a fact, after a correction, retraction or reinstatement."""
    row = replace(
        before,
        version=event.originator_version,
        position=position,
        superseded_at=None,
        active=before.active
        if isinstance(event, FactCorrected)
        else not isinstance(event, FactRetracted),
        change=CHANGES[type(event)],
        reason=event.reason,
        change_id=event.change_id,
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
    )
    if isinstance(event, FactCorrected):
        return _with_content(row, before.fact_id, corrected(before.content(), event))
    return row


class StanceView(SQLiteTrackingRecorder):
    """The read model's tables in the SQLite store, beside the event log."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS stance_versions ("
            "fact_id TEXT NOT NULL, version INTEGER NOT NULL, position INTEGER NOT NULL UNIQUE, "
            "superseded_at INTEGER, first_position INTEGER NOT NULL, active INTEGER NOT NULL, "
            "change TEXT NOT NULL, reason TEXT, change_id TEXT, "
            "actor TEXT NOT NULL, kind TEXT NOT NULL, component TEXT, value TEXT, "
            "measure TEXT, edtf TEXT NOT NULL, earliest TEXT NOT NULL, latest TEXT NOT NULL, "
            "doubtful INTEGER NOT NULL, content_hash TEXT NOT NULL, recorded_at TEXT NOT NULL, "
            "recorded_by TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (fact_id, version))",
            "CREATE INDEX IF NOT EXISTS stance_versions_actor "
            "ON stance_versions (actor, superseded_at)",
            "CREATE INDEX IF NOT EXISTS stance_versions_recorded ON stance_versions (recorded_at)",
            # The store's own id, the stable `source` of its CloudEvents (not part of the model:
            # a rebuild keeps it).
            "CREATE TABLE IF NOT EXISTS stanceline_store (id TEXT NOT NULL)",
        ]

    @contextmanager
    def _writing(self) -> Iterator[SQLiteCursor]:
        """A write transaction that takes the write lock first (BEGIN IMMEDIATE).

        A plain BEGIN reads before it writes, and SQLite refuses, without
        waiting, to upgrade a reader whose snapshot another writer has moved
        past ("database is locked"); taking the lock first waits its turn.
        """
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
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

    def store_id(self) -> str:
        """This store's id, made on first use and kept."""
        with self._writing() as c:
            c.execute("SELECT id FROM stanceline_store")
            found = c.fetchone()
            if found is not None:
                return str(found[0])
            made = str(uuid.uuid4())
            c.execute("INSERT INTO stanceline_store (id) VALUES (?)", (made,))
            return made

    def versions_at(self, first: int, last: int) -> dict[int, FactRow]:
        """The versions made by the events at positions first..last, by position."""
        rows = self._select(
            "position >= :first AND position <= :last", {"first": first, "last": last}, "position"
        )
        return {row.position: row for row in rows}

    def position(self) -> int:
        """The last log position the model includes (0 when empty)."""
        return self.max_tracking_id(UPSTREAM) or 0

    def apply(self, events: Sequence[tuple[int, DomainEvent]], position: int) -> None:
        """Add the versions the events make and move the tracking position, in one transaction."""
        with self._writing() as c:
            pending: list[FactRow] = []
            latest: dict[str, FactRow] = {}
            for at, event in events:
                if isinstance(event, FactRecorded):
                    row = recorded_row(at, event)
                    pending.append(row)
                elif isinstance(event, FactChanged):
                    self._insert(c, pending)
                    pending.clear()
                    before = latest.get(event.originator_id) or self._current(
                        c, event.originator_id
                    )
                    row = changed_row(before, at, event)
                    c.execute(
                        "UPDATE stance_versions SET superseded_at = ? "
                        f"WHERE fact_id = ? AND {_CURRENT}",
                        (at, row.fact_id),
                    )
                    self._insert(c, [row])
                else:
                    continue
                latest[row.fact_id] = row
            self._insert(c, pending)
            self._insert_tracking(c, Tracking(UPSTREAM, position))

    def reset(self) -> None:
        """Forget every row and the tracking position (before a rebuild)."""
        with self._writing() as c:
            c.execute("DELETE FROM stance_versions")
            c.execute("DELETE FROM tracking WHERE application_name = ?", (UPSTREAM,))

    def _current(self, c: SQLiteCursor, fact_id: str) -> FactRow:
        c.execute(
            f"SELECT {_COLUMNS} FROM stance_versions WHERE fact_id = ? AND {_CURRENT}", (fact_id,)
        )
        return _to_row(c.fetchone())

    @staticmethod
    def _insert(c: SQLiteCursor, rows: Iterable[FactRow]) -> None:
        c.executemany(
            f"INSERT INTO stance_versions ({_COLUMNS}) VALUES ({', '.join('?' * 22)})",
            [
                (
                    r.fact_id,
                    r.version,
                    r.position,
                    r.superseded_at,
                    r.first_position,
                    int(r.active),
                    r.change,
                    r.reason,
                    r.change_id,
                    r.actor,
                    r.kind.value,
                    r.component.value if r.component else None,
                    r.value,
                    r.measure,
                    r.edtf,
                    r.earliest.isoformat(),
                    r.latest.isoformat(),
                    int(r.doubtful),
                    r.content_hash,
                    format_time(r.recorded_at),
                    r.recorded_by,
                    orjson.dumps(r.payload).decode(),
                )
                for r in rows
            ],
        )

    def _select(
        self,
        where: str,
        params: dict[str, Any],
        order: str = "first_position",
        limit: int | None = None,
    ) -> list[FactRow]:
        statement = f"SELECT {_COLUMNS} FROM stance_versions WHERE {where} ORDER BY {order}"
        if limit is not None:
            statement += f" LIMIT {int(limit)}"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [_to_row(record) for record in c.fetchall()]

    @staticmethod
    def _visible(known_at: int | None) -> str:
        return _CURRENT if known_at is None else _KNOWN_AT

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
        rows = self._select(f"fact_id = :id AND {_CURRENT}", {"id": fact_id})
        return rows[0] if rows else None

    def fact_versions(self, fact_id: str) -> list[FactRow]:
        """Every version of one fact, oldest first."""
        return self._select("fact_id = :id", {"id": fact_id}, order="version")

    def all_facts(self, batch: int = 5000) -> Iterator[FactRow]:
        """Every fact that counts now, in recording order, read in batches."""
        after = 0
        where = f"first_position > :after AND active = 1 AND {_CURRENT}"
        while rows := self._select(where, {"after": after}, limit=batch):
            yield from rows
            after = rows[-1].first_position

    def changes_between(self, after: int, upto: int) -> list[FactRow]:
        """The versions made by events at positions in (after, upto]."""
        where = "position > :after AND position <= :upto"
        return self._select(where, {"after": after, "upto": upto}, order="position")

    def actors(self, known_at: int | None = None) -> list[str]:
        """Every actor with a fact that counts, sorted by code."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT DISTINCT actor FROM stance_versions "
                f"WHERE active = 1 AND {self._visible(known_at)} ORDER BY actor",
                {"n": known_at},
            )
            return [record[0] for record in c.fetchall()]

    def hashes(self, fact_ids: Sequence[str]) -> dict[str, set[str]]:
        """Content hashes, as first recorded and as now, of those of `fact_ids` that are present."""
        found: dict[str, set[str]] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(fact_ids), 500):
                chunk = fact_ids[start : start + 500]
                c.execute(
                    "SELECT fact_id, content_hash FROM stance_versions "
                    f"WHERE (version = 1 OR {_CURRENT}) "
                    f"AND fact_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
                for record in c.fetchall():
                    found.setdefault(record[0], set()).add(record[1])
        return found

    def position_at(self, moment: datetime) -> int:
        """The longest prefix of the log whose events were all recorded at or before `moment`."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT MIN(position) FROM stance_versions WHERE recorded_at > ?",
                (format_time(moment),),
            )
            first_later = c.fetchone()[0]
        return self.position() if first_later is None else first_later - 1


def _to_row(record: Any) -> FactRow:
    return FactRow(
        fact_id=record["fact_id"],
        version=record["version"],
        position=record["position"],
        superseded_at=record["superseded_at"],
        first_position=record["first_position"],
        active=bool(record["active"]),
        change=record["change"],
        reason=record["reason"],
        change_id=record["change_id"],
        actor=record["actor"],
        kind=FactKind(record["kind"]),
        component=Component(record["component"]) if record["component"] else None,
        value=record["value"],
        measure=record["measure"],
        edtf=record["edtf"],
        earliest=date.fromisoformat(record["earliest"]),
        latest=date.fromisoformat(record["latest"]),
        doubtful=bool(record["doubtful"]),
        content_hash=record["content_hash"],
        recorded_at=datetime.fromisoformat(record["recorded_at"]),
        recorded_by=record["recorded_by"],
        payload=orjson.loads(record["payload"]),
    )
