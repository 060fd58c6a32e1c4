"""Stored domain events: one class per fact kind, each with a stable topic.

Each fact is its own stream (originator id = fact id); the first event of the
stream is the fact itself. Every event carries `chain`, a hash over the previous
event's chain and its own content, so an edited stored event no longer matches.
Each class declares its names beside its fields: TOPIC names its stored events,
WIRE_TYPE its CloudEvents `type`, CHANGE the version of a fact it makes (as
`fact`, `changes`, `diff` and the feed show it) and, for a change, ACTION the key
of the import line that asks for it. Nothing is named after the Python class,
so moving or renaming one changes neither what is stored nor what subscribers
receive. A topic or wire type once released is never changed; an old topic
stays loadable through TOPIC_ALIASES.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
)

from stanceline.domain.canonical import canonical_json
from stanceline.domain.facts import (
    ABSENT_WHEN_NONE,
    Details,
    EnvoyAcceptedDetails,
    EnvoyPostedDetails,
    FactContent,
    FactKind,
    Key,
    Rank,
    SanctionsDetails,
    Source,
    without_absent,
)

# A fact's first version is "recorded"; each change names its own (FactChanged.CHANGE).
RECORDED = "recorded"
# Every CloudEvents type starts so: org.stanceline.<name>.v<version>.
TYPE_PREFIX = "org.stanceline."


class DomainEvent(BaseModel):
    """Base of every stored event: stream id and version, recorded time and by whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TOPIC: ClassVar[str] = ""
    WIRE_TYPE: ClassVar[str] = ""
    CHANGE: ClassVar[str] = ""
    class_version: ClassVar[int] = 1

    originator_id: str
    originator_version: int
    timestamp: datetime
    recorded_by: str
    chain: str = ""

    # Fields added since events of the class were first stored: left out when None, so
    # an event without them is stored, and chained, exactly as before.
    ADDED_FIELDS: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _without_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return without_absent(data, self.ADDED_FIELDS) if self.ADDED_FIELDS else data

    def digest(self, previous: str) -> str:
        """SHA-256 over the previous event's chain and this event's whole content."""
        return chain_digest(previous, self.TOPIC, self.model_dump(mode="json", exclude={"chain"}))

    def chained(self, previous: str) -> Self:
        """This event carrying its chain hash, linked to the previous event of its stream."""
        return self.model_copy(update={"chain": self.digest(previous)})


def chain_digest(previous: str, topic: str, state: dict[str, Any]) -> str:
    """The chain of an event of `topic` whose state (`model_dump(mode="json")`, without
    `chain`) is `state`, following an event whose chain is `previous`."""
    canonical = canonical_json({"topic": topic, **state}, ensure_ascii=False)
    return hashlib.sha256(previous.encode() + canonical).hexdigest()


class FactRecorded(DomainEvent):
    """A fact entering the record; subclasses are the fact kinds."""

    KIND: ClassVar[FactKind]
    CHANGE = RECORDED
    # `source` too: a fact told by several sources has `sources` in its place.
    ADDED_FIELDS = ABSENT_WHEN_NONE

    actor: str
    date: str
    summary: str
    source: Source | None = None
    sources: tuple[Source, ...] | None = None
    details: Details = Details()
    event: Key | None = None
    rank: Rank | None = None
    rank_reason: str | None = None

    @property
    def fact_id(self) -> str:
        """The fact's id is its stream's id."""
        return self.originator_id

    def content(self) -> FactContent:
        """The fact as the import format states it (without the id)."""
        return FactContent.model_validate(self.content_json())

    def content_json(self) -> dict[str, Any]:
        """`content().model_dump(mode="json")`, without building and validating the content."""
        return {"kind": self.KIND.value, **self.model_dump(mode="json", include=_CONTENT)}


class TerroristDesignationImposed(FactRecorded):
    """Stored event of a `terrorist_designation_imposed` fact."""

    TOPIC = "stanceline:TerroristDesignationImposed"
    WIRE_TYPE = "org.stanceline.TerroristDesignationImposed.v1"
    KIND = FactKind.TERRORIST_DESIGNATION_IMPOSED


class TerroristDesignationLifted(FactRecorded):
    """Stored event of a `terrorist_designation_lifted` fact."""

    TOPIC = "stanceline:TerroristDesignationLifted"
    WIRE_TYPE = "org.stanceline.TerroristDesignationLifted.v1"
    KIND = FactKind.TERRORIST_DESIGNATION_LIFTED


class TalibanEnvoyAccepted(FactRecorded):
    """Stored event of a `taliban_envoy_accepted` fact."""

    TOPIC = "stanceline:TalibanEnvoyAccepted"
    WIRE_TYPE = "org.stanceline.TalibanEnvoyAccepted.v1"
    KIND = FactKind.TALIBAN_ENVOY_ACCEPTED
    details: EnvoyAcceptedDetails = EnvoyAcceptedDetails()


class AmbassadorCredentialsAccepted(FactRecorded):
    """Stored event of a `ambassador_credentials_accepted` fact."""

    TOPIC = "stanceline:AmbassadorCredentialsAccepted"
    WIRE_TYPE = "org.stanceline.AmbassadorCredentialsAccepted.v1"
    KIND = FactKind.AMBASSADOR_CREDENTIALS_ACCEPTED


class TalibanMissionClosed(FactRecorded):
    """Stored event of a `taliban_mission_closed` fact."""

    TOPIC = "stanceline:TalibanMissionClosed"
    WIRE_TYPE = "org.stanceline.TalibanMissionClosed.v1"
    KIND = FactKind.TALIBAN_MISSION_CLOSED


class EnvoyPostedToKabul(FactRecorded):
    """Stored event of a `envoy_posted_to_kabul` fact."""

    TOPIC = "stanceline:EnvoyPostedToKabul"
    WIRE_TYPE = "org.stanceline.EnvoyPostedToKabul.v1"
    KIND = FactKind.ENVOY_POSTED_TO_KABUL
    details: EnvoyPostedDetails


class KabulMissionClosed(FactRecorded):
    """Stored event of a `kabul_mission_closed` fact."""

    TOPIC = "stanceline:KabulMissionClosed"
    WIRE_TYPE = "org.stanceline.KabulMissionClosed.v1"
    KIND = FactKind.KABUL_MISSION_CLOSED


class FormalRecognitionGranted(FactRecorded):
    """Stored event of a `formal_recognition_granted` fact."""

    TOPIC = "stanceline:FormalRecognitionGranted"
    WIRE_TYPE = "org.stanceline.FormalRecognitionGranted.v1"
    KIND = FactKind.FORMAL_RECOGNITION_GRANTED


class RecognitionWithdrawn(FactRecorded):
    """Stored event of a `recognition_withdrawn` fact."""

    TOPIC = "stanceline:RecognitionWithdrawn"
    WIRE_TYPE = "org.stanceline.RecognitionWithdrawn.v1"
    KIND = FactKind.RECOGNITION_WITHDRAWN


class SanctionsImposed(FactRecorded):
    """Stored event of a `sanctions_imposed` fact."""

    TOPIC = "stanceline:SanctionsImposed"
    WIRE_TYPE = "org.stanceline.SanctionsImposed.v1"
    KIND = FactKind.SANCTIONS_IMPOSED
    details: SanctionsDetails


class SanctionsLifted(FactRecorded):
    """Stored event of a `sanctions_lifted` fact."""

    TOPIC = "stanceline:SanctionsLifted"
    WIRE_TYPE = "org.stanceline.SanctionsLifted.v1"
    KIND = FactKind.SANCTIONS_LIFTED
    details: SanctionsDetails


class AssetsFrozen(FactRecorded):
    """Stored event of a `assets_frozen` fact."""

    TOPIC = "stanceline:AssetsFrozen"
    WIRE_TYPE = "org.stanceline.AssetsFrozen.v1"
    KIND = FactKind.ASSETS_FROZEN


class AssetsUnfrozen(FactRecorded):
    """Stored event of a `assets_unfrozen` fact."""

    TOPIC = "stanceline:AssetsUnfrozen"
    WIRE_TYPE = "org.stanceline.AssetsUnfrozen.v1"
    KIND = FactKind.ASSETS_UNFROZEN


class StanceStated(FactRecorded):
    """Stored event of a `stance_stated` fact."""

    TOPIC = "stanceline:StanceStated"
    WIRE_TYPE = "org.stanceline.StanceStated.v1"
    KIND = FactKind.STANCE_STATED


# A fact's content as its first event stores it, in field order (the kind is the class):
# what a new fact's stored form (fact_event_state) and content (content_json) are made of.
RECORDED_FIELDS = tuple(
    name for name in FactRecorded.model_fields if name not in DomainEvent.model_fields
)
_CONTENT = set(RECORDED_FIELDS)

FACT_EVENTS: dict[FactKind, type[FactRecorded]] = {
    cls.KIND: cls
    for cls in (
        TerroristDesignationImposed,
        TerroristDesignationLifted,
        TalibanEnvoyAccepted,
        AmbassadorCredentialsAccepted,
        TalibanMissionClosed,
        EnvoyPostedToKabul,
        KabulMissionClosed,
        FormalRecognitionGranted,
        RecognitionWithdrawn,
        SanctionsImposed,
        SanctionsLifted,
        AssetsFrozen,
        AssetsUnfrozen,
        StanceStated,
    )
}


def fact_event(
    fact_id: str, content: FactContent, *, recorded_at: datetime, recorded_by: str
) -> FactRecorded:
    """The first event of a fact's stream."""
    cls = FACT_EVENTS[content.kind]
    event = cls(
        originator_id=fact_id,
        originator_version=1,
        timestamp=recorded_at,
        recorded_by=recorded_by,
        actor=content.actor,
        date=content.date,
        summary=content.summary,
        source=content.source,
        sources=content.sources,
        details=content.typed_details(),
        event=content.event,
        rank=content.rank,
        rank_reason=content.rank_reason,
    )
    return event.chained("")


_MOMENT = TypeAdapter(datetime)


def json_time(moment: datetime) -> str:
    """A timestamp as an event's `model_dump(mode="json")` writes it."""
    # Keyed by the offset too: one instant in two zones is one key, written two ways.
    return _json_time(moment, moment.utcoffset())


@lru_cache(maxsize=64)  # a load's events share one recorded time
def _json_time(moment: datetime, offset: timedelta | None) -> str:
    return str(_MOMENT.dump_python(moment, mode="json"))
