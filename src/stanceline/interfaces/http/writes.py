"""Writes: record facts (one, or a JSON Lines batch), correct, retract and reinstate them."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stanceline.application import Stanceline, json_input
from stanceline.application.loading import NumberedFact, parse_facts
from stanceline.application.reports import FactVersionReport, LoadResult
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.changes import FactChanged
from stanceline.domain.facts import FactKind, Key, Published, Source, Text, Url
from stanceline.domain.intake import FACT_ID_PATTERN
from stanceline.errors import FieldIssue, JsonInputError, ProblemError
from stanceline.interfaces.http.auth import Writer
from stanceline.interfaces.http.deps import INVALID, Engine, Responses, _off_loop
from stanceline.interfaces.http.problems import _message, _usage, invalid

JSONL_MEDIA_TYPES = ("application/x-ndjson", "application/jsonl")
FactIdPath = Annotated[str, Path(pattern=FACT_ID_PATTERN, description="The fact's id.")]


# Writes


class ChangeRecorded(FactVersionReport):
    """A correction, retraction or reinstatement as recorded."""

    fact_id: str


class SourcePatch(BaseModel):
    """Fields of the fact's source to change; the others stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: Text | None = None
    publisher: Text | None = None
    url: Url | None = None
    published: Published | None = None
    quote: Text | None = None


def _one_given(*names: str) -> list[Any]:
    """JSON Schema's alternatives for "at least one of `names` is there and not null"."""
    return [{"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in names]


class Correction(BaseModel):
    """Why, and the fields that replace the fact's own (at least one)."""

    # The schema says "at least one": one field there and not null (a source, one of its own).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                *_one_given("kind", "date", "summary", "details", "event"),
                *_one_given("sources", "add_sources"),
                {
                    "required": ["source"],
                    "properties": {
                        "source": {"type": "object", "anyOf": _one_given(*SourcePatch.model_fields)}
                    },
                },
            ]
        },
    )

    reason: Text = Field(description="Why: shown to auditors forever.")
    kind: FactKind | None = None
    date: Text | None = Field(default=None, description="The right effective date (EDTF).")
    summary: Text | None = None
    source: SourcePatch | None = None
    details: dict[str, Any] | None = Field(default=None, description="All of the details.")
    event: Key | None = Field(default=None, description="The happening the fact is a claim of.")
    sources: list[Source] | None = Field(
        default=None, min_length=1, description="Replace all of the fact's sources."
    )
    add_sources: list[Source] | None = Field(
        default=None,
        min_length=1,
        description="Sources added to the fact's: the source of a corrected value.",
    )


class Reason(BaseModel):
    """Why: shown to auditors forever."""

    model_config = ConfigDict(extra="forbid")

    reason: Text


WRITE_ERRORS: Responses = {
    401: {"description": "Missing or wrong token."},
    403: {"description": "No writer token is configured: writes are disabled."},
    413: {"description": "The body is over the size limit."},
    **INVALID,
}
CHANGE_ERRORS: Responses = {
    **WRITE_ERRORS,
    404: {"description": "Unknown fact."},
    409: {"description": "Not allowed in the fact's state (e.g. retracting it twice)."},
}


async def _read_body(request: Request) -> bytes:
    chunks = [chunk async for chunk in request.stream()]
    return b"".join(chunks)


def _decode(body: bytes) -> str:
    try:
        return json_input.decode(body)
    except JsonInputError as error:
        raise _usage("body", f"line {error.line}: {error.message}") from None


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    """The body as one JSON object, read by the one JSON reader (422 or 413 when it is not)."""
    try:
        raw = json_input.read(_decode(body))
    except JsonInputError as error:
        if "longer than" in error.message:
            raise ProblemError(413, "too-large", "Request body too large", error.message) from None
        raise _usage(error.field or "body", error.message) from None
    if not isinstance(raw, dict):
        raise _usage("body", f"expected {what} as a JSON object")
    return raw


def _one_fact(body: bytes) -> dict[str, Any]:
    return _json_object(body, "one fact (send a batch as JSON Lines)")


M = TypeVar("M", bound=BaseModel)


async def _change_body(request: Request, model: type[M]) -> M:
    """A change endpoint's body: read as a fact's is, then checked against its model."""
    raw = _json_object(await _read_body(request), "the change")
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise invalid(
            [
                FieldIssue(field=".".join(map(str, e["loc"])) or "body", message=_message(e))
                for e in error.errors()
            ]
        ) from None


def _change_body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
        },
    }


def _batch(body: bytes, catalogue: ActorCatalogue) -> list[NumberedFact]:
    """Validate a JSON Lines batch (facts and change lines) as `load` does a file."""
    facts = parse_facts("body", _decode(body), catalogue)
    if not facts:
        raise _usage("body", "the batch holds no facts")
    return facts


def _fact_body_schema() -> dict[str, Any]:
    return {
        "required": True,
        "description": "One fact (application/json) or a JSON Lines batch of facts and change "
        "lines (application/x-ndjson or application/jsonl), all or nothing.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/FactInput"}},
            **{media: {"schema": {"type": "string"}} for media in JSONL_MEDIA_TYPES},
        },
    }


router = APIRouter()


@router.post(
    "/facts",
    status_code=201,
    response_model=LoadResult,
    responses={**WRITE_ERRORS, 415: {"description": "Not JSON or JSON Lines."}},
    openapi_extra={"requestBody": _fact_body_schema()},
    tags=["writes"],
)
async def record_facts(
    request: Request, response: Response, engine: Engine, by: Writer
) -> LoadResult:
    """Record one fact, or a JSON Lines batch: all or nothing, validated as `load` does."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/json", *JSONL_MEDIA_TYPES):
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "send application/json (one fact) or application/x-ndjson (a batch)",
        )
    body = await _read_body(request)
    if media == "application/json":
        raw = _one_fact(body)
        result = await _off_loop(request, lambda: engine.record_fact(raw, by=by))
        response.headers["Location"] = f"/facts/{result.fact_ids[0]}"
        return result
    facts = _batch(body, engine.catalogue)
    return await _off_loop(request, lambda: engine.record_facts(facts, by=by, origin="body"))


@router.post(
    "/facts/{fact_id}/corrections",
    status_code=201,
    response_model=ChangeRecorded,
    responses=CHANGE_ERRORS,
    openapi_extra={"requestBody": _change_body_schema(Correction)},
    tags=["writes"],
)
async def correct(
    request: Request, response: Response, engine: Engine, by: Writer, fact_id: FactIdPath
) -> ChangeRecorded:
    """Correct a fact: the given fields replace its own; the original stays readable."""
    correction = await _change_body(request, Correction)
    fields = correction.model_dump(
        mode="json",
        include={"kind", "date", "summary", "details", "event", "sources", "add_sources"},
        exclude_none=True,
    )
    patch = correction.source.model_dump(exclude_none=True) if correction.source else None

    def change() -> ChangeRecorded:
        event = engine.correct(fact_id, correction.reason, fields, source=patch, by=by)
        return _recorded(engine, event)

    return _located(response, await _off_loop(request, change))


@router.post(
    "/facts/{fact_id}/retractions",
    status_code=201,
    response_model=ChangeRecorded,
    responses=CHANGE_ERRORS,
    openapi_extra={"requestBody": _change_body_schema(Reason)},
    tags=["writes"],
)
async def retract(
    request: Request, response: Response, engine: Engine, by: Writer, fact_id: FactIdPath
) -> ChangeRecorded:
    """Retract a fact: from now on it no longer counts."""
    body = await _change_body(request, Reason)

    def change() -> ChangeRecorded:
        return _recorded(engine, engine.retract(fact_id, body.reason, by=by))

    return _located(response, await _off_loop(request, change))


@router.post(
    "/facts/{fact_id}/reinstatements",
    status_code=201,
    response_model=ChangeRecorded,
    responses=CHANGE_ERRORS,
    openapi_extra={"requestBody": _change_body_schema(Reason)},
    tags=["writes"],
)
async def reinstate(
    request: Request, response: Response, engine: Engine, by: Writer, fact_id: FactIdPath
) -> ChangeRecorded:
    """Undo a retraction."""
    body = await _change_body(request, Reason)

    def change() -> ChangeRecorded:
        return _recorded(engine, engine.reinstate(fact_id, body.reason, by=by))

    return _located(response, await _off_loop(request, change))


def _recorded(engine: Stanceline, event: FactChanged) -> ChangeRecorded:
    """The version a change made, as the read model holds it."""
    report = engine.fact(event.originator_id)
    made = next(v for v in report.versions if v.version == event.originator_version)
    return ChangeRecorded(fact_id=report.id, **made.model_dump())


def _located(response: Response, change: ChangeRecorded) -> ChangeRecorded:
    response.headers["Location"] = f"/facts/{change.fact_id}"
    return change
