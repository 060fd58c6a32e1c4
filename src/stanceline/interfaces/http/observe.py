"""The outermost layer of the app: a request id, the access log line, and the request metrics.

It wraps even Starlette's error middleware, so an answer made from an unexpected
exception (a 500) is counted, logged and carries its X-Request-ID like any other.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stanceline.interfaces.http.logs import ACCESS_LOGGER, request_id
from stanceline.interfaces.http.metrics import UNMATCHED, Metrics

REQUEST_ID = "X-Request-ID"
# What an incoming id may be; anything else (too long, odd characters) is replaced.
_GOOD_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

access = logging.getLogger(ACCESS_LOGGER)


class Observe:
    """ASGI middleware: X-Request-ID in and out, one access line and one count per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Any) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        # Left set: the rest of this request's task (uvicorn's error log too) sees it.
        request_id.set(rid)
        started = time.perf_counter()
        status, answered = 500, 0.0

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                answered = time.perf_counter() - started
                headers = [*message.get("headers", []), (b"x-request-id", rid.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = answered or time.perf_counter() - started
            route = self._route(scope)
            self.metrics.observe(route, scope["method"], status, elapsed)
            _log_access(scope, route, status, time.perf_counter() - started, rid)

    def _route(self, scope: Scope) -> str:
        """The template of the route that answered (`/actors/{actor}/stance`), never the path."""
        found = scope.get("route")
        if found is None:
            # Starlette's error middleware answered before routing, or nothing matched.
            for candidate in self.routes:
                match, _ = candidate.matches(scope)
                if match is Match.FULL:
                    found = candidate
                    break
        path = getattr(found, "path", None)
        return path if isinstance(path, str) else UNMATCHED


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _GOOD_ID.fullmatch(text) else None
    return None


def _log_access(scope: Scope, route: str, status: int, seconds: float, rid: str) -> None:
    client = scope.get("client")
    address = f"{client[0]}:{client[1]}" if client else "-"
    query = scope.get("query_string", b"").decode("latin-1")
    path = scope.get("path", "") + (f"?{query}" if query else "")
    version = scope.get("http_version", "1.1")
    # The arguments are those of uvicorn's access line, which its formatter (text) expects.
    access.info(
        '%s - "%s %s HTTP/%s" %d',
        address,
        scope["method"],
        path,
        version,
        status,
        extra={
            "client": address,
            "method": scope["method"],
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "request_id": rid,
        },
    )
