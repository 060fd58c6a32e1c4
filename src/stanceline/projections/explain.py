"""Explanations: why the engine gives an answer, with the facts, sources and rules behind it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel

from stanceline.domain.actors import Actor
from stanceline.domain.claims import alone as claims_alone
from stanceline.domain.claims import grouped
from stanceline.domain.facts import Component
from stanceline.domain.stance import Answer, Certainty, Occurrence, Summary, stance_on
from stanceline.projections.rows import FactRow, format_time

SUMMARY_RULES: list[tuple[Summary, str]] = [
    (Summary.RECOGNIZED, "recognition is recognized"),
    (Summary.AMBASSADOR_LEVEL, "either envoy is an ambassador"),
    (Summary.CHARGE_LEVEL, "either envoy is a chargé d'affaires"),
    (Summary.DESIGNATED, "the Taliban are designated terrorists"),
    (Summary.NO_RELATIONS, "none of the above holds"),
]


class FactRef(BaseModel):
    """A fact as an auditor needs to see it: what, when, from where, recorded when and by whom."""

    id: str
    kind: str
    date: str
    earliest: str
    latest: str
    doubtful: bool
    summary: str
    source: dict[str, Any]  # the first of `sources`
    recorded_at: str
    recorded_by: str
    sources: list[dict[str, Any]]
    event: str | None = None
    rank: str = "normal"
    rank_reason: str | None = None

    @classmethod
    def of(cls, row: FactRow) -> FactRef:
        """From a read-model version."""
        sources = row.sources
        return cls(
            id=row.fact_id,
            kind=row.kind.value,
            date=row.edtf,
            earliest=row.earliest.isoformat(),
            latest=row.latest.isoformat(),
            doubtful=row.doubtful,
            summary=row.payload["summary"],
            source=sources[0],
            recorded_at=format_time(row.recorded_at),
            recorded_by=row.recorded_by,
            sources=sources,
            event=row.event,
            rank=row.claim_rank.value,
            rank_reason=row.payload.get("rank_reason"),
        )


class ClaimAlone(FactRef):
    """A counting claim of a disputed happening, and the answer the part would have were
    it the happening's one true account (the rest left as they are)."""

    value: str
    possible: list[str]


class SetAside(FactRef):
    """A fact that would have set the value but was corrected or retracted."""

    change: str
    reason: str | None
    changed_by: str
    changed_at: str


class ComponentExplanation(BaseModel):
    """One component: its answer and the facts that make it."""

    value: str
    certainty: Certainty
    alternatives: list[str]
    since: str | None
    set_by: list[FactRef]
    uncertain_because: list[FactRef]
    set_aside: list[SetAside]
    disputed: bool = False
    default: bool = False
    # DESIGN §7: for a disputed part, each counting claim of a happening whose claims
    # disagree, with the answer it alone gives; and the part's deprecated claims, kept.
    claims: list[ClaimAlone] = []
    deprecated: list[FactRef] = []


class SummaryExplanation(BaseModel):
    """The summary, the rule that gave it, and the component values it read."""

    value: str
    certainty: Certainty
    alternatives: list[str]
    rule: str
    inputs: dict[str, str]
    disputed: bool = False
    default: bool = False


class Explanation(BaseModel):
    """Why an actor's stance on a day is what the engine says."""

    actor: str
    actor_name: str
    on: str
    known_at: str | None
    summary: SummaryExplanation
    components: dict[str, ComponentExplanation]
    according_to: str | None = None


def explain(
    actor: Actor,
    on: date,
    rows: Sequence[FactRow],
    versions: Sequence[FactRow],
    known_at: str | None,
    deprecated: Sequence[FactRow] = (),
) -> Explanation:
    """Explain from the facts that count (`rows`), every version known (`versions`) and
    the claims ranked deprecated (`deprecated`)."""
    by_id = {row.fact_id: row for row in rows}
    occurrences = [o for row in rows if (o := row.occurrence()) is not None]
    stance = stance_on(occurrences, on)
    components = {
        component.value: _component(component, answer, by_id, versions, on).model_copy(
            update={
                "disputed": answer.disputed,
                "default": answer.default,
                "claims": _claims_alone(component, occurrences, by_id, on)
                if answer.disputed
                else [],
                "deprecated": [
                    FactRef.of(row)
                    for row in deprecated
                    if row.component is component and row.earliest <= on
                ],
            }
        )
        for component, answer in stance.components.items()
    }
    inputs = {
        c.value: stance.components[c].value
        for c in (
            Component.RECOGNITION,
            Component.TALIBAN_ENVOY,
            Component.ENVOY_TO_KABUL,
            Component.DESIGNATION,
        )
    }
    rule = next(text for value, text in SUMMARY_RULES if value.value == stance.summary.value)
    summary = SummaryExplanation(
        value=stance.summary.value,
        certainty=stance.summary.certainty,
        alternatives=stance.summary.alternatives,
        rule=f"{stance.summary.value}: {rule} (rules apply in the order "
        "recognized > ambassador_level > charge_level > designated > no_relations)",
        inputs=inputs,
        disputed=stance.summary.disputed,
        default=stance.summary.default,
    )
    return Explanation(
        actor=actor.code,
        actor_name=actor.name,
        on=on.isoformat(),
        known_at=known_at,
        summary=summary,
        components=components,
    )


def _component(
    component: Component,
    answer: Answer,
    by_id: dict[str, FactRow],
    versions: Sequence[FactRow],
    on: date,
) -> ComponentExplanation:
    behind = [answer.facts[0]] if answer.since is not None else []
    others = [f for f in answer.facts if f not in behind]
    return ComponentExplanation(
        value=answer.value,
        certainty=answer.certainty,
        alternatives=answer.alternatives,
        since=answer.since,
        set_by=[FactRef.of(by_id[f]) for f in behind],
        uncertain_because=[FactRef.of(by_id[f]) for f in others],
        set_aside=_set_aside(component, versions, on),
    )


def _claims_alone(
    component: Component,
    occurrences: Sequence[Occurrence],
    by_id: dict[str, FactRow],
    on: date,
) -> list[ClaimAlone]:
    """Each claim of a happening of `component` told two or more ways, and the part's
    answer with the happening fixed to it."""
    found = []
    for claims in grouped(o for o in occurrences if o.component is component).values():
        if len(claims) < 2:
            continue
        for claim in claims:
            alone = stance_on(claims_alone(occurrences, claim), on).components[component]
            found.append(
                ClaimAlone(
                    **FactRef.of(by_id[claim.fact_id]).model_dump(),
                    value=alone.value,
                    possible=sorted(alone.possible),
                )
            )
    return found


def _effect(row: FactRow) -> tuple[object, ...]:
    return (row.kind, row.component, row.value, row.measure, row.earliest, row.latest)


def _set_aside(component: Component, versions: Sequence[FactRow], on: date) -> list[SetAside]:
    """Versions that moved this component by `on` but no longer count as they were."""
    by_step = {(v.fact_id, v.version): v for v in versions}
    latest: dict[str, FactRow] = {}
    for version in versions:
        latest[version.fact_id] = version
    found = []
    for version in versions:
        now = latest[version.fact_id]
        # Set aside: retracted, or changed in what it does (a rank or an event is not).
        still_counts = now.active and _effect(now) == _effect(version)
        if still_counts or not version.active or version.component is not component:
            continue
        if version.earliest > on:
            continue
        successor = by_step[(version.fact_id, version.version + 1)]
        found.append(
            SetAside(
                **FactRef.of(version).model_dump(),
                change=successor.change,
                reason=successor.reason,
                changed_by=successor.recorded_by,
                changed_at=format_time(successor.recorded_at),
            )
        )
    return found
