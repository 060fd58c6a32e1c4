"""The projector: the one process on the primary that keeps the read model up to the log.

Where readers are servers that only read (serve --read-only, on replicas), nothing
they do brings the read model on, nor rebuilds the index of an actor a new event
made stale: they answer from what is there (a stale actor from its facts, more
slowly). `stanceline project --follow` does both on the primary, as events come:
the log is projected, then every stale actor's index is rebuilt, and replication
carries both to every replica.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from stanceline.application.ports import Log
from stanceline.application.readside import ReadSide

log = logging.getLogger("stanceline.projector")

RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)  # after a failed pass, then the last again


@dataclass(frozen=True, slots=True)
class Projected:
    """What one pass did."""

    position: int  # the read model's position after it
    events: int  # positions projected in it
    indexed: int  # actors whose index it rebuilt


class Projector:
    """Projects the log and rebuilds stale indexes, once or as events come."""

    def __init__(self, read: ReadSide, log: Log) -> None:
        self.read = read
        self.log = log

    def once(self) -> Projected:
        """Project what the log holds beyond the model, then rebuild every stale index.

        The store's id is made too if it has none yet: readers that only read cannot make
        it, and their events need it as their source.
        """
        self.read.view.store_id()
        before = self.read.view.position()
        indexed = self.read.build_index()
        position = self.read.view.position()
        return Projected(position, max(position - before, 0), indexed)

    def follow(self, stop: threading.Event, say: Callable[[Projected], None]) -> None:
        """Pass after pass until `stop` is set: at once when the store says events came
        (NOTIFY on PostgreSQL), else at each poll. `say` hears each pass that did something.

        A pass that fails (the store restarting, a dropped connection) is said in the log
        and tried again after a pause: the model is never left half-applied (each batch is
        one transaction), so the next pass goes on from where the last one committed.
        """
        woken = threading.Event()
        unwatch = self.log.wakeup.watch(woken.set)
        failures = 0
        try:
            while not stop.is_set():
                woken.clear()
                try:
                    done = self.once()
                except Exception as error:
                    pause = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                    failures += 1
                    said = " ".join(str(error).split()) or type(error).__name__
                    log.warning("projecting failed (%s); trying again in %.1f s", said, pause)
                    stop.wait(pause)
                    continue
                failures = 0
                if done.events or done.indexed:
                    say(done)
                if not stop.is_set():
                    woken.wait(self.log.poll_interval)
        finally:
            unwatch()
