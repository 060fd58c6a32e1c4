"""The fact catalogue: kinds, their details, sources, and what each kind does to a stance."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)

from stanceline.domain.dates import parse_effective_date


class FactKind(StrEnum):
    """The kinds of fact; the value is the import format's `kind`."""

    TERRORIST_DESIGNATION_IMPOSED = "terrorist_designation_imposed"
    TERRORIST_DESIGNATION_LIFTED = "terrorist_designation_lifted"
    TALIBAN_ENVOY_ACCEPTED = "taliban_envoy_accepted"
    AMBASSADOR_CREDENTIALS_ACCEPTED = "ambassador_credentials_accepted"
    TALIBAN_MISSION_CLOSED = "taliban_mission_closed"
    ENVOY_POSTED_TO_KABUL = "envoy_posted_to_kabul"
    KABUL_MISSION_CLOSED = "kabul_mission_closed"
    FORMAL_RECOGNITION_GRANTED = "formal_recognition_granted"
    RECOGNITION_WITHDRAWN = "recognition_withdrawn"
    SANCTIONS_IMPOSED = "sanctions_imposed"
    SANCTIONS_LIFTED = "sanctions_lifted"
    ASSETS_FROZEN = "assets_frozen"
    ASSETS_UNFROZEN = "assets_unfrozen"
    STANCE_STATED = "stance_stated"


class Component(StrEnum):
    """The six parts of a stance, in the order they are shown."""

    RECOGNITION = "recognition"
    DESIGNATION = "designation"
    TALIBAN_ENVOY = "taliban_envoy"
    ENVOY_TO_KABUL = "envoy_to_kabul"
    SANCTIONS = "sanctions"
    ASSETS = "assets"


class Rank(StrEnum):
    """How far a claim counts against the others of its happening (DESIGN §7, as Wikidata's)."""

    PREFERRED = "preferred"
    NORMAL = "normal"
    DEPRECATED = "deprecated"


class Level(StrEnum):
    """Diplomatic rank of an envoy."""

    CHARGE_D_AFFAIRES = "charge_d_affaires"
    AMBASSADOR = "ambassador"


DEFAULTS: dict[Component, str] = {
    Component.RECOGNITION: "none",
    Component.DESIGNATION: "not_designated",
    Component.TALIBAN_ENVOY: "none",
    Component.ENVOY_TO_KABUL: "none",
    Component.SANCTIONS: "none",
    Component.ASSETS: "not_frozen",
}

VALUES: dict[Component, tuple[str, ...]] = {
    Component.RECOGNITION: ("none", "recognized"),
    Component.DESIGNATION: ("not_designated", "designated"),
    Component.TALIBAN_ENVOY: ("none", "charge_d_affaires", "ambassador"),
    Component.ENVOY_TO_KABUL: ("none", "charge_d_affaires", "ambassador"),
    Component.SANCTIONS: ("none", "active"),
    Component.ASSETS: ("not_frozen", "frozen"),
}

# A character Python's str.strip() keeps (what "not blank" means once stripped), in a
# pattern JSON Schema's regular expressions read the same way; stated in the schema only.
NOT_BLANK = r"[^\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    Field(json_schema_extra={"pattern": NOT_BLANK}),
]
# A fact's id, and the key of the happening a claim tells of: the same characters.
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
Published = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
MeasureCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$"),
]


class Source(BaseModel):
    """Where a fact comes from; only the title is required."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Text
    publisher: Text | None = None
    url: Url | None = None
    published: Published | None = None
    quote: Text | None = None

    @field_validator("published")
    @classmethod
    def _published_is_a_real_date(cls, value: str | None) -> str | None:
        if value is not None:
            parse_effective_date(value)  # an impossible day raises a ValueError
        return value


class Details(BaseModel):
    """Details of a kind that takes none: any key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EnvoyAcceptedDetails(Details):
    """The rank at which a Taliban appointee runs the Afghan mission."""

    level: Level = Level.CHARGE_D_AFFAIRES


class EnvoyPostedDetails(Details):
    """The rank of the actor's envoy in Kabul."""

    level: Level


class SanctionsDetails(Details):
    """Which sanctions measure (a short code such as `officials_travel_ban`)."""

    measure: MeasureCode


@dataclass(frozen=True, slots=True)
class Effect:
    """What a fact does: set `component` to `value`; sanctions also name a measure."""

    component: Component
    value: str
    measure: str | None = None


DETAILS_MODELS: dict[FactKind, type[Details]] = {
    FactKind.TALIBAN_ENVOY_ACCEPTED: EnvoyAcceptedDetails,
    FactKind.ENVOY_POSTED_TO_KABUL: EnvoyPostedDetails,
    FactKind.SANCTIONS_IMPOSED: SanctionsDetails,
    FactKind.SANCTIONS_LIFTED: SanctionsDetails,
}

_FIXED_EFFECTS: dict[FactKind, tuple[Component, str]] = {
    FactKind.TERRORIST_DESIGNATION_IMPOSED: (Component.DESIGNATION, "designated"),
    FactKind.TERRORIST_DESIGNATION_LIFTED: (Component.DESIGNATION, "not_designated"),
    FactKind.AMBASSADOR_CREDENTIALS_ACCEPTED: (Component.TALIBAN_ENVOY, "ambassador"),
    FactKind.TALIBAN_MISSION_CLOSED: (Component.TALIBAN_ENVOY, "none"),
    FactKind.KABUL_MISSION_CLOSED: (Component.ENVOY_TO_KABUL, "none"),
    FactKind.FORMAL_RECOGNITION_GRANTED: (Component.RECOGNITION, "recognized"),
    FactKind.RECOGNITION_WITHDRAWN: (Component.RECOGNITION, "none"),
    FactKind.ASSETS_FROZEN: (Component.ASSETS, "frozen"),
    FactKind.ASSETS_UNFROZEN: (Component.ASSETS, "not_frozen"),
}


def details_model(kind: FactKind) -> type[Details]:
    """The pydantic model that checks a kind's details."""
    return DETAILS_MODELS.get(kind, Details)


def effect_of(kind: FactKind, details: Details) -> Effect | None:
    """The change a fact of this kind makes, or None for a statement."""
    if kind in _FIXED_EFFECTS:
        component, value = _FIXED_EFFECTS[kind]
        return Effect(component, value)
    if isinstance(details, EnvoyAcceptedDetails):
        return Effect(Component.TALIBAN_ENVOY, details.level.value)
    if isinstance(details, EnvoyPostedDetails):
        return Effect(Component.ENVOY_TO_KABUL, details.level.value)
    if isinstance(details, SanctionsDetails):
        value = "active" if kind is FactKind.SANCTIONS_IMPOSED else "none"
        return Effect(Component.SANCTIONS, value, details.measure)
    return None


# The content's fields that are left out, not written as null, when absent: a fact told
# by one source, of a happening of its own, at the normal rank is stored and hashed
# exactly as before claims existed (DESIGN §7: its id does not change).
ABSENT_WHEN_NONE = frozenset({"source", "sources", "event", "rank", "rank_reason"})


def without_absent(
    data: dict[str, Any], names: frozenset[str] = ABSENT_WHEN_NONE
) -> dict[str, Any]:
    """`data` less the fields of `names` that are None."""
    for name in names:
        if name in data and data[name] is None:
            del data[name]
    return data


def one_source_form(data: dict[str, Any]) -> dict[str, Any]:
    """A fact's fields with a list of one source written as that `source` (the same fact),
    and the normal rank written as none; checks that one of source and sources is given."""
    sources, source = data.get("sources"), data.get("source")
    if sources is not None and source is not None:
        raise ValueError("give source or sources, not both")
    if sources is None and source is None:
        raise ValueError("a fact needs a source (or sources, a list of them)")
    if sources is not None and len(sources) == 1:
        data = {**data, "source": sources[0], "sources": None}
    if data.get("rank") == Rank.NORMAL:
        data = {**data, "rank": None}
    return data


class FactContent(BaseModel):
    """A fact as validated: the actor resolved to its code, details checked for the kind.

    One source is `source`, several are `sources`; `event`, `rank` and `rank_reason`
    make it a claim of a happening told by others too (DESIGN §7).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FactKind
    actor: str
    date: str
    summary: Text
    source: Source | None = None
    sources: tuple[Source, ...] | None = Field(default=None, min_length=2)
    details: dict[str, Any] = Field(default_factory=dict)
    event: Key | None = None
    rank: Rank | None = None
    rank_reason: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_source_form(cls, data: Any) -> Any:
        return one_source_form(data) if isinstance(data, dict) else data

    @model_serializer(mode="wrap")
    def _without_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return without_absent(handler(self))

    @property
    def all_sources(self) -> tuple[Source, ...]:
        """Every source of the fact, the first first."""
        return self.sources or ((self.source,) if self.source else ())

    @property
    def current_rank(self) -> Rank:
        """The claim's rank (normal when none is given)."""
        return self.rank or Rank.NORMAL

    def typed_details(self) -> Details:
        """The details as the kind's model."""
        return details_model(self.kind).model_validate(self.details)

    def effect(self) -> Effect | None:
        """What this fact does to the stance."""
        return effect_of(self.kind, self.typed_details())
