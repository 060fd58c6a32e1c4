"""Validating one fact of the import format (DESIGN §5) into a fact ready to record."""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.canonical import canonical_json, plain_canonical_json
from stanceline.domain.dates import EffectiveDate, parse_effective_date
from stanceline.domain.facts import (
    KEY_PATTERN,
    Details,
    FactContent,
    FactKind,
    Key,
    Rank,
    Source,
    Text,
    details_model,
)
from stanceline.errors import FieldError, InvalidDateError, UnknownActorError

FACT_ID_PATTERN = KEY_PATTERN
FactId = Key
# What a key may be, said where one is not (an id, an event).
KEY_RULE = (
    "is not a valid key: 1 to 128 letters, digits and . _ : -, starting with a letter or digit"
)


class FactInput(BaseModel):
    """One fact as a user writes it: a line of a JSON Lines file."""

    model_config = ConfigDict(extra="forbid", title="stanceline fact")

    kind: FactKind = Field(description="What happened; fixes which details are allowed.")
    actor: Text = Field(
        description="ISO 3166-1 alpha-3 code, English name or alias, or an organisation code."
    )
    date: Text = Field(
        description="Effective date in EDTF: 2025-07-03, 2025-04, 2003, "
        "2021-08/2025-07, ../2025-07-04, 2025-04~."
    )
    summary: Text = Field(description="One sentence saying what happened.")
    source: Source | None = Field(default=None, description="Where the fact comes from.")
    sources: list[Source] | None = Field(
        default=None,
        description="Several sources that agree, in place of `source` (never both).",
    )
    details: dict[str, Any] = Field(default_factory=dict, description="Checked per kind.")
    id: FactId | None = Field(
        default=None, description="Optional stable id; derived from the content when absent."
    )
    event: Key | None = Field(
        default=None,
        description="The happening this fact is a claim of: facts sharing an event are "
        "competing accounts of it (same actor, same part of the stance).",
    )
    rank: Rank | None = Field(
        default=None, description="preferred, normal (the default) or deprecated."
    )
    rank_reason: Text | None = Field(
        default=None, description="Why the claim is preferred or deprecated (then required)."
    )


class ValidFact(NamedTuple):
    """A validated fact: its id, its parts, its content as JSON, its hash and resolved date.

    `dumped` is the content exactly as `content.model_dump(mode="json")` writes it, kept
    so that a load hashes, stores and projects the fact without dumping it again. A
    named tuple, as NewFact: made once a line, three times faster than a frozen
    dataclass.
    """

    fact_id: str
    kind: FactKind
    sources: tuple[Source, ...]
    details: Details
    dumped: dict[str, Any]
    content_hash: str
    date: EffectiveDate

    @property
    def content(self) -> FactContent:
        """The fact's canonical content."""
        return FactContent.model_validate(self.dumped)


def valid_fact(fact_id: str, content: FactContent) -> ValidFact:
    """A fact whose content is validated already (a corrected one, say), as validation gives it."""
    dumped = content.model_dump(mode="json")
    return ValidFact(
        fact_id,
        content.kind,
        content.all_sources,
        content.typed_details(),
        dumped,
        dumped_content_hash(dumped),
        parse_effective_date(content.date),
    )


def content_hash(content: FactContent) -> str:
    """A hash of the canonical content: equal facts hash equal, whatever the spelling."""
    return dumped_content_hash(content.model_dump(mode="json"))


def dumped_content_hash(dumped: dict[str, Any]) -> str:
    """content_hash of a FactContent already dumped with `model_dump(mode="json")`."""
    return hashlib.sha256(canonical_json(dumped, ensure_ascii=True)).hexdigest()


def derived_id(digest: str) -> str:
    """The id of a fact given without one: stable, so loading twice records nothing new."""
    return "f" + digest[:16]


def first_error(error: ValidationError, prefix: str = "") -> FieldError:
    first = error.errors()[0]
    field = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
    message = first["msg"].removeprefix("Value error, ")
    last = first["loc"][-1] if first["loc"] else ""
    if first["type"] == "string_pattern_mismatch" and last in _KEYS:
        message = KEY_RULE
    elif first["type"] == "too_short" and last in _LISTS:
        message = "a list of at least one source"
    elif first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "string_unicode":  # a lone surrogate, "\ud800" in JSON
        message = "holds a lone surrogate, half a character, which no file can hold"
    return FieldError(field or prefix or "fact", message)


_NO_DETAILS = Details()
_KEYS = {"id", "event", "corrects", "retracts", "reinstates", "ranks"}
_LISTS = {"sources", "add_sources"}


def validate_fact(raw: Any, catalogue: ActorCatalogue) -> ValidFact:
    """Check one import-format object; raise FieldError naming the first bad field."""
    if not isinstance(raw, dict):
        raise FieldError("fact", f"expected a JSON object, got {type(raw).__name__}")
    try:
        fact = FactInput.model_validate(raw)
    except ValidationError as error:
        raise first_error(error) from None
    return _checked(fact, catalogue)


def validate_fact_text(text: str, catalogue: ActorCatalogue) -> ValidFact | None:
    """`validate_fact(read(text))` for a line that is a valid fact, read in one pass.

    pydantic reads and checks the JSON together, about twice as fast as the JSON
    reader and a validation after it; any other line (a change, malformed JSON, an
    invalid fact, or one whose keys may repeat) gives None, and the caller reads it
    the long way, for its exact error. A law in tests/unit/test_json_input.py holds the
    two equal.
    """
    try:
        fact = FactInput.model_validate_json(text)
    except ValidationError:
        return None
    if not _keys_once(text, fact):
        return None
    try:
        return _checked(fact, catalogue)
    except FieldError:
        return None


def _keys_once(text: str, fact: FactInput) -> bool:
    """Whether no key of `text`, which validates as `fact`, is given twice (pydantic keeps the
    last of a repeated key, where the JSON reader refuses it).

    A fact's keys are names without a backslash or quote, so each key of the text ends
    in `":` unless white space stands before its colon, and a `":` inside a string is an
    escaped quote, `\\":`: the keys the text gives are the `":` not after a backslash. A
    line with white space before a colon is left to the reader. The keys the fact holds
    are those it was given.
    """
    given = text.count('":')
    if '\\"' in text:
        given -= text.count('\\":')
    held = len(fact.model_fields_set) + len(fact.details)
    held += sum(len(source.model_fields_set) for source in _given_sources(fact))
    return given == held and not (" :" in text or "\t:" in text or "\r:" in text)


def _given_sources(fact: FactInput) -> list[Source]:
    return fact.sources if fact.sources is not None else [fact.source] if fact.source else []


def _claim_fields(fact: FactInput) -> dict[str, Any]:
    """The fields that make a fact a claim (DESIGN §7), checked; none for most facts."""
    rank = None if fact.rank is Rank.NORMAL else fact.rank
    if rank is not None and fact.rank_reason is None:
        raise FieldError(
            "rank_reason",
            f"a {rank.value} claim needs rank_reason: why it is ranked {rank.value}",
        )
    if rank is None and fact.rank_reason is not None:
        raise FieldError("rank_reason", "only a preferred or deprecated claim has a rank_reason")
    fields = {"event": fact.event, "rank": rank and rank.value, "rank_reason": fact.rank_reason}
    return {key: value for key, value in fields.items() if value is not None}


def _sources_field(fact: FactInput) -> dict[str, Any]:
    """`source`, or `sources` when several (one in a list is that `source`), dumped."""
    if fact.source is not None and fact.sources is not None:
        raise FieldError("sources", "give source or sources, not both")
    given = _given_sources(fact)
    if fact.sources == []:
        raise FieldError("sources", "a list of at least one source")
    if not given:
        raise FieldError("source", "a fact needs a source (or sources, a list of them)")
    if len(given) == 1:
        return {"source": given[0].model_dump(mode="json")}
    return {"sources": [source.model_dump(mode="json") for source in given]}


def _checked(fact: FactInput, catalogue: ActorCatalogue) -> ValidFact:
    """The fact an import line states, its fields checked (FieldError names a bad one)."""
    try:
        actor = catalogue.resolve(fact.actor)
    except UnknownActorError as error:
        raise FieldError("actor", str(error)) from None
    try:
        date = parse_effective_date(fact.date)
    except InvalidDateError as error:
        raise FieldError("date", str(error)) from None
    model = details_model(fact.kind)
    if model is Details and not fact.details:
        # Most kinds take none and most lines give none: no model to validate or dump.
        details, dumped_details = _NO_DETAILS, {}
    else:
        try:
            details = model.model_validate(fact.details)
        except ValidationError as error:
            raise first_error(error, "details") from None
        dumped_details = details.model_dump(mode="json")
    # As FactContent(...).model_dump(mode="json") writes it, without building one: the
    # fields are checked already (a law in tests/unit/test_events_mapper.py holds them equal).
    dumped = {
        "kind": fact.kind.value,
        "actor": actor.code,
        "date": date.text,
        "summary": fact.summary,
        **_sources_field(fact),
        "details": dumped_details,
    }
    if fact.event is not None or fact.rank is not None or fact.rank_reason is not None:
        dumped.update(_claim_fields(fact))
    # Every field validated here is text (the details' too): no need to check for others.
    digest = hashlib.sha256(plain_canonical_json(dumped, ensure_ascii=True)).hexdigest()
    sources = tuple(_given_sources(fact))
    return ValidFact(
        fact.id or derived_id(digest), fact.kind, sources, details, dumped, digest, date
    )


def import_schema() -> dict[str, Any]:
    """JSON Schema of one import line, with the details each kind allows."""
    schema = FactInput.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    definitions = schema.setdefault("$defs", {})
    rules = []
    for kind in FactKind:
        details = details_model(kind).model_json_schema()
        definitions.update(details.pop("$defs", {}))
        details.pop("title", None)
        then: dict[str, Any] = {"properties": {"details": details}}
        if details.get("required"):
            then["required"] = ["details"]
        rules.append({"if": {"properties": {"kind": {"const": kind.value}}}, "then": then})
    # One of source and sources (DESIGN §7); a rank other than normal says why.
    schema["oneOf"] = [{"required": ["source"]}, {"required": ["sources"]}]
    schema["properties"]["sources"]["anyOf"][0]["minItems"] = 1
    ranked = {"properties": {"rank": {"enum": ["preferred", "deprecated"]}}, "required": ["rank"]}
    rules.append({"if": ranked, "then": {"required": ["rank_reason"]}})
    rules.append({"if": {"required": ["rank_reason"]}, "then": ranked})
    schema["allOf"] = rules
    return schema
