"""Stored events on the wire: CloudEvents 1.0 JSON objects (DESIGN §5).

Each event's `id` is `<fact id>/v<version>`, unique and stable however the log
is stored; `position` says where it stands in this store's log. `data` is the
fact as the import format writes it (with its id), as it reads after this
event; a change event adds `change` (what happened, why, and the fields a
correction replaced) and `counts` (false once retracted).

An event is shown from the read-model version it made, which holds all of this
as the event said it (the recorded time in its stored text, the fact after
the event); only a correction's replaced fields come from the event itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from stanceline.domain.changes import CHANGES_BY_NAME
from stanceline.domain.events import FACT_EVENTS, RECORDED

SPEC_VERSION = "1.0"
# Each event class declares its wire type (WIRE_TYPE), never derived from its Python name.
_RECORDED_TYPES = {kind.value: cls.WIRE_TYPE for kind, cls in FACT_EVENTS.items()}
_CHANGE_TYPES = {change: cls.WIRE_TYPE for change, cls in CHANGES_BY_NAME.items()}


def to_cloudevent(
    record: Mapping[str, Any], source: str, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The CloudEvent of one stored event, from the version it made (projections WIRE_COLUMNS).

    `fields` are what a correction replaced (FactCorrected.changes()).
    """
    change = record["change"]
    data: dict[str, Any] = orjson.loads(record["payload"])
    if change != RECORDED:
        shown: dict[str, Any] = {"action": change, "reason": record["reason"]}
        if fields is not None:
            shown["fields"] = fields
        data["change"] = shown
        data["counts"] = bool(record["active"])
    return {
        "specversion": SPEC_VERSION,
        "id": f"{record['fact_id']}/v{record['version']}",
        "source": source,
        "type": _RECORDED_TYPES[record["kind"]] if change == RECORDED else _CHANGE_TYPES[change],
        "subject": record["actor"],
        "time": record["recorded_at"],
        "datacontenttype": "application/json",
        "data": data,
        "position": record["position"],
        "effective": record["edtf"],
        "effectivestart": record["earliest"],
        "effectiveend": record["latest"],
        "recordedby": record["recorded_by"],
    }
