"""A fact being recorded: its first event in its stored form, made from validation's parts.

A load stores and projects each new fact without building, dumping and mapping an
event model: `fact_event_state` writes the state the event's
`model_dump(mode="json")` would, chain included, from the event's declared fields
(events.RECORDED_FIELDS); laws in tests/unit/test_events_mapper.py hold it, its
bytes and its row equal to the event model's. A stored event read back is a
ValidFact again (`recorded_fact`), so both paths make a fact's first version alike.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, NamedTuple

from stanceline.domain.canonical import plain_canonical_json
from stanceline.domain.dates import parse_effective_date
from stanceline.domain.events import FACT_EVENTS, FactRecorded, json_time
from stanceline.domain.intake import ValidFact, dumped_content_hash
from stanceline.domain.lifecycle import FactState

_BY_KIND = {kind.value: cls for kind, cls in FACT_EVENTS.items()}


class NewFact(NamedTuple):
    """A fact being recorded: validated, with its first event as stored (topic and state).

    `state` is the event's `model_dump(mode="json")`, chain included (see
    `fact_event_state`): a load stores and projects it without an event model.
    """

    fact: ValidFact
    topic: str
    state: dict[str, Any]
    recorded_at: datetime

    @property
    def fact_id(self) -> str:
        return self.fact.fact_id

    @property
    def chain(self) -> str:
        return str(self.state["chain"])

    @property
    def recorded_by(self) -> str:
        return str(self.state["recorded_by"])

    def fact_state(self) -> FactState:
        """The fact as its stream will say once this is stored (as `evolve(None, event)`)."""
        return FactState(self.fact_id, self.fact.content, 1, self.chain, retracted=False)


def new_fact(fact: ValidFact, *, recorded_at: datetime, recorded_by: str) -> NewFact:
    """The fact's first event, made straight from its validated parts."""
    topic, state = fact_event_state(
        fact.fact_id, fact.dumped, recorded_at=recorded_at, recorded_by=recorded_by
    )
    return NewFact(fact, topic, state, recorded_at)


def recorded_fact(event: FactRecorded) -> ValidFact:
    """The validated fact that a stored event records (its fields were checked when stored)."""
    dumped = event.content_json()
    return ValidFact(
        event.fact_id,
        event.KIND,
        event.sources or ((event.source,) if event.source else ()),
        event.details,
        dumped,
        dumped_content_hash(dumped),
        parse_effective_date(event.date),
    )


def fact_event_state(
    fact_id: str, content: dict[str, Any], *, recorded_at: datetime, recorded_by: str
) -> tuple[str, dict[str, Any]]:
    """The topic and state of `fact_event(...)` for content dumped as JSON, made without it.

    The state is what the event's `model_dump(mode="json")` writes, chain included, field
    for field in the same order, for content that validation has already checked: a load
    stores and projects it without building and dumping an event model per fact. A law in
    tests/unit/test_events_mapper.py holds it equal to the model's own.
    """
    cls = _BY_KIND[content["kind"]]
    # DomainEvent's fields before `chain`, then the content's (RECORDED_FIELDS).
    head = {
        "originator_id": fact_id,
        "originator_version": 1,
        "timestamp": json_time(recorded_at),
        "recorded_by": recorded_by,
    }
    body = dict(content)  # RECORDED_FIELDS, in order: the content less its kind (a law)
    del body["kind"]
    # Text and the version only (content from validation's JSON dumps): no check needed.
    canonical = plain_canonical_json({"topic": cls.TOPIC, **head, **body}, ensure_ascii=False)
    # The chain follows "": a fact's first event is the first of its stream.
    return cls.TOPIC, {**head, "chain": hashlib.sha256(canonical).hexdigest(), **body}
