"""What a platform asks of a server: is the process alive, is it ready, and its metrics.

All three only read: /readyz and /metrics ask the store one question (the log's last
position and the read model's, in one statement), and never catch the model up. They
are not API, so they are not in the OpenAPI document (docs/http.md describes them).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, cast

from fastapi import APIRouter, Request, Response

from stanceline.interfaces.http.deps import _engine, _off_loop, _settings
from stanceline.interfaces.http.metrics import MEDIA_TYPE, Metrics
from stanceline.interfaces.http.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE, Problem, _json

NO_STORE = {"Cache-Control": "no-store"}

log = logging.getLogger("stanceline.http")
router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> Response:
    """The process answers (it does not ask the store: that is /readyz)."""
    return Response(_json({"status": "ok"}), media_type="application/json", headers=NO_STORE)


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """200 when the store answers and the read model is within `ready_lag` of the log."""
    allowed = _settings(request).ready_lag
    try:
        head, projected = await _off_loop(request, _engine(request).view.behind)
    except Exception as error:
        log.warning("not ready: the store did not answer: %s", " ".join(str(error).split()))
        detail = "the store could not answer (the server's log says why)"
        return _not_ready(request, "store-unavailable", "Store unavailable", detail)
    lag = max(head - projected, 0)
    positions: dict[str, Any] = {"position": head, "projected_position": projected, "lag": lag}
    engine = _engine(request)
    if engine.as_it_stands:
        # A server that only reads: how far its store's server replays behind the primary.
        positions["read_only"] = True
        try:
            replication = await _off_loop(request, engine.replication)
        except Exception as error:
            said = " ".join(str(error).split())
            log.warning("the store did not say how far it replays: %s", said)
            replication = None
        positions["replica"] = None if replication is None else asdict(replication)
    if lag > allowed:
        detail = (
            f"the read model is {lag} position{'s' if lag != 1 else ''} behind the log "
            f"(position {projected} of "
            f"{head}); ready within {allowed}"
        )
        return _not_ready(request, "not-ready", "Not ready", detail, ready_lag=allowed, **positions)
    body = {"status": "ready", **positions, "ready_lag": allowed}
    return Response(_json(body), media_type="application/json", headers=NO_STORE)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format (scraped in a worker thread: it reads the store's positions)."""
    found = cast(Metrics, request.app.state.metrics)
    return Response(await _off_loop(request, found.scrape), media_type=MEDIA_TYPE, headers=NO_STORE)


def _not_ready(request: Request, kind: str, title: str, detail: str, **extra: Any) -> Response:
    problem = Problem(
        type=PROBLEM_TYPE + kind, title=title, status=503, detail=detail, instance=request.url.path
    )
    body = {**problem.model_dump(exclude_none=True), **extra}
    headers = {**NO_STORE, "Retry-After": "5"}
    return Response(_json(body), 503, headers, media_type=PROBLEM_MEDIA_TYPE)
