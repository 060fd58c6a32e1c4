"""HTTP set-up: the API on a real store (SQLite and PostgreSQL in turn), in-process or live."""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI

from stanceline.application import Stanceline
from stanceline.interfaces.cli import cli
from stanceline.interfaces.http import create_app, stanceline_of, stop_streams

with warnings.catch_warnings():
    # Starlette asks for the `httpx2` fork; plain httpx works, and is what this project pins.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

FIXTURES = [Path(__file__).resolve().parents[2] / "fixtures" / "00-clash-report-2025-07-04.jsonl"]
TOKENS = {"alice": "alice-token-0123456789", "bob": "bob-token-9876543210xyz"}
ALICE = {"Authorization": f"Bearer {TOKENS['alice']}"}
BOB = {"Authorization": f"Bearer {TOKENS['bob']}"}
CLEAN_ENV: dict[str, str | None] = {
    "STANCELINE_STORE": None,
    "STANCELINE_ACTORS": None,
    "STANCELINE_USER": "cli-tests",
    "STANCELINE_API_TOKEN": None,
}

ClientFactory = Callable[..., TestClient]


def engine(client: TestClient) -> Stanceline:
    """The application behind a test client."""
    return stanceline_of(client.app)  # type: ignore[arg-type]


def cli_json(store: str, *args: str) -> Any:
    """Run `stanceline --store STORE ARGS...` in-process and parse its JSON output."""
    result = CliRunner().invoke(cli, ["--store", store, *args], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def store(store_url: str) -> str:
    """This test's store URL (each test runs on SQLite and on PostgreSQL)."""
    return store_url


@pytest.fixture
def make_client(store: str) -> Iterator[ClientFactory]:
    """Create apps on the test's store (keyword arguments go to create_app); all are closed."""
    clients: list[TestClient] = []

    def make(raise_server_exceptions: bool = True, **options: Any) -> TestClient:
        options.setdefault("tokens", TOKENS)
        client = TestClient(
            create_app(store, **options), raise_server_exceptions=raise_server_exceptions
        )
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    """The API on an empty store, with the writers alice and bob."""
    return make_client()


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    """The API on a store that holds the fixtures."""
    for path in FIXTURES:
        engine(client).load_file(path, by="fixtures")
    return client


LIFT = "rus-designation-lifted-2025-04"
STATEMENT = "rus-statement-ally-against-terrorism"


@pytest.fixture
def amended(seeded: TestClient) -> TestClient:
    """`seeded` (1-14), then Russia's lift corrected (15) and Russia's statement retracted
    (16), both by alice."""
    for path, body in (
        (f"/facts/{LIFT}/corrections", {"reason": "the ruling", "date": "2025-04-17"}),
        (f"/facts/{STATEMENT}/retractions", {"reason": "a paraphrase"}),
    ):
        answer = seeded.post(path, json=body, headers=ALICE)
        assert answer.status_code == 201, answer.text
    return seeded


# A live server (uvicorn in a thread), for Server-Sent Events and concurrent writers.


@dataclass
class LiveServer:
    """A running server: its base URL and the app it serves."""

    url: str
    api: FastAPI

    @property
    def engine(self) -> Stanceline:
        """The server's application."""
        return stanceline_of(self.api)


@contextmanager
def serving_live(store: str, **options: Any) -> Iterator[LiveServer]:
    """`create_app(store, **options)` served by uvicorn in a thread on a free port."""
    options.setdefault("tokens", TOKENS)
    api = create_app(store, **options)
    server = uvicorn.Server(uvicorn.Config(api, port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        assert thread.is_alive(), "the server stopped while starting"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", api)
    finally:
        stop_streams(api)
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "the server did not stop"


@pytest.fixture
def live(store: str) -> Iterator[LiveServer]:
    """The API served by uvicorn on a free port, with a quick heartbeat and poll."""
    with serving_live(store, heartbeat=0.3, poll=0.02) as server:
        yield server


# Reading Server-Sent Events with bounded waits.


@dataclass
class SSEReader:
    """Parses a text/event-stream response into events (dicts of id, event, data) and comments."""

    response: httpx.Response
    comments: list[str] = field(default_factory=list)
    _lines: Iterator[str] | None = None

    def events(self, count: int, timeout: float = 5.0) -> list[dict[str, str]]:
        """The next `count` events; fails after `timeout` seconds (heartbeats keep lines coming)."""
        if self._lines is None:
            self._lines = self.response.iter_lines()
        deadline = time.monotonic() + timeout
        found: list[dict[str, str]] = []
        current: dict[str, str] = {}
        while len(found) < count:
            assert time.monotonic() < deadline, f"got {len(found)} of {count} events in time"
            line = next(self._lines)
            if line.startswith(":"):
                self.comments.append(line)
            elif line:
                name, _, value = line.partition(":")
                current[name] = value.removeprefix(" ")
            elif current:
                found.append(current)
                current = {}
        return found

    def rest(self) -> list[str]:
        """Every remaining line, until the server ends the response."""
        if self._lines is None:
            self._lines = self.response.iter_lines()
        return list(self._lines)

    def wait_comment(self, timeout: float = 5.0) -> str:
        """Read until a comment line arrives; fail on an event or after `timeout` seconds."""
        if self._lines is None:
            self._lines = self.response.iter_lines()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = next(self._lines)
            assert not line.startswith(("id:", "data:")), f"unexpected event line {line!r}"
            if line.startswith(":"):
                return line
        raise AssertionError("no comment in time")


def sse_headers(last_event_id: int | None = None) -> Mapping[str, str]:
    """Headers of an EventSource request, resuming after `last_event_id` if given."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    return headers
