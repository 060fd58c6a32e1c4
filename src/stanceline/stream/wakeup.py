"""A doorbell for readers of the log: rung when new events may have been stored.

A ring carries no data and may be spurious: a reader that hears it reads from
its own last position, and a reader that hears nothing reads again after its
poll interval anyway. So a lost or extra ring never loses or repeats an event;
it only changes how soon a reader looks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Watcher = Callable[[], None]


class Wakeup:
    """Calls every watcher when rung; any thread may ring, watch or stop watching."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watchers: dict[int, Watcher] = {}
        self._next = 0

    def watch(self, watcher: Watcher) -> Callable[[], None]:
        """Call `watcher` on every ring from now on; returns the call that stops it."""
        with self._lock:
            token, self._next = self._next, self._next + 1
            self._watchers[token] = watcher

        def unwatch() -> None:
            with self._lock:
                self._watchers.pop(token, None)

        return unwatch

    @property
    def watchers(self) -> int:
        """How many watchers there are now."""
        with self._lock:
            return len(self._watchers)

    def ring(self) -> None:
        """Tell every watcher that the log may have grown (watchers must not block)."""
        with self._lock:
            watchers = list(self._watchers.values())
        for watcher in watchers:
            watcher()
