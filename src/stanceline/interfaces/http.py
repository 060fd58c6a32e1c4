"""The HTTP API: a thin face over the application. Only this module imports FastAPI and uvicorn.

One Stanceline per process, opened by `create_app` and closed on shutdown. Every
store call runs in a worker thread (a bounded pool: the SQLite connection pool
is small), so the event loop only moves bytes. Errors leave as RFC 9457 problem
details; reads answer the same JSON as the CLI's --json, from the same models.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, TypeVar, cast
from urllib.parse import urlencode

import anyio
import anyio.to_thread
import uvicorn
from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stanceline.application import Stanceline
from stanceline.application.loading import NumberedFact, parse_facts
from stanceline.application.reports import (
    DateDiff,
    FactReport,
    FactVersionReport,
    HistoryReport,
    KnowledgeDiff,
    LoadResult,
    StanceReport,
)
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.dates import parse_day
from stanceline.domain.events import FactChanged
from stanceline.domain.facts import FactKind
from stanceline.domain.intake import (
    FactInput,
    FieldError,
)
from stanceline.domain.knowledge import InvalidKnownAtError, parse_known_at
from stanceline.domain.lifecycle import FactStateError, UnknownFactError
from stanceline.errors import (
    ImportFileError,
    InvalidDateError,
    StancelineError,
    StoreBusyError,
    UnknownActorError,
)
from stanceline.projections.explain import Explanation

TOKEN_ENV = "STANCELINE_API_TOKEN"
ENV_WRITER = "api"
MIN_TOKEN_LENGTH = 16
MAX_BODY_SIZE = 10 * 1024 * 1024
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 0.1
PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
MAX_POSITION = 2**53 - 1  # exact in every JSON reader, and far inside SQLite's integers
STREAM_BATCH = 500
STREAM_RETRIES = 20
STORE_THREADS = 8  # below the SQLite connection pool (5 + 10 overflow)
BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"
PROBLEM_MEDIA_TYPE = "application/problem+json"
JSONL_MEDIA_TYPES = ("application/x-ndjson", "application/jsonl")
PROBLEM_TYPE = "urn:stanceline:problem:"
DAY_PATTERN = r"^(\d{4}-\d{2}-\d{2}|today)$"

log = logging.getLogger("stanceline.http")
T = TypeVar("T")


class TokenFileError(StancelineError, ValueError):
    """A token file that cannot be used: unreadable, malformed, or a token too short."""


# Settings and tokens


@dataclass(frozen=True)
class Settings:
    """What one app was created with."""

    tokens: Mapping[str, str]
    max_body_size: int
    heartbeat: float
    poll: float
    closing: threading.Event = field(default_factory=threading.Event)


def load_tokens(path: str | Path) -> dict[str, str]:
    """Writers' tokens from a file of `name token` lines (blank lines and # comments skipped)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TokenFileError(f"{path}: cannot read: {error}") from None
    tokens: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise TokenFileError(f"{path}:{number}: expected `name token`")
        name, token = parts
        if name in tokens:
            raise TokenFileError(f"{path}:{number}: writer {name!r} is named twice")
        if token in tokens.values():
            raise TokenFileError(f"{path}:{number}: two writers share one token")
        tokens[name] = _checked_token(token, f"{path}:{number}")
    return tokens


def env_tokens(environ: Mapping[str, str]) -> dict[str, str]:
    """The one writer of $STANCELINE_API_TOKEN, named "api" (none when unset)."""
    token = environ.get(TOKEN_ENV, "").strip()
    return {ENV_WRITER: _checked_token(token, TOKEN_ENV)} if token else {}


def _checked_token(token: str, where: str) -> str:
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenFileError(f"{where}: a token needs at least {MIN_TOKEN_LENGTH} characters")
    return token


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


class ProblemError(Exception):
    """Raised anywhere in a request; the handler turns it into a problem answer."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        errors: Sequence[FieldProblem] = (),
        suggestions: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.suggestions = list(suggestions)
        self.headers = dict(headers or {})

    def response(self, instance: str) -> Response:
        """The problem+json answer."""
        problem = Problem(
            type=self.kind if ":" in self.kind else PROBLEM_TYPE + self.kind,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors or None,
            suggestions=self.suggestions or None,
        )
        body = _json(problem.model_dump(exclude_none=True))
        return Response(body, self.status, self.headers, media_type=PROBLEM_MEDIA_TYPE)


def _json(value: Any) -> str:
    """Compact JSON, as FastAPI writes its own answers."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def invalid(fields: Sequence[FieldProblem], detail: str | None = None) -> ProblemError:
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


def problem_of(error: StancelineError) -> ProblemError:
    """The problem answer for one of the project's errors."""
    if isinstance(error, ImportFileError):
        bad = FieldProblem(field=error.field or "body", message=error.message, line=error.line)
        return invalid([bad])
    if isinstance(error, FieldError):
        name = {"corrects": "body", "retracts": "body", "reinstates": "body"}.get(error.field)
        return invalid([FieldProblem(field=name or error.field, message=error.message)])
    if isinstance(error, UnknownActorError):
        return ProblemError(
            404, "unknown-actor", "Unknown actor", str(error), suggestions=error.suggestions
        )
    if isinstance(error, UnknownFactError):
        return ProblemError(404, "unknown-fact", "Unknown fact", str(error))
    if isinstance(error, FactStateError):
        return ProblemError(409, "fact-state", "Not allowed in the fact's state", str(error))
    if isinstance(error, StoreBusyError):
        return ProblemError(
            503, "store-busy", "Store busy", str(error), headers={"Retry-After": "1"}
        )
    return ProblemError(422, "invalid-request", "Invalid request", str(error))


def _instance(request: Request) -> str:
    return request.url.path


async def _on_problem(request: Request, error: Exception) -> Response:
    return cast(ProblemError, error).response(_instance(request))


async def _on_stanceline_error(request: Request, error: Exception) -> Response:
    return problem_of(cast(StancelineError, error)).response(_instance(request))


async def _on_validation_error(request: Request, error: Exception) -> Response:
    fields = [
        FieldProblem(field=_field_name(e.get("loc", ())), message=_message(e))
        for e in cast(RequestValidationError, error).errors()
    ]
    return invalid(fields or [FieldProblem(field="request", message="invalid")]).response(
        _instance(request)
    )


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
    return problem.response(_instance(request))


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
    return problem.response(_instance(request))


async def _on_unexpected(request: Request, error: Exception) -> Response:
    # The server logs the traceback; the client learns only that it happened.
    problem = ProblemError(500, "internal", "Internal error", "an unexpected error occurred")
    return problem.response(_instance(request))


# Request size


class BodyLimit:
    """Refuses request bodies above `limit` bytes with 413, before or while reading them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            response = _too_large(self.limit).response(scope.get("path", ""))
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                # An HTTPException, so FastAPI's body parsing lets it through to the handler.
                raise HTTPException(413, _too_large(self.limit).detail)
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        413, "too-large", "Request body too large", f"the request body is over {limit} bytes"
    )


# Dependencies


def _engine(request: Request) -> Stanceline:
    return cast(Stanceline, request.app.state.stanceline)


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


Engine = Annotated[Stanceline, Depends(_engine)]
bearer = HTTPBearer(
    auto_error=False,
    description="A writer's token: $STANCELINE_API_TOKEN (writer 'api') or a --token-file line.",
)


async def _off_loop(request: Request, call: Callable[[], T]) -> T:
    """Run a blocking store call in a worker thread, a bounded number at a time."""
    limiter = cast(anyio.CapacityLimiter, request.app.state.limiter)
    return await anyio.to_thread.run_sync(call, limiter=limiter)


async def writer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The name of the writer whose token the request carries (403 with none configured)."""
    tokens = _settings(request).tokens
    if not tokens:
        raise ProblemError(
            403,
            "writes-disabled",
            "Writes are disabled",
            f"this server has no writer tokens: set ${TOKEN_ENV} or start it with --token-file",
        )
    given = _digest(credentials.credentials if credentials else "")
    found = None
    for name, token in tokens.items():
        # Every token is compared, whichever matches; digests of one length, in constant time.
        if hmac.compare_digest(given, _digest(token)) and found is None:
            found = name
    if found is None:
        detail = "wrong token" if credentials else "missing token: send Authorization: Bearer"
        raise ProblemError(
            401,
            "unauthorized",
            "Missing or wrong token",
            detail,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


Writer = Annotated[str, Depends(writer)]


def _day(value: str | None, name: str) -> date:
    try:
        return parse_day(value or "today")
    except InvalidDateError as error:
        raise invalid([FieldProblem(field=name, message=str(error))]) from None


def _known(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        known = parse_known_at(value)
    except InvalidKnownAtError as error:
        raise invalid([FieldProblem(field=name, message=str(error))]) from None
    if known.position is not None and known.position > MAX_POSITION:
        raise invalid([FieldProblem(field=name, message=f"@N is at most @{MAX_POSITION}")])
    return known.text


DayQuery = Annotated[
    str | None,
    Query(
        pattern=DAY_PATTERN,
        description="The day to answer for, YYYY-MM-DD or 'today' (default: today, UTC).",
        examples=["2025-07-04"],
    ),
]
KnownAtQuery = Annotated[
    str | None,
    Query(
        description="Answer as the engine would have at T: an ISO 8601 timestamp (UTC if no "
        "zone), a day (its end, UTC) or @N (every event at position N or before).",
        examples=["@10", "2025-07-05T12:00:00Z"],
    ),
]
AfterQuery = Annotated[
    int, Query(ge=0, le=MAX_POSITION, description="Start after this position (0: the start).")
]
LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"At most this many (max {MAX_PAGE_SIZE}).")
]

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {
    404: {"description": "Unknown actor or fact (with suggestions for an actor)."}
}
INVALID: Responses = {422: {"description": "A bad parameter or body; `errors` names each field."}}
LINK_HEADER = {
    "description": 'The next page: <...?after=LAST&limit=M>; rel="next"',
    "schema": {"type": "string"},
}


# Reads


class CloudEvent(BaseModel):
    """A stored event on the wire: a CloudEvents 1.0 JSON object (DESIGN §5)."""

    model_config = ConfigDict(extra="allow")

    specversion: str
    id: str
    source: str
    type: str
    subject: str
    time: str
    datacontenttype: str
    data: dict[str, Any]
    position: int
    effective: str
    effectivestart: str
    effectiveend: str
    recordedby: str


class StanceChange(BaseModel):
    """Which answers one stored event changed: an actor, parts, and a range of days."""

    position: int
    event: str
    fact_id: str
    actor: str
    change: str
    first_day: str | None
    last_day: str | None
    parts: list[str]


class ChangeRecorded(FactVersionReport):
    """A correction, retraction or reinstatement as recorded."""

    fact_id: str


class CloudEventsBatch(JSONResponse):
    """A JSON array of CloudEvents."""

    media_type = BATCH_MEDIA_TYPE


class EventStream(StreamingResponse):
    """Server-Sent Events."""

    media_type = "text/event-stream"


router = APIRouter()


@router.get(
    "/actors/{actor}/stance",
    response_model=StanceReport,
    responses={**NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def stance(
    request: Request, engine: Engine, actor: str, on: DayQuery = None, known_at: KnownAtQuery = None
) -> StanceReport:
    """One actor's stance on one day (the stance JSON of `stanceline stance --json`)."""
    day, known = _day(on, "on"), _known(known_at, "known_at")
    return await _off_loop(request, lambda: engine.stance(actor, day, known))


@router.get("/world", response_model=list[StanceReport], responses=INVALID, tags=["reads"])
async def world(
    request: Request, engine: Engine, on: DayQuery = None, known_at: KnownAtQuery = None
) -> list[StanceReport]:
    """Every actor with any fact, as of one day, sorted by code (`world --json`)."""
    day, known = _day(on, "on"), _known(known_at, "known_at")
    return await _off_loop(request, lambda: engine.world(day, known))


@router.get(
    "/actors/{actor}/history",
    response_model=HistoryReport,
    responses={**NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def history(
    request: Request, engine: Engine, actor: str, known_at: KnownAtQuery = None
) -> HistoryReport:
    """Every fact of one actor in effective-date order, with what each changed."""
    known = _known(known_at, "known_at")
    return await _off_loop(request, lambda: engine.history(actor, known))


@router.get(
    "/actors/{actor}/explain",
    response_model=Explanation,
    responses={**NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def explain(
    request: Request, engine: Engine, actor: str, on: DayQuery = None, known_at: KnownAtQuery = None
) -> Explanation:
    """Why one actor's stance on one day is what it is: facts, sources, rules."""
    day, known = _day(on, "on"), _known(known_at, "known_at")
    return await _off_loop(request, lambda: engine.explain(actor, day, known))


@router.get(
    "/diff",
    response_model=DateDiff | KnowledgeDiff,
    responses={**NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def diff(
    request: Request,
    engine: Engine,
    actor: Annotated[str | None, Query(description="One actor (or all=true).")] = None,
    all_actors: Annotated[bool, Query(alias="all", description="Every actor.")] = False,
    from_: Annotated[
        str | None, Query(alias="from", pattern=DAY_PATTERN, description="Changes after...")
    ] = None,
    to: Annotated[str | None, Query(pattern=DAY_PATTERN, description="...up to this day.")] = None,
    known_at: KnownAtQuery = None,
    known_from: Annotated[str | None, Query(description="Learned after T1...")] = None,
    known_to: Annotated[str | None, Query(description="...up to T2.")] = None,
    on: Annotated[
        str | None, Query(pattern=DAY_PATTERN, description="With known_from: one day.")
    ] = None,
) -> DateDiff | KnowledgeDiff:
    """Changes between two days (from, to) or two audits (known_from, known_to)."""
    if (actor is not None) == all_actors:
        raise _usage("actor", "name one actor or give all=true")
    who = None if all_actors else actor
    by_dates = from_ is not None or to is not None
    if by_dates == (known_from is not None or known_to is not None):
        raise _usage("from", "give either from and to, or known_from and known_to")
    if by_dates:
        if from_ is None or to is None or on is not None:
            raise _usage("to", "from needs to (and on goes with known_from/known_to)")
        after, upto = _day(from_, "from"), _day(to, "to")
        if upto < after:
            raise _usage("to", f"to {upto} is before from {after}")
        known = _known(known_at, "known_at")
        return await _off_loop(request, lambda: engine.diff_dates(who, after, upto, known))
    if known_from is None or known_to is None or known_at is not None:
        raise _usage("known_to", "known_from needs known_to (and no known_at)")
    start, end = _known(known_from, "known_from"), _known(known_to, "known_to")
    day = _day(on, "on") if on is not None else None
    return await _off_loop(
        request, lambda: engine.diff_knowledge(who, cast(str, start), cast(str, end), day)
    )


@router.get("/facts/{fact_id}", response_model=FactReport, responses=NOT_FOUND, tags=["reads"])
async def fact(request: Request, engine: Engine, fact_id: str) -> FactReport:
    """A fact's whole life: recorded, corrected, retracted, with times, reasons and who."""
    return await _off_loop(request, lambda: engine.fact(fact_id))


def _usage(name: str, message: str) -> ProblemError:
    return invalid([FieldProblem(field=name, message=message)])


# The feed


def _next_link(request: Request, **params: object) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f'<{request.url.path}?{query}>; rel="next"'


def _frame(position: int, event: dict[str, Any]) -> bytes:
    data = _json(event)
    return f"id: {position}\nevent: {event['type']}\ndata: {data}\n\n".encode()


@router.get(
    "/events",
    response_model=list[CloudEvent],
    response_class=CloudEventsBatch,
    responses={
        **NOT_FOUND,
        **INVALID,
        200: {
            "description": "A CloudEvents batch; the Link header names the next page.",
            "headers": {"Link": LINK_HEADER},
        },
    },
    tags=["stream"],
)
async def events(
    request: Request,
    engine: Engine,
    after: AfterQuery = 0,
    limit: LimitQuery = PAGE_SIZE,
    actor: Annotated[str | None, Query(description="Only events about this actor.")] = None,
    kind: Annotated[FactKind | None, Query(description="Only facts of this kind.")] = None,
) -> Response:
    """Stored events after a position, in order, as CloudEvents (a page of the log)."""
    kind_text = kind.value if kind else None
    found = await _off_loop(
        request, lambda: engine.read_events(after, limit, actor=actor, kind=kind_text)
    )
    last = found[-1][0] if found else after
    link = _next_link(request, after=last, limit=limit, actor=actor, kind=kind_text)
    body = _json([event for _, event in found])
    return Response(body, headers={"Link": link}, media_type=BATCH_MEDIA_TYPE)


@router.get(
    "/events/stream",
    response_class=EventStream,
    responses={
        **NOT_FOUND,
        **INVALID,
        200: {
            "description": "Server-Sent Events: `id:` the position, `event:` the type, "
            "`data:` the CloudEvent; `: keepalive` comments while idle.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
    },
    tags=["stream"],
)
async def event_stream(
    request: Request,
    engine: Engine,
    after: AfterQuery = 0,
    actor: Annotated[str | None, Query(description="Only events about this actor.")] = None,
    kind: Annotated[FactKind | None, Query(description="Only facts of this kind.")] = None,
    last_event_id: Annotated[
        int | None,
        Header(
            ge=0, le=MAX_POSITION, description="Resume after this position (wins over `after`)."
        ),
    ] = None,
) -> Response:
    """Every stored event after a position, then live ones as they are stored, until closed."""
    code = (await _off_loop(request, lambda: engine.resolve(actor))).code if actor else None
    start = last_event_id if last_event_id is not None else after
    wanted = _Filter(code, kind.value if kind else None)
    stream = _follow(request, engine, start, wanted)
    return EventStream(stream, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get(
    "/changes",
    response_model=list[StanceChange],
    responses={
        **INVALID,
        200: {
            "description": "Stance changes; Link names the next page.",
            "headers": {"Link": LINK_HEADER},
        },
    },
    tags=["stream"],
)
async def changes(
    request: Request,
    response: Response,
    engine: Engine,
    after: AfterQuery = 0,
    limit: LimitQuery = PAGE_SIZE,
) -> list[dict[str, Any]]:
    """For each stored event after a position: which answers it changed, over which days."""
    found = await _off_loop(request, lambda: engine.stance_changes(after, limit))
    last = found[-1][0] if found else after
    response.headers["Link"] = _next_link(request, after=last, limit=limit)
    return [change for _, change in found]


@dataclass(frozen=True, slots=True)
class _Filter:
    actor: str | None
    kind: str | None

    def __call__(self, event: dict[str, Any]) -> bool:
        return (self.actor is None or event["subject"] == self.actor) and (
            self.kind is None or event["data"]["kind"] == self.kind
        )


async def _follow(
    request: Request, engine: Stanceline, after: int, wanted: _Filter
) -> AsyncIterator[bytes]:
    """Poll the log from the last position read (SQLite cannot push); ends on close or shutdown."""
    settings = _settings(request)
    position, quiet_since, failures = after, time.monotonic(), 0
    while not settings.closing.is_set():
        try:
            batch = await _off_loop(request, partial(engine.read_events, position, STREAM_BATCH))
        except Exception:
            # A read that fails (the store busy or briefly unreachable) is retried from the last
            # position delivered, so the client neither misses nor repeats an event.
            failures += 1
            if failures >= STREAM_RETRIES:
                raise
            log.warning("event stream: reading after %d failed; retrying", position, exc_info=True)
            await anyio.sleep(settings.poll)
            continue
        failures = 0
        for at, event in batch:
            position = at
            if wanted(event):
                yield _frame(at, event)
                quiet_since = time.monotonic()
        if len(batch) == STREAM_BATCH:
            continue  # still catching up
        if time.monotonic() - quiet_since >= settings.heartbeat:
            yield b": keepalive\n\n"
            quiet_since = time.monotonic()
        await anyio.sleep(settings.poll)


# Writes


class SourcePatch(BaseModel):
    """Fields of the fact's source to change; the others stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    quote: str | None = None


class Correction(BaseModel):
    """Why, and the fields that replace the fact's own (at least one)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, description="Why: shown to auditors forever.")
    kind: FactKind | None = None
    date: str | None = Field(default=None, description="The right effective date (EDTF).")
    summary: str | None = None
    source: SourcePatch | None = None
    details: dict[str, Any] | None = Field(default=None, description="All of the details.")


class Reason(BaseModel):
    """Why: shown to auditors forever."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1)


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
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _usage("body", f"not UTF-8: {error.reason}") from None


def _one_fact(body: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(_decode(body))
    except json.JSONDecodeError as error:
        message = f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        raise _usage("body", message) from None
    if not isinstance(raw, dict):
        raise _usage("body", "expected one fact as a JSON object (send a batch as JSON Lines)")
    return raw


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
    tags=["writes"],
)
async def correct(
    request: Request,
    response: Response,
    engine: Engine,
    by: Writer,
    fact_id: str,
    correction: Correction,
) -> ChangeRecorded:
    """Correct a fact: the given fields replace its own; the original stays readable."""
    fields = correction.model_dump(
        mode="json", include={"kind", "date", "summary", "details"}, exclude_none=True
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
    tags=["writes"],
)
async def retract(
    request: Request, response: Response, engine: Engine, by: Writer, fact_id: str, body: Reason
) -> ChangeRecorded:
    """Retract a fact: from now on it no longer counts."""
    event = await _off_loop(request, lambda: engine.retract(fact_id, body.reason, by=by))
    return _located(response, await _off_loop(request, lambda: _recorded(engine, event)))


@router.post(
    "/facts/{fact_id}/reinstatements",
    status_code=201,
    response_model=ChangeRecorded,
    responses=CHANGE_ERRORS,
    tags=["writes"],
)
async def reinstate(
    request: Request, response: Response, engine: Engine, by: Writer, fact_id: str, body: Reason
) -> ChangeRecorded:
    """Undo a retraction."""
    event = await _off_loop(request, lambda: engine.reinstate(fact_id, body.reason, by=by))
    return _located(response, await _off_loop(request, lambda: _recorded(engine, event)))


def _recorded(engine: Stanceline, event: FactChanged) -> ChangeRecorded:
    """The version a change made, as the read model holds it."""
    report = engine.fact(event.originator_id)
    made = next(v for v in report.versions if v.version == event.originator_version)
    return ChangeRecorded(fact_id=report.id, **made.model_dump())


def _located(response: Response, change: ChangeRecorded) -> ChangeRecorded:
    response.headers["Location"] = f"/facts/{change.fact_id}"
    return change


# OpenAPI


def _openapi(api: FastAPI) -> Callable[[], dict[str, Any]]:
    """The generated schema, with every error answer documented as problem+json."""

    def build() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=api.routes,
                tags=api.openapi_tags,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (Problem, FactInput):
                found = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(found.pop("$defs", {}))
                components[model.__name__] = found
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            for path in schema["paths"].values():
                for operation in path.values():
                    answers = operation["responses"]
                    answers.setdefault("500", {"description": "An unexpected error."})
                    for status, answer in answers.items():
                        if int(status) >= 400:
                            answer["content"] = problem
                            answer["description"] = answer.get("description") or "A problem."
            api.openapi_schema = schema
        return api.openapi_schema

    return build


# The app


def create_app(
    store: str | None = None,
    *,
    actors_file: str | Path | None = None,
    catalogue: ActorCatalogue | None = None,
    tokens: Mapping[str, str] | None = None,
    max_body_size: int = MAX_BODY_SIZE,
    heartbeat: float = HEARTBEAT_SECONDS,
    poll: float = POLL_SECONDS,
    environ: Mapping[str, str] | None = None,
) -> FastAPI:
    """The API over one store; `tokens` (name -> token) default to $STANCELINE_API_TOKEN."""
    if tokens is None:
        tokens = env_tokens(os.environ if environ is None else environ)
    engine = Stanceline(store, catalogue or ActorCatalogue.with_extension(actors_file))
    settings = Settings(dict(tokens), max_body_size, heartbeat, poll)

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            settings.closing.set()
            engine.close()

    api = FastAPI(
        title="stanceline",
        version=version("stanceline"),
        description="How states and organisations deal with the Taliban government, day by "
        "day: stances, histories, explanations and diffs; the event log as CloudEvents "
        "(pages and Server-Sent Events); writes with a bearer token.",
        lifespan=lifespan,
    )
    api.state.stanceline = engine
    api.state.settings = settings
    api.state.limiter = anyio.CapacityLimiter(STORE_THREADS)
    api.add_middleware(BodyLimit, limit=max_body_size)
    api.add_exception_handler(ProblemError, _on_problem)
    api.add_exception_handler(StancelineError, _on_stanceline_error)
    api.add_exception_handler(RequestValidationError, _on_validation_error)
    api.add_exception_handler(HTTPException, _on_http_error)
    api.add_exception_handler(PersistenceError, _on_store_error)
    api.add_exception_handler(Exception, _on_unexpected)
    api.include_router(router)
    api.openapi = _openapi(api)  # type: ignore[method-assign]
    return api


def stanceline_of(api: FastAPI) -> Stanceline:
    """The application an API serves."""
    return cast(Stanceline, api.state.stanceline)


def writers(api: FastAPI) -> list[str]:
    """The names of the writers whose tokens the API accepts, sorted."""
    return sorted(cast(Settings, api.state.settings).tokens)


def stop_streams(api: FastAPI) -> None:
    """End every open event stream at its next poll, so the server can shut down."""
    cast(Settings, api.state.settings).closing.set()


class _Server(uvicorn.Server):
    """uvicorn, ending the event streams first when asked to stop (they never end otherwise)."""

    def __init__(self, config: uvicorn.Config, api: FastAPI) -> None:
        super().__init__(config)
        self.api = api

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        stop_streams(self.api)
        super().handle_exit(sig, frame)


def run(api: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve `api` with uvicorn until Ctrl-C (returns) or SIGTERM (re-raised after shutdown)."""
    config = uvicorn.Config(api, host=host, port=port, timeout_graceful_shutdown=5)
    try:
        _Server(config, api).run()
    except KeyboardInterrupt:
        # uvicorn re-raises the Ctrl-C it handled, once shut down: that is the normal way out.
        return
