"""Historians' timelines: an actor's summary as bands of days, for tables, charts and pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from stanceline.application.readside import ReadSide
from stanceline.application.reports import TimelineBand, TimelineFact, TimelineReport
from stanceline.domain.actors import Actor
from stanceline.domain.knowledge import Knowledge
from stanceline.domain.timeline import first_day, summary_bands
from stanceline.errors import InvalidRangeError
from stanceline.projections.rows import FactRow, format_time


class Timelines:
    """Historians' timelines: actors' summaries over a range of days."""

    def __init__(self, read: ReadSide) -> None:
        self.read = read
        self.view = read.view

    def timeline(
        self,
        actor: str,
        start: date | None = None,
        end: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> TimelineReport:
        """One actor's summary on every day of [start, end] as bands, and the facts there.

        `end` defaults to today (UTC); `start` to the actor's first fact (see first_day),
        or `end` when that is later or there is none.
        """
        knowledge = self.read.known_at(known_at)
        actors = [self.read.resolve(actor)]
        return self._timelines(actors, start, end, knowledge, according_to)[0]

    def timelines(
        self,
        actors: Sequence[str] = (),
        start: date | None = None,
        end: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> list[TimelineReport]:
        """Several actors' timelines over one shared range (default: every actor with a fact)."""
        knowledge = self.read.known_at(known_at)
        if actors:
            chosen = {who.code: who for who in map(self.read.resolve, actors)}.values()
        else:
            chosen = {
                code: self.read.actor(code) for code in self.view.actors(knowledge.position)
            }.values()
        return self._timelines(list(chosen), start, end, knowledge, according_to)

    def knowledge_label(self, known_at: str | None = None) -> str:
        """What answers are known at: the known-at given, or the store's position and time."""
        knowledge = self.read.known_at(known_at)
        position = self.read.catch_up() if knowledge.position is None else knowledge.position
        rows = self.view.changes_between(position - 1, position) if position else []
        when = f" ({format_time(rows[0].recorded_at)})" if rows else ""
        if knowledge.text is None or knowledge.text.startswith("@"):
            return f"@{position}{when}"
        return f"{knowledge.text} (@{position})"

    def _timelines(
        self,
        actors: Sequence[Actor],
        start: date | None,
        end: date | None,
        knowledge: Knowledge,
        according_to: str | None = None,
    ) -> list[TimelineReport]:
        facts = {
            who.code: self.read.counting(who.code, knowledge.position, according_to)
            for who in actors
        }
        upto = end or datetime.now(UTC).date()
        ranges = ((row.earliest, row.latest) for rows in facts.values() for row in rows)
        first = start or min(first_day(ranges) or upto, upto)
        if upto < first:
            raise InvalidRangeError(f"from {first} is after to {upto}")
        return [
            _report(who, facts[who.code], first, upto, knowledge.text).model_copy(
                update={"according_to": according_to}
            )
            for who in actors
        ]


def _report(
    actor: Actor, rows: Sequence[FactRow], start: date, end: date, known_at: str | None
) -> TimelineReport:
    occurrences = [o for row in rows if (o := row.occurrence()) is not None]
    shown = sorted(
        (row for row in rows if row.earliest <= end and start <= row.latest),
        key=lambda row: (row.earliest, row.latest, row.first_position),
    )
    return TimelineReport(
        actor=actor.code,
        actor_name=actor.name,
        **{"from": start.isoformat()},
        to=end.isoformat(),
        known_at=known_at,
        bands=[
            TimelineBand(
                start=band.start.isoformat(),
                end=band.end.isoformat(),
                value=band.value,
                certainty=band.certainty,
                possible=list(band.possible),
                disputed=band.disputed,
                default=band.default,
            )
            for band in summary_bands(occurrences, start, end)
        ],
        facts=[
            TimelineFact(
                fact_id=row.fact_id,
                date=row.edtf,
                earliest=row.earliest.isoformat(),
                latest=row.latest.isoformat(),
                kind=row.kind.value,
                component=row.component.value if row.component else None,
                summary=row.payload["summary"],
            )
            for row in shown
        ],
    )
