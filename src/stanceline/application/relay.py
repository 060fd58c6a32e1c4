"""The relay: every stored event, in log order, into a broker's stream, exactly once.

The stream itself is the checkpoint: on start (and whenever the stream is not
where the relay expected) the relay reads the stream's last message and goes
on after the position that message carries. Each publish says which sequence
the stream must end at for it to be stored (adapters/jetstream.py), so a
message can only land right after the event before it: a relay killed at any
moment, or two relays at once, never leave an event twice or out of order.

Why that holds: the stream holds the log's first events, in order, each once.
A relay that read the stream's end at sequence s (holding the event at
position p) publishes the k-th event after p expecting the stream to end at
s + k - 1; it is stored only if the stream does, and then the message at
s + k - 1 is the event before it, whoever wrote it, because the stream already
held consecutive events from s on. A refusal makes the relay read the end
again. Only the very first message of an empty stream has no such guard on
servers before 2.10 (they ignore an expected last sequence of 0); there,
JetStream's duplicate window drops the same event sent by a second relay.

A relay's status (RelayStatus) says, to any thread, where it is: the last
position in the stream, the log's head when it last looked, and whether it is
connected; `serve --relay-to` shows it in /metrics. RelayThread runs one relay
beside a server and starts it again after a failure.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from stanceline.application.feeds import Feeds
from stanceline.application.relay_status import RelayStatus
from stanceline.errors import (
    BrokerUnavailableError,
    RelayError,
    StancelineError,
    StreamMovedError,
)
from stanceline.stream.binary import attribute, to_binary
from stanceline.stream.broker import Outgoing, Published, StreamEnd
from stanceline.stream.subscription import Subscription

PAGE = 500  # events read and published at once (the publishes of a page are pipelined)

Say = Callable[[str], None]


class Broker(Protocol):
    """A stream in a message broker, as the relay needs it (adapters/jetstream.py is one)."""

    name: str

    def connect(self) -> None:
        """One attempt to connect (BrokerUnavailableError when it fails)."""

    def end(self) -> StreamEnd:
        """The stream's end (the stream is created first if missing)."""

    def send(self, messages: Sequence[Outgoing], after: int) -> Future[Published]:
        """Append `messages` to a stream that ends at sequence `after`; the acks, in order.

        Pages sent one after another go out in that order. The future fails with
        StreamMovedError when the stream does not end where expected (some of the
        messages may be stored: read the end again), BrokerUnavailableError when the
        broker went away."""

    def close(self) -> None:
        """Drop the connection."""


@dataclass(frozen=True)
class Backoff:
    """Waits between connection attempts: doubling from `first` up to `most` seconds."""

    first: float = 0.5
    most: float = 30.0
    give_up: float | None = None  # seconds without the broker before failing; None: never


@dataclass
class RelayReport:
    """What a relay did: events stored, found already stored, resumptions, where it ended."""

    stream: str
    stored: int = 0
    duplicates: int = 0
    resumed: int = 0
    sequence: int = 0
    position: int = 0
    started_after: int = 0

    def summary(self) -> str:
        """One line for the operator."""
        line = (
            f"relayed {self.stored} events into stream {self.stream} after position "
            f"{self.started_after}: now at sequence {self.sequence}, position {self.position}"
        )
        if self.duplicates:
            line += f"; {self.duplicates} were already there"
        if self.resumed:
            line += f"; resumed {self.resumed} times from the stream's end"
        return line


def _settle(report: RelayReport, sent: Future[Published], position: int) -> None:
    """Wait for a page's acks; the report then says where the stream ends."""
    try:
        done = sent.result()
    except StreamMovedError as moved:
        report.stored += moved.published
        moved.published = 0  # counted
        raise
    report.sequence, report.position = done.sequence, position
    report.stored += done.stored
    report.duplicates += done.duplicates


def check_nats_url(url: str) -> str | None:
    """Why `url` is not a NATS server's address (nats://HOST:PORT), or None when it is."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"{url!r}: {error}"
    if parts.scheme not in {"nats", "tls"}:
        return f"{url!r} is not nats://HOST:PORT"
    if not parts.hostname:
        return f"{url!r} names no host"
    if port is None:
        return f"{url!r} names no port"
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        return f"{url!r} has more than nats://HOST:PORT"
    return None


def outgoing(event: Mapping[str, Any]) -> Outgoing:
    """A CloudEvent (the feed's) as a binary-mode message."""
    headers, body = to_binary(event)
    return Outgoing(str(event["id"]), str(event["subject"]), headers, body)


class Relay:
    """Publishes the log into a broker's stream: the catch-up, then live events until stopped."""

    def __init__(
        self,
        feeds: Feeds,
        broker: Broker,
        source: str,
        *,
        say: Say,
        backoff: Backoff | None = None,
        page: int = PAGE,
    ) -> None:
        self.feeds = feeds
        self.broker = broker
        self.source = source
        self.say = say
        self.backoff = backoff or Backoff()
        self.page = page
        self.status = RelayStatus(broker.name)
        self._stopped = threading.Event()
        self._following: Subscription[list[tuple[int, dict[str, Any]]]] | None = None

    @property
    def stopped(self) -> bool:
        """Whether stop() was called."""
        return self._stopped.is_set()

    def pause(self, seconds: float) -> bool:
        """Wait `seconds`, or less if stopped meanwhile; whether it was stopped."""
        return self._stopped.wait(seconds)

    def run(self, follow: bool = True) -> RelayReport:
        """Relay until stopped (or, unless `follow`, until every stored event is there)."""
        report = RelayReport(self.broker.name)
        self._connect()
        report.sequence, report.position = self._resume()
        report.started_after = report.position
        self.say(
            f"relay: stream {self.broker.name} ends at sequence {report.sequence}: "
            f"relaying the events after position {report.position}"
        )
        while not self._stopped.is_set():
            try:
                self._relay(report, follow)
                return report
            except StreamMovedError:
                report.resumed += 1
            except BrokerUnavailableError as error:
                self.status.connected(False)
                self.say(f"relay: {error}")
                self._connect()
                report.resumed += 1
            report.sequence, report.position = self._resume()
        return report

    def _relay(self, report: RelayReport, follow: bool) -> None:
        """Publish pages from the report's position on, one page in flight while the next is
        read; the report moves as each page's acks come back."""
        in_flight: deque[tuple[Future[Published], int]] = deque()
        expected = report.sequence
        try:
            for page in self._pages(report.position, follow):
                messages = [outgoing(event) for _, event in page]
                in_flight.append((self.broker.send(messages, expected), page[-1][0]))
                expected += len(messages)
                # A short page is the end of what is stored: settle before waiting for more.
                while len(in_flight) > (1 if len(page) == self.page else 0):
                    self._settled(report, *in_flight.popleft())
            while in_flight:
                self._settled(report, *in_flight.popleft())
        except StreamMovedError as moved:
            report.stored += moved.published
            # The pages sent after it are refused at once or stored in their place: count them.
            for sent, position in in_flight:
                with contextlib.suppress(StreamMovedError, BrokerUnavailableError):
                    _settle(report, sent, position)
            raise
        finally:
            for sent, _ in in_flight:
                sent.cancel()

    def _settled(self, report: RelayReport, sent: Future[Published], position: int) -> None:
        _settle(report, sent, position)
        self.status.published(report.position)
        self._look()

    def _look(self) -> None:
        """Note the log's head, for the status's lag."""
        self.status.looked(self.feeds.view.behind()[0])

    def stop(self) -> None:
        """End the run at its next page (from a signal handler or another thread)."""
        self._stopped.set()
        following = self._following
        if following is not None:
            following.close()

    def close(self) -> None:
        """Drop the broker's connection."""
        self.status.connected(False)
        self.broker.close()

    def _pages(self, after: int, follow: bool) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        if not follow:
            while not self._stopped.is_set() and (page := self.feeds.read_events(after, self.page)):
                yield page
                after = page[-1][0]
            return
        self._following = subscription = self.feeds.subscribe_pages(after, self.page)
        if self._stopped.is_set():  # stopped before the subscription existed to be closed
            subscription.close()
        with subscription:
            for _, page in subscription:
                yield page
                if self._stopped.is_set():
                    return

    def _resume(self) -> tuple[int, int]:
        """The stream's last sequence and the position of the event its last message holds."""
        while True:
            try:
                end = self.broker.end()
                break
            except BrokerUnavailableError as error:
                self.status.connected(False)
                self.say(f"relay: {error}")
                self._connect()
        sequence, position = self._read_end(end)
        self.status.published(position)
        self._look()
        return sequence, position

    def _read_end(self, end: StreamEnd) -> tuple[int, int]:
        """The stream's last sequence and the position its last message holds."""
        if end.sequence == 0:
            return 0, 0
        name = self.broker.name
        if end.headers is None:
            raise RelayError(
                f"stream {name}: its last message (sequence {end.sequence}) is gone, so the "
                "relay cannot tell which event it held (was it purged, or did it expire?)"
            )
        source = attribute(end.headers, "source")
        if source != self.source:
            raise RelayError(
                f"stream {name} holds events of another store ({source}), not of this one "
                f"({self.source}): give this store a stream of its own (--stream)"
            )
        position = attribute(end.headers, "position") or ""
        if not position.isdigit():
            raise RelayError(f"stream {name}: its last message has no ce-position header")
        return end.sequence, int(position)

    def _connect(self) -> None:
        """Connect, retrying with a doubling wait; one line per failed attempt."""
        wait, started = self.backoff.first, time.monotonic()
        while True:
            try:
                self.broker.connect()
                self.status.connected(True)
                return
            except BrokerUnavailableError as error:
                self.status.connected(False)
                # The lag grows while the broker is away: keep looking (a store error waits
                # for the run's next read of the store, where it is the run's error).
                with contextlib.suppress(Exception):
                    self._look()
                give_up = self.backoff.give_up
                if give_up is not None and time.monotonic() - started + wait > give_up:
                    raise BrokerUnavailableError(f"{error}; gave up after {give_up:g} s") from None
                self.say(f"relay: {error}; retrying in {wait:g} s")
                if self.pause(wait):
                    raise BrokerUnavailableError(f"{error}; stopped while waiting") from None
                wait = min(wait * 2, self.backoff.most)


class RelayThread:
    """One relay following the log on a thread of its own, beside a server.

    A failure (a stream it cannot go on with, a store that went away) is one line, and the
    relay starts again after a wait that doubles up to the backoff's `most`: the server it
    runs beside keeps serving, and the relay's status says it is down meanwhile.
    """

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.status = relay.status
        self._thread = threading.Thread(target=self._run, name="stanceline-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the relay after the page it is publishing, wait for it, drop its connection."""
        self.relay.stop()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.relay.close()

    def _run(self) -> None:
        relay = self.relay
        wait = relay.backoff.first
        while not relay.stopped:
            started = time.monotonic()
            try:
                report = relay.run(follow=True)
            except StancelineError as error:
                failure = str(error)
            except Exception as error:  # a thread's last resort: say it and start again
                failure = f"{type(error).__name__}: {error}"
            else:
                relay.say(f"relay: {report.summary()}")
                return
            relay.status.connected(False)
            if relay.stopped:
                return
            if time.monotonic() - started > relay.backoff.most:  # it ran a while: a new failure
                wait = relay.backoff.first
            relay.say(f"relay: stopped: {failure}; starting again in {wait:g} s")
            if relay.pause(wait):
                return
            wait = min(wait * 2, relay.backoff.most)
