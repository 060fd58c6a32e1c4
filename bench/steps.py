"""The measured steps, each run in a fresh process: `python -m bench.steps STEP 'JSON'`.

Each step prints one result line (measure.emit) holding its figures and the
peak RSS of its own process, so one step's memory never hides in another's.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from eventsourcing.application import Application

from bench.measure import Query, emit, latency_summary, query_samples, time_calls
from bench.naive import naive_stance
from stanceline.adapters.collector import collector_paused
from stanceline.adapters.library import PydanticMapper
from stanceline.adapters.log import LOG_NAME
from stanceline.adapters.sqlite_store import SQLiteKind
from stanceline.application import Stanceline
from stanceline.application import commands as commands_module
from stanceline.application.batch import Batch
from stanceline.application.loading import read_facts
from stanceline.domain.events import DomainEvent, fact_event
from stanceline.domain.recording import NewFact

BY = "bench"


class _Clock:
    """Seconds spent inside wrapped calls, by name, and in the cyclic garbage collector."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._collecting = 0.0

    def collector(self, phase: str, info: dict[str, int]) -> None:
        """A gc callback: adds each collection's duration to seconds["gc"]."""
        if phase == "start":
            self._collecting = time.perf_counter()
        else:
            spent = time.perf_counter() - self._collecting
            self.seconds["gc"] = self.seconds.get("gc", 0.0) + spent

    def wrap(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent = time.perf_counter() - begin
                self.seconds[name] = self.seconds.get(name, 0.0) + spent

        return timed


def load(args: dict[str, Any]) -> None:
    """Every file through Stanceline.load_file (`stanceline load`), one transaction each.

    Also times, inside the same run, the reading and validating of each file, the
    read model's catch-up and the cyclic garbage collector, so the figure splits
    into parts.
    """
    app = Stanceline(args["store"])
    clock = _Clock()
    gc.callbacks.append(clock.collector)
    app.read.catch_up = clock.wrap("catch_up", app.read.catch_up)  # type: ignore[method-assign]
    commands_module.read_facts = clock.wrap("validate", read_facts)  # type: ignore[attr-defined]
    files = []
    lines = 0
    started, cpu = time.perf_counter(), time.process_time()
    for path in args["files"]:
        begin = time.perf_counter()
        result = app.load_file(path, by=BY)
        files.append(round(time.perf_counter() - begin, 3))
        lines += result.recorded + result.already_present
    seconds = time.perf_counter() - started
    emit(
        {
            "lines": lines,
            "seconds": round(seconds, 3),
            # Of every thread of the process (the checkpointer's too), beside the wall time.
            "cpu_seconds": round(time.process_time() - cpu, 3),
            "rate": round(lines / seconds, 1),
            "parts": {name: round(spent, 3) for name, spent in clock.seconds.items()},
            "file_seconds": files,
        }
    )


def save(args: dict[str, Any]) -> None:
    """eventsourcing's own Application.save of the load's events, one call per file.

    The events are the ones a load makes of each file (validated and checked
    against the store beforehand, untimed); only Application.save is timed, as
    eventsourcing defines it (not stanceline's override): its checks, the
    mapping and the insert, with no read model. Events per second, beside the load.
    """
    app = Stanceline(args["store"])
    library = _LibraryApplication(env={**app.store.env, **SQLiteKind(app.store).env})
    lines = 0
    seconds = 0.0
    for path in args["files"]:
        events = _file_events(app, path)
        with collector_paused():  # as a load's save runs
            begin = time.perf_counter()
            library.save(*events)
            seconds += time.perf_counter() - begin
        lines += len(events)
        del events  # before the next file's are made: one file's at a time, as a load
    emit({"lines": lines, "seconds": round(seconds, 3), "rate": round(lines / seconds, 1)})


class _LibraryApplication(Application[str]):
    """eventsourcing's own Application on the same store, with stanceline's mapper."""

    name = LOG_NAME

    def construct_mapper(self) -> PydanticMapper:
        return PydanticMapper()


def _file_events(app: Stanceline, path: str) -> list[DomainEvent]:
    """The event models a load makes of one file (the record's ids are new in each file)."""
    batch = Batch(app.fact_state, path, {}, app.clock(), BY)
    for item in read_facts(path, app.catalogue):
        batch.add(item)
    return [_model(event) for event in batch.events]


def _model(event: NewFact | DomainEvent) -> DomainEvent:
    """The event model of a load's event (a new fact's is made from its parts)."""
    if isinstance(event, DomainEvent):
        return event
    fact = event.fact
    return fact_event(
        fact.fact_id, fact.content, recorded_at=event.recorded_at, recorded_by=event.recorded_by
    )


def index(args: dict[str, Any]) -> None:
    """The temporal index brought up to date for every actor after the load
    (Stanceline.build_index): what the first questions would otherwise pay, once."""
    app = Stanceline(args["store"])
    started = time.perf_counter()
    actors = app.build_index()
    seconds = time.perf_counter() - started
    emit({"actors": actors, "seconds": round(seconds, 3)})


def raw(args: dict[str, Any]) -> None:
    """The floor: each file's lines parsed and inserted with sqlite3 executemany into a bare
    table (no index, no constraint), one transaction per file, WAL like the store."""
    connection = sqlite3.connect(args["path"], isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE facts (id TEXT, kind TEXT, actor TEXT, date TEXT, line TEXT)")
    lines = 0
    started = time.perf_counter()
    for path in args["files"]:
        rows = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            key = next(item[k] for k in ("id", "corrects", "retracts", "reinstates") if k in item)
            rows.append((key, item.get("kind"), item.get("actor"), item.get("date"), line))
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?)", rows)
        connection.execute("COMMIT")
        lines += len(rows)
    seconds = time.perf_counter() - started
    connection.close()
    emit({"lines": lines, "seconds": round(seconds, 3), "rate": round(lines / seconds, 1)})


def _queries(args: dict[str, Any], app: Stanceline) -> list[Query]:
    return query_samples(args["seed"], args["actors"], args["count"], app.catch_up())


def stance(args: dict[str, Any]) -> None:
    """One actor's stance on one day through Stanceline.stance, in process."""
    app = Stanceline(args["store"])
    queries = _queries(args, app)
    timings = time_calls(
        lambda q: app.stance(q.actor, q.on), queries, least=args["least"], budget=args["budget"]
    )
    emit(latency_summary(timings))


def known_at(args: dict[str, Any]) -> None:
    """One actor's stance on one day as known at a random log position (known_at=@N)."""
    app = Stanceline(args["store"])
    queries = _queries(args, app)
    timings = time_calls(
        lambda q: app.stance(q.actor, q.on, known_at=f"@{q.position}"),
        queries,
        least=args["least"],
        budget=args["budget"],
    )
    emit(latency_summary(timings))


def naive(args: dict[str, Any]) -> None:
    """The same questions as `stance`, answered by folding the actor's events (bench.naive);
    the first `check` naive answers are compared with the engine's."""
    app = Stanceline(args["store"])
    queries = _queries(args, app)
    timings = time_calls(
        lambda q: naive_stance(app, q.actor, q.on),
        queries,
        least=args["least"],
        budget=args["budget"],
    )
    differ = [
        f"{q.actor} {q.on}"
        for q in queries[: min(len(timings), args["check"])]
        if naive_stance(app, q.actor, q.on) != app.stance(q.actor, q.on)
    ]
    emit({**latency_summary(timings), "differ": differ[:5], "differ_count": len(differ)})


def world(args: dict[str, Any]) -> None:
    """Every actor's stance on one day (Stanceline.world)."""
    app = Stanceline(args["store"])
    queries = _queries(args, app)
    sizes: set[int] = set()
    timings = time_calls(
        lambda q: sizes.add(len(app.world(q.on))),
        queries,
        least=args["least"],
        budget=args["budget"],
    )
    emit({**latency_summary(timings), "actors": sorted(sizes)})


def catchup(args: dict[str, Any]) -> None:
    """A new subscriber reading the log from position 0 (Stanceline.subscribe): events/s,
    over the first `limit` events or `budget` seconds, whichever comes first."""
    app = Stanceline(args["store"])
    end = app.catch_up()
    limit = min(args["limit"], end)
    count = 0
    started = time.perf_counter()
    with app.subscribe(0) as subscription:
        for _ in subscription:
            count += 1
            if count >= limit or time.perf_counter() - started > args["budget"]:
                break
    seconds = time.perf_counter() - started
    emit({"events": count, "seconds": round(seconds, 3), "rate": round(count / seconds, 1)})


def lag(args: dict[str, Any]) -> None:
    """Live lag: a writer process records one fact at a time; this subscriber measures, for
    each, the time from its recorded time (taken just before it is appended) to delivery."""
    app = Stanceline(args["store"])
    start = app.catch_up()
    count = args["count"]
    writer = subprocess.Popen(
        [sys.executable, "-m", "bench.steps", "writer", json.dumps(args)],
        stdout=subprocess.DEVNULL,
    )
    lags: list[float] = []
    deadline = time.monotonic() + args["timeout"]
    with app.subscribe(start) as subscription, _closing_at(subscription, deadline):
        for _, event in subscription:
            delivered = time.time()
            if event["data"]["id"].startswith(args["prefix"]):
                recorded = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
                lags.append(delivered - recorded.timestamp())
            if len(lags) >= count:
                break
    try:
        writer.wait(timeout=60)
    except subprocess.TimeoutExpired:
        writer.kill()
        writer.wait()
    emit({**latency_summary(lags), "expected": count, "writer_exit": writer.returncode})


@contextmanager
def _closing_at(subscription: Any, deadline: float) -> Iterator[None]:
    """Close the subscription at `deadline` even if events stop coming."""
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), subscription.close)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def writer(args: dict[str, Any]) -> None:
    """Record `count` facts, one command each, every `interval` seconds (for `lag`); with
    `emit`, hand back when each command returned (time.time(), by fact id)."""
    app = Stanceline(args["store"])
    actors = args["actors"]
    interval = args["interval"]
    committed: dict[str, float] = {}
    next_at = time.monotonic() + args.get("delay", 0.5)
    for number in range(args["count"]):
        time.sleep(max(0.0, next_at - time.monotonic()))
        next_at += interval
        actor = actors[number % len(actors)]
        fact_id = f"{args['prefix']}{actor}-{number:06d}"
        app.record_fact(
            {
                "kind": "stance_stated",
                "actor": actor,
                "date": "2026-06-30",
                "summary": f"{actor}: a live statement ({number})",
                "source": {"title": "bench live writer"},
                "id": fact_id,
            },
            by=BY,
        )
        committed[fact_id] = time.time()
    if args.get("emit"):
        emit({"committed": committed})


def relay_catchup(args: dict[str, Any]) -> None:
    """The relay's catch-up into JetStream (bench/relay.py)."""
    # Imported here: the other steps' processes, and their peak memory, never load nats-py.
    from bench import relay

    relay.catchup(args)


def relay_lag(args: dict[str, Any]) -> None:
    """Live lag through the relay, beside a subscriber's (bench/relay.py)."""
    from bench import relay

    relay.lag(args)


STEPS: dict[str, Callable[[dict[str, Any]], None]] = {
    "load": load,
    "raw": raw,
    "save": save,
    "stance": stance,
    "known_at": known_at,
    "naive": naive,
    "world": world,
    "catchup": catchup,
    "lag": lag,
    "writer": writer,
    "index": index,
    "relay": relay_catchup,
    "relay_lag": relay_lag,
}

if __name__ == "__main__":
    STEPS[sys.argv[1]](json.loads(sys.argv[2]))
