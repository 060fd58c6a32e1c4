"""Historians' answers: one actor's stance, the world, an actor's history, why, the record."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from stanceline.application.filters import Where, WorldFilter
from stanceline.application.provenance import COUNTS, provenance, status_of
from stanceline.application.readside import ReadSide, choose
from stanceline.application.reports import HistoryEntry, HistoryReport, StanceReport, StatusReport
from stanceline.domain.actors import Actor
from stanceline.domain.claims import cites
from stanceline.domain.facts import Rank
from stanceline.domain.history import history
from stanceline.domain.knowledge import Knowledge
from stanceline.domain.stance import stance_on
from stanceline.projections.explain import Explanation, explain
from stanceline.projections.rows import FactRow


class Answers:
    """Stances on a day (from the temporal index, or by the rules as known earlier)."""

    def __init__(self, read: ReadSide) -> None:
        self.read = read
        self.view = read.view

    def stance(
        self,
        actor: str,
        on: date,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> StanceReport:
        """One actor's stance on one day, as known now or at `known_at`, in the record's view
        or according to one source (its publisher or url)."""
        if known_at is None and according_to is None:
            # The common question, in one statement when the model is at the end of the log
            # and the actor's index is up to date (one round trip on PostgreSQL).
            who = self.read.catalogue.find(actor)
            if who is not None and (parts := self.view.answers_now(who.code, on)) is not None:
                return StanceReport.from_parts(who, on, parts)
        knowledge = self.read.known_at(known_at)
        return self._stance(self.read.resolve(actor), on, knowledge, according_to)

    def stance_at_once(self, actor: str, on: date) -> StanceReport | None:
        """stance(actor, on) as known now, if the temporal index answers it at once, else None.

        For a caller that must not wait, an event loop: never writes, never waits, one
        short read. None whenever stance() would do more than that lookup (the model
        behind the log, the actor's index behind its facts, a name the catalogue does
        not know, a store not read at once): the caller then asks stance().
        """
        who = self.read.catalogue.find(actor)
        if who is None:
            return None
        parts = self.view.answers_at_once(who.code, on)
        return None if parts is None else StanceReport.from_parts(who, on, parts)

    def _stance(
        self, actor: Actor, on: date, knowledge: Knowledge, according_to: str | None = None
    ) -> StanceReport:
        if knowledge.position is None and according_to is None:
            # As known now, in the record's view: one lookup in the temporal index.
            parts = self.view.answers_on(actor.code, on)
            if parts is not None:
                return StanceReport.from_parts(actor, on, parts)
        # As known at an earlier position, according to a source (or never a fact): the
        # facts, through the rules.
        rows = self.read.counting(actor.code, knowledge.position, according_to)
        return _by_rules(actor, on, rows, knowledge, according_to)

    def world(
        self,
        on: date,
        known_at: str | None = None,
        according_to: str | None = None,
        *,
        where: WorldFilter | Where | None = None,
    ) -> list[StanceReport]:
        """The stance on one day of every actor with any fact, sorted by code (according to
        a source: the same actors, those it says nothing of at their defaults).

        `where` keeps only the actors whose parts have the values asked (filters.py): a
        WorldFilter, or a mapping of part names to one value or several.
        """
        chosen = where if isinstance(where, WorldFilter) else WorldFilter.where(where)
        reports = self._world(on, known_at, according_to)
        return chosen.apply(reports) if chosen else reports

    def _world(
        self, on: date, known_at: str | None, according_to: str | None
    ) -> list[StanceReport]:
        knowledge = self.read.known_at(known_at)
        if knowledge.position is None and according_to is None:
            reports = []
            for code, parts in self.view.world_on(on):
                if parts is not None:
                    reports.append(StanceReport.from_parts(self.read.actor(code), on, parts))
                elif rows := self.view.facts_of(code):  # not indexed yet: from its facts
                    reports.append(_by_rules(self.read.actor(code), on, choose(rows), knowledge))
            return reports
        return [
            self._stance(self.read.actor(code), on, knowledge, according_to)
            for code in self.view.actors(knowledge.position)
        ]

    def history(
        self,
        actor: str,
        known_at: str | None = None,
        according_to: str | None = None,
        *,
        all_facts: bool = False,
    ) -> HistoryReport:
        """Every fact of one actor that counts, in effective-date order, with the change it
        made (according to a source: every fact citing it).

        Each with its provenance: who recorded it, its corrections, its status. Facts
        that do not count (retracted, deprecated or outranked claims) are left out,
        unless `all_facts`: they are then placed by their dates and move nothing.
        """
        knowledge = self.read.known_at(known_at)
        who = self.read.resolve(actor)
        versions: dict[str, list[FactRow]] = {}
        for row in self.view.versions_of(who.code, knowledge.position):
            versions.setdefault(row.fact_id, []).append(row)
        # Each fact's last version as known then: the facts that count are chosen from these.
        rows = {fact_id: found[-1] for fact_id, found in versions.items()}
        if according_to is not None:
            rows = {k: row for k, row in rows.items() if cites(row.sources, according_to)}
        alive = [row for row in rows.values() if row.active]
        counted = {row.fact_id for row in choose(alive, according_to)}
        status = {k: status_of(row, k in counted) for k, row in rows.items()}
        counting_steps = [r.step() for k, r in rows.items() if status[k] == COUNTS]
        aside = [r.step() for k, r in rows.items() if status[k] != COUNTS] if all_facts else []
        entries = [
            HistoryEntry.of(
                c,
                rows[c.step.fact_id].payload,
                provenance(versions[c.step.fact_id], status[c.step.fact_id]),
            )
            for c in history(counting_steps, aside)
        ]
        return HistoryReport(
            actor=who.code, actor_name=who.name, known_at=knowledge.text, entries=entries
        )

    def explain(
        self,
        actor: str,
        on: date,
        known_at: str | None = None,
        according_to: str | None = None,
    ) -> Explanation:
        """Why one actor's stance on one day is what it is: facts, sources, rules, and the
        claims that disagree."""
        knowledge = self.read.known_at(known_at)
        who = self.read.resolve(actor)
        every = self.view.facts_of(who.code, knowledge.position)
        rows = choose(every, according_to)
        versions = self.view.versions_of(who.code, knowledge.position)
        deprecated = []
        if according_to is None:
            deprecated = [row for row in every if row.claim_rank is Rank.DEPRECATED]
        report = explain(who, on, rows, versions, knowledge.text, deprecated)
        report.according_to = according_to
        return report

    def export(self) -> Iterator[dict[str, Any]]:
        """Every fact as an import-format object, in recording order."""
        self.read.catch_up()
        for row in self.view.all_facts():
            yield row.payload

    def status(self) -> StatusReport:
        """What the store holds now, and the position the answers include."""
        position = self.read.catch_up()
        facts, actors, first_day = self.view.overview()
        return StatusReport(
            source=self.read.source,
            position=position,
            facts=facts,
            actors=actors,
            first_day=first_day,
        )


def _by_rules(
    actor: Actor,
    on: date,
    rows: Sequence[FactRow],
    knowledge: Knowledge,
    according_to: str | None = None,
) -> StanceReport:
    """The stance from the facts that count (as ReadSide.counting gives them)."""
    occurrences = [o for row in rows if (o := row.occurrence()) is not None]
    report = StanceReport.of(actor, stance_on(occurrences, on))
    report.known_at = knowledge.text
    report.according_to = according_to
    return report
