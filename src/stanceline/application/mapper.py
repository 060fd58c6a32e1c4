"""Stored events <-> pydantic domain events, through orjson.

eventsourcing's default JSON transcoder knows neither pydantic models nor
dates; pydantic does the conversion here and orjson the bytes. The stored
topic is the event class's own TOPIC, never its Python location.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from pydantic import ValidationError

from stanceline.domain.events import DomainEvent, event_class
from stanceline.errors import StoredEventError


def stored_event(topic: str, state: dict[str, Any], class_version: int = 1) -> StoredEvent:
    """An event stored from its `model_dump(mode="json")`: the stream's id and version are
    columns of their own, the rest (in field order) the state's JSON bytes."""
    stored = dict(state)  # in field order, less the two that have columns
    del stored["originator_id"], stored["originator_version"]
    if class_version > 1:
        stored["class_version"] = class_version
    return StoredEvent(
        originator_id=state["originator_id"],
        originator_version=state["originator_version"],
        topic=topic,
        # A right-sized copy: orjson's bytes keep a buffer rounded up to a power of two
        # (8 KiB for a 700-byte event), and a load holds every stored event of a file.
        state=bytes(memoryview(orjson.dumps(stored))),
    )


class PydanticMapper(Mapper[str]):
    """Maps DomainEvent models to stored events and back, keeping upcasting."""

    def __init__(self) -> None:
        super().__init__(transcoder=JSONTranscoder())

    def to_stored_event(self, domain_event: DomainEventProtocol[str]) -> StoredEvent:
        event = cast(DomainEvent, domain_event)
        return stored_event(event.TOPIC, event.model_dump(mode="json"), event.class_version)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[str]:
        return self.load(
            stored_event.topic,
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.state,
        )

    @staticmethod
    def load(topic: str, originator_id: Any, version: int, state: bytes) -> DomainEvent:
        """Rebuild one event from its stored parts."""
        try:
            cls = event_class(topic)
        except KeyError:
            raise StoredEventError(
                f"stored event {originator_id} v{version} has unknown type {topic!r}"
            ) from None
        data: dict[str, Any] = orjson.loads(state)
        from_version = data.pop("class_version", 1)
        while from_version < cls.class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(data)
            from_version += 1
        data["originator_id"] = str(originator_id)
        data["originator_version"] = version
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise StoredEventError(
                f"stored event {originator_id} v{version} does not validate: {error}"
            ) from None
