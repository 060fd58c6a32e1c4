"""Following the log: catch up from a position, then receive new events as they are stored.

SQLite cannot push, so a subscription polls from the last position it
delivered. Positions only grow and commit in order (SQLite has one writer at a
time), so a reader never sees position N+k before N when N will ever exist.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

Fetch = Callable[[int, int], Sequence[tuple[int, T]]]


class Subscription(Generic[T]):
    """Yields (position, item) in position order, first the catch-up, then live, until closed."""

    def __init__(
        self, fetch: Fetch[T], after: int = 0, poll: float = 0.1, batch: int = 500
    ) -> None:
        self._fetch = fetch
        self.position = after
        self._poll = poll
        self._batch = batch
        self._buffer: deque[tuple[int, T]] = deque()
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[tuple[int, T]]:
        return self

    def __next__(self) -> tuple[int, T]:
        while not self._buffer:
            if self._closed.is_set():
                raise StopIteration
            found = self._fetch(self.position, self._batch)
            if found:
                self._buffer.extend(found)
            else:
                self._closed.wait(self._poll)
        item = self._buffer.popleft()
        self.position = item[0]
        return item

    def close(self) -> None:
        """Stop: the iteration ends at the next wait (from any thread)."""
        self._closed.set()

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
