"""What a server that only reads says with every answer: the read model's position.

A server on a replica (serve --read-only) answers from the read model as the
primary's projector left it, which may be behind the log. Every answer carries
`Stanceline-Position: N`, read just before the answer was made: the answer holds
every event up to position N (the model moves on only by whole transactions, so it
holds no part of one). A client that must see its own write waits until the header
reaches the write's position, or asks the primary.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stanceline.projections.model import ReadModel

POSITION_HEADER = "Stanceline-Position"
_HEADER = POSITION_HEADER.lower().encode()


class Positioned:
    """ASGI middleware: `Stanceline-Position` on every HTTP answer."""

    def __init__(self, app: ASGIApp, view: ReadModel, limiter: anyio.CapacityLimiter) -> None:
        self.app = app
        self.view = view
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            position: int | None = await anyio.to_thread.run_sync(
                self.view.position, limiter=self.limiter
            )
        except Exception:
            position = None  # the store did not answer: the route says so in its own way

        async def send_with_position(message: Message) -> None:
            if message["type"] == "http.response.start" and position is not None:
                headers = [*message.get("headers", []), (_HEADER, str(position).encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_position)
