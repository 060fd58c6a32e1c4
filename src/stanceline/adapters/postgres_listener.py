"""LISTEN on the store's channel: one connection per application, shared by every waiter.

The events recorder NOTIFYs its channel in each insert's transaction, so a
notification arrives when the events are committed and visible. Each one rings
the application's `Wakeup`; the readers then read from their own positions.
When the connection drops (the server restarts, an administrator terminates
the backend, the network fails) the listener rings once, so that readers look
now, and reconnects with a growing delay; until it is back, readers fall back
to their poll interval. It rings again after each reconnect, for whatever was
stored while nobody listened. A lost notification is only a later read, never
a lost event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

# How often the listening thread looks up from its socket to see whether it should stop.
CHECK_SECONDS = 0.25
FIRST_RETRY_SECONDS = 0.1
LAST_RETRY_SECONDS = 5.0
# A silently dead peer (a cable pulled, a firewall forgetting the flow) is noticed within
# about idle + interval * count seconds, then the listener reconnects.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}

log = logging.getLogger("stanceline.listen")

Connect = Callable[[], "psycopg.Connection[Any]"]


class NotifyListener:
    """A thread holding one LISTEN connection; rings on every notification, reconnects."""

    def __init__(self, connect: Connect, channel: str, ring: Callable[[], None]) -> None:
        self._connect = connect
        self._channel = channel
        self._ring = ring
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen {channel}", daemon=True)
        self.listening = threading.Event()
        self.connects = 0  # how many times LISTEN was established

    def start(self) -> None:
        """Start listening (in a daemon thread)."""
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop listening and close the connection."""
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._stopping.is_set():
            connects = self.connects
            try:
                self._listen()
                return  # stopped
            except Exception as error:  # any failure: log, wake the readers, reconnect
                self.listening.clear()
                if self._stopping.is_set():
                    return
                if self.connects != connects:
                    delay = FIRST_RETRY_SECONDS  # it had been listening: retry soon
                log.warning(
                    "LISTEN %s lost (%s); reconnecting in %.1f s",
                    self._channel,
                    " ".join(str(error).split()) or type(error).__name__,
                    delay,
                )
                self._ring()
            self._stopping.wait(delay)
            delay = min(delay * 2, LAST_RETRY_SECONDS)

    def _listen(self) -> None:
        with self._connect() as connection:
            connection.execute(SQL("LISTEN {}").format(Identifier(self._channel)))
            self.connects += 1
            self.listening.set()
            if self.connects > 1:
                log.info("LISTEN %s re-established", self._channel)
            self._ring()  # whatever was stored while nobody listened
            while not self._stopping.is_set():
                for _ in connection.notifies(timeout=CHECK_SECONDS, stop_after=1):
                    self._ring()


def listener_for(recorder: PostgresApplicationRecorder, ring: Callable[[], None]) -> NotifyListener:
    """A listener on `recorder`'s channel, connecting as its pool does (not started)."""
    connect = _connector(recorder)

    def listening() -> psycopg.Connection[Any]:
        return connect(**KEEPALIVES, autocommit=True)

    return NotifyListener(listening, recorder.channel_name, ring)


def _connector(
    recorder: PostgresApplicationRecorder,
) -> Callable[..., psycopg.Connection[Any]]:
    """A function that opens a connection of its own, as the recorder's pool would.

    A LISTEN connection is held for ever, outside the pool.
    """
    pool = recorder.datastore.pool
    assert isinstance(pool.kwargs, dict)
    settings = {key: value for key, value in pool.kwargs.items() if key != "row_factory"}
    get_password = pool.get_password_func
    timeout = max(1, int(pool.timeout))

    def connect(**extra: Any) -> psycopg.Connection[Any]:
        password = {"password": get_password()} if get_password else {}
        return psycopg.connect(**{**settings, **password, **extra}, connect_timeout=timeout)

    return connect
