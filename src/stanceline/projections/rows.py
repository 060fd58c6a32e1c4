"""A fact's version row: the one declaration of the read model's version columns.

`FactRow`'s fields are the columns of `stance_versions`, in order. The table's
SQL, the column list of every statement, an insert's parameters and the
decoding of a stored record all come from those fields and their types (one
storage form per type, `_FORMS`): a new column is a new field here, and the
function that fills it (`first_version` for what a fact's content says).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple, Union, get_args, get_origin, get_type_hints

import orjson

from stanceline.domain.changes import FactChanged, FactCorrected, FactRanked
from stanceline.domain.claims import Claimed
from stanceline.domain.events import RECORDED, FactRecorded
from stanceline.domain.facts import Component, FactContent, FactKind, Rank, effect_of
from stanceline.domain.history import Step
from stanceline.domain.intake import ValidFact, valid_fact
from stanceline.domain.lifecycle import corrected, ranked
from stanceline.domain.recording import NewFact, recorded_fact
from stanceline.domain.stance import Occurrence

UPSTREAM = "stanceline"
CURRENT = "superseded_at IS NULL"
KNOWN_AT = "position <= :n AND (superseded_at IS NULL OR superseded_at > :n)"


@lru_cache(maxsize=256)  # a load's events share one recorded time
def format_time(moment: datetime) -> str:
    """A UTC timestamp in one fixed form (four-digit year, microseconds, Z), sorting as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class FactRow(NamedTuple):
    """One version of a fact as the read model keeps it: a column a field, in table order."""

    fact_id: str
    version: int
    position: int  # the log position of the event that made this version
    superseded_at: int | None  # the position of the event that made the next one
    first_position: int  # the position of the fact's first event: its recording order
    active: bool  # whether it counts (a retracted version does not)
    change: str  # "recorded", or the change that made it (FactChanged.CHANGE)
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
    payload: dict[str, Any]  # the fact as the import format writes it, with its id
    # Added since the first release (ADDED_COLUMNS): the happening the fact is a claim of,
    # and its rank when not normal (DESIGN §7).
    event: str | None = None
    rank: str | None = None

    @property
    def sources(self) -> list[dict[str, Any]]:
        """Every source the fact cites, as its payload writes them."""
        payload = self.payload
        return list(payload["sources"]) if "sources" in payload else [payload["source"]]

    @property
    def claimed(self) -> Claimed:
        """What the fact tells of, as a claim: its actor and the part it moves."""
        part = None if self.component is None else (self.component.value, self.measure)
        return self.actor, part

    @property
    def claim_rank(self) -> Rank:
        """The fact's rank as a claim (normal when none is given)."""
        return Rank(self.rank) if self.rank else Rank.NORMAL

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
            event=self.event,
        )


def _json_text(value: dict[str, Any]) -> str:
    return orjson.dumps(value).decode()


class _Form(NamedTuple):
    """How a value of one type is stored: its SQL type, and the codec (None: as it is)."""

    sql: str
    encode: Callable[[Any], Any] | None = None
    decode: Callable[[Any], Any] | None = None


# Text and integers on both stores, so one decoding serves both; dates and times sort as text.
_FORMS: dict[type, _Form] = {
    str: _Form("TEXT"),
    int: _Form("BIGINT"),
    bool: _Form("INTEGER", int, bool),
    date: _Form("TEXT", date.isoformat, date.fromisoformat),
    datetime: _Form("TEXT", format_time, datetime.fromisoformat),
    FactKind: _Form("TEXT", attrgetter("value"), FactKind),
    Component: _Form("TEXT", attrgetter("value"), Component),
    dict: _Form("TEXT", _json_text, orjson.loads),
}


def _columns() -> list[tuple[str, _Form, bool]]:
    """(name, storage form, nullable) of every column, in FactRow's order."""
    found = []
    for name, hint in get_type_hints(FactRow).items():
        nullable = get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)
        if nullable:
            (hint,) = (arg for arg in get_args(hint) if arg is not type(None))
        found.append((name, _FORMS[get_origin(hint) or hint], nullable))
    return found


_COLUMNS = _columns()
NAMES = tuple(name for name, _, _ in _COLUMNS)
COLUMNS = ", ".join(NAMES)
# Columns an earlier release's table lacks, added where missing when a store is opened
# (table key, name, SQL type): each nullable, None in every row made before it.
ADDED_COLUMNS = (("versions", "event", "TEXT"), ("versions", "rank", "TEXT"))
VERSIONS_TABLE = ", ".join(
    [f"{name} {form.sql}{'' if nullable else ' NOT NULL'}" for name, form, nullable in _COLUMNS]
    + ["PRIMARY KEY (fact_id, version)", "UNIQUE (position)"]
)
# What a version shows on the wire (stream/cloudevents.py), read as stored.
WIRE_FIELDS = frozenset(
    {"position", "fact_id", "version", "change", "reason", "active", "actor", "kind", "edtf"}
    | {"earliest", "latest", "recorded_at", "recorded_by", "payload"}
)
WIRE_COLUMNS = ", ".join(name for name in NAMES if name in WIRE_FIELDS)
_DECODE = [(i, form.decode) for i, (_, form, _) in enumerate(_COLUMNS) if form.decode]


def _encoder() -> Callable[[FactRow], tuple[Any, ...]]:
    """`to_params`, written out from the declaration as one tuple expression.

    A load calls it once a fact: a loop over the columns took 2 µs, this takes
    under one (as dataclasses and namedtuple write their own methods out).
    """
    codecs: dict[str, Any] = {}
    values = []
    for i, (_, form, nullable) in enumerate(_COLUMNS):
        if form.encode is None:
            values.append(f"row[{i}]")
            continue
        codecs[f"encode{i}"] = form.encode
        value = f"encode{i}(row[{i}])"
        values.append(f"(None if row[{i}] is None else {value})" if nullable else value)
    exec(f"def to_params(row):\n    return ({', '.join(values)},)\n", codecs)
    encode: Callable[[FactRow], tuple[Any, ...]] = codecs["to_params"]
    encode.__doc__ = "A row as the values of an insert, in COLUMNS order, each in its stored form."
    return encode


to_params = _encoder()


def to_row(record: Any) -> FactRow:
    """A stored record (by column name) back into a row."""
    values = [record[name] for name in NAMES]
    for i, decode in _DECODE:
        if values[i] is not None:
            values[i] = decode(values[i])
    return FactRow._make(values)


def first_version(
    position: int, fact: ValidFact, recorded_at: datetime, recorded_by: str
) -> FactRow:
    """A fact's first version, made by the event at `position` that recorded it.

    Every column a fact's content gives is filled here alone: a corrected version is
    a first version of the corrected content, made the next version (changed_row).
    """
    dumped = fact.dumped
    effect = effect_of(fact.kind, fact.details)
    effective = fact.date
    return FactRow(
        fact_id=fact.fact_id,
        version=1,
        position=position,
        superseded_at=None,
        first_position=position,
        active=True,
        change=RECORDED,
        reason=None,
        change_id=None,
        actor=dumped["actor"],
        kind=fact.kind,
        component=effect.component if effect else None,
        value=effect.value if effect else None,
        measure=effect.measure if effect else None,
        edtf=dumped["date"],
        earliest=effective.earliest,
        latest=effective.latest,
        doubtful=effective.doubtful,
        content_hash=fact.content_hash,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        payload=_payload(fact.fact_id, dumped),
        event=dumped.get("event"),
        rank=dumped.get("rank"),
    )


def _payload(fact_id: str, dumped: dict[str, Any]) -> dict[str, Any]:
    """The fact as the import format writes it: the id first, no empty source fields."""
    payload = {"id": fact_id, **dumped}
    if "source" in dumped:
        payload["source"] = _given(dumped["source"])
    else:
        payload["sources"] = [_given(source) for source in dumped["sources"]]
    return payload


def _given(source: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in source.items() if value is not None}


def new_fact_row(position: int, new: NewFact) -> FactRow:
    """The first version of a fact a load records, from what its validation computed."""
    return first_version(position, new.fact, new.recorded_at, new.recorded_by)


def recorded_row(position: int, event: FactRecorded) -> FactRow:
    """The first version of a fact, from the stored event that recorded it."""
    return first_version(position, recorded_fact(event), event.timestamp, event.recorded_by)


def changed_row(before: FactRow, position: int, event: FactChanged) -> FactRow:
    """The next version of a fact, after a correction, retraction or reinstatement."""
    row = before
    if isinstance(event, FactCorrected | FactRanked):
        content = before.content()
        if isinstance(event, FactCorrected):
            content = corrected(content, event)
        else:
            content = ranked(content, event)
        # The changed content's columns, as its first version would have them.
        row = first_version(position, valid_fact(before.fact_id, content), event.timestamp, "")
    return row._replace(
        version=event.originator_version,
        position=position,
        superseded_at=None,
        first_position=before.first_position,
        active=before.active if event.COUNTS_AFTER is None else event.COUNTS_AFTER,
        change=event.CHANGE,
        reason=event.reason,
        change_id=event.change_id,
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
    )
