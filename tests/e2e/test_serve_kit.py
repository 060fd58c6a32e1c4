"""`stanceline serve` for a platform: JSON logs with request ids, options from the environment,
/metrics summed over the workers of `serve --workers`, and a relay beside the server."""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from stanceline.application import Stanceline
from tests.brokers import Stream, own_stream
from tests.e2e.test_relay import assert_exactly_once_in_order
from tests.e2e.test_serve import AUTH, TOKENS
from tests.factories import fact
from tests.serving import START_TIMEOUT, clean_env, free_port, serving, stanceline_command, stop

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "00-clash-report-2025-07-04.jsonl"


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of a log, each parsed as one JSON object (any other line fails)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def wait_until(condition: Any, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_json_logs_are_one_object_a_line_with_the_request_id(
    store_url: str, tmp_path: Path
) -> None:
    with serving(tmp_path, store_url, TOKENS, "--log-format", "json") as server:
        given = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": "probe-7"})
        made = httpx.get(f"{server.url}/actors/Atlantis/stance")
        assert given.headers["x-request-id"] == "probe-7"
        assert made.status_code == 404
        made_id = made.headers["x-request-id"]

        def logged() -> list[dict[str, Any]]:
            return [e for e in json_lines(server.output()) if e["logger"] == "stanceline.access"]

        wait_until(lambda: len(logged()) >= 3, "the access lines were not written")
        by_id = {entry["request_id"]: entry for entry in logged()}
        assert by_id["probe-7"]["path"] == "/healthz"
        assert by_id["probe-7"]["status"] == 200
        assert by_id[made_id]["route"] == "/actors/{actor}/stance"
        assert by_id[made_id]["status"] == 404
        assert by_id[made_id]["duration_ms"] >= 0
    # Every line, uvicorn's start and stop and the server's own first line too, is JSON.
    entries = json_lines(server.output())
    assert {"uvicorn.error", "stanceline.serve", "stanceline.access"} <= {
        e["logger"] for e in entries
    }
    assert all({"time", "level", "message"} <= set(e) for e in entries)


def test_text_logs_stay_uvicorns_lines(store_url: str, tmp_path: Path) -> None:
    with serving(tmp_path, store_url, TOKENS) as server:
        httpx.get(f"{server.url}/healthz")
        wait_until(lambda: '"GET /healthz HTTP/1.1" 200 OK' in server.output(), "no access line")
    assert "INFO:     Application startup complete." in server.output()


def test_every_serve_option_is_honoured_from_the_environment(
    store_url: str, tmp_path: Path
) -> None:
    token_file = tmp_path / "tokens"
    token_file.write_text("envwriter envwriter-token-0123456789\n")
    port = free_port()
    env = clean_env(
        STANCELINE_STORE=store_url,
        STANCELINE_HOST="127.0.0.1",
        STANCELINE_PORT=str(port),
        STANCELINE_TOKEN_FILE=str(token_file),
        STANCELINE_LOG_FORMAT="json",
        STANCELINE_READY_LAG="0",
        STANCELINE_WORKERS="1",
    )
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*stanceline_command(), "serve"], stdout=sink, stderr=subprocess.STDOUT, env=env
        )
    try:
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, f"no server on port {port}:\n{log.read_text()}", START_TIMEOUT)
        assert httpx.get(f"{url}/readyz").json()["ready_lag"] == 0
    finally:
        stop(process)
    lines = json_lines(log.read_text())
    assert any(e["message"] == "writers: envwriter" for e in lines)


def test_metrics_of_several_workers_add_up(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'w.db'}"
    with Stanceline(store) as app:
        app.load_file(FIXTURES, by="fixtures")
    folders_before = set(Path(tempfile.gettempdir()).glob("stanceline-metrics-*"))
    with serving(tmp_path, store, TOKENS, "--workers", "2") as server:
        # Each request on a new connection: the kernel spreads them over both workers.
        sent = 40
        for _ in range(sent):
            answer = httpx.get(f"{server.url}/actors/RUS/stance")
            assert answer.status_code == 200
        for _ in range(6):
            scrape = httpx.get(f"{server.url}/metrics").text
            counted = {
                s.value
                for f in text_string_to_metric_families(scrape)
                for s in f.samples
                if s.name == "stanceline_http_requests_total"
                and s.labels.get("route") == "/actors/{actor}/stance"
            }
            # Whichever worker answers, it counts the requests of both.
            assert counted == {sent}, scrape
        assert "stanceline_log_position 14.0" in scrape
        # Both workers answered some (each keeps its own file of counts in the shared folder).
        (folder,) = set(Path(tempfile.gettempdir()).glob("stanceline-metrics-*")) - folders_before
        assert len(list(folder.glob("counter_*.db"))) == 2
    # The workers' metrics folder goes with the server.
    assert set(Path(tempfile.gettempdir()).glob("stanceline-metrics-*")) <= folders_before


@pytest.fixture
def stream() -> Iterator[Stream]:
    yield from own_stream()


def relay_gauges(scrape: str) -> dict[str, float]:
    return {
        s.name: s.value
        for f in text_string_to_metric_families(scrape)
        for s in f.samples
        if s.name.startswith("stanceline_relay_")
    }


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_relays_every_event_once_and_its_metrics_say_lag_0(
    store_url: str, tmp_path: Path, stream: Stream, workers: str
) -> None:
    with Stanceline(store_url) as app:
        app.load_file(FIXTURES, by="fixtures")
    relay_to = ["--relay-to", stream.url, "--relay-stream", stream.name]
    options = [*relay_to, "--relay-subject", stream.prefix, "--workers", workers]
    with serving(tmp_path, store_url, TOKENS, *options) as server:
        wait_until(lambda: stream.last_sequence() == 14, "the relay did not relay the store")
        # A write to a worker: the relay (one, whatever the workers) follows it into the stream.
        posted = httpx.post(f"{server.url}/facts", json=fact(summary="Served"), headers=AUTH)
        assert posted.status_code == 201, posted.text
        caught_up = {
            "stanceline_relay_position": 15,
            "stanceline_relay_lag": 0,
            "stanceline_relay_up": 1,
        }
        wait_until(
            lambda: relay_gauges(httpx.get(f"{server.url}/metrics").text) == caught_up,
            "the relay's gauges did not say position 15, lag 0",
        )
        # Whichever worker answers, it shows the one relay's gauges.
        for _ in range(6):
            scrape = httpx.get(f"{server.url}/metrics").text
            assert relay_gauges(scrape) == caught_up, scrape
            assert f'stanceline_relay_lag{{stream="{stream.name}"}} 0.0' in scrape
        code = stop(server.process)
    assert_exactly_once_in_order(store_url, stream)
    # Stopped cleanly by the SIGTERM: its summary line, no traceback.
    assert f"relay: relayed 15 events into stream {stream.name}" in server.output()
    assert "Traceback" not in server.output()
    # One server ends as SIGTERM ends a process, as without a relay; a supervisor exits 0.
    assert code == (-signal.SIGTERM if workers == "1" else 0)


def test_serve_serves_while_its_relay_cannot_reach_nats(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    with Stanceline(store) as app:
        app.load_file(FIXTURES, by="fixtures")
    with serving(
        tmp_path, store, TOKENS, "--relay-to", f"nats://127.0.0.1:{free_port()}"
    ) as server:
        assert httpx.get(f"{server.url}/actors/RUS/stance").status_code == 200
        assert relay_gauges(httpx.get(f"{server.url}/metrics").text) == {
            "stanceline_relay_position": 0,
            "stanceline_relay_lag": 14,
            "stanceline_relay_up": 0,
        }
    assert "connection refused; retrying in 0.5 s" in server.output()
    assert "Traceback" not in server.output()


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("STANCELINE_PORT", "eighty", "'eighty' is not a valid integer"),
        ("STANCELINE_WORKERS", "0", "0 is not in the range 1<=x<=64"),
        ("STANCELINE_LOG_FORMAT", "xml", "'xml' is not one of 'text', 'json'"),
        ("STANCELINE_READY_LAG", "-1", "-1 is not in the range x>=0"),
        ("STANCELINE_TOKEN_FILE", "/no/such/tokens", "does not exist"),
        ("STANCELINE_RELAY_TO", "http://127.0.0.1:4222", "is not nats://HOST:PORT"),
        ("STANCELINE_RELAY_STREAM", "a.b", "'a.b' is not a stream name"),
    ],
)
def test_a_bad_environment_value_is_one_line_naming_it(
    tmp_path: Path, variable: str, value: str, words: str
) -> None:
    env = clean_env(STANCELINE_STORE=f"sqlite:///{tmp_path / 's.db'}", **{variable: value})
    done = subprocess.run(
        [*stanceline_command(), "serve"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"Error: ${variable}: ")
    assert words in done.stderr
    assert "Traceback" not in done.stderr
