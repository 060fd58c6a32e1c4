"""The persistent read model: one row per fact, in the store, with a tracking position.

Rows and the tracking position are written in one transaction, so the model
is always exactly the log up to its position. Queries read rows by actor and
never replay the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from stanceline.domain.dates import parse_effective_date
from stanceline.domain.events import FactRecorded
from stanceline.domain.facts import Component, FactKind
from stanceline.domain.intake import content_hash
from stanceline.domain.stance import Occurrence

UPSTREAM = "stanceline"

_COLUMNS = (
    "fact_id, position, actor, kind, component, value, measure, edtf, earliest, latest, "
    "doubtful, content_hash, recorded_at, recorded_by, payload"
)


@dataclass(frozen=True, slots=True)
class FactRow:
    """A fact as the read model keeps it."""

    fact_id: str
    position: int
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
            position=self.position,
            edtf=self.edtf,
            measure=self.measure,
        )


def row_for(position: int, event: FactRecorded) -> FactRow:
    """The read-model row of a fact event stored at `position`."""
    content = event.content()
    effect = content.effect()
    effective = parse_effective_date(event.date)
    payload = {"id": event.fact_id, **content.model_dump(mode="json", exclude_none=True)}
    return FactRow(
        fact_id=event.fact_id,
        position=position,
        actor=event.actor,
        kind=event.KIND,
        component=effect.component if effect else None,
        value=effect.value if effect else None,
        measure=effect.measure if effect else None,
        edtf=event.date,
        earliest=effective.earliest,
        latest=effective.latest,
        doubtful=effective.doubtful,
        content_hash=content_hash(content),
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
        payload=payload,
    )


class StanceView(SQLiteTrackingRecorder):
    """The read model's tables in the SQLite store, beside the event log."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS stance_facts ("
            "fact_id TEXT PRIMARY KEY, position INTEGER NOT NULL UNIQUE, "
            "actor TEXT NOT NULL, kind TEXT NOT NULL, component TEXT, value TEXT, "
            "measure TEXT, edtf TEXT NOT NULL, earliest TEXT NOT NULL, latest TEXT NOT NULL, "
            "doubtful INTEGER NOT NULL, content_hash TEXT NOT NULL, recorded_at TEXT NOT NULL, "
            "recorded_by TEXT NOT NULL, payload TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS stance_facts_actor ON stance_facts (actor, component)",
        ]

    def position(self) -> int:
        """The last log position the model includes (0 when empty)."""
        return self.max_tracking_id(UPSTREAM) or 0

    def apply(self, rows: Sequence[FactRow], position: int) -> None:
        """Add rows and move the tracking position, in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            self._insert(c, rows)
            self._insert_tracking(c, Tracking(UPSTREAM, position))

    def reset(self) -> None:
        """Forget every row and the tracking position (before a rebuild)."""
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM stance_facts")
            c.execute("DELETE FROM tracking WHERE application_name = ?", (UPSTREAM,))

    @staticmethod
    def _insert(c: SQLiteCursor, rows: Iterable[FactRow]) -> None:
        c.executemany(
            f"INSERT INTO stance_facts ({_COLUMNS}) VALUES ({', '.join('?' * 15)})",
            [
                (
                    r.fact_id,
                    r.position,
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
                    r.recorded_at.isoformat(),
                    r.recorded_by,
                    orjson.dumps(r.payload).decode(),
                )
                for r in rows
            ],
        )

    def _select(
        self, where: str = "", params: Sequence[Any] = (), limit: int | None = None
    ) -> list[FactRow]:
        statement = f"SELECT {_COLUMNS} FROM stance_facts {where} ORDER BY position"
        if limit is not None:
            statement += f" LIMIT {int(limit)}"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [_to_row(record) for record in c.fetchall()]

    def facts_of(self, actor: str) -> list[FactRow]:
        """Every fact of one actor, in recording order."""
        return self._select("WHERE actor = ?", (actor,))

    def fact(self, fact_id: str) -> FactRow | None:
        """One fact by id."""
        rows = self._select("WHERE fact_id = ?", (fact_id,))
        return rows[0] if rows else None

    def all_facts(self, batch: int = 5000) -> Iterator[FactRow]:
        """Every fact in recording order, read in batches."""
        after = 0
        while rows := self._select("WHERE position > ?", (after,), limit=batch):
            yield from rows
            after = rows[-1].position

    def actors(self) -> list[str]:
        """Every actor with at least one fact, sorted by code."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT DISTINCT actor FROM stance_facts ORDER BY actor")
            return [record[0] for record in c.fetchall()]

    def hashes(self, fact_ids: Sequence[str]) -> dict[str, str]:
        """Stored content hashes of those of `fact_ids` that are present."""
        found: dict[str, str] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(fact_ids), 500):
                chunk = fact_ids[start : start + 500]
                c.execute(
                    "SELECT fact_id, content_hash FROM stance_facts "
                    f"WHERE fact_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
                found.update((record[0], record[1]) for record in c.fetchall())
        return found


def _to_row(record: Any) -> FactRow:
    return FactRow(
        fact_id=record["fact_id"],
        position=record["position"],
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
