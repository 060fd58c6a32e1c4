"""Human output: aligned tables, with uncertain values visibly marked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from stanceline.application.provenance import COUNTS
from stanceline.application.reports import (
    ComponentReport,
    DateDiff,
    FactReport,
    HistoryReport,
    KnowledgeDiff,
    PossibleAnswer,
    StanceReport,
    SummaryReport,
    TimelineReport,
)
from stanceline.application.verify import VerifyReport
from stanceline.domain.changes import FactCorrected
from stanceline.domain.events import RECORDED
from stanceline.domain.facts import Component
from stanceline.interfaces.cells import cell, plural, sources_lines
from stanceline.interfaces.changes_text import change_text, note_line
from stanceline.interfaces.disputes_text import dispute_lines
from stanceline.projections.explain import Explanation, FactRef

UNCERTAIN_NOTE = (
    "? = uncertain on this day: a fact's date range straddles it; "
    "the value shown is what the facts certainly in force give, 'or' lists the other possibilities."
)

DISPUTED_NOTE = (
    "! = disputed on this day: sources disagree on a happening, and which of them is right "
    "changes the answer; `stanceline explain` and `stanceline claims` show each account."
)
DEFAULT_NOTE = "(...) = no fact recorded: the value is the default before any fact, not a finding."
BANDS_NOTE = (
    "? = uncertain on these days: a fact's date range straddles them; "
    "the value shown is what the facts certainly in force give, 'or' lists the other possibilities."
)


def sealed_line(report: VerifyReport) -> str:
    """From where `verify`'s seals vouch for the log's order, in words."""
    if report.sealed_from is None:
        return "not sealed yet (the events were stored before seals; their chains hold)"
    sealed = f"sealed from position {report.sealed_from} ({plural(report.seals, 'seal')})"
    if report.sealed_from > 1:
        sealed += "; the events before it were stored before seals, and their chains hold"
    return sealed


_Flagged = SummaryReport | ComponentReport


def _notes(answers: Sequence[_Flagged]) -> list[str]:
    """The notes that explain the marks these answers' cells carry."""
    notes = []
    if any(a.alternatives and not a.disputed for a in answers):
        notes.append(UNCERTAIN_NOTE)
    if any(a.disputed for a in answers):
        notes.append(DISPUTED_NOTE)
    if any(a.default and not a.alternatives for a in answers):
        notes.append(DEFAULT_NOTE)
    return ["", *notes] if notes else []


def _answers(reports: Sequence[StanceReport]) -> list[_Flagged]:
    found: list[_Flagged] = []
    for report in reports:
        found += [report.summary, *report.components.values()]
    return found


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        padded = [str(v).ljust(w) for v, w in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*padded, str(row[-1])]).rstrip())
    return "\n".join(lines)


def stance_text(report: StanceReport) -> str:
    """One actor's stance as a short table."""
    rows = [
        [name, cell(c), c.since or "-", ", ".join(c.facts) or "-"]
        for name, c in report.components.items()
    ]
    seen = _as_known(report.known_at, report.according_to)
    lines = [
        f"{report.actor_name} ({report.actor}) on {report.on}{seen}: {cell(report.summary)}",
        "",
        table(["COMPONENT", "VALUE", "SINCE", "FACTS"], rows),
        *_notes(_answers([report])),
    ]
    return "\n".join(lines)


def _as_known(known_at: str | None, according_to: str | None = None) -> str:
    known = f", as known at {known_at}" if known_at else ""
    return known + (f", according to {according_to}" if according_to else "")


def world_text(
    reports: Sequence[StanceReport],
    on: str,
    known_at: str | None = None,
    according_to: str | None = None,
    where: str | None = None,
) -> str:
    """Every actor's stance on one day, one row each; `where` says which the filter kept."""
    kept = f", where {where}" if where else ""
    if not reports and where:
        return f"World on {on}{_as_known(known_at, according_to)}{kept}: no actor."
    if not reports:
        if known_at:
            return f"World on {on}{_as_known(known_at)}: no facts were known then."
        return f"World on {on}: no facts recorded yet (load some with `stanceline load FILE`)."
    header = ["CODE", "ACTOR", "SUMMARY", *(c.value.upper() for c in Component)]
    rows = [
        [r.actor, r.actor_name, cell(r.summary), *(cell(r.components[c.value]) for c in Component)]
        for r in reports
    ]
    seen = _as_known(known_at, according_to)
    title = f"World on {on}{seen}{kept} ({plural(len(reports), 'actor')})"
    return "\n".join([title, "", table(header, rows), *_notes(_answers(reports))])


def history_text(report: HistoryReport) -> str:
    """Every fact of an actor in effective-date order, each with its source and provenance."""
    if not report.entries:
        return (
            f"{report.actor_name} ({report.actor}){_as_known(report.known_at)}: no facts recorded."
        )
    count = plural(len(report.entries), "fact")
    others = Counter(e.status for e in report.entries if e.status != COUNTS)
    if others:
        count += f" ({', '.join(f'{n} {status}' for status, n in sorted(others.items()))})"
    known = _as_known(report.known_at)
    lines = [f"History of {report.actor_name} ({report.actor}){known}: {count}", ""]
    rows = []
    for e in report.entries:
        date = e.date + (" *" if e.order_uncertain else "")
        component = e.component or "(statement)"
        if e.measure:
            component += f" [{e.measure}]"
        if e.status != COUNTS:
            change = f"({e.status})"
        elif e.changed:
            change = f"{e.from_} -> {e.to}"
        else:
            change = "-" if e.to is None else f"{e.to} (no change)"
        rows.append([date, component, change, e.fact_id, e.summary])
    rendered = table(["DATE", "COMPONENT", "CHANGE", "FACT", "SUMMARY"], rows).split("\n")
    lines.append(rendered[0])
    for e, line in zip(report.entries, rendered[1:], strict=True):
        lines.append(line)
        lines += sources_lines(e.sources or [e.source], "    ")
        notes = [*e.corrections, *([e.status_change] if e.status_change else [])]
        lines += [f"    {note_line(note)}" for note in sorted(notes, key=lambda n: n.version)]
    if any(e.order_uncertain for e in report.entries):
        lines += [
            "",
            "* this fact's date range overlaps another's of the same component:"
            " their order is not known.",
        ]
    return "\n".join(lines)


def timeline_text(report: TimelineReport) -> str:
    """An actor's summary (or one component) as bands of days, then the facts in the range
    (for a component, those that move it)."""
    known = _as_known(report.known_at)
    title = (
        f"Timeline of {report.actor_name} ({report.actor}), {report.from_} to {report.to}{known}"
    )
    rows = [
        [
            band.start,
            band.end,
            possible_cell(PossibleAnswer(value=band.value, possible=band.possible)),
        ]
        for band in report.bands
    ]
    lines = [title, "", table(["FROM", "TO", report.part.upper()], rows)]
    if report.facts:
        facts = [[f.date, f.component or "(statement)", f.fact_id, f.summary] for f in report.facts]
        lines += ["", table(["DATE", "COMPONENT", "FACT", "SUMMARY"], facts)]
    else:
        of = "" if report.part == "summary" else f" moving {report.part}"
        lines += ["", f"No facts{of} in this range."]
    if any(len(band.possible) > 1 for band in report.bands):
        lines += ["", BANDS_NOTE]
    return "\n".join(lines)


def fact_text(report: FactReport) -> str:
    """A fact's life as a short audit trail, oldest step first."""
    current = report.current
    lines = [
        f"Fact {report.id} ({report.actor}): {report.status}",
        f"  now: {current['kind']} on {current['date']}: {current['summary']}",
        *sources_lines(current["sources"] if "sources" in current else [current["source"]], "  "),
        "",
    ]
    for v in report.versions:
        lines.append(
            f"v{v.version}  {v.recorded_at}  {v.change} by {v.recorded_by} (position {v.position})"
        )
        if v.reason:
            lines.append(f"    reason: {v.reason}")
        lines += [f"    {change_text(change)}" for change in v.changes]
        if v.change in (RECORDED, FactCorrected.CHANGE):
            lines.append(f"    {v.fact['kind']} on {v.fact['date']}: {v.fact['summary']}")
    return "\n".join(lines)


def explanation_text(report: Explanation) -> str:
    """An explanation as a short audit note with sources."""
    summary = report.summary
    lines = [
        f"{report.actor_name} ({report.actor}) on {report.on}"
        f"{_as_known(report.known_at, report.according_to)}",
        f"Summary: {cell(summary)}",
        f"  rule: {summary.rule}",
        "  read: " + ", ".join(f"{k} = {v}" for k, v in summary.inputs.items()),
    ]
    for name, c in report.components.items():
        certainty = (
            "certain"
            if not c.alternatives
            else f"uncertain, could also be {' or '.join(c.alternatives)}"
        )
        lines += ["", f"{name}: {c.value} ({certainty})"]
        if not c.set_by:
            lines.append("  no fact in force by this day: the default value")
        for ref in c.set_by:
            lines += ["  set by " + _ref_line(ref), *_ref_details(ref)]
        why = (
            "on some account of the claims that disagree it is the last"
            if c.disputed
            else "its date range straddles the day"
        )
        for ref in c.uncertain_because:
            lines += [f"  uncertain because {_ref_line(ref)}: {why}", *_ref_details(ref)]
        for aside in c.set_aside:
            lines += [
                f"  set aside: {_ref_line(aside)}",
                f"      {aside.change} at {aside.changed_at} by {aside.changed_by}: {aside.reason}",
            ]
        lines += dispute_lines(c)
    return "\n".join(lines)


def _ref_line(ref: FactRef) -> str:
    doubt = ", doubtful" if ref.doubtful else ""
    return f"{ref.id}: {ref.kind} on {ref.date} ({ref.earliest} to {ref.latest}{doubt})"


def _ref_details(ref: FactRef) -> list[str]:
    return [
        f"      {ref.summary}",
        *sources_lines(ref.sources, "      "),
        f"      recorded {ref.recorded_at} by {ref.recorded_by}",
    ]


def possible_cell(answer: PossibleAnswer) -> str:
    """A value, marked '?' with the other possible values."""
    others = [v for v in answer.possible if v != answer.value]
    return answer.value if not others else f"{answer.value}? or {' or '.join(others)}"


def date_diff_text(report: DateDiff) -> str:
    """Every change on a day in (from, to], with the facts behind it."""
    title = f"Changes on days after {report.from_} up to {report.to}{_as_known(report.known_at)}"
    if not report.changes:
        return f"{title}: none."
    rows = [
        [
            c.day,
            c.actor,
            c.part,
            f"{possible_cell(c.before)} -> {possible_cell(c.after)}",
            ", ".join(f.id for f in c.facts) or "-",
        ]
        for c in report.changes
    ]
    count = plural(len(report.changes), "change")
    return "\n".join(
        [f"{title}: {count}", "", table(["DAY", "ACTOR", "PART", "CHANGE", "FACTS"], rows)]
    )


def knowledge_diff_text(report: KnowledgeDiff) -> str:
    """What the record learned between two audits and which answers it changed."""
    lines = [
        f"Learned after {report.known_from} (position {report.from_position}) up to "
        f"{report.known_to} (position {report.to_position}): {plural(len(report.learned), 'event')}"
    ]
    for item in report.learned:
        why = f": {item.reason}" if item.reason else ""
        lines.append(
            f"  @{item.position} {item.recorded_at} {item.change} {item.fact_id} ({item.actor}) "
            f"by {item.recorded_by}{why}"
        )
    scope = f" on {report.on}" if report.on else ""
    if not report.changes:
        lines += ["", f"No answer{scope} changed."]
        return "\n".join(lines)
    rows = [
        [
            c.actor,
            c.part,
            c.first_day if c.first_day == c.last_day else f"{c.first_day} to {c.last_day}",
            f"{possible_cell(c.before)} -> {possible_cell(c.after)}",
        ]
        for c in report.changes
    ]
    lines += ["", f"Answers that changed{scope}:", table(["ACTOR", "PART", "DAYS", "CHANGE"], rows)]
    return "\n".join(lines)
