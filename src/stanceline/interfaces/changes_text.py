"""Human output for what a change of a stored fact changed, field by field."""

from __future__ import annotations

import json

from stanceline.application.reports import ChangeNote, FieldChangeReport
from stanceline.interfaces.cells import source_line


def note_line(note: ChangeNote) -> str:
    """`corrected (version 2, by ann, 2026-...): date 2025-04 -> 2025-05 — the reason`."""
    head = f"{note.change} (version {note.version}, by {note.recorded_by}, {note.recorded_at})"
    # A rank's reason is the change's own reason: said once, after the change.
    shown = [c for c in note.changes if c.field != "rank_reason"]
    changed = "; ".join(change_text(c, " ") for c in shown)
    why = " — ".join(part for part in (changed, note.reason or "") if part)
    return f"{head}: {why}" if why else head


def change_text(change: FieldChangeReport, separator: str = ": ") -> str:
    """`date: 2025-04 -> 2025-04-17`; a field not given is written (none); sources added
    to a fact's are written as added (`sources: + Ministry, "Decree"`)."""
    before, after = change.from_, change.to
    if change.field == "rank":  # no rank given is the normal rank
        before, after = before or "normal", after or "normal"
    if change.field == "sources" and isinstance(after, list):
        kept = before if isinstance(before, list) else []
        if after[: len(kept)] == kept:
            added = "; ".join(source_line(s) for s in after[len(kept) :])
            return f"{change.field}{separator}+ {added}"
    return f"{change.field}{separator}{_value(before)} -> {_value(after)}"


def _value(value: object) -> str:
    if value is None:
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
