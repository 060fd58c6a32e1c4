"""`stanceline serve` as a real process: follow, write, reconnect, run the docs' consumer."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.factories import fact
from tests.http.conftest import SSEReader, sse_headers
from tests.serving import Server, clean_env, serving, stanceline_command, stop

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-writer-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


TOKENS = {"e2e": TOKEN, "other": "other-writer-token-987654321"}


@pytest.fixture
def server(store_url: str, tmp_path: Path) -> Iterator[Server]:
    """`stanceline --store ... serve --port P --token-file F` on this test's store (each store)."""
    with serving(tmp_path, store_url, TOKENS) as running:
        yield running


def post(http: httpx.Client, *ids: str) -> None:
    for fact_id in ids:
        answer = http.post("/facts", json=fact(id=fact_id, summary=fact_id), headers=AUTH)
        assert answer.status_code == 201, answer.text


def fact_ids(events: list[dict[str, str]]) -> list[str]:
    return [json.loads(e["data"])["data"]["id"] for e in events]


def test_a_client_follows_the_stream_and_resumes_after_a_disconnect(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=20)) as http:
        post(http, "a1", "a2")
        with http.stream("GET", "/events/stream", headers=sse_headers()) as response:
            reader = SSEReader(response)
            seen = reader.events(2)
            posted = time.monotonic()
            post(http, "a3")
            seen += reader.events(1, timeout=5)
            assert time.monotonic() - posted < 1.0
        # The client is gone; the record goes on.
        post(http, "a4", "a5")
        last = int(seen[-1]["id"])
        with http.stream("GET", "/events/stream", headers=sse_headers(last)) as response:
            reader = SSEReader(response)
            seen += reader.events(2)
            post(http, "a6")
            seen += reader.events(1)
    assert [int(e["id"]) for e in seen] == [1, 2, 3, 4, 5, 6]
    assert fact_ids(seen) == ["a1", "a2", "a3", "a4", "a5", "a6"]
    assert {json.loads(e["data"])["recordedby"] for e in seen} == {"e2e"}
    assert all(e["event"] == "org.stanceline.StanceStated.v1" for e in seen)


def test_a_fact_recorded_with_the_cli_reaches_the_stream_within_a_second(server: Server) -> None:
    record = [
        *stanceline_command(),
        "--store",
        server.store,
        "record",
        "--kind",
        "formal_recognition_granted",
        "--actor",
        "Russia",
        "--date",
        "2025-07-03",
        "--summary",
        "Russia recognises the Taliban government",
        "--source-title",
        "Clash Report",
    ]
    with (
        httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=20)) as http,
        http.stream("GET", "/events/stream", headers=sse_headers()) as response,
    ):
        reader = SSEReader(response)
        done = subprocess.run(record, capture_output=True, env=clean_env(), timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        recorded = time.monotonic()
        (event,) = reader.events(1, timeout=5)
        assert time.monotonic() - recorded < 1.0
    cloudevent = json.loads(event["data"])
    assert cloudevent["type"] == "org.stanceline.FormalRecognitionGranted.v1"
    assert (cloudevent["subject"], cloudevent["recordedby"]) == ("RUS", "e2e")


# Ctrl-C is the normal way out (0); after SIGTERM uvicorn re-raises it, as process managers expect.
@pytest.mark.parametrize(("how", "code"), [(signal.SIGINT, 0), (signal.SIGTERM, -signal.SIGTERM)])
def test_the_server_stops_promptly_with_a_stream_open(
    server: Server, how: signal.Signals, code: int
) -> None:
    with (
        httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=20)) as http,
        http.stream("GET", "/events/stream", headers=sse_headers()) as response,
    ):
        reader = SSEReader(response)  # open: the headers came
        started = time.monotonic()
        assert stop(server.process, how=how) == code, server.output()
        assert time.monotonic() - started < 8
        reader.rest()  # the server ended the response
    assert "Application shutdown complete" in server.output()
    assert "graceful shutdown exceeded" not in server.output()  # the stream did not hold it up
    assert "Aborted" not in server.output()
    assert "Traceback" not in server.output()


def test_writes_need_a_token_from_the_token_file(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post("/facts", json=fact()).status_code == 401
        other = {"Authorization": "Bearer other-writer-token-987654321"}
        assert http.post("/facts", json=fact(id="o"), headers=other).status_code == 201
        version = http.get("/facts/o").json()["versions"][0]
    assert version["recorded_by"] == "other"


# The consumer of docs/subscribers.md, run as its readers would run it


def consumer_code() -> str:
    text = (ROOT / "docs" / "subscribers.md").read_text(encoding="utf-8")
    start = text.index("## A consumer that survives restarts")
    block = re.search(r"```python\n(.*?)```", text[start:], re.DOTALL)
    assert block is not None, "docs/subscribers.md has no consumer"
    return block.group(1)


class Consumer:
    """The docs' consumer as a process; its output lines are collected by a thread."""

    def __init__(self, script: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def read(self, count: int, timeout: float = 10) -> list[str]:
        deadline = time.monotonic() + timeout
        found = []
        while len(found) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"the consumer printed {found} of {count} lines in time"
            try:
                found.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                continue
        return found

    def stop(self) -> None:
        stop(self.process)
        self.thread.join(timeout=5)
        assert self.process.stdout is not None
        self.process.stdout.close()


def wait_for_file(path: Path, content: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip() == content):
        assert time.monotonic() < deadline, f"{path} never read {content!r}"
        time.sleep(0.02)


def test_the_documented_consumer_resumes_without_duplicates(server: Server, tmp_path: Path) -> None:
    script = tmp_path / "consumer.py"
    script.write_text(consumer_code(), encoding="utf-8")
    position = tmp_path / "consumer.position"
    env = clean_env(STANCELINE_URL=server.url, STANCELINE_POSITION_FILE=str(position))
    with httpx.Client(base_url=server.url, timeout=10) as http:
        post(http, "c1", "c2", "c3")
        consumer = Consumer(script, env)
        try:
            first = consumer.read(3)
            wait_for_file(position, "3")
        finally:
            consumer.stop()
        post(http, "c4", "c5")
        consumer = Consumer(script, env)
        try:
            second = consumer.read(2)
            post(http, "c6")
            second += consumer.read(1)
            wait_for_file(position, "6")
            time.sleep(0.3)
            assert consumer.lines.empty(), "the consumer printed more than it should"
        finally:
            consumer.stop()
    printed = first + second
    assert [line.split()[0] for line in printed] == ["1", "2", "3", "4", "5", "6"]
    assert all(line.endswith("org.stanceline.StanceStated.v1 RUS") for line in printed)
