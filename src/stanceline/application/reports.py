"""Answers as the outside world sees them: the stance JSON of DESIGN §5 and friends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from stanceline.domain.actors import Actor
from stanceline.domain.history import Change
from stanceline.domain.stance import Answer, Certainty, Stance

DISPUTED = (
    "Sources disagree on a happening in a way that changes this part's possible values on "
    "the day (then always uncertain)."
)
DEFAULT = (
    "No fact of this part (for the summary: of any part) can have happened by the day: the "
    'value rests on no fact ("no fact recorded").'
)


class SummaryReport(BaseModel):
    """The one-word summary and how sure it is."""

    value: str
    certainty: Certainty
    alternatives: list[str]
    # DESIGN §7; last, as the stance JSON adds them.
    disputed: bool = Field(default=False, description=DISPUTED)
    default: bool = Field(default=False, description=DEFAULT)

    @classmethod
    def of(cls, answer: Answer) -> SummaryReport:
        """A part's answer as the stance JSON's summary shows it."""
        return cls.model_validate(_summary(answer))


class ComponentReport(BaseModel):
    """One component: value, certainty, the other possible values, and the facts behind it."""

    value: str
    certainty: Certainty
    alternatives: list[str]
    since: str | None
    facts: list[str]
    disputed: bool = Field(default=False, description=DISPUTED)
    default: bool = Field(default=False, description=DEFAULT)


class StanceReport(BaseModel):
    """An actor's stance on one day (the stance JSON)."""

    actor: str
    actor_name: str
    on: str
    known_at: str | None = None
    summary: SummaryReport
    components: dict[str, ComponentReport]
    according_to: str | None = Field(
        default=None,
        description="The source the answer is according to (its publisher or url, as "
        "asked); null for the record's own view.",
    )

    @classmethod
    def of(cls, actor: Actor, stance: Stance) -> StanceReport:
        """Report a computed stance."""
        # One validation of plain data: a world of many actors builds hundreds of these.
        return cls.model_validate(
            {
                "actor": actor.code,
                "actor_name": actor.name,
                "on": stance.on.isoformat(),
                "summary": _summary(stance.summary),
                "components": {
                    component.value: _component(answer)
                    for component, answer in stance.components.items()
                },
            }
        )

    @classmethod
    def from_parts(cls, actor: Actor, on: date, parts: Mapping[str, str]) -> StanceReport:
        """Report a stance whose parts are stored as JSON already (summary, then components).

        Each part is the object the stance JSON shows; they are joined, not decoded,
        and validated once.
        """
        summary, *components = parts.items()
        text = (
            f'{{"actor":{_text(actor.code)},"actor_name":{_text(actor.name)},'
            f'"on":"{on.isoformat()}","summary":{summary[1]},"components":{{'
            + ",".join(f'"{name}":{part}' for name, part in components)
            + "}}"
        )
        return cls.model_validate_json(text)


def _text(value: str) -> str:
    return orjson.dumps(value).decode()


def _summary(answer: Answer) -> dict[str, Any]:
    return {
        "value": answer.value,
        "certainty": answer.certainty,
        "alternatives": answer.alternatives,
        "disputed": answer.disputed,
        "default": answer.default,
    }


def _component(answer: Answer) -> dict[str, Any]:
    """A component's part of the stance JSON, its keys in order."""
    shown = _summary(answer)
    flags = {"disputed": shown.pop("disputed"), "default": shown.pop("default")}
    return {**shown, "since": answer.since, "facts": list(answer.facts), **flags}


class FieldChangeReport(BaseModel):
    """One field a version changed: its dotted path, and its value before and after."""

    model_config = ConfigDict(populate_by_name=True)

    field: str = Field(description="The field's dotted path: date, source.url, details.level.")
    from_: Any = Field(alias="from", description="Its value before; null when it was not given.")
    to: Any = Field(description="Its value after; null when it is no longer given.")


class ChangeNote(BaseModel):
    """A change of a stored fact as an actor's history notes it: what, when, by whom, why."""

    version: int
    change: str
    recorded_at: str
    recorded_by: str
    reason: str | None
    changes: list[FieldChangeReport]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a fact stands and how it came to: its status, recording, corrections."""

    status: str
    recorded_at: str
    recorded_by: str
    corrections: list[ChangeNote]
    status_change: ChangeNote | None


class HistoryEntry(BaseModel):
    """One fact in an actor's history and the change it made."""

    model_config = ConfigDict(populate_by_name=True)

    date: str
    earliest: str
    latest: str
    component: str | None
    measure: str | None = None
    from_: str | None = Field(alias="from")
    to: str | None
    changed: bool
    order_uncertain: bool
    fact_id: str
    kind: str
    summary: str
    source: dict[str, Any]  # the first of `sources`
    status: str
    recorded_at: str
    recorded_by: str
    corrections: list[ChangeNote]
    status_change: ChangeNote | None
    sources: list[dict[str, Any]] = []
    event: str | None = None
    rank: str = "normal"

    @classmethod
    def of(cls, change: Change, payload: dict[str, Any], provenance: Provenance) -> HistoryEntry:
        """Report one change of a fact whose import-format payload and provenance are given."""
        step = change.step
        sources = payload["sources"] if "sources" in payload else [payload["source"]]
        return cls(
            date=step.edtf,
            earliest=step.earliest.isoformat(),
            latest=step.latest.isoformat(),
            component=step.component.value if step.component else None,
            measure=step.measure,
            **{"from": change.before},
            to=change.after,
            changed=change.changed,
            order_uncertain=change.overlaps,
            fact_id=step.fact_id,
            kind=payload["kind"],
            summary=payload["summary"],
            source=sources[0],
            status=provenance.status,
            recorded_at=provenance.recorded_at,
            recorded_by=provenance.recorded_by,
            corrections=provenance.corrections,
            status_change=provenance.status_change,
            sources=sources,
            event=payload.get("event"),
            rank=payload.get("rank", "normal"),
        )


class HistoryReport(BaseModel):
    """An actor's whole history, in effective-date order."""

    actor: str
    actor_name: str
    known_at: str | None = None
    entries: list[HistoryEntry]


class TimelineBand(BaseModel):
    """Days start to end (inclusive) on which the part drawn gives one answer."""

    start: str
    end: str
    value: str
    certainty: Certainty
    possible: list[str]
    disputed: bool = Field(default=False, description=DISPUTED)
    default: bool = Field(default=False, description=DEFAULT)


class TimelineFact(BaseModel):
    """A fact drawn on a timeline."""

    fact_id: str
    date: str
    earliest: str
    latest: str
    kind: str
    component: str | None
    summary: str


class TimelineReport(BaseModel):
    """An actor's summary (or one component) from one day to another as bands, and the facts
    in that range."""

    model_config = ConfigDict(populate_by_name=True)

    actor: str
    actor_name: str
    from_: str = Field(alias="from")
    to: str
    known_at: str | None = None
    according_to: str | None = None
    part: str = Field(
        default="summary",
        description="The part drawn: summary, or one of the six components (then `facts` "
        "holds only the facts that move it).",
    )
    bands: list[TimelineBand]
    facts: list[TimelineFact]


class StatusReport(BaseModel):
    """What the store holds now: enough to draw a range and follow the stream from here."""

    source: str = Field(description="The CloudEvents `source` of this store's events.")
    position: int = Field(description="The last log position the answers include.")
    facts: int = Field(description="Facts that count now (retracted ones excluded).")
    actors: int = Field(description="Actors with at least one such fact.")
    first_day: str | None = Field(
        description="The first day any of them may have happened (a range open at the start "
        "counts from its last day); null when the store holds no fact."
    )


class LoadResult(BaseModel):
    """What one load recorded."""

    recorded: int
    already_present: int
    fact_ids: list[str]


class FactVersionReport(BaseModel):
    """One step of a fact's life: what happened, when it was recorded, by whom and why."""

    version: int
    position: int
    change: str
    recorded_at: str
    recorded_by: str
    reason: str | None
    counts: bool
    fact: dict[str, Any]
    changes: list[FieldChangeReport] = Field(
        description="The fields this version changed from the one before (none for the first, "
        "a retraction or a reinstatement).",
    )


class FactReport(BaseModel):
    """A fact's whole life, oldest step first."""

    id: str
    actor: str
    status: str
    current: dict[str, Any]
    versions: list[FactVersionReport]


class PossibleAnswer(BaseModel):
    """A value and every value that was possible with it."""

    value: str
    possible: list[str]


class FactBrief(BaseModel):
    """A fact named in a diff."""

    id: str
    kind: str
    date: str
    summary: str


class DateChange(BaseModel):
    """A change of one part of an actor's answer on one day."""

    actor: str
    actor_name: str
    day: str
    part: str
    before: PossibleAnswer
    after: PossibleAnswer
    facts: list[FactBrief]


class DateDiff(BaseModel):
    """Every change on a day in (from, to]."""

    from_: str = Field(alias="from")
    to: str
    known_at: str | None
    changes: list[DateChange]

    model_config = ConfigDict(populate_by_name=True)


class Learned(BaseModel):
    """One event the record gained between two audits."""

    position: int
    fact_id: str
    actor: str
    change: str
    reason: str | None
    recorded_at: str
    recorded_by: str
    fact: dict[str, Any]


class KnowledgeRun(BaseModel):
    """A run of days on which one part of an actor's answer differs between two audits."""

    actor: str
    actor_name: str
    first_day: str
    last_day: str
    part: str
    before: PossibleAnswer
    after: PossibleAnswer


class KnowledgeDiff(BaseModel):
    """What the record learned between two audits and which answers it changed."""

    known_from: str
    known_to: str
    from_position: int
    to_position: int
    on: str | None
    learned: list[Learned]
    changes: list[KnowledgeRun]
