"""The production kit: /healthz, /readyz, /metrics (a relay's lag too), X-Request-ID, and /docs
with no CDN."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from stanceline.application import Stanceline
from stanceline.application.relay import RelayThread
from stanceline.application.relay_status import RelayStatus
from stanceline.domain.events import fact_event
from stanceline.domain.intake import validate_fact
from stanceline.interfaces.http import page
from stanceline.interfaces.http.metrics import MULTIPROC_ENV, share_relays
from tests.brokers import Stream, own_stream
from tests.factories import fact
from tests.http.conftest import FIXTURES, ClientFactory, LiveServer, engine, sse_headers
from tests.stores import ADMIN_URL

PROBLEM = "application/problem+json"


def store_behind_the_projection(app: Stanceline, count: int) -> None:
    """Write facts' events to the log without projecting them, as a writer that died would."""
    for n in range(count):
        valid = validate_fact(fact(summary=f"not yet projected {n}"), app.catalogue)
        app.save(
            fact_event(valid.fact_id, valid.content, recorded_at=datetime.now(UTC), recorded_by="x")
        )


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_of(text: str, route: str, status: str) -> float:
    key = frozenset({("route", route), ("method", "GET"), ("status", status)})
    return samples(text).get(("stanceline_http_requests_total", key), 0.0)


# /healthz and /readyz


def test_healthz_answers_without_asking_the_store(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_readyz_is_ready_when_the_read_model_is_at_the_log(seeded: TestClient) -> None:
    answer = seeded.get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "status": "ready",
        "position": 14,
        "projected_position": 14,
        "lag": 0,
        "ready_lag": 1000,
    }


def test_readyz_is_503_when_the_read_model_lags_more_than_allowed(
    make_client: ClientFactory,
) -> None:
    strict = make_client(ready_lag=2)
    store_behind_the_projection(engine(strict), 3)
    answer = strict.get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["type"] == "urn:stanceline:problem:not-ready"
    assert (problem["position"], problem["projected_position"], problem["lag"]) == (3, 0, 3)
    assert problem["ready_lag"] == 2
    assert "3 positions behind" in problem["detail"]
    # Read-only: asking did not catch the model up; a lenient server on the store is ready.
    assert engine(strict).view.behind() == (3, 0)
    assert make_client(ready_lag=3).get("/readyz").status_code == 200


@pytest.mark.postgres
@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_readyz_is_503_when_the_store_is_gone_never_500(
    make_client: ClientFactory, store: str
) -> None:
    client = make_client(raise_server_exceptions=False)
    assert client.get("/readyz").status_code == 200
    schema = dict(p.split("=") for p in urlsplit(store).query.split("&"))["schema"]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    answer = client.get("/readyz")
    assert answer.status_code == 503, answer.text
    assert answer.json()["type"] == "urn:stanceline:problem:store-unavailable"
    assert client.get("/healthz").status_code == 200
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert samples(scrape.text)[("stanceline_store_up", frozenset())] == 0


# /metrics


def test_metrics_count_requests_by_route_template_and_status(seeded: TestClient) -> None:
    before = seeded.get("/metrics").text
    for actor in ("RUS", "CHN", "RUS"):
        assert seeded.get(f"/actors/{actor}/stance").status_code == 200
    assert seeded.get("/actors/Atlantis/stance").status_code == 404
    assert seeded.get("/no/such/path").status_code == 404
    after = seeded.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    route = "/actors/{actor}/stance"
    assert requests_of(after.text, route, "200") - requests_of(before, route, "200") == 3
    assert requests_of(after.text, route, "404") - requests_of(before, route, "404") == 1
    assert requests_of(after.text, "<unmatched>", "404") == 1
    found = samples(after.text)
    assert not any("RUS" in dict(labels).get("route", "") for _, labels in found)
    count = found[
        (
            "stanceline_http_request_duration_seconds_count",
            frozenset({("route", route), ("method", "GET")}),
        )
    ]
    assert count == 4
    assert found[("stanceline_log_position", frozenset())] == 14
    assert found[("stanceline_read_model_lag", frozenset())] == 0
    assert found[("stanceline_store_up", frozenset())] == 1


def test_metrics_show_the_read_model_lag(seeded: TestClient) -> None:
    store_behind_the_projection(engine(seeded), 2)
    found = samples(seeded.get("/metrics").text)
    assert found[("stanceline_log_position", frozenset())] == 16
    assert found[("stanceline_read_model_position", frozenset())] == 14
    assert found[("stanceline_read_model_lag", frozenset())] == 2


def test_metrics_count_the_open_event_streams(live: LiveServer) -> None:
    def subscribers(http: httpx.Client) -> float:
        return samples(http.get("/metrics").text)[("stanceline_live_subscribers", frozenset())]

    with httpx.Client(base_url=live.url, timeout=10) as http:
        assert subscribers(http) == 0
        with http.stream("GET", "/events/stream", headers=sse_headers()) as stream:
            assert stream.status_code == 200
            deadline = time.monotonic() + 5
            while subscribers(http) != 1:
                assert time.monotonic() < deadline, "the stream was not counted"
                time.sleep(0.05)
        deadline = time.monotonic() + 5
        while subscribers(http) != 0:
            assert time.monotonic() < deadline, "the closed stream is still counted"
            time.sleep(0.05)


# A relay in the process


@pytest.fixture
def stream() -> Iterator[Stream]:
    yield from own_stream()


def relay_of(scrape: str, name: str) -> dict[str, float]:
    """The relay gauges of the stream `name` in a scrape, by metric name."""
    stream = frozenset({("stream", name)})
    return {
        metric: value
        for (metric, labels), value in samples(scrape).items()
        if metric.startswith("stanceline_relay_") and labels == stream
    }


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_metrics_show_a_relay_of_the_process_caught_up(
    store: str, make_client: ClientFactory, stream: Stream
) -> None:
    with Stanceline(store) as relaying:
        say: list[str] = []
        runner = RelayThread(
            relaying.relay(stream.url, stream=stream.name, prefix=stream.prefix, say=say.append)
        )
        client = make_client(relays=[runner.status])
        assert relay_of(client.get("/metrics").text, stream.name) == {
            "stanceline_relay_position": 0,
            "stanceline_relay_lag": 0,
            "stanceline_relay_up": 0,
        }
        for path in FIXTURES:
            engine(client).load_file(path, by="fixtures")
        runner.start()
        try:
            wait_for(lambda: stream.last_sequence() == 14, "the relay did not relay the store")
            wait_for(
                lambda: (
                    relay_of(client.get("/metrics").text, stream.name)
                    == {
                        "stanceline_relay_position": 14,
                        "stanceline_relay_lag": 0,
                        "stanceline_relay_up": 1,
                    }
                ),
                "the relay's gauges did not reach position 14, lag 0, up",
            )
        finally:
            runner.stop()
        # Stopped: no longer connected, still where it got to.
        assert relay_of(client.get("/metrics").text, stream.name) == {
            "stanceline_relay_position": 14,
            "stanceline_relay_lag": 0,
            "stanceline_relay_up": 0,
        }
    assert [m.headers["ce-position"] for m in stream.messages()] == [str(n) for n in range(1, 15)]
    assert say[-1].startswith(f"relay: relayed 14 events into stream {stream.name}")


def status(stream: str, position: int, head: int, up: bool) -> RelayStatus:
    made = RelayStatus(stream)
    made.published(position)
    made.looked(head)
    made.connected(up)
    return made


def test_metrics_show_every_relay_behind_or_down_by_its_stream(
    make_client: ClientFactory,
) -> None:
    client = make_client(relays=[status("ONE", 10, 14, False), status("TWO", 14, 14, True)])
    scrape = client.get("/metrics").text
    assert relay_of(scrape, "ONE") == {
        "stanceline_relay_position": 10,
        "stanceline_relay_lag": 4,
        "stanceline_relay_up": 0,
    }
    assert relay_of(scrape, "TWO") == {
        "stanceline_relay_position": 14,
        "stanceline_relay_lag": 0,
        "stanceline_relay_up": 1,
    }


def test_without_a_relay_there_are_no_relay_metrics(client: TestClient) -> None:
    assert "stanceline_relay" not in client.get("/metrics").text


def test_a_supervisor_s_relays_reach_the_workers_folder_as_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As run_workers does: the folder is set after prometheus-client was imported.
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    relay = status("ONE", 3, 9, True)
    unshare = share_relays([relay])

    def scraped() -> dict[str, float]:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(tmp_path))  # type: ignore[no-untyped-call]
        return relay_of(generate_latest(registry).decode(), "ONE")

    try:
        assert scraped() == {
            "stanceline_relay_position": 3,
            "stanceline_relay_lag": 6,
            "stanceline_relay_up": 1,
        }
        relay.published(9)
        assert scraped()["stanceline_relay_lag"] == 0
    finally:
        unshare()
    relay.connected(False)  # no longer shared: the folder keeps the last value
    assert scraped()["stanceline_relay_up"] == 1
    assert [path.name for path in tmp_path.iterdir()] == [f"gauge_livemostrecent_{os.getpid()}.db"]


# X-Request-ID


def test_a_request_id_is_kept_or_made_and_returned(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "trace-42"}).headers["x-request-id"]
        == "trace-42"
    )
    made = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    # An id that could forge a log line is not echoed: a new one is made.
    odd = client.get("/healthz", headers={"X-Request-ID": 'x" injected'})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])
    assert client.get("/actors/Atlantis/stance").headers["x-request-id"]


# /docs and /redoc


ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_load_nothing_from_another_host(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", answer.text), "an absolute URL in the page"
    assets = ASSET.findall(answer.text)
    assert assets
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset
        loaded = client.get(asset)
        assert loaded.status_code == 200, asset
        assert len(loaded.content) > 1000
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    script = next(part for part in policy.split("; ") if part.startswith("script-src"))
    assert "'unsafe-inline'" not in script
    assert "https:" not in policy
    assert "http:" not in policy


def test_the_pages_policy_is_unchanged_and_docs_are_not_api(client: TestClient) -> None:
    assert client.get("/").headers["content-security-policy"] == page.POLICY
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc", "/healthz", "/readyz", "/metrics"} & set(paths)
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404
    assert client.get("/docs/assets/core.py").status_code == 404
