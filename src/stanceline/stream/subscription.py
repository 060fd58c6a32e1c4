"""Following the log: catch up from a position, then receive new events as they are stored.

A subscription reads from the last position it delivered. Between reads that
found nothing it waits for its poll interval, or less: a `Wakeup` (rung by the
PostgreSQL store's NOTIFY, or by a write in this process) ends the wait at
once. Positions only grow and commit in order, so a reader never sees
position N+k before N when N will ever exist, however it was woken.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Generic, TypeVar

from stanceline.stream.wakeup import Wakeup

T = TypeVar("T")

Fetch = Callable[[int, int], Sequence[tuple[int, T]]]


class Subscription(Generic[T]):
    """Yields (position, item) in position order, first the catch-up, then live, until closed."""

    def __init__(
        self,
        fetch: Fetch[T],
        after: int = 0,
        poll: float = 0.1,
        batch: int = 500,
        wakeup: Wakeup | None = None,
    ) -> None:
        self._fetch = fetch
        self.position = after
        self._poll = poll
        self._batch = batch
        self._buffer: deque[tuple[int, T]] = deque()
        self._closed = threading.Event()
        # Set by a ring or by close(); cleared before each read, so a ring that comes while
        # reading makes the next wait return at once.
        self._rung = threading.Event()
        unwatch = wakeup.watch(self._rung.set) if wakeup is not None else _nothing
        # A subscription dropped without close() stops being rung when it is collected.
        self._unwatch = weakref.finalize(self, unwatch)

    def __iter__(self) -> Iterator[tuple[int, T]]:
        return self

    def __next__(self) -> tuple[int, T]:
        while not self._buffer:
            if self._closed.is_set():
                raise StopIteration
            self._rung.clear()
            found = self._fetch(self.position, self._batch)
            if found:
                self._buffer.extend(found)
            else:
                self._rung.wait(self._poll)
        item = self._buffer.popleft()
        self.position = item[0]
        return item

    def close(self) -> None:
        """Stop: the iteration ends at the next wait (from any thread)."""
        self._closed.set()
        self._rung.set()
        self._unwatch()

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._closed.is_set()

    def __enter__(self) -> Subscription[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _nothing() -> None:
    """Nothing to undo."""
