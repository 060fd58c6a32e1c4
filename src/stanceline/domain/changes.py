"""Stored changes of a fact (corrected, retracted, reinstated, ranked), and every stored type.

A change is an event of the fact's own stream after its first; each class declares
its names beside its fields, as events.py's do. EVENT_TYPES maps every stored topic,
facts' and changes', to the class that loads it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError

from stanceline.domain.events import FACT_EVENTS, DomainEvent
from stanceline.domain.facts import FactKind, Key, Rank, Source
from stanceline.errors import StoredEventError


class FactChanged(DomainEvent):
    """An event that changes a stored fact; it always says why.

    Each change declares, beside its topic and wire type, the key of the import line
    that asks for it (ACTION) and whether the fact counts after it (COUNTS_AFTER;
    None: as before). When it is allowed is lifecycle.py's guard.
    """

    ACTION: ClassVar[str]
    COUNTS_AFTER: ClassVar[bool | None]

    reason: str
    change_id: str


class FactCorrected(FactChanged):
    """A correction: the fields given replace the fact's; the original stays in the log."""

    TOPIC = "stanceline:FactCorrected"
    WIRE_TYPE = "org.stanceline.FactCorrected.v1"
    CHANGE = "corrected"
    ACTION = "corrects"
    COUNTS_AFTER = None
    ADDED_FIELDS = frozenset({"sources", "event", "add_sources"})

    kind: FactKind | None = None
    date: str | None = None
    summary: str | None = None
    source: Source | None = None
    details: dict[str, Any] | None = None
    # DESIGN §7: the happening it tells of, the sources in place of the fact's, and
    # sources added to them (the source of a corrected value, kept with it).
    sources: tuple[Source, ...] | None = None
    event: Key | None = None
    add_sources: tuple[Source, ...] | None = None

    def changes(self) -> dict[str, Any]:
        """The corrected fields, as in the import format."""
        return self.model_dump(mode="json", include=set(CORRECTED_FIELDS), exclude_none=True)


# What a correction may change, in the order a change line lists them.
CORRECTED_FIELDS: tuple[str, ...] = (
    *("kind", "date", "summary", "source", "details"),
    *("sources", "event", "add_sources"),
)


class FactRanked(FactChanged):
    """A claim's rank changed (DESIGN §7); the reason says why, and is kept with it."""

    TOPIC = "stanceline:FactRanked"
    WIRE_TYPE = "org.stanceline.FactRanked.v1"
    CHANGE = "ranked"
    ACTION = "ranks"
    COUNTS_AFTER = None

    rank: Rank


class FactRetracted(FactChanged):
    """A retraction: from now on the fact no longer counts."""

    TOPIC = "stanceline:FactRetracted"
    WIRE_TYPE = "org.stanceline.FactRetracted.v1"
    CHANGE = "retracted"
    ACTION = "retracts"
    COUNTS_AFTER = False


class FactReinstated(FactChanged):
    """Undoes a retraction."""

    TOPIC = "stanceline:FactReinstated"
    WIRE_TYPE = "org.stanceline.FactReinstated.v1"
    CHANGE = "reinstated"
    ACTION = "reinstates"
    COUNTS_AFTER = True


CHANGE_EVENTS: tuple[type[FactChanged], ...] = (
    FactCorrected,
    FactRetracted,
    FactReinstated,
    FactRanked,
)
# The change kinds by the names they are known by: a version's change, a change line's key.
CHANGES_BY_NAME: dict[str, type[FactChanged]] = {cls.CHANGE: cls for cls in CHANGE_EVENTS}
CHANGES_BY_ACTION: dict[str, type[FactChanged]] = {cls.ACTION: cls for cls in CHANGE_EVENTS}

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.TOPIC: cls for cls in (*FACT_EVENTS.values(), *CHANGE_EVENTS)
}

# Old topic -> current topic, for stored events whose type was renamed.
TOPIC_ALIASES: dict[str, str] = {}


def event_class(topic: str) -> type[DomainEvent]:
    """The class that loads events stored under `topic` (following aliases)."""
    return EVENT_TYPES[TOPIC_ALIASES.get(topic, topic)]


def load_event(topic: str, originator_id: str, version: int, data: dict[str, Any]) -> DomainEvent:
    """An event stored under `topic`, from its state as stored: upcast to its class's
    current version, then validated (StoredEventError when it cannot be)."""
    try:
        cls = event_class(topic)
    except KeyError:
        raise StoredEventError(
            f"stored event {originator_id} v{version} has unknown type {topic!r}"
        ) from None
    from_version = data.pop("class_version", 1)
    while from_version < cls.class_version:
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(data)
        from_version += 1
    data["originator_id"] = originator_id
    data["originator_version"] = version
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        raise StoredEventError(
            f"stored event {originator_id} v{version} does not validate: {error}"
        ) from None
