"""What /metrics says: requests, latencies, live streams, and the log and read model positions.

Counters and histograms are kept per process. With `serve --workers N` the supervisor
gives its workers one empty folder in $PROMETHEUS_MULTIPROC_DIR (prometheus-client's
multiprocess mode): each worker writes its values there, and whichever worker answers
/metrics adds them all up, so a scrape sees the whole server, not one worker picked by
the kernel. The positions are not kept at all: they are read from the store at each
scrape, as /readyz reads them.

A relay run by `serve --relay-to` shows where it is (its status, read at each scrape).
With workers it runs in the supervisor, which serves nothing: share_relays writes its
gauges into the workers' folder as they change, and every worker's scrape adds them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from stanceline.application.relay_status import RelayState, RelayStatus

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
MEDIA_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "<unmatched>"  # the route of a request no route answers (a 404): never its path
# Seconds: an indexed read answers in about a millisecond; a rebuild of a large actor, seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_LIVE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db")

# (log position, read model position), or an exception when the store cannot answer.
Positions = Callable[[], tuple[int, int]]
# Each relay's gauges (labelled with its stream), and what they show.
RELAY_GAUGES = (
    ("stanceline_relay_position", "The position of the last event the relay put in its stream."),
    ("stanceline_relay_lag", "Positions the log is ahead of the stream, as last seen (0: none)."),
    ("stanceline_relay_up", "1 while the relay is connected to NATS, 0 while it retries."),
)


class Metrics:
    """The metrics of one app: instruments to update, and the text of a scrape."""

    def __init__(self, positions: Positions, relays: Sequence[RelayStatus] = ()) -> None:
        self.folder = os.environ.get(MULTIPROC_ENV) or None
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "stanceline_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "stanceline_http_request_duration_seconds",
            "Seconds from a request's arrival until its answer's status and headers were sent.",
            ["route", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.subscribers = Gauge(
            "stanceline_live_subscribers",
            "Server-Sent Event streams (GET /events/stream) open now.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._store = _StoreCollector(positions)
        self.registry.register(self._store)
        self._relays = _RelayCollector(relays)
        self.registry.register(self._relays)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def scrape(self) -> bytes:
        """The Prometheus text format of every metric (of every worker, with workers)."""
        if self.folder is None:
            return generate_latest(self.registry)
        _forget_dead_workers(Path(self.folder))
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=self.folder)  # type: ignore[no-untyped-call]
        registry.register(self._store)
        registry.register(self._relays)
        return generate_latest(registry)

    def close(self) -> None:
        """A worker stopping: its open streams no longer count."""
        if self.folder is not None:
            multiprocess.mark_process_dead(os.getpid(), self.folder)  # type: ignore[no-untyped-call]


class _StoreCollector(Collector):
    """The log's position and the read model's, read from the store when scraped."""

    def __init__(self, positions: Positions) -> None:
        self.positions = positions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "stanceline_store_up", "1 if the store answered this scrape's read, else 0."
        )
        try:
            head, projected = self.positions()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "stanceline_log_position", "The position of the last event in the log.", value=head
        )
        yield GaugeMetricFamily(
            "stanceline_read_model_position",
            "The position of the last event the read model holds.",
            value=projected,
        )
        yield GaugeMetricFamily(
            "stanceline_read_model_lag",
            "Positions the read model is behind the log (0: caught up).",
            value=max(head - projected, 0),
        )


class _RelayCollector(Collector):
    """The gauges of the relays running in this process, read from their status when scraped."""

    def __init__(self, relays: Sequence[RelayStatus]) -> None:
        self.relays = relays

    def collect(self) -> Iterator[GaugeMetricFamily]:
        states = [relay.now() for relay in self.relays]
        if not states:
            return
        for index, (name, text) in enumerate(RELAY_GAUGES):
            family = GaugeMetricFamily(name, text, labels=["stream"])
            for state in states:
                family.add_metric([state.stream], _shown(state)[index])
            yield family


def _shown(state: RelayState) -> tuple[int, int, int]:
    """What RELAY_GAUGES show of a relay's state, in their order."""
    return state.position, state.lag, int(state.up)


def share_relays(relays: Sequence[RelayStatus]) -> Callable[[], None]:
    """Write the relays' gauges into $PROMETHEUS_MULTIPROC_DIR at each change; the undo.

    For relays in the supervisor of `serve --workers`: the workers' scrapes read the folder.
    prometheus-client chooses where gauges keep their values when it is first imported, and
    the supervisor imported it before run_workers made the folder, so a Gauge made now would
    still keep its value in memory: these are made with the folder's kind of value. The
    mode livemostrecent: one process writes them, without a pid label, and a supervisor that
    died without stopping is forgotten as a dead worker is.
    """
    if not relays:
        return _nothing
    before = values.ValueClass
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    try:
        gauges = [
            Gauge(name, text, ["stream"], registry=None, multiprocess_mode="livemostrecent")
            for name, text in RELAY_GAUGES
        ]
        shown = [[gauge.labels(relay.stream) for gauge in gauges] for relay in relays]
    finally:
        values.ValueClass = before
    undo = [relay.watch(_setter(children)) for relay, children in zip(relays, shown, strict=True)]

    def unshare() -> None:
        for unwatch in undo:
            unwatch()

    return unshare


def _nothing() -> None:
    """Nothing to undo."""


def _setter(gauges: Sequence[Gauge]) -> Callable[[RelayState], None]:
    def show(state: RelayState) -> None:
        for gauge, value in zip(gauges, _shown(state), strict=True):
            gauge.set(value)

    return show


def _forget_dead_workers(folder: Path) -> None:
    """Drop the live gauges of workers that died without stopping (a SIGKILL, a crash)."""
    for path in folder.glob("gauge_live*_*.db"):
        found = _LIVE_FILE.fullmatch(path.name)
        if found and not _alive(int(found.group(1))):
            multiprocess.mark_process_dead(int(found.group(1)), str(folder))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
