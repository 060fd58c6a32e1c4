"""Waking the event streams of one event loop when the engine's wake-up rings.

The wake-up rings in other threads (the LISTEN thread, a worker thread that
saved). Each ring costs one call into the event loop however many streams wait:
the loop swaps in a fresh asyncio.Event and sets the old one, which every
stream that read before the ring holds. A stream takes its ticket before it
reads, so a ring that comes while it reads makes its next wait return at once.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

import anyio

from stanceline.stream.wakeup import Wakeup


class LoopBell:
    """The wake-up, heard on one event loop (uvicorn's: asyncio)."""

    def __init__(self, wakeup: Wakeup, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._rung = asyncio.Event()
        self._unwatch = wakeup.watch(self.ring)

    def ticket(self) -> asyncio.Event:
        """What to wait on after the next read: set by the first ring after now."""
        return self._rung

    async def wait(self, ticket: asyncio.Event, timeout: float) -> None:
        """Until `ticket` is rung or `timeout` seconds pass."""
        with anyio.move_on_after(max(timeout, 0)):
            await ticket.wait()

    def ring(self) -> None:
        """Wake every stream waiting now (from any thread)."""
        with suppress(RuntimeError):  # the loop is closed: nobody is waiting
            self.loop.call_soon_threadsafe(self._ring_here)

    def _ring_here(self) -> None:
        rung, self._rung = self._rung, asyncio.Event()
        rung.set()

    def close(self) -> None:
        """Stop hearing the wake-up, and wake whoever still waits."""
        self._unwatch()
        self.ring()
