"""Problem details (RFC 9457): the one shape of every error answer, and the handlers making it."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, cast

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from stanceline.errors import (
    FactStateError,
    FieldError,
    FieldIssue,
    ImportFileError,
    InvalidRangeError,
    ProblemError,
    QueryError,
    StancelineError,
    StoreBehindError,
    StoreBusyError,
    StoreReadOnlyError,
    UnknownActorError,
    UnknownFactError,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE = "urn:stanceline:problem:"

log = logging.getLogger("stanceline.http")


# Problem details (RFC 9457)


class FieldProblem(BaseModel):
    """One bad input field; `line` is the line of a JSON Lines batch."""

    field: str
    message: str
    line: int | None = None


class Problem(BaseModel):
    """An error answer: RFC 9457 problem details, never a stack trace."""

    type: str = Field(description="A URI naming the kind of problem (docs/http.md lists them).")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request that failed.")
    errors: list[FieldProblem] | None = Field(default=None, description="Bad fields (422).")
    suggestions: list[str] | None = Field(default=None, description="Actors you may have meant.")


def problem_response(error: ProblemError, instance: str) -> Response:
    """The problem+json answer of `error`, for the request at `instance`."""
    problem = Problem(
        type=error.kind if ":" in error.kind else PROBLEM_TYPE + error.kind,
        title=error.title,
        status=error.status,
        detail=error.detail,
        instance=instance,
        errors=[FieldProblem(**issue._asdict()) for issue in error.errors] or None,
        suggestions=error.suggestions or None,
    )
    body = _json(problem.model_dump(exclude_none=True))
    return Response(body, error.status, error.headers, media_type=PROBLEM_MEDIA_TYPE)


def _json(value: Any) -> str:
    """Compact JSON, as FastAPI writes its own answers."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def invalid(fields: Sequence[FieldIssue], detail: str | None = None) -> ProblemError:
    """A 422 naming the bad fields."""
    first = fields[0]
    where = f"line {first.line}: " if first.line else ""
    more = f" (and {len(fields) - 1} more)" if len(fields) > 1 else ""
    return ProblemError(
        422,
        "invalid-input",
        "Invalid input",
        detail or f"{where}{first.field}: {first.message}{more}",
        errors=fields,
    )


def _usage(name: str, message: str) -> ProblemError:
    return invalid([FieldIssue(field=name, message=message)])


def problem_of(error: StancelineError) -> ProblemError:
    """The problem answer for one of the project's errors."""
    if isinstance(error, ImportFileError):
        bad = FieldIssue(field=error.field or "body", message=error.message, line=error.line)
        return invalid([bad])
    if isinstance(error, FieldError):
        name = {"corrects": "body", "retracts": "body", "reinstates": "body"}.get(error.field)
        return invalid([FieldIssue(field=name or error.field, message=error.message)])
    if isinstance(error, QueryError):
        return invalid([FieldIssue(field=error.field, message=error.message)])
    if isinstance(error, InvalidRangeError):
        return invalid([FieldIssue(field="from", message=str(error))])
    if isinstance(error, UnknownActorError):
        return ProblemError(
            404, "unknown-actor", "Unknown actor", str(error), suggestions=error.suggestions
        )
    if isinstance(error, UnknownFactError):
        return ProblemError(404, "unknown-fact", "Unknown fact", str(error))
    if isinstance(error, FactStateError):
        return ProblemError(409, "fact-state", "Not allowed in the fact's state", str(error))
    if isinstance(error, StoreReadOnlyError):
        return ProblemError(403, "read-only", "The store is read-only here", str(error))
    if isinstance(error, StoreBehindError):
        return ProblemError(
            503, "store-behind", "Not projected yet", str(error), headers={"Retry-After": "1"}
        )
    if isinstance(error, StoreBusyError):
        return ProblemError(
            503, "store-busy", "Store busy", str(error), headers={"Retry-After": "1"}
        )
    return ProblemError(422, "invalid-request", "Invalid request", str(error))


def _instance(request: Request) -> str:
    return request.url.path


async def _on_problem(request: Request, error: Exception) -> Response:
    return problem_response(cast(ProblemError, error), _instance(request))


async def _on_stanceline_error(request: Request, error: Exception) -> Response:
    return problem_response(problem_of(cast(StancelineError, error)), _instance(request))


async def _on_validation_error(request: Request, error: Exception) -> Response:
    fields = [
        FieldIssue(field=_field_name(e.get("loc", ())), message=_message(e))
        for e in cast(RequestValidationError, error).errors()
    ]
    problem = invalid(fields or [FieldIssue(field="request", message="invalid")])
    return problem_response(problem, _instance(request))


def _message(error: Mapping[str, Any]) -> str:
    # The words `load` uses for the same mistake.
    return "unknown key" if error.get("type") == "extra_forbidden" else str(error.get("msg"))


def _field_name(loc: Sequence[int | str]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("query", "path", "header", "body", "cookie"):
        return ".".join(parts[1:]) or parts[0]
    return ".".join(parts) or "request"


async def _on_http_error(request: Request, error: Exception) -> Response:
    http_error = cast(HTTPException, error)
    status = http_error.status_code
    kinds = {413: ("too-large", "Request body too large")}
    kind, title = kinds.get(status, ("about:blank", _phrase(status)))
    detail = str(http_error.detail)
    problem = ProblemError(status, kind, title, detail, headers=http_error.headers)
    return problem_response(problem, _instance(request))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _on_store_error(request: Request, error: Exception) -> Response:
    log.error("store error on %s", request.url.path, exc_info=error)
    problem = ProblemError(
        503,
        "store-unavailable",
        "Store unavailable",
        "the store could not answer; try again shortly",
        headers={"Retry-After": "1"},
    )
    return problem_response(problem, _instance(request))


async def _on_client_gone(request: Request, error: Exception) -> Response:
    # The client left before its request was whole: nobody to answer, nothing to log.
    return Response(status_code=400)


async def _on_unexpected(request: Request, error: Exception) -> Response:
    # The server logs the traceback; the client learns only that it happened.
    problem = ProblemError(500, "internal", "Internal error", "an unexpected error occurred")
    return problem_response(problem, _instance(request))
