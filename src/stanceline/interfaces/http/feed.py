"""The feed: the event log as pages of CloudEvents, stance changes, and Link headers."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from stanceline.domain.facts import FactKind
from stanceline.interfaces.http import sse
from stanceline.interfaces.http.deps import (
    INVALID,
    NOT_FOUND,
    PAGE_SIZE,
    AfterQuery,
    Engine,
    LimitQuery,
    _off_loop,
)
from stanceline.interfaces.http.problems import _json

BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"
LINK_HEADER = {
    "description": 'The next page: <...?after=LAST&limit=M>; rel="next"',
    "schema": {"type": "string"},
}


# The feed


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


class CloudEventsBatch(JSONResponse):
    """A JSON array of CloudEvents."""

    media_type = BATCH_MEDIA_TYPE


router = APIRouter()


def _next_link(request: Request, **params: object) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f'<{request.url.path}?{query}>; rel="next"'


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


# /events/stream: included here, so the schema lists it between /events and /changes.
router.include_router(sse.router)


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
