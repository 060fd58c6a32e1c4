"""Server-Sent Events: the log after a position, then live events as they are stored."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, cast

import anyio
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from stanceline.application import Stanceline
from stanceline.domain.facts import FactKind
from stanceline.domain.knowledge import MAX_POSITION
from stanceline.interfaces.http.bell import LoopBell
from stanceline.interfaces.http.deps import (
    INVALID,
    NOT_FOUND,
    AfterQuery,
    Engine,
    _off_loop,
    _settings,
)
from stanceline.interfaces.http.metrics import Metrics
from stanceline.interfaces.http.problems import _json

STREAM_BATCH = 500
STREAM_RETRIES = 20
RETRY_SECONDS = 0.5

log = logging.getLogger("stanceline.http")


class EventStream(StreamingResponse):
    """Server-Sent Events."""

    media_type = "text/event-stream"


router = APIRouter()


def _frame(position: int, event: dict[str, Any]) -> bytes:
    data = _json(event)
    return f"id: {position}\nevent: {event['type']}\ndata: {data}\n\n".encode()


@router.get(
    "/events/stream",
    response_class=EventStream,
    responses={
        **NOT_FOUND,
        **INVALID,
        200: {
            "description": "Server-Sent Events: `id:` the position, `event:` the type, "
            "`data:` the CloudEvent; `: keepalive` comments while idle.",
            "content": {
                "text/event-stream": {
                    "schema": {
                        # One event, as an SSE client reads it.
                        "type": "object",
                        "required": ["id", "event", "data"],
                        "properties": {
                            "id": {"type": "string", "pattern": "^[0-9]+$"},
                            "event": {"type": "string"},
                            "data": {"type": "string", "contentMediaType": "application/json"},
                        },
                    }
                }
            },
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
            ge=0,
            le=MAX_POSITION,
            description="Resume after this position (wins over `after`).",
            # Sent or not, never null.
            json_schema_extra={
                "anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_POSITION}]
            },
        ),
    ] = None,
) -> Response:
    """Every stored event after a position, then live ones as they are stored, until closed."""
    code = (await _off_loop(request, lambda: engine.resolve(actor))).code if actor else None
    start = last_event_id if last_event_id is not None else after
    wanted = _Filter(code, kind.value if kind else None)
    stream = _follow(request, engine, start, wanted)
    return EventStream(stream, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


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
    """Read the log from the last position read, then wait for a wake-up (NOTIFY, or a write
    in this process) or the poll interval; ends on close or shutdown."""
    subscribers = cast(Metrics, request.app.state.metrics).subscribers
    subscribers.inc()
    try:
        async for frame in _frames(request, engine, after, wanted):
            yield frame
    finally:
        subscribers.dec()


async def _frames(
    request: Request, engine: Stanceline, after: int, wanted: _Filter
) -> AsyncIterator[bytes]:
    settings = _settings(request)
    bell = _bell(request, engine)
    position, quiet_since, failures = after, time.monotonic(), 0
    while not settings.closing.is_set():
        ticket = bell.ticket()  # before reading: a ring during the read is not lost
        try:
            batch = await _off_loop(request, partial(engine.read_events, position, STREAM_BATCH))
        except Exception:
            # A read that fails (the store busy or briefly unreachable) is retried from the last
            # position delivered, so the client neither misses nor repeats an event.
            failures += 1
            if failures >= STREAM_RETRIES:
                raise
            log.warning("event stream: reading after %d failed; retrying", position, exc_info=True)
            await anyio.sleep(min(settings.poll, RETRY_SECONDS))
            continue
        failures = 0
        for at, event in batch:
            position = at
            if wanted(event):
                yield _frame(at, event)
                quiet_since = time.monotonic()
        if len(batch) == STREAM_BATCH:
            continue  # still catching up
        quiet = time.monotonic() - quiet_since
        if quiet >= settings.heartbeat:
            yield b": keepalive\n\n"
            quiet_since, quiet = time.monotonic(), 0.0
        await bell.wait(ticket, min(settings.poll, settings.heartbeat - quiet))


def _bell(request: Request, engine: Stanceline) -> LoopBell:
    """The app's bell on the running loop (made on the first stream: it starts listening)."""
    loop = asyncio.get_running_loop()
    bell: LoopBell | None = getattr(request.app.state, "bell", None)
    if bell is None or bell.loop is not loop:
        if bell is not None:
            bell.close()  # a previous loop's (a test client opened again)
        bell = LoopBell(engine.wakeup, loop)
        request.app.state.bell = bell
    return bell
