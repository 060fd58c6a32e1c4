"""Historians' timelines: an actor's summary, or any component, as bands of days, for tables,
charts and pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from stanceline.application.filters import parse_part
from stanceline.application.readside import ReadSide
from stanceline.application.reports import TimelineBand, TimelineFact, TimelineReport
from stanceline.domain.actors import Actor
from stanceline.domain.knowledge import Knowledge
from stanceline.domain.timeline import Band, Part, every_part_bands, first_day
from stanceline.errors import InvalidRangeError
from stanceline.projections.rows import FactRow, format_time


class Timelines:
    """Historians' timelines: actors' summaries (or one component) over a range of days."""

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
        part: str = Part.SUMMARY,
    ) -> TimelineReport:
        """One actor's summary (or the component `part` names) on every day of [start, end]
        as bands, and the facts there (for a component, only the facts that move it).

        `end` defaults to today (UTC); `start` to the actor's first fact (see first_day),
        or `end` when that is later or there is none.
        """
        chosen = parse_part(part)
        knowledge = self.read.known_at(known_at)
        actors = [self.read.resolve(actor)]
        return self._timelines(actors, start, end, knowledge, according_to, (chosen,))[0][0]

    def parts(
        self,
        actor: str,
        start: date | None = None,
        end: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> list[TimelineReport]:
        """One actor's timeline of every part over one range: the summary, then each
        component in order (`chart --parts`)."""
        knowledge = self.read.known_at(known_at)
        actors = [self.read.resolve(actor)]
        return self._timelines(actors, start, end, knowledge, according_to, tuple(Part))[0]

    def timelines(
        self,
        actors: Sequence[str] = (),
        start: date | None = None,
        end: date | None = None,
        known_at: str | None = None,
        according_to: str | None = None,
        part: str = Part.SUMMARY,
    ) -> list[TimelineReport]:
        """Several actors' timelines of one part over one shared range (default: every actor
        with a fact)."""
        chosen = parse_part(part)
        knowledge = self.read.known_at(known_at)
        if actors:
            who = {found.code: found for found in map(self.read.resolve, actors)}.values()
        else:
            who = {
                code: self.read.actor(code) for code in self.view.actors(knowledge.position)
            }.values()
        reports = self._timelines(list(who), start, end, knowledge, according_to, (chosen,))
        return [report for (report,) in reports]

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
        according_to: str | None,
        parts: Sequence[Part],
    ) -> list[list[TimelineReport]]:
        """Per actor, its timeline of each of `parts`, all over one range."""
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
            _reports(who, facts[who.code], first, upto, knowledge.text, according_to, parts)
            for who in actors
        ]


def _reports(
    actor: Actor,
    rows: Sequence[FactRow],
    start: date,
    end: date,
    known_at: str | None,
    according_to: str | None,
    parts: Sequence[Part],
) -> list[TimelineReport]:
    occurrences = [o for row in rows if (o := row.occurrence()) is not None]
    shown = sorted(
        (row for row in rows if row.earliest <= end and start <= row.latest),
        key=lambda row: (row.earliest, row.latest, row.first_position),
    )
    bands = every_part_bands(occurrences, start, end, parts)
    return [
        _report(actor, start, end, known_at, according_to, part, bands[part], shown)
        for part in parts
    ]


def _report(
    actor: Actor,
    start: date,
    end: date,
    known_at: str | None,
    according_to: str | None,
    part: Part,
    bands: Sequence[Band],
    shown: Sequence[FactRow],
) -> TimelineReport:
    component = part.component
    return TimelineReport(
        actor=actor.code,
        actor_name=actor.name,
        **{"from": start.isoformat()},
        to=end.isoformat(),
        known_at=known_at,
        according_to=according_to,
        part=part.value,
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
            for band in bands
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
            if component is None or row.component is component
        ],
    )
