"""Human output about sources: the sources a record cites, and for sources that disagree
(DESIGN §7) a happening's claims and the lines `explain` adds for a disputed part."""

from __future__ import annotations

from stanceline.application.disputes import ClaimsReport
from stanceline.application.sources import SourcesReport
from stanceline.interfaces.cells import cell, plural, source_line, sources_lines
from stanceline.projections.explain import ComponentExplanation, FactRef


def claims_text(report: ClaimsReport) -> str:
    """Every claim of a happening, which count, and what each alone would give."""
    what = report.part or "no part of the stance (statements)"
    if report.measure:
        what += f" (measure {report.measure})"
    title = f"event {report.event}" if report.event else f"fact {report.claims[0].id}"
    lines = [f"{title}: {report.actor_name} ({report.actor}), {what}"]
    if report.answer is not None:
        lines.append(f"  on {report.on}: {cell(report.answer)}")
    counting = sum(claim.counts for claim in report.claims)
    lines.append(f"  {counting} of {len(report.claims)} claims count")
    for claim in report.claims:
        rank = claim.rank if claim.rank_reason is None else f"{claim.rank}: {claim.rank_reason}"
        lines += [
            "",
            f"{claim.id}: {claim.kind} on {claim.date} ({claim.earliest} to {claim.latest})",
            f"  {claim.status}; rank {rank}",
            f"  {claim.summary}",
            *sources_lines(claim.sources, "  "),
        ]
        if claim.alone is not None:
            lines.append(f"  alone, on {report.on}: {cell(claim.alone)}")
    return "\n".join(lines)


def dispute_lines(component: ComponentExplanation) -> list[str]:
    """What `explain` adds for a part: the claims that disagree, and the deprecated ones."""
    lines = []
    if component.disputed:
        lines.append("  disputed: sources disagree, and which is right changes the answer")
    for claim in component.claims:
        alone = claim.value
        if len(claim.possible) > 1:
            alone += " or " + " or ".join(p for p in claim.possible if p != claim.value)
        lines += [
            f"  claim of {claim.event}: {_ref_line(claim)}; alone it gives {alone}",
            *sources_lines(claim.sources, "      "),
        ]
    for deprecated in component.deprecated:
        lines += [
            f"  deprecated: {_ref_line(deprecated)}: {deprecated.rank_reason}",
            *sources_lines(deprecated.sources, "      "),
        ]
    return lines


def _ref_line(ref: FactRef) -> str:
    return f"{ref.id}: {ref.kind} on {ref.date} ({ref.earliest} to {ref.latest})"


def totals_text(report: SourcesReport) -> str:
    """One line: how many facts, actors and sources the record (or one actor's part) holds."""
    whose = f"{report.actor}: " if report.actor else "the record: "
    facts, actors = plural(report.facts, "fact"), plural(report.actors, "actor")
    return f"{whose}{facts} about {actors}, citing {plural(len(report.sources), 'source')}"


def sources_text(report: SourcesReport) -> str:
    """Every cited source, each with the facts that cite it, then the totals."""
    lines = []
    for source in report.sources:
        lines.append(source_line(source.model_dump()))
        lines += [f"  {f.id} ({f.actor}, {f.kind}, {f.date})" for f in source.facts]
    return "\n".join([*lines, "", totals_text(report)]) if lines else totals_text(report)
