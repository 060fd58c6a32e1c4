"""Stored events on the wire: CloudEvents 1.0 JSON objects (DESIGN §5).

Each event's `id` is `<fact id>/v<version>`, unique and stable however the log
is stored; `position` says where it stands in this store's log. `data` is the
fact as the import format writes it (with its id), as it reads after this
event; a change event adds `change` (what happened, why, and the fields a
correction replaced) and `counts` (false once retracted).
"""

from __future__ import annotations

from typing import Any

from stanceline.domain.events import DomainEvent, FactChanged, FactCorrected
from stanceline.projections.rows import FactRow, format_time

SPEC_VERSION = "1.0"
TYPE_PREFIX = "org.stanceline."


def event_type(event: DomainEvent) -> str:
    """A versioned type name derived from the event class, e.g. org.stanceline.FactCorrected.v1."""
    return f"{TYPE_PREFIX}{type(event).__name__}.v{event.class_version}"


def to_cloudevent(position: int, event: DomainEvent, row: FactRow, source: str) -> dict[str, Any]:
    """The CloudEvent of the stored event at `position`, given the fact version it made."""
    data: dict[str, Any] = dict(row.payload)
    if isinstance(event, FactChanged):
        change: dict[str, Any] = {"action": row.change, "reason": event.reason}
        if isinstance(event, FactCorrected):
            change["fields"] = event.changes()
        data["change"] = change
        data["counts"] = row.active
    return {
        "specversion": SPEC_VERSION,
        "id": f"{event.originator_id}/v{event.originator_version}",
        "source": source,
        "type": event_type(event),
        "subject": row.actor,
        "time": format_time(event.timestamp),
        "datacontenttype": "application/json",
        "data": data,
        "position": position,
        "effective": row.edtf,
        "effectivestart": row.earliest.isoformat(),
        "effectiveend": row.latest.isoformat(),
        "recordedby": event.recorded_by,
    }
