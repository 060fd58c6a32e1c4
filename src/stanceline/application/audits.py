"""Auditors' queries: a fact's whole life, and what changed between two days or two audits."""

from __future__ import annotations

from datetime import date

from stanceline.application.provenance import changed_fields, status_of
from stanceline.application.readside import ReadSide, choose
from stanceline.application.reports import (
    DateChange,
    DateDiff,
    FactBrief,
    FactReport,
    FactVersionReport,
    KnowledgeDiff,
    KnowledgeRun,
    Learned,
    PossibleAnswer,
)
from stanceline.domain.diff import changes_between, knowledge_changes
from stanceline.errors import StancelineError, UnknownFactError
from stanceline.projections.rows import FactRow, format_time


class Audits:
    """The questions auditors ask."""

    def __init__(self, read: ReadSide) -> None:
        self.read = read
        self.view = read.view

    def fact(self, fact_id: str) -> FactReport:
        """A fact's whole life from the read model: recorded, corrected, retracted."""
        self.read.catch_up()
        versions = self.view.fact_versions(fact_id)
        if not versions:
            raise UnknownFactError(f"no fact with id {fact_id!r}")
        last = versions[-1]
        # Whether it counts is decided among the claims of its event alone.
        peers = self.view.claims_of(last.event) if last.event else [last]
        counted = {row.fact_id for row in choose(row for row in peers if row.active)}
        return FactReport(
            id=fact_id,
            actor=last.actor,
            status=status_of(last, fact_id in counted),
            current=last.payload,
            versions=[
                FactVersionReport(
                    version=v.version,
                    position=v.position,
                    change=v.change,
                    recorded_at=format_time(v.recorded_at),
                    recorded_by=v.recorded_by,
                    reason=v.reason,
                    counts=v.active,
                    fact=v.payload,
                    changes=changed_fields(before, v),
                )
                for before, v in zip([None, *versions], versions, strict=False)
            ],
        )

    def diff_dates(
        self,
        actor: str | None,
        after: date,
        upto: date,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> DateDiff:
        """Every change of a component or the summary on a day in (after, upto]."""
        knowledge = self.read.known_at(known_at)
        changes = []
        for who in self.read.actors(actor, knowledge.position):
            counted = self.read.counting(who.code, knowledge.position, according_to)
            rows = {r.fact_id: r for r in counted}
            occurrences = [o for r in rows.values() if (o := r.occurrence()) is not None]
            for change in changes_between(occurrences, after, upto):
                changes.append(
                    DateChange(
                        actor=who.code,
                        actor_name=who.name,
                        day=change.day.isoformat(),
                        part=change.part,
                        before=PossibleAnswer(
                            value=change.before_value, possible=list(change.before_possible)
                        ),
                        after=PossibleAnswer(
                            value=change.after_value, possible=list(change.after_possible)
                        ),
                        facts=[_brief(rows[f]) for f in change.facts],
                    )
                )
        changes.sort(key=lambda c: (c.day, c.actor))
        return DateDiff(
            **{"from": after.isoformat()},
            to=upto.isoformat(),
            known_at=knowledge.text,
            changes=changes,
        )

    def diff_knowledge(
        self,
        actor: str | None,
        known_from: str,
        known_to: str | None = None,
        on: date | None = None,
        according_to: str | None = None,
    ) -> KnowledgeDiff:
        """What the record learned between two audits, and which answers that changed.

        Without `known_to`, the second audit is now: the log's last position, as `@N`.
        """
        known_to = known_to if known_to is not None else f"@{self.read.catch_up()}"
        start, end = self.read.known_at(known_from), self.read.known_at(known_to)
        first, last = start.position or 0, end.position or 0
        if last < first:
            raise StancelineError(
                f"known-to {end.text} (position {last}) is before known-from {start.text} "
                f"(position {first})"
            )
        learned = self.view.changes_between(first, last)
        chosen = {a.code for a in self.read.actors(actor, None)} if actor else None
        learned = [v for v in learned if chosen is None or v.actor in chosen]
        runs = []
        for code in sorted({v.actor for v in learned}):
            who = self.read.actor(code)
            before = self.read.occurrences(code, first, according_to)
            after = self.read.occurrences(code, last, according_to)
            for run in knowledge_changes(before, after, on):
                runs.append(
                    KnowledgeRun(
                        actor=code,
                        actor_name=who.name,
                        first_day=run.first_day.isoformat(),
                        last_day=run.last_day.isoformat(),
                        part=run.part,
                        before=PossibleAnswer(
                            value=run.before_value, possible=list(run.before_possible)
                        ),
                        after=PossibleAnswer(
                            value=run.after_value, possible=list(run.after_possible)
                        ),
                    )
                )
        return KnowledgeDiff(
            known_from=start.text or known_from,
            known_to=end.text or known_to,
            from_position=first,
            to_position=last,
            on=on.isoformat() if on else None,
            learned=[
                Learned(
                    position=v.position,
                    fact_id=v.fact_id,
                    actor=v.actor,
                    change=v.change,
                    reason=v.reason,
                    recorded_at=format_time(v.recorded_at),
                    recorded_by=v.recorded_by,
                    fact=v.payload,
                )
                for v in learned
            ],
            changes=runs,
        )


def _brief(row: FactRow) -> FactBrief:
    return FactBrief(
        id=row.fact_id, kind=row.kind.value, date=row.edtf, summary=row.payload["summary"]
    )
