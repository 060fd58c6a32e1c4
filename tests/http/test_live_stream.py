"""Event streams woken at once (issue 5): by a write through the API, and on PostgreSQL by NOTIFY.

The servers here poll every 5 s, so an event that arrives sooner was woken: by
the write itself when it came through this server, by the store's NOTIFY when
another process (here another application) stored it.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from stanceline.application import Stanceline
from stanceline.interfaces.http import stop_streams
from tests.factories import fact
from tests.http.conftest import ALICE, LiveServer, SSEReader, serving_live, sse_headers
from tests.stores import backends, postgres_named

LONG_POLL = 5.0


@pytest.fixture
def slow_poll(store: str) -> Iterator[LiveServer]:
    """A server whose idle streams poll only every 5 s (heartbeat 30 s)."""
    with serving_live(store, heartbeat=30, poll=LONG_POLL) as server:
        yield server


def ids(events: list[dict[str, str]]) -> list[str]:
    return [json.loads(e["data"])["data"]["id"] for e in events]


def test_a_write_through_the_api_wakes_open_streams_at_once(slow_poll: LiveServer) -> None:
    with (
        httpx.Client(base_url=slow_poll.url, timeout=httpx.Timeout(10, read=20)) as http,
        http.stream("GET", "/events/stream", headers=sse_headers()) as first,
        http.stream("GET", "/events/stream", headers=sse_headers()) as second,
    ):
        time.sleep(0.2)  # both are waiting
        started = time.monotonic()
        assert http.post("/facts", json=fact(id="now"), headers=ALICE).status_code == 201
        seen = SSEReader(first).events(1) + SSEReader(second).events(1)
        assert time.monotonic() - started < 1.0
    assert ids(seen) == ["now", "now"]


def test_stopping_the_streams_ends_one_waiting_out_a_long_poll(slow_poll: LiveServer) -> None:
    with (
        httpx.Client(base_url=slow_poll.url, timeout=httpx.Timeout(10, read=20)) as http,
        http.stream("GET", "/events/stream", headers=sse_headers()) as response,
    ):
        reader = SSEReader(response)
        time.sleep(0.2)
        started = time.monotonic()
        stop_streams(slow_poll.api)
        assert reader.rest() == []
        assert time.monotonic() - started < 2


def test_the_heartbeat_comes_on_time_however_long_the_poll(store: str) -> None:
    with (
        serving_live(store, heartbeat=0.3, poll=LONG_POLL) as server,
        httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=20)) as http,
        http.stream("GET", "/events/stream", headers=sse_headers()) as response,
    ):
        reader = SSEReader(response)
        started = time.monotonic()
        assert reader.wait_comment() == ": keepalive"
        assert reader.wait_comment() == ": keepalive"
        assert time.monotonic() - started < 3


# PostgreSQL: NOTIFY from other processes, one LISTEN connection for every stream


@pytest.fixture
def named_postgres(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A PostgreSQL store whose connections carry this test's own name, and the name."""
    with postgres_named(tmp_path, "stanceline-http") as named:
        yield named


@pytest.mark.postgres
def test_an_event_stored_elsewhere_reaches_an_open_stream_within_100_ms(
    named_postgres: tuple[str, str], request: pytest.FixtureRequest
) -> None:
    url, _ = named_postgres
    writer = Stanceline(url)  # as another process or worker would store it
    latencies: list[float] = []
    try:
        with (
            serving_live(url, heartbeat=30, poll=LONG_POLL) as server,
            httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=20)) as http,
            http.stream("GET", "/events/stream", headers=sse_headers()) as response,
        ):
            reader = SSEReader(response)
            seen = []
            for n in range(20):
                time.sleep(0.05)
                started = time.monotonic()
                writer.record_fact(fact(id=f"e{n}"))
                seen += reader.events(1, timeout=LONG_POLL * 2)
                latencies.append(time.monotonic() - started)
    finally:
        writer.close()
    assert ids(seen) == [f"e{n}" for n in range(20)]
    median, worst = statistics.median(latencies), max(latencies)
    request.node.user_properties += [
        ("sse_notify_latency_ms_median", round(median * 1000, 1)),
        ("sse_notify_latency_ms_max", round(worst * 1000, 1)),
    ]
    print(f"SSE after NOTIFY: median {median * 1000:.1f} ms, max {worst * 1000:.1f} ms")
    assert median < 0.1
    assert worst < 1.0


@pytest.mark.postgres
def test_many_open_streams_share_one_listen_connection(named_postgres: tuple[str, str]) -> None:
    url, name = named_postgres
    with (
        serving_live(url, heartbeat=30, poll=LONG_POLL) as server,
        httpx.Client(
            base_url=server.url,
            timeout=httpx.Timeout(10, read=20),
            limits=httpx.Limits(max_connections=30),
        ) as http,
        ExitStack() as streams,
    ):
        readers = [
            SSEReader(streams.enter_context(http.stream("GET", "/events/stream")))
            for _ in range(12)
        ]
        time.sleep(0.3)
        queries = backends(name)
        assert sum(q.startswith("LISTEN") for q in queries) == 1
        assert len(queries) <= 1 + 2 + 8  # LISTEN + the pool (size 2, overflow 8)
        assert http.post("/facts", json=fact(id="all"), headers=ALICE).status_code == 201
        for reader in readers:
            assert ids(reader.events(1)) == ["all"]
