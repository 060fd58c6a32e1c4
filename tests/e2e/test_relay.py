"""`stanceline relay` as a process: killed at any moment, run twice at once, stopped by SIGTERM.

Whatever happens to the relay, the stream ends up holding every event of the
log exactly once, in log order. The kills and the two relays at once run on a
SQLite store and on a PostgreSQL one, each of 50,000 events.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stanceline.application import Stanceline
from tests.brokers import Stream, own_stream
from tests.e2e.faults import PROCESS_TIMEOUT, command, statements
from tests.e2e.test_serve import ROOT, Consumer, wait_for_file
from tests.factories import fact, write_jsonl
from tests.serving import clean_env
from tests.stores import POSTGRES, SQLITE, STORE_PARAMS, Stores

BIG = 50_000
# Where the relay is killed (the stream's last sequence; 0: before it published anything).
# Fewer on PostgreSQL, where the store takes longer to build: the same law at less cost.
KILLED_AT = {SQLITE: (0, 8_000, 21_000, 37_000), POSTGRES: (0, 14_000, 33_000)}


@pytest.fixture
def stream() -> Iterator[Stream]:
    yield from own_stream()


@pytest.fixture(scope="module", params=STORE_PARAMS)
def big_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A store of 50,000 events (statements, with corrections and retractions), on SQLite and
    on PostgreSQL in turn."""
    folder = tmp_path_factory.mktemp("relay")
    stores = Stores(request.param, folder)
    url = stores.url("big.db")
    try:
        with Stanceline(url) as app:
            app.load_file(write_jsonl(folder / "big.jsonl", statements(BIG - 20)), by="e2e")
            for n in range(10):
                fact_id = app.read_events(n * 100, 1)[0][1]["data"]["id"]
                app.correct(fact_id, f"correction {n}", {"date": "2001"}, by="e2e")
                app.retract(fact_id, f"retraction {n}", by="e2e")
        yield url
    finally:
        stores.close()


def kind_of(store: str) -> str:
    return SQLITE if store.startswith("sqlite") else POSTGRES


def relay(store: str, stream: Stream, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(store, "relay", *stream.options(), *extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=PROCESS_TIMEOUT)
    assert process.returncode == 0, err
    return out, err


def log_ids(store: str) -> list[str]:
    with Stanceline(store) as app:
        return [event["id"] for _, event in app.read_events(0, 10_000_000)]


def assert_exactly_once_in_order(store: str, stream: Stream) -> None:
    messages = stream.messages()
    assert [m.sequence for m in messages] == list(range(1, len(messages) + 1))
    assert [m.headers["ce-id"] for m in messages] == log_ids(store)
    positions = [int(m.headers["ce-position"]) for m in messages]
    assert positions == sorted(set(positions))


def test_killed_at_several_moments_then_restarted_every_event_once_in_order(
    big_store: str, stream: Stream
) -> None:
    started = time.monotonic()
    kills = []
    # Killed before it published anything, then at a few points of the catch-up.
    for threshold in KILLED_AT[kind_of(big_store)]:
        process = relay(big_store, stream)
        deadline = time.monotonic() + PROCESS_TIMEOUT
        if threshold == 0:
            time.sleep(0.3)
        else:
            while stream.last_sequence() < threshold and process.poll() is None:
                assert time.monotonic() < deadline, "the relay made no progress"
                time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=PROCESS_TIMEOUT)
        kills.append(stream.last_sequence())
    out, _ = finish(relay(big_store, stream, "--once"))

    assert kills[-1] < BIG, "the relay finished before it was killed"
    assert kills == sorted(kills)
    assert_exactly_once_in_order(big_store, stream)
    assert f"now at sequence {BIG}" in out
    assert time.monotonic() - started < 60


def test_two_relays_started_at_once_leave_no_duplicate_and_no_interleaving(
    big_store: str, stream: Stream
) -> None:
    first, second = relay(big_store, stream, "--once"), relay(big_store, stream, "--once")
    outputs = [finish(first)[0], finish(second)[0]]

    assert_exactly_once_in_order(big_store, stream)
    assert all(f"now at sequence {BIG}" in out for out in outputs)


def test_sigterm_ends_a_following_relay_cleanly_after_it_published_a_new_event(
    tmp_path: Path, stream: Stream
) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    with Stanceline(store) as app:
        app.record_fact(fact(summary="Before"))
        process = relay(store, stream)
        deadline = time.monotonic() + 30
        while stream.last_sequence() < 1:
            assert time.monotonic() < deadline
            assert process.poll() is None
            time.sleep(0.05)
        app.record_fact(fact(summary="While it follows"))
        while stream.last_sequence() < 2:
            assert time.monotonic() < deadline
            assert process.poll() is None
            time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = finish(process)

    assert "relayed 2 events" in out
    assert "Traceback" not in err
    assert_exactly_once_in_order(store, stream)


def test_a_relay_started_before_nats_retries_and_relays_once_it_answers(
    tmp_path: Path, stream: Stream
) -> None:
    binary = Path("/usr/sbin/nats-server")
    if not binary.exists():
        pytest.skip("no nats-server binary to start a second server with")
    from tests.serving import free_port

    port = free_port()
    store = f"sqlite:///{tmp_path / 's.db'}"
    with Stanceline(store) as app:
        app.record_fact(fact())
    late = Stream(f"nats://127.0.0.1:{port}", stream.name, stream.prefix)
    process = relay(store, late, "--once")
    time.sleep(1.2)  # a first attempt and at least one retry
    server = subprocess.Popen(
        [str(binary), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(tmp_path / "js")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out, err = finish(process)
        assert len(late.messages()) == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = err.splitlines()
    assert lines[0] == (
        f"relay: cannot reach NATS at nats://127.0.0.1:{port}: connection refused; "
        "retrying in 0.5 s"
    )
    assert "Traceback" not in err
    assert "relayed 1 events" in out


# The consumer of docs/subscribers.md, run as its readers would run it


def docs_consumer() -> str:
    text = (ROOT / "docs" / "subscribers.md").read_text(encoding="utf-8")
    start = text.index("## Reading from NATS JetStream")
    block = re.search(r"```python\n(.*?)```", text[start:], re.DOTALL)
    assert block is not None, "docs/subscribers.md has no NATS consumer"
    return block.group(1)


def test_the_documented_nats_consumer_reads_once_and_resumes_by_sequence(
    tmp_path: Path, stream: Stream
) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    script = tmp_path / "nats_consumer.py"
    script.write_text(docs_consumer(), encoding="utf-8")
    sequence = tmp_path / "consumer.sequence"
    env = clean_env(
        NATS_URL=stream.url,
        STANCELINE_STREAM=stream.name,
        STANCELINE_SUBJECT=stream.prefix,
        CONSUMER_NAME="docs",
        SEQUENCE_FILE=str(sequence),
    )
    with Stanceline(store) as app:
        for n in range(3):
            app.record_fact(fact(summary=f"First {n}"))
        finish(relay(store, stream, "--once"))
        consumer = Consumer(script, env)
        try:
            first = consumer.read(3)
            wait_for_file(sequence, "3")
        finally:
            consumer.stop()
        for n in range(2):
            app.record_fact(fact(actor="CHN", summary=f"Later {n}"))
    finish(relay(store, stream, "--once"))
    # The durable consumer is lost as well: made again from the saved sequence.
    stream.delete_consumer("docs")
    consumer = Consumer(script, env)
    try:
        later = consumer.read(2)
        wait_for_file(sequence, "5")
        time.sleep(0.5)
        assert consumer.lines.empty(), "an event came twice"
    finally:
        consumer.stop()
    assert [line.split()[0] for line in first + later] == ["1", "2", "3", "4", "5"]
    assert later[0].endswith("org.stanceline.StanceStated.v1 CHN")
