"""Validating one fact of the import format (DESIGN §5) into a fact ready to record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.canonical import canonical_json, plain_canonical_json
from stanceline.domain.dates import EffectiveDate, parse_effective_date
from stanceline.domain.events import CHANGES_BY_ACTION, FactChanged, FactCorrected
from stanceline.domain.facts import Details, FactContent, FactKind, Source, Text, details_model
from stanceline.domain.lifecycle import CHANGE_CHECKS, FactState, corrected
from stanceline.errors import FieldError, InvalidDateError, UnknownActorError

FACT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
FactId = Annotated[str, StringConstraints(pattern=FACT_ID_PATTERN)]


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
    source: Source
    details: dict[str, Any] = Field(default_factory=dict, description="Checked per kind.")
    id: FactId | None = Field(
        default=None, description="Optional stable id; derived from the content when absent."
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
    source: Source
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
        content.source,
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


def _first_error(error: ValidationError, prefix: str = "") -> FieldError:
    first = error.errors()[0]
    field = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "string_unicode":  # a lone surrogate, "\ud800" in JSON
        message = "holds a lone surrogate, half a character, which no file can hold"
    return FieldError(field or prefix or "fact", message)


_NO_DETAILS = Details()


def validate_fact(raw: Any, catalogue: ActorCatalogue) -> ValidFact:
    """Check one import-format object; raise FieldError naming the first bad field."""
    if not isinstance(raw, dict):
        raise FieldError("fact", f"expected a JSON object, got {type(raw).__name__}")
    try:
        fact = FactInput.model_validate(raw)
    except ValidationError as error:
        raise _first_error(error) from None
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
    held = len(fact.model_fields_set) + len(fact.source.model_fields_set) + len(fact.details)
    return given == held and not (" :" in text or "\t:" in text or "\r:" in text)


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
            raise _first_error(error, "details") from None
        dumped_details = details.model_dump(mode="json")
    # As FactContent(...).model_dump(mode="json") writes it, without building one: the
    # fields are checked already (a law in tests/unit/test_events_mapper.py holds them equal).
    dumped = {
        "kind": fact.kind.value,
        "actor": actor.code,
        "date": date.text,
        "summary": fact.summary,
        "source": fact.source.model_dump(mode="json"),
        "details": dumped_details,
    }
    # Every field validated here is text (the details' too): no need to check for others.
    digest = hashlib.sha256(plain_canonical_json(dumped, ensure_ascii=True)).hexdigest()
    return ValidFact(
        fact.id or derived_id(digest), fact.kind, fact.source, details, dumped, digest, date
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
    schema["allOf"] = rules
    return schema


CORRECTABLE = ("kind", "date", "summary", "source", "details")


class ChangeInput(BaseModel):
    """A line that changes a stored fact: it corrects, retracts or reinstates one."""

    model_config = ConfigDict(extra="forbid", title="stanceline change")

    corrects: FactId | None = Field(default=None, description="Id of the fact this corrects.")
    retracts: FactId | None = Field(default=None, description="Id of the fact this retracts.")
    reinstates: FactId | None = Field(default=None, description="Id of the fact this reinstates.")
    reason: Text = Field(description="Why: shown to auditors forever.")
    kind: FactKind | None = None
    date: Text | None = None
    summary: Text | None = None
    source: Source | None = None
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """A validated change line: which fact, what to do, why, and the corrected fields."""

    action: type[FactChanged]
    fact_id: str
    reason: str
    fields: dict[str, Any]

    def change_id(self, salt: str = "") -> str:
        """Stable id of this change, so loading the same line twice records it once."""
        canonical = canonical_json(
            [self.action.TOPIC, self.fact_id, self.reason, self.fields, salt], ensure_ascii=True
        )
        return "c" + hashlib.sha256(canonical).hexdigest()[:16]


def is_change(raw: Any) -> bool:
    """Whether an import object is a change line rather than a fact."""
    return isinstance(raw, dict) and any(key in raw for key in CHANGES_BY_ACTION)


def validate_change(raw: dict[str, Any]) -> ChangeRequest:
    """Check a change line's own fields (the fact's state is checked when it is applied)."""
    try:
        change = ChangeInput.model_validate(raw)
    except ValidationError as error:
        raise _first_error(error) from None
    named = [key for key in CHANGES_BY_ACTION if getattr(change, key) is not None]
    if len(named) != 1:
        raise FieldError("corrects", "name exactly one of corrects, retracts and reinstates")
    action = CHANGES_BY_ACTION[named[0]]
    fields = change.model_dump(mode="json", include=set(CORRECTABLE), exclude_none=True)
    if action is FactCorrected and not fields:
        raise FieldError(
            "corrects", f"a correction changes at least one of {', '.join(CORRECTABLE)}"
        )
    if action is not FactCorrected and fields:
        raise FieldError(next(iter(fields)), f"only a correction changes fields, not {named[0]}")
    if "date" in fields:
        try:
            fields["date"] = parse_effective_date(fields["date"]).text
        except InvalidDateError as error:
            raise FieldError("date", str(error)) from None
    return ChangeRequest(action, getattr(change, named[0]), change.reason, fields)


def change_event(
    request: ChangeRequest,
    state: FactState,
    *,
    change_id: str,
    recorded_at: datetime,
    recorded_by: str,
) -> FactChanged:
    """The event that applies `request` to a fact in `state` (guards checked first)."""
    CHANGE_CHECKS[request.action](state)
    event = request.action(
        originator_id=state.fact_id,
        originator_version=state.version + 1,
        timestamp=recorded_at,
        recorded_by=recorded_by,
        reason=request.reason,
        change_id=change_id,
        **request.fields,
    )
    if isinstance(event, FactCorrected):
        try:
            content = corrected(state.content, event)
        except ValidationError as error:
            raise _first_error(error, "details") from None
        if content == state.content:
            raise FieldError(
                "corrects", f"the correction changes nothing in fact {state.fact_id!r}"
            )
    return event.chained(state.chain)
