"""Historians' and auditors' view of one happening: every claim of it, and what each gives."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from stanceline.application.provenance import COUNTS, status_of
from stanceline.application.readside import ReadSide
from stanceline.application.reports import SummaryReport
from stanceline.domain.claims import alone as claims_alone
from stanceline.domain.stance import stance_on
from stanceline.errors import UnknownFactError
from stanceline.projections.rows import FactRow, format_time


class ClaimReport(BaseModel):
    """One claim of a happening: what it says, where from, its rank, whether it counts."""

    id: str
    kind: str
    date: str
    earliest: str
    latest: str
    effect: str | None = Field(description="The value the claim gives its part.")
    summary: str
    sources: list[dict[str, object]]
    rank: str
    rank_reason: str | None
    status: str = Field(
        description="counts; outranked (normal, while the happening has a preferred claim); "
        "deprecated; or retracted."
    )
    counts: bool
    recorded_at: str
    recorded_by: str
    alone: SummaryReport | None = Field(
        description="The part's answer on the day were this claim the happening's one true "
        "account (null for a retracted claim)."
    )


class ClaimsReport(BaseModel):
    """Every claim of one happening, and the part's answer on one day."""

    event: str | None = Field(description="The happening's key; null for a fact told alone.")
    actor: str
    actor_name: str
    part: str | None = Field(description="The component the claims move; null: statements.")
    measure: str | None = None
    on: str
    answer: SummaryReport | None = Field(
        description="The part's answer on the day in the record's view (null: statements)."
    )
    claims: list[ClaimReport]


class Disputes:
    """The claims of a happening (DESIGN §7)."""

    def __init__(self, read: ReadSide) -> None:
        self.read = read
        self.view = read.view

    def claims(self, key: str, on: date) -> ClaimsReport:
        """Every claim of the happening `key` names (an event key, or else a fact id standing
        for its event), with which count and the answer each alone gives on `on`."""
        self.read.catch_up()
        claims = self.view.claims_of(key)
        event: str | None = key
        if not claims:
            fact = self.view.fact(key)
            if fact is None:
                raise UnknownFactError(f"no event or fact with key {key!r}")
            event = fact.event
            claims = self.view.claims_of(event) if event else [fact]
        first = claims[0]
        counted = self.read.counting(first.actor, None)
        kept = {row.fact_id for row in counted}
        occurrences = [o for row in counted if (o := row.occurrence()) is not None]
        component = first.component
        answer = None
        if component is not None:
            answer = SummaryReport.of(stance_on(occurrences, on).components[component])
        reports = []
        for row in claims:
            alone = None
            claim = row.occurrence()
            if row.active and claim is not None and component is not None:
                fixed = stance_on(claims_alone(occurrences, claim), on)
                alone = SummaryReport.of(fixed.components[component])
            reports.append(_claim(row, status_of(row, row.fact_id in kept), alone))
        return ClaimsReport(
            event=event,
            actor=first.actor,
            actor_name=self.read.actor(first.actor).name,
            part=component.value if component else None,
            measure=first.measure,
            on=on.isoformat(),
            answer=answer,
            claims=reports,
        )


def _claim(row: FactRow, status: str, alone: SummaryReport | None) -> ClaimReport:
    return ClaimReport(
        id=row.fact_id,
        kind=row.kind.value,
        date=row.edtf,
        earliest=row.earliest.isoformat(),
        latest=row.latest.isoformat(),
        effect=row.value,
        summary=row.payload["summary"],
        sources=row.sources,
        rank=row.claim_rank.value,
        rank_reason=row.payload.get("rank_reason"),
        status=status,
        counts=status == COUNTS,
        recorded_at=format_time(row.recorded_at),
        recorded_by=row.recorded_by,
        alone=alone,
    )
