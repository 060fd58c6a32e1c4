"""Names on the wire and in the store come from declarations, never from Python class names."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from stanceline.domain.changes import CHANGE_EVENTS, CHANGES_BY_ACTION, CHANGES_BY_NAME, EVENT_TYPES
from stanceline.domain.events import RECORDED, TYPE_PREFIX

WIRE_TYPE = re.compile(re.escape(TYPE_PREFIX) + r"[A-Z][A-Za-z]+\.v[1-9][0-9]*")

# In a fresh interpreter: rename every event class, then make a CloudEvent of each and
# store an event of each, and print the names the wire and the store give them.
RENAMED = """
import json
from datetime import UTC, datetime

from stanceline.adapters.library import PydanticMapper
from stanceline.domain import changes, events

for cls in changes.EVENT_TYPES.values():
    cls.__name__ = cls.__qualname__ = "Renamed" + cls.__name__

from stanceline.stream.cloudevents import to_cloudevent  # first imported after the renaming

record = {
    "payload": '{"id": "f1"}', "reason": "why", "active": 1, "fact_id": "f1", "version": 2,
    "actor": "RUS", "recorded_at": "2025-07-04T00:00:00.000000Z", "position": 2,
    "edtf": "2025", "earliest": "2025-01-01", "latest": "2025-12-31", "recorded_by": "me",
}
types = {}
for kind, cls in events.FACT_EVENTS.items():
    made = to_cloudevent({**record, "change": "recorded", "kind": kind.value}, "s")
    types[cls.TOPIC] = made["type"]
for cls in changes.CHANGE_EVENTS:
    types[cls.TOPIC] = to_cloudevent({**record, "change": cls.CHANGE, "kind": "x"}, "s")["type"]
mapper = PydanticMapper()
change = changes.FactRetracted(
    originator_id="f1", originator_version=2, timestamp=datetime(2025, 7, 4, tzinfo=UTC),
    recorded_by="me", reason="why", change_id="c1",
)
print(json.dumps({"types": types, "topic": mapper.to_stored_event(change).topic}))
"""


def test_every_event_class_declares_a_wire_type_of_the_documented_form() -> None:
    types = [cls.WIRE_TYPE for cls in EVENT_TYPES.values()]
    assert all(WIRE_TYPE.fullmatch(name) for name in types), types
    assert len(set(types)) == len(types)


def test_renaming_a_class_changes_neither_its_wire_type_nor_its_stored_topic() -> None:
    declared = {cls.TOPIC: cls.WIRE_TYPE for cls in EVENT_TYPES.values()}

    ran = subprocess.run(
        [sys.executable, "-c", RENAMED], capture_output=True, text=True, check=True
    )
    seen = json.loads(ran.stdout)

    assert seen["types"] == declared
    assert seen["topic"] == "stanceline:FactRetracted"


def test_each_change_kind_is_known_by_one_name_and_one_action() -> None:
    assert set(CHANGES_BY_NAME.values()) == set(CHANGES_BY_ACTION.values()) == set(CHANGE_EVENTS)
    assert len(CHANGES_BY_NAME) == len(CHANGES_BY_ACTION) == len(CHANGE_EVENTS)
    assert RECORDED not in CHANGES_BY_NAME
