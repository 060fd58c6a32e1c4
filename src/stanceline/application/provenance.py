"""A fact's provenance from its versions: its status, what each version changed, and who.

A fact's status is a word, not a flag: `counts`; `retracted` while it is
retracted; `deprecated`, a claim ranked so; or `outranked`, a normal claim of an
event that has a preferred one (DESIGN §7). Another status is one more word here.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from stanceline.application.reports import ChangeNote, FieldChangeReport, Provenance
from stanceline.domain.changes import CHANGES_BY_NAME, FactCorrected, FactRanked
from stanceline.domain.facts import Rank
from stanceline.domain.field_changes import field_changes
from stanceline.projections.rows import FactRow, format_time

COUNTS = "counts"
RETRACTED = "retracted"
DEPRECATED = "deprecated"
OUTRANKED = "outranked"


def status_of(row: FactRow, counts: bool | None = None) -> str:
    """The status of a fact whose latest version (as known) is `row`; `counts` says
    whether it is among the claims that count (None: whenever it is not retracted)."""
    if not row.active:
        return RETRACTED
    if counts is None or counts:
        return COUNTS
    return DEPRECATED if row.claim_rank is Rank.DEPRECATED else OUTRANKED


def changed_fields(before: FactRow | None, after: FactRow) -> list[FieldChangeReport]:
    """The fields `after` changed from the version before it (none for a first version)."""
    if before is None:
        return []
    return [
        FieldChangeReport(field=c.field, **{"from": c.before}, to=c.after)
        for c in field_changes(before.payload, after.payload)
    ]


def provenance(versions: Sequence[FactRow], status: str | None = None) -> Provenance:
    """A fact's provenance from its versions as known, oldest first (at least one), with
    its status when the caller knows it (status_of the last version otherwise)."""
    first, last = versions[0], versions[-1]
    notes = [_note(before, after) for before, after in pairwise(versions)]
    corrections = [n for n in notes if n.change == FactCorrected.CHANGE]
    status_changes = [n for n in notes if _sets_status(n.change)]
    return Provenance(
        status=status or status_of(last),
        recorded_at=format_time(first.recorded_at),
        recorded_by=first.recorded_by,
        corrections=corrections,
        status_change=status_changes[-1] if status_changes else None,
    )


def _sets_status(change: str) -> bool:
    event = CHANGES_BY_NAME.get(change)
    return event is not None and (event.COUNTS_AFTER is not None or event is FactRanked)


def _note(before: FactRow, row: FactRow) -> ChangeNote:
    return ChangeNote(
        version=row.version,
        change=row.change,
        recorded_at=format_time(row.recorded_at),
        recorded_by=row.recorded_by,
        reason=row.reason,
        changes=changed_fields(before, row),
    )
