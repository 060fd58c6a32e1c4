"""A fact's provenance from its versions: its status, what each version changed, and who.

A fact's status is a word, not a flag: `counts`, or `retracted` while it is
retracted. Another status is one more word here (and the change that sets it,
whose COUNTS_AFTER says whether the fact counts after it).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from stanceline.application.reports import ChangeNote, FieldChangeReport, Provenance
from stanceline.domain.changes import field_changes
from stanceline.domain.events import CHANGES_BY_NAME, FactCorrected
from stanceline.projections.rows import FactRow, format_time

COUNTS = "counts"
RETRACTED = "retracted"


def status_of(row: FactRow) -> str:
    """The status of a fact whose latest version (as known) is `row`."""
    return COUNTS if row.active else RETRACTED


def changed_fields(before: FactRow | None, after: FactRow) -> list[FieldChangeReport]:
    """The fields `after` changed from the version before it (none for a first version)."""
    if before is None:
        return []
    return [
        FieldChangeReport(field=c.field, **{"from": c.before}, to=c.after)
        for c in field_changes(before.payload, after.payload)
    ]


def provenance(versions: Sequence[FactRow]) -> Provenance:
    """A fact's provenance from its versions as known, oldest first (at least one)."""
    first, last = versions[0], versions[-1]
    notes = [_note(before, after) for before, after in pairwise(versions)]
    corrections = [n for n in notes if n.change == FactCorrected.CHANGE]
    status_changes = [n for n in notes if _sets_status(n.change)]
    return Provenance(
        status=status_of(last),
        recorded_at=format_time(first.recorded_at),
        recorded_by=first.recorded_by,
        corrections=corrections,
        status_change=status_changes[-1] if status_changes else None,
    )


def _sets_status(change: str) -> bool:
    event = CHANGES_BY_NAME.get(change)
    return event is not None and event.COUNTS_AFTER is not None


def _note(before: FactRow, row: FactRow) -> ChangeNote:
    return ChangeNote(
        version=row.version,
        change=row.change,
        recorded_at=format_time(row.recorded_at),
        recorded_by=row.recorded_by,
        reason=row.reason,
        changes=changed_fields(before, row),
    )
