"""A relay's status: where it is, changed by its thread, read from any other.

The last position in the stream, the log's head when the relay last looked, and
whether it is connected: what `serve --relay-to` shows in /metrics.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RelayState:
    """Where a relay was at its last change: what its metrics show."""

    stream: str
    position: int = 0  # of the stream's last event
    head: int = 0  # the log's last position when the relay last looked
    up: bool = False  # connected to the broker

    @property
    def lag(self) -> int:
        """Positions the log is ahead of the stream, as last seen (0: caught up)."""
        return max(self.head - self.position, 0)


Watcher = Callable[[RelayState], None]


class RelayStatus:
    """A relay's state: changed by the relay's thread as it goes, read from any thread."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self._state = RelayState(stream)
        self._watchers: list[Watcher] = []
        self._lock = threading.Lock()

    def now(self) -> RelayState:
        """The state at the last change."""
        with self._lock:
            return self._state

    def watch(self, watcher: Watcher) -> Callable[[], None]:
        """Call `watcher` with the state now and at every change; returns the undo."""
        with self._lock:
            self._watchers.append(watcher)
            watcher(self._state)

        def unwatch() -> None:
            with self._lock:
                self._watchers.remove(watcher)

        return unwatch

    def connected(self, up: bool) -> None:
        self._change(lambda state: replace(state, up=up))

    def looked(self, head: int) -> None:
        self._change(lambda state: replace(state, head=head))

    def published(self, position: int) -> None:
        self._change(
            lambda state: replace(state, position=position, head=max(state.head, position))
        )

    def _change(self, change: Callable[[RelayState], RelayState]) -> None:
        # Watchers are called under the lock, so they see the changes in the order made.
        with self._lock:
            changed = change(self._state)
            if changed == self._state:
                return
            self._state = changed
            for watcher in self._watchers:
                watcher(changed)
