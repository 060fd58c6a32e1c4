"""A version row of a fact: made from events, written to and read from either store."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import orjson

from stanceline.domain.dates import EffectiveDate, parse_effective_date
from stanceline.domain.events import (
    RECORDED,
    FactChanged,
    FactCorrected,
    FactRecorded,
)
from stanceline.domain.facts import Component, Effect, FactContent, FactKind, effect_of
from stanceline.domain.history import Step
from stanceline.domain.intake import NewFact, dumped_content_hash
from stanceline.domain.lifecycle import corrected
from stanceline.domain.stance import Occurrence

UPSTREAM = "stanceline"

COLUMNS = (
    "fact_id, version, position, superseded_at, first_position, active, change, reason, "
    "change_id, actor, kind, component, value, measure, edtf, earliest, latest, doubtful, "
    "content_hash, recorded_at, recorded_by, payload"
)
# What a version shows on the wire (stream/cloudevents.py), read as stored.
WIRE_COLUMNS = (
    "position, fact_id, version, change, reason, active, actor, kind, edtf, earliest, latest, "
    "recorded_at, recorded_by, payload"
)
CURRENT = "superseded_at IS NULL"
KNOWN_AT = "position <= :n AND (superseded_at IS NULL OR superseded_at > :n)"


@lru_cache(maxsize=256)  # a load's events share one recorded time
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

    def step(self) -> Step:
        """The fact as an actor's history places it (statements included)."""
        return Step(
            fact_id=self.fact_id,
            edtf=self.edtf,
            earliest=self.earliest,
            latest=self.latest,
            position=self.first_position,
            component=self.component,
            value=self.value,
            measure=self.measure,
        )

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


def _content_columns(
    fact_id: str,
    dumped: dict[str, Any],
    effect: Effect | None,
    content_hash: str | None = None,
    effective: EffectiveDate | None = None,
) -> dict[str, Any]:
    """The columns a version takes from its content, given as `model_dump(mode="json")`.

    `content_hash` and `effective`, when given, are that content's hash and its date
    read, already computed.
    """
    effective = effective or parse_effective_date(dumped["date"])
    source = {key: value for key, value in dumped["source"].items() if value is not None}
    return {
        "actor": dumped["actor"],
        "kind": FactKind(dumped["kind"]),
        "component": effect.component if effect else None,
        "value": effect.value if effect else None,
        "measure": effect.measure if effect else None,
        "edtf": dumped["date"],
        "earliest": effective.earliest,
        "latest": effective.latest,
        "doubtful": effective.doubtful,
        "content_hash": content_hash or dumped_content_hash(dumped),
        # As the import format writes it: the id first, no empty source fields.
        "payload": {"id": fact_id, **dumped, "source": source},
    }


def recorded_row(position: int, event: FactRecorded) -> FactRow:
    """The first version of a fact, from the event that recorded it."""
    # The event's fields were validated when it was made or read: no FactContent needed.
    content = event.content_json()
    effect = effect_of(event.KIND, event.details)
    columns = _content_columns(event.fact_id, content, effect)
    return _first_version(position, event.timestamp, event.recorded_by, columns)


def new_fact_row(position: int, new: NewFact) -> FactRow:
    """`recorded_row` of a fact a load records, made from what validation computed."""
    fact = new.fact
    effect = effect_of(fact.kind, fact.details)
    columns = _content_columns(fact.fact_id, fact.dumped, effect, fact.content_hash, fact.date)
    return _first_version(position, new.recorded_at, new.recorded_by, columns)


def _first_version(
    position: int, recorded_at: datetime, recorded_by: str, columns: dict[str, Any]
) -> FactRow:
    """A fact's first version: made at `position`, from its content's columns."""
    return FactRow(
        fact_id=columns["payload"]["id"],
        version=1,
        position=position,
        superseded_at=None,
        first_position=position,
        active=True,
        change=RECORDED,
        reason=None,
        change_id=None,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        **columns,
    )


def new_fact_params(position: int, new: NewFact) -> tuple[Any, ...]:
    """`to_params(new_fact_row(position, new))`, without making the row: a load's hot path."""
    fact = new.fact
    dumped = fact.dumped
    effect = effect_of(fact.kind, fact.details)
    effective = fact.date
    source = {key: value for key, value in dumped["source"].items() if value is not None}
    return (
        fact.fact_id,
        1,
        position,
        None,
        position,
        1,
        RECORDED,
        None,
        None,
        dumped["actor"],
        dumped["kind"],
        effect.component.value if effect else None,
        effect.value if effect else None,
        effect.measure if effect else None,
        dumped["date"],
        effective.earliest.isoformat(),
        effective.latest.isoformat(),
        int(effective.doubtful),
        fact.content_hash,
        format_time(new.recorded_at),
        new.recorded_by,
        orjson.dumps({"id": fact.fact_id, **dumped, "source": source}).decode(),
    )


def changed_row(before: FactRow, position: int, event: FactChanged) -> FactRow:
    """The next version of a fact, after a correction, retraction or reinstatement."""
    row = replace(
        before,
        version=event.originator_version,
        position=position,
        superseded_at=None,
        active=before.active if event.COUNTS_AFTER is None else event.COUNTS_AFTER,
        change=event.CHANGE,
        reason=event.reason,
        change_id=event.change_id,
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
    )
    if isinstance(event, FactCorrected):
        content = corrected(before.content(), event)
        dumped = content.model_dump(mode="json")
        return replace(row, **_content_columns(before.fact_id, dumped, content.effect()))
    return row


def to_params(r: FactRow) -> tuple[Any, ...]:
    """A row as the values of an insert, in COLUMNS order: dates and times as sortable text."""
    return (
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


def to_row(record: Any) -> FactRow:
    """A stored record (by column name) back into a row."""
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
