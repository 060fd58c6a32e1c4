"""What the routes share: the app's settings and engine, worker threads, common parameters."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar, cast

import anyio
import anyio.to_thread
from fastapi import Depends, Query, Request

from stanceline.application import Stanceline
from stanceline.domain.knowledge import MAX_POSITION

PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000

T = TypeVar("T")


# Settings


@dataclass(frozen=True)
class Settings:
    """What one app was created with."""

    tokens: Mapping[str, str]
    max_body_size: int
    heartbeat: float
    poll: float
    ready_lag: int = 1000  # /readyz: how many positions the read model may be behind the log
    read_only: bool = False  # never writes: writes answer 403 (a server on a replica)
    closing: threading.Event = field(default_factory=threading.Event)


# Dependencies


def _engine(request: Request) -> Stanceline:
    return cast(Stanceline, request.app.state.stanceline)


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


Engine = Annotated[Stanceline, Depends(_engine)]


async def _off_loop(request: Request, call: Callable[[], T]) -> T:
    """Run a blocking store call in a worker thread, a bounded number at a time."""
    limiter = cast(anyio.CapacityLimiter, request.app.state.limiter)
    return await anyio.to_thread.run_sync(call, limiter=limiter)


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
