"""Historians' bibliography: every source the record cites, with the facts that cite it."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from stanceline.application.readside import ReadSide
from stanceline.projections.rows import FactRow


class CitingFact(BaseModel):
    """A fact that cites a source: enough to find it (`stanceline fact ID`)."""

    id: str
    actor: str
    kind: str
    date: str


class SourceReport(BaseModel):
    """One cited source: a page or document, named as the facts cite it."""

    publisher: str | None
    title: str
    url: str | None
    published: str | None
    facts: list[CitingFact] = Field(description="The facts that cite it, in recording order.")


class SourcesReport(BaseModel):
    """Every source cited by the facts that count now (or one actor's), and the totals."""

    actor: str | None = Field(description="The actor asked about; null: the whole record.")
    facts: int = Field(description="Facts that count now (retracted ones excluded).")
    actors: int = Field(description="Actors with at least one such fact.")
    sources: list[SourceReport] = Field(
        description="One entry per url (a source without a url: per publisher, title and "
        "published), sorted by publisher, published and title."
    )


class Sources:
    """The sources the record cites (`stanceline sources`)."""

    def __init__(self, read: ReadSide) -> None:
        self.read = read
        self.view = read.view

    def sources(self, actor: str | None = None) -> SourcesReport:
        """Every source cited by the facts that count now, or by one actor's facts."""
        self.read.catch_up()
        if actor is None:
            code = None
            rows: Iterable[FactRow] = self.view.all_facts()
        else:
            code = self.read.resolve(actor).code
            rows = self.view.facts_of(code)
        facts, actors, cited = cite(rows)
        return SourcesReport(actor=code, facts=facts, actors=len(actors), sources=cited)


def source_key(source: dict[str, object]) -> tuple[object, ...]:
    """What makes two citations one source: its url, or else its publisher, title and date."""
    url = source.get("url")
    if url is not None:
        return ("url", url)
    return ("named", source.get("publisher"), source["title"], source.get("published"))


def cite(rows: Iterable[FactRow]) -> tuple[int, set[str], list[SourceReport]]:
    """The facts read, their actors, and one report per source they cite (first naming kept)."""
    found: dict[tuple[object, ...], SourceReport] = {}
    facts, actors = 0, set()
    for row in rows:
        facts += 1
        actors.add(row.actor)
        citing = CitingFact(id=row.fact_id, actor=row.actor, kind=row.kind.value, date=row.edtf)
        for source in row.sources:
            report = found.get(key := source_key(source))
            if report is None:
                found[key] = report = SourceReport(
                    publisher=source.get("publisher"),
                    title=source["title"],
                    url=source.get("url"),
                    published=source.get("published"),
                    facts=[],
                )
            if not report.facts or report.facts[-1].id != citing.id:
                report.facts.append(citing)
    ordered = sorted(
        found.values(),
        key=lambda s: ((s.publisher or "").casefold(), s.published or "", s.title.casefold()),
    )
    return facts, actors, ordered
