"""Human output for sources that disagree (DESIGN §7): a happening's claims, and the lines
`explain` adds for a disputed part."""

from __future__ import annotations

from collections.abc import Sequence

from stanceline.application.disputes import ClaimAnswer, ClaimsReport
from stanceline.projections.explain import ComponentExplanation, FactRef


def source_line(source: dict[str, object]) -> str:
    """A source in one line: publisher, "title", published, url."""
    parts = [str(source[k]) for k in ("publisher",) if source.get(k)]
    parts.append(f'"{source["title"]}"')
    parts += [str(source[k]) for k in ("published", "url") if source.get(k)]
    return ", ".join(parts)


def sources_lines(sources: Sequence[dict[str, object]], indent: str) -> list[str]:
    """One line per source, 'source:' or 'sources:' first."""
    if len(sources) == 1:
        return [f"{indent}source: {source_line(sources[0])}"]
    return [f"{indent}sources:", *(f"{indent}  - {source_line(s)}" for s in sources)]


def answer_cell(answer: ClaimAnswer) -> str:
    """An answer as the tables show it: '?' uncertain, '!' disputed, (...) a default."""
    if answer.default and not answer.alternatives:
        return f"({answer.value})"
    if not answer.alternatives:
        return answer.value
    mark = "!" if answer.disputed else "?"
    return f"{answer.value}{mark} or {' or '.join(answer.alternatives)}"


def claims_text(report: ClaimsReport) -> str:
    """Every claim of a happening, which count, and what each alone would give."""
    what = report.part or "no part of the stance (statements)"
    if report.measure:
        what += f" (measure {report.measure})"
    title = f"event {report.event}" if report.event else f"fact {report.claims[0].id}"
    lines = [f"{title}: {report.actor_name} ({report.actor}), {what}"]
    if report.answer is not None:
        lines.append(f"  on {report.on}: {answer_cell(report.answer)}")
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
            lines.append(f"  alone, on {report.on}: {answer_cell(claim.alone)}")
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
