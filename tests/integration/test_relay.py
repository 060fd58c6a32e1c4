"""The relay into NATS JetStream on a real server and a real store (issue 17, the relay).

Every stored event becomes one message, in log order, whose headers are the
feed's CloudEvent in binary mode (read back with the cloudevents SDK); a
second run appends only what is new; a live relay follows new events; a
stream of another store is refused. The relay's status follows it; a relay
on a thread beside a server starts again after a failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner

from stanceline.adapters.jetstream import JetStream
from stanceline.application import Stanceline
from stanceline.application.relay import Backoff, Relay, RelayReport, RelayThread
from stanceline.application.relay_status import RelayState
from stanceline.errors import BrokerUnavailableError
from stanceline.interfaces.cli import cli
from stanceline.stream.binary import to_binary
from stanceline.stream.broker import Outgoing, Published, StreamEnd
from tests.brokers import Message, Stream, ce_attributes, own_stream
from tests.factories import event_count, fact
from tests.integration.conftest import AppFactory, FileWriter
from tests.integration.test_stream import full_store

# A recorder's name with a space and a letter outside ASCII: percent-encoded in its header.
AUDITOR = "Zoë Auditor"


@pytest.fixture
def stream() -> Iterator[Stream]:
    yield from own_stream()


def relay_once(app: Stanceline, stream: Stream) -> str:
    """`stanceline relay --once` on the app's store; its output (exit 0 checked)."""
    result = CliRunner().invoke(
        cli, ["--store", app.store.url, "relay", *stream.options(), "--once"]
    )
    assert result.exit_code == 0, result.output
    return result.output


def feed(app: Stanceline) -> list[tuple[int, dict[str, Any]]]:
    return app.read_events(0, 1_000_000)


def test_every_stored_event_is_one_message_and_the_feed_s_cloudevent(
    app: Stanceline, write_file: FileWriter, stream: Stream
) -> None:
    full_store(app, write_file)
    app.correct("rus-designation-2003", "a recorder from elsewhere", {"date": "2002"}, by=AUDITOR)

    output = relay_once(app, stream)

    events = feed(app)
    messages = stream.messages()
    assert len(messages) == len(events) == event_count(app)
    assert f"relayed {len(events)} events into stream {stream.name}" in output
    changes = {e["data"]["change"]["action"] for _, e in events if "change" in e["data"]}
    assert changes == {"corrected", "retracted", "reinstated"}
    for sequence, (message, (position, event)) in enumerate(zip(messages, events, strict=True)):
        assert message.sequence == sequence + 1
        assert message.subject == f"{stream.prefix}.{event['subject']}"
        assert message.headers["Nats-Msg-Id"] == event["id"]
        assert message.headers["content-type"] == "application/json"
        assert message.headers["ce-position"] == str(position)
        assert_same_cloudevent(message, event)


def assert_same_cloudevent(message: Message, event: dict[str, Any]) -> None:
    """The message, read by the SDK, holds exactly the feed's attributes and data."""
    read = ce_attributes(message)
    assert set(read) == set(event)
    for name, value in event.items():
        if name == "time":
            assert read[name] == datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif name == "data":
            assert read[name] == value
        else:
            # Binary mode carries every attribute as text (an integer position too).
            assert read[name] == str(value), name


def test_the_headers_are_the_binary_mode_of_the_cloudevent(app: Stanceline) -> None:
    app.record_fact(fact(), by=AUDITOR)
    _, event = feed(app)[0]
    headers, _ = to_binary(event)
    assert list(headers) == [
        "ce-specversion", "ce-id", "ce-source", "ce-type", "ce-subject", "ce-time",
        "content-type", "ce-position", "ce-effective", "ce-effectivestart",
        "ce-effectiveend", "ce-recordedby",
    ]  # fmt: skip
    assert headers["ce-recordedby"] == "Zo%C3%AB%20Auditor"
    assert headers["ce-effective"] == "2024-05-01"


def test_a_second_run_appends_only_the_events_stored_since(
    app: Stanceline, write_file: FileWriter, stream: Stream
) -> None:
    full_store(app, write_file)
    relay_once(app, stream)
    before = stream.messages()

    assert "relayed 0 events" in relay_once(app, stream)
    app.record_fact(fact(summary="A later statement"), by="later")
    output = relay_once(app, stream)

    after = stream.messages()
    assert "relayed 1 events" in output
    assert after[:-1] == before
    assert after[-1].headers["ce-id"] == feed(app)[-1][1]["id"]
    assert len(after) == event_count(app)


def test_a_live_relay_publishes_each_new_event_as_it_is_stored(
    app: Stanceline, stream: Stream
) -> None:
    app.record_fact(fact(summary="Before the relay"))
    relay = app.relay(stream.url, stream=stream.name, prefix=stream.prefix, say=lambda _: None)
    reports: list[RelayReport] = []
    runner = threading.Thread(target=lambda: reports.append(relay.run(follow=True)))
    runner.start()
    try:
        wait_for(lambda: stream.last_sequence() == 1)
        for n in range(3):
            app.record_fact(fact(summary=f"Live statement {n}"))
            wait_for(lambda n=n: stream.last_sequence() == n + 2)  # type: ignore[misc]
    finally:
        relay.stop()
        runner.join(timeout=30)
        relay.close()
    assert not runner.is_alive()
    assert reports[0].stored == 4
    assert [m.headers["ce-id"] for m in stream.messages()] == [e["id"] for _, e in feed(app)]


def test_a_stream_of_another_store_is_refused(make_app: AppFactory, stream: Stream) -> None:
    first, second = make_app("a.db"), make_app("b.db")
    first.record_fact(fact())
    second.record_fact(fact())
    relay_once(first, stream)

    result = CliRunner().invoke(
        cli, ["--store", second.store.url, "relay", *stream.options(), "--once"]
    )

    assert result.exit_code == 1
    assert "holds events of another store" in result.output
    assert "Traceback" not in result.output
    assert len(stream.messages()) == 1


@pytest.mark.parametrize("window", [None, 0.5])
def test_a_relay_overtaken_by_another_stores_nothing_twice(
    app: Stanceline, stream: Stream, window: float | None
) -> None:
    for n in range(30):
        app.record_fact(fact(summary=f"Statement {n}"))
    for n in range(10):
        app.record_fact(fact(summary=f"Statement {n}"))
    if window is not None:
        stream.create(duplicate_window=window)
    first = Relay(app.feeds, JetStream(stream.url, stream.name, stream.prefix), app.source,
                  say=print, page=10)  # fmt: skip
    first.run(follow=False)
    for n in range(30, 60):
        app.record_fact(fact(summary=f"Statement {n}"))
    # The late relay reads the stream's end at 30; before its first page goes out, the other
    # relays the 30 events after it, and (with the short window) that window passes.
    second = Overtaken(JetStream(stream.url, stream.name, stream.prefix), first, window)
    late = Relay(app.feeds, second, app.source, say=print, page=10)
    try:
        report = late.run(follow=False)
        app.record_fact(fact(summary="One more"))
        again = late.run(follow=False)
    finally:
        first.close()
        late.close()
    assert [m.headers["ce-id"] for m in stream.messages()] == [e["id"] for _, e in feed(app)]
    assert second.overtaken is not None
    assert second.overtaken.stored == 30
    if window is None:
        # Inside the duplicate window JetStream drops each of them, where it stands.
        assert (report.stored, report.duplicates, report.resumed) == (0, 30, 0)
    else:
        # Past it, the expected last sequence refuses the first page: the relay reads the
        # stream's end again and finds nothing left to do.
        assert (report.stored, report.duplicates, report.resumed) == (0, 0, 1)
    assert report.sequence == 60
    assert (again.stored, again.sequence) == (1, 61)


class Overtaken:
    """A broker whose first page waits until another relay has relayed everything."""

    overtaken: RelayReport | None

    def __init__(self, broker: JetStream, other: Relay, window: float | None) -> None:
        self.broker = broker
        self.name = broker.name
        self.other = other
        self.window = window
        self.overtaken: RelayReport | None = None

    def connect(self) -> None:
        self.broker.connect()

    def end(self) -> StreamEnd:
        return self.broker.end()

    def send(self, messages: Sequence[Outgoing], after: int) -> Future[Published]:
        if self.overtaken is None:
            self.overtaken = self.other.run(follow=False)
            if self.window is not None:
                time.sleep(self.window + 0.3)
        return self.broker.send(messages, after)

    def close(self) -> None:
        self.broker.close()


def test_the_status_says_where_the_relay_is(app: Stanceline, stream: Stream) -> None:
    for n in range(3):
        app.record_fact(fact(summary=f"Statement {n}"))
    relay = app.relay(stream.url, stream=stream.name, prefix=stream.prefix, say=lambda _: None)
    seen: list[RelayState] = []
    relay.status.watch(seen.append)
    try:
        relay.run(follow=False)
        assert relay.status.now() == RelayState(stream.name, position=3, head=3, up=True)
        app.record_fact(fact(summary="Later"))
        # Not looked at since: the head is the one it saw.
        assert relay.status.now().lag == 0
        relay.run(follow=False)
        assert relay.status.now() == RelayState(stream.name, position=4, head=4, up=True)
    finally:
        relay.close()
    assert relay.status.now() == RelayState(stream.name, position=4, head=4, up=False)
    assert seen[0] == RelayState(stream.name)
    assert [state.position for state in seen] == sorted(state.position for state in seen)


def test_a_relay_that_cannot_reach_nats_is_down_and_sees_the_lag(app: Stanceline) -> None:
    for n in range(2):
        app.record_fact(fact(summary=f"Statement {n}"))
    relay = app.relay(
        "nats://127.0.0.1:9",
        stream="DOWN",
        prefix="down.events",
        say=lambda _: None,
        backoff=Backoff(first=0.05, give_up=0.3),
    )
    with pytest.raises(BrokerUnavailableError):
        relay.run(follow=False)
    relay.close()
    assert relay.status.now() == RelayState("DOWN", position=0, head=2, up=False)


def test_a_relay_thread_starts_again_after_a_failure_and_stops_when_told(
    make_app: AppFactory, stream: Stream
) -> None:
    first, second = make_app("a.db"), make_app("b.db")
    first.record_fact(fact())
    second.record_fact(fact())
    relay_once(first, stream)
    said: list[str] = []
    runner = RelayThread(
        second.relay(
            stream.url,
            stream=stream.name,
            prefix=stream.prefix,
            say=said.append,
            backoff=Backoff(first=0.1, most=0.2),
        )
    )
    runner.start()
    wait_for(lambda: sum("starting again" in line for line in said) >= 3)
    started = time.monotonic()
    runner.stop()
    assert time.monotonic() - started < 5
    assert runner.relay.stopped
    assert said[0] == (
        f"relay: stopped: stream {stream.name} holds events of another store "
        f"({first.source}), not of this one ({second.source}): give this store a stream of "
        "its own (--stream); starting again in 0.1 s"
    )
    assert any(line.endswith("starting again in 0.2 s") for line in said)
    assert runner.status.now().up is False
    assert len(stream.messages()) == 1


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:4222", "nats://127.0.0.1", "nats://:4222", "nats://h:99999", "nats://h:1/x"],
)
def test_a_bad_url_is_one_line_and_exit_2(store_url: str, url: str) -> None:
    result = CliRunner().invoke(cli, ["--store", store_url, "relay", "--to", url, "--once"])
    assert result.exit_code == 2
    assert "--to" in result.output
    assert "Traceback" not in result.output


def test_nats_down_at_start_is_one_line_per_attempt_and_then_an_error(store_url: str) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(
        cli,
        ["--store", store_url, "relay", "--to", "nats://127.0.0.1:9", "--once", "--give-up", "2"],
    )
    took = time.monotonic() - started
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == (
        "relay: cannot reach NATS at nats://127.0.0.1:9: connection refused; retrying in 0.5 s"
    )
    assert lines[1].endswith("retrying in 1 s")
    assert lines[-1] == (
        "Error: cannot reach NATS at nats://127.0.0.1:9: connection refused; gave up after 2 s"
    )
    assert "Traceback" not in result.output
    assert took < 10


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
