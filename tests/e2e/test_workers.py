"""Several server processes on one store (issue 5): workers, reconnects elsewhere, dropped links.

Positions are global to the store, so a client that resumes with Last-Event-ID
gets every event exactly once whichever process answers it.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stanceline.application import Stanceline
from tests.e2e.test_serve import AUTH, TOKENS, fact_ids, post
from tests.factories import fact
from tests.http.conftest import SSEReader, sse_headers
from tests.serving import Server, serving, stop
from tests.stores import (
    backends,
    postgres_named,
    terminate_backends,
    with_application_name,
)

Event = dict[str, str]


def log_of(server: Server) -> list[tuple[int, str]]:
    """(position, fact id) of every stored event, read page by page from the server."""
    found: list[tuple[int, str]] = []
    with httpx.Client(base_url=server.url, timeout=10) as http:
        while True:
            after = found[-1][0] if found else 0
            page = http.get("/events", params={"after": after, "limit": 1000}).json()
            if not page:
                return found
            found += [(e["position"], e["data"]["id"]) for e in page]


def positions_and_ids(events: list[Event]) -> list[tuple[int, str]]:
    return [(int(e["id"]), i) for e, i in zip(events, fact_ids(events), strict=True)]


def test_two_workers_serve_writes_reads_and_the_stream_on_one_port(
    store_url: str, tmp_path: Path
) -> None:
    with serving(tmp_path, store_url, TOKENS, "--workers", "2") as server:
        assert "Started parent process" in server.output()
        with (
            httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=20)) as http,
            http.stream("GET", "/events/stream", headers=sse_headers()) as response,
        ):
            reader = SSEReader(response)
            for n in range(6):
                # A new connection each time: the workers share the port's connections.
                with httpx.Client(base_url=server.url, timeout=10) as one:
                    post(one, f"w{n}")
            seen = reader.events(6, timeout=10)
            answer = http.get("/facts/w3")
            assert answer.status_code == 200
            started = time.monotonic()
            assert stop(server.process, how=signal.SIGINT) == 0, server.output()
            assert time.monotonic() - started < 8
        assert positions_and_ids(seen) == log_of_store(store_url)
    assert fact_ids(seen) == [f"w{n}" for n in range(6)]
    assert server.output().count("Application shutdown complete") == 2
    assert "graceful shutdown exceeded" not in server.output()
    assert "Traceback" not in server.output()


def test_a_worker_answers_a_kept_alive_connection_without_waiting_for_delayed_acks(
    store_url: str, tmp_path: Path
) -> None:
    # A worker's head and body went out as two small writes on a socket with Nagle's
    # algorithm on (uvicorn's shared socket left asyncio not setting TCP_NODELAY): each
    # request after the first on a connection then waited ~40 ms for the client's
    # delayed ACK. uvloop sets TCP_NODELAY on every connection.
    with (
        serving(tmp_path, store_url, TOKENS, "--workers", "2") as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        took = []
        for _ in range(21):
            started = time.perf_counter()
            assert http.get("/status").status_code == 200
            took.append(time.perf_counter() - started)
        assert sorted(took)[10] < 0.025, took


def log_of_store(store: str) -> list[tuple[int, str]]:
    app = Stanceline(store)
    try:
        return [(p, e["data"]["id"]) for p, e in app.read_events(0, 1_000_000)]
    finally:
        app.close()


def test_a_client_resumes_on_another_server_process_exactly_once(
    store_url: str, tmp_path: Path
) -> None:
    with (
        serving(tmp_path / "a", store_url, TOKENS) as first,
        serving(tmp_path / "b", store_url, TOKENS) as second,
        httpx.Client(base_url=first.url, timeout=httpx.Timeout(10, read=20)) as to_first,
        httpx.Client(base_url=second.url, timeout=httpx.Timeout(10, read=20)) as to_second,
    ):
        post(to_first, "a1", "a2")
        with to_first.stream("GET", "/events/stream", headers=sse_headers()) as response:
            reader = SSEReader(response)
            seen = reader.events(2)
            post(to_second, "b1")  # stored through the other process, seen here
            seen += reader.events(1, timeout=10)
        # The client is gone; the record goes on through both.
        post(to_first, "a3")
        post(to_second, "b2")
        last = int(seen[-1]["id"])
        with to_second.stream("GET", "/events/stream", headers=sse_headers(last)) as response:
            reader = SSEReader(response)
            seen += reader.events(2)
            post(to_first, "a4")
            seen += reader.events(1, timeout=10)
        assert positions_and_ids(seen) == log_of(second) == log_of(first)
    assert fact_ids(seen) == ["a1", "a2", "b1", "a3", "b2", "a4"]


# A dropped PostgreSQL connection under a running server


class Collector:
    """An EventSource-like client in a thread: follows the stream, resumes after a drop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[Event] = []
        self.reconnects = 0
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                last = int(self.events[-1]["id"]) if self.events else None
                try:
                    self._follow(last)
                except httpx.TransportError:
                    if self.stopping.is_set():
                        return
                    self.reconnects += 1
                    time.sleep(0.1)
        except BaseException as error:  # reported by wait_for
            self.error = error

    def _follow(self, last: int | None) -> None:
        timeout = httpx.Timeout(10, read=30)  # heartbeats come every 15 s
        with (
            httpx.Client(base_url=self.url, timeout=timeout) as http,
            http.stream("GET", "/events/stream", headers=sse_headers(last)) as response,
        ):
            assert response.status_code == 200
            current: Event = {}
            for line in response.iter_lines():
                if self.stopping.is_set():
                    return
                if line and not line.startswith(":"):
                    name, _, value = line.partition(":")
                    current[name] = value.removeprefix(" ")
                elif not line and current:
                    self.events.append(current)
                    current = {}

    def wait_for(self, count: int, timeout: float = 20) -> float:
        """Seconds until `count` events arrived."""
        started = time.monotonic()
        while len(self.events) < count:
            assert self.error is None, f"the client failed: {self.error!r}"
            assert time.monotonic() - started < timeout, f"{len(self.events)} of {count} came"
            time.sleep(0.005)
        return time.monotonic() - started

    def stop(self, server: Server) -> None:
        """Stop following: stopping the server ends the stream the thread is reading."""
        self.stopping.set()
        stop(server.process)
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def named_postgres(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A PostgreSQL store whose server connections carry this test's own name, and the name."""
    with postgres_named(tmp_path, "stanceline-e2e") as named:
        yield named


def post_until_stored(http: httpx.Client, fact_id: str, refused: list[int]) -> None:
    """POST one fact, again after a 503 or a dropped connection (the same fact is stored once)."""
    for _ in range(50):
        try:
            answer = http.post("/facts", json=fact(id=fact_id, summary=fact_id), headers=AUTH)
        except httpx.TransportError:
            refused.append(0)
            continue
        if answer.status_code in (200, 201):
            return
        assert answer.status_code == 503, answer.text
        refused.append(answer.status_code)
        time.sleep(0.1)
    raise AssertionError(f"{fact_id} was never stored")


@pytest.mark.postgres
def test_terminated_database_connections_under_a_running_server_lose_and_repeat_nothing(
    named_postgres: tuple[str, str], tmp_path: Path
) -> None:
    store, name = named_postgres
    posted: list[str] = []
    refused: list[int] = []
    ended: list[int] = []
    with serving(tmp_path, store, TOKENS) as server:
        collector = Collector(server.url)
        try:
            with httpx.Client(base_url=server.url, timeout=10) as http:
                for n in range(40):  # writes go on while the connections are ended, twice
                    if n in (10, 25):
                        deadline = time.monotonic() + 10
                        while not any(q.startswith("LISTEN") for q in backends(name)):
                            assert time.monotonic() < deadline, "the server is not listening"
                            time.sleep(0.05)
                        ended.append(terminate_backends(name))
                    post_until_stored(http, f"p{n}", refused)
                    posted.append(f"p{n}")
                    time.sleep(0.01)
                collector.wait_for(40)

                # Stored by another process: only the server's NOTIFY (LISTEN again) tells it.
                deadline = time.monotonic() + 10
                while not any(q.startswith("LISTEN") for q in backends(name)):
                    assert time.monotonic() < deadline, "the LISTEN connection did not return"
                    time.sleep(0.05)
                other = Stanceline(with_application_name(store, f"{name}-other"))
                try:
                    for n in range(3):
                        other.record_fact(fact(id=f"o{n}", summary=f"o{n}"))
                        posted.append(f"o{n}")
                        collector.wait_for(41 + n, timeout=10)
                finally:
                    other.close()
                assert http.get("/openapi.json").status_code == 200
                assert http.get("/actors/RUS/stance").status_code == 200
            time.sleep(0.3)  # nothing more, nothing repeated
            stored = log_of(server)
            assert server.process.poll() is None, "the server died"
        finally:
            collector.stop(server)
    print(f"connections ended: {ended}; writes refused and retried: {len(refused)}")
    assert all(count >= 2 for count in ended)  # pooled ones and the LISTEN one
    assert positions_and_ids(collector.events) == stored
    assert sorted(i for _, i in stored) == sorted(posted)
    assert collector.reconnects == 0, "the stream itself never dropped"
    assert re.search(r"LISTEN \S+ lost", server.output())  # logged; it came back (above)
