"""`make bench`: generate the records, run every step in its own process, report.

Sizes come from $BENCH_SIZES ("10000,100000,1000000" by default). For each size
the record is generated (or read from bench/.data), loaded into a fresh SQLite
store, and measured; HTTP is measured on the largest store, PostgreSQL with the
smallest record in a fresh schema that is dropped afterwards. The relay into
NATS JetStream is measured on each SQLite store of up to RELAY["largest"] events
and on PostgreSQL, each into a stream of its own that is deleted afterwards. The table
is printed, and written to bench/results.json and docs/performance.md.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import generate, relay, report
from bench.measure import RESULT_PREFIX, free_port, vm_hwm_mb

ROOT = Path(__file__).resolve().parent.parent
WORK = generate.DATA / "run"
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "performance.md"
LUA = ROOT / "bench" / "stance.lua"
DEFAULT_SIZES = "10000,100000,1000000"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
QUERY_SEED = "queries-v1"  # the same questions at every size
LIVE_PREFIX = "live-"
RELAYED_PREFIX = "relayed-"  # the facts the relay's live step writes
BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"

# How long each kind of sampling may go on (seconds), and the fewest samples.
STANCE = {"count": 5000, "least": 50, "budget": 10}
NAIVE = {"count": 5000, "least": 10, "budget": 10, "check": 20}
WORLD = {"count": 200, "least": 3, "budget": 15}
CATCH_UP = {"limit": 200_000, "budget": 15}
LAG = {"count": 200, "interval": 0.05, "timeout": 60}
# The claims row: 5% of happenings told by two or three sources, at sizes up to `largest`.
CLAIMS = {"share": 0.05, "largest": 100_000}
# The relay row: the whole store into a fresh stream, at sizes up to `largest` (relaying runs
# at about 12,000 events/s: a million would take a minute and a gigabyte of NATS' disk).
RELAY = {"largest": 100_000}
RUN_TAG = uuid.uuid4().hex[:8]  # this run's streams and subjects
WRK = {"threads": 2, "connections": 16, "warm_up": 3, "seconds": 10}
# `serve --workers`: one unless $BENCH_HTTP_WORKERS says otherwise (see docs/performance.md).
HTTP_WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS") or 1)


def main() -> None:
    started = time.perf_counter()
    sizes = sorted({int(s) for s in os.environ.get("BENCH_SIZES", DEFAULT_SIZES).split(",") if s})
    notes: list[str] = []
    WORK.mkdir(parents=True, exist_ok=True)
    machine = _machine()
    commit = _commit()
    by_size: dict[int, dict[str, Any]] = {}
    seconds: dict[int, float] = {}
    nats = _nats(notes)
    for size in sizes:
        begin = time.perf_counter()
        by_size[size] = _size(size, size == sizes[-1], notes, nats)
        seconds[size] = round(time.perf_counter() - begin, 1)
        _log(f"size {report.size_name(size)} done in {seconds[size]} s")
    smallest = _postgres(generate.record(sizes[0]), notes, nats, streams=True, http=False)
    by_size[sizes[0]].update(smallest)
    if smallest and len(sizes) > 1 and not os.environ.get("BENCH_PG_LARGEST_SKIP"):
        # The questions on PostgreSQL at the largest size too, beside SQLite's there.
        largest = _postgres(generate.record(sizes[-1]), notes, None, streams=False, http=True)
        by_size[sizes[-1]].update(largest)
    table = report.table(sizes, by_size)
    total = round(time.perf_counter() - started, 1)
    run = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": os.environ.get("BENCH_COMMAND") or " ".join([sys.executable, *sys.argv]),
        "commit": commit,
        "machine": machine,
        "sizes": sizes,
        "seconds_per_size": seconds,
        "seconds_total": total,
        "generator_version": generate.GENERATOR_VERSION,
        "results": {str(size): by_size[size] for size in sizes},
        "notes": notes,
        "table": table,
    }
    RESULTS.write_text(json.dumps(run, indent=2) + "\n")
    _update_doc(run)
    print()
    print(table)
    print()
    for note in notes:
        print(f"note: {note}")
    print(f"total {total} s; per size: " + ", ".join(
        f"{report.size_name(s)} {t} s" for s, t in seconds.items()
    ))  # fmt: skip
    print(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    if any(" failed " in note for note in notes):
        sys.exit(1)


def _size(size: int, largest: bool, notes: list[str], nats: str | None) -> dict[str, Any]:
    """Every SQLite step for one size."""
    name = report.size_name(size)
    _log(f"size {name}: generating (or reading the cache)")
    record = generate.record(size)
    files = [str(f) for f in record.files]
    store = WORK / f"store-{size}.db"
    _remove_store(store)
    url = f"sqlite:///{store}"
    found: dict[str, Any] = {"counts": record.counts["tally"]}
    found["load"] = _step("load", {"store": url, "files": files}, notes, name)
    if "error" in found["load"]:
        return found
    # Built once, here, so the query steps measure the index as it stands after a load.
    found["index"] = _step("index", {"store": url}, notes, name)
    raw_store = WORK / f"raw-{size}.db"
    _remove_store(raw_store)
    found["raw"] = _step("raw", {"path": str(raw_store), "files": files}, notes, name)
    _remove_store(raw_store)
    save_store = WORK / f"save-{size}.db"
    _remove_store(save_store)
    found["save"] = _step("save", {"store": f"sqlite:///{save_store}", "files": files}, notes, name)
    _remove_store(save_store)
    queries = {"store": url, "seed": QUERY_SEED, "actors": record.actors}
    found["stance"] = _step("stance", {**queries, **STANCE}, notes, name)
    found["naive"] = _step("naive", {**queries, **NAIVE}, notes, name)
    if found["naive"].get("differ_count"):
        notes.append(f"{name}: the naive fold and the engine differ on {found['naive']['differ']}")
    found["known_at"] = _step("known_at", {**queries, **STANCE}, notes, name)
    found["world"] = _step("world", {**queries, **WORLD}, notes, name)
    found["catchup"] = _step("catchup", {"store": url, **CATCH_UP}, notes, name)
    if nats is not None and size <= RELAY["largest"]:
        found["relay"] = _relay(url, nats, f"sqlite{size}", record.actors, notes, name)
    if largest:
        found["http"] = _http(url, record.actors, notes)
    lag = {"store": url, "actors": record.actors, "prefix": LIVE_PREFIX, **LAG}
    found["lag"] = _step("lag", lag, notes, name)
    if not os.environ.get("BENCH_KEEP"):
        _remove_store(store)
    if size <= CLAIMS["largest"]:
        found.update(_claims(size, notes, name))
    return found


def _claims(size: int, notes: list[str], name: str) -> dict[str, Any]:
    """Load, index, stance and world on the record where some happenings have 2-3 claims."""
    record = generate.record(size, claims=CLAIMS["share"])
    store = WORK / f"claims-{size}.db"
    _remove_store(store)
    url = f"sqlite:///{store}"
    files = [str(f) for f in record.files]
    found = {"claims_load": _step("load", {"store": url, "files": files}, notes, name)}
    found["claims_index"] = _step("index", {"store": url}, notes, name)
    queries = {"store": url, "seed": QUERY_SEED, "actors": record.actors}
    found["claims_stance"] = _step("stance", {**queries, **STANCE}, notes, name)
    found["claims_world"] = _step("world", {**queries, **WORLD}, notes, name)
    _remove_store(store)
    return found


def _step(step: str, args: dict[str, Any], notes: list[str], name: str) -> dict[str, Any]:
    """Run one step in a fresh process and return its result (or the error)."""
    _log(f"size {name}: {step}")
    begin = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.steps", step, json.dumps(args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        notes.append(f"{name}: step {step} failed (exit {done.returncode})")
        return {"error": f"exit {done.returncode}"}
    result: dict[str, Any] = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    result["step_seconds"] = round(time.perf_counter() - begin, 1)
    if result.get("n", 0) < result.get("expected", 0) or result.get("writer_exit", 0):
        notes.append(
            f"{name}: {step}: {result['n']} of {result['expected']} events delivered "
            f"(writer exit {result['writer_exit']})"
        )
    return result


def _http(url: str, actors: list[str], notes: list[str]) -> dict[str, Any]:
    """`stanceline serve --workers N` on the store, loaded by wrk with 16 connections."""
    wrk = shutil.which("wrk")
    if wrk is None:
        notes.append(
            "HTTP skipped: wrk is not installed (`make bench` installs it with apt-get as root)"
        )
        return {"skipped": "wrk not installed"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    script = Path(sys.executable).with_name("stanceline")
    log = open(WORK / "serve.log", "w")  # noqa: SIM115 (closed below, after the server)
    server = subprocess.Popen(
        [str(script), "--store", url, "serve", "--port", str(port), "--workers", f"{HTTP_WORKERS}"],
        stdout=log,
        stderr=log,
    )
    try:
        if not _ready(f"{base}/actors/{actors[0]}/stance?on=2025-07-04", server):
            notes.append("HTTP skipped: the server did not answer (see bench/.data/run/serve.log)")
            return {"skipped": "server not ready"}
        env = {**os.environ, "BENCH_ACTORS": ",".join(actors)}
        common = [wrk, f"-t{WRK['threads']}", f"-c{WRK['connections']}", "--timeout", "10s"]
        _log("http: warming up")
        subprocess.run(
            [*common, f"-d{WRK['warm_up']}s", "-s", str(LUA), base],
            env=env, stdout=subprocess.DEVNULL, check=True,
        )  # fmt: skip
        _log(f"http: wrk for {WRK['seconds']} s")
        done = subprocess.run(
            [*common, f"-d{WRK['seconds']}s", "--latency", "-s", str(LUA), base],
            env=env, stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        found = [x for x in done.stdout.splitlines() if x.startswith("BENCH-WRK ")]
        figures = json.loads(found[-1].removeprefix("BENCH-WRK "))
        errors = sum(figures[k] for k in figures if k.endswith("errors") or k == "timeouts")
        if errors:
            notes.append(f"HTTP: {errors} requests failed or were not 2xx")
        return {
            "requests": figures["requests"],
            "requests_per_s": round(figures["requests"] / (figures["duration_us"] / 1e6), 1),
            "p50_ms": figures["p50_us"] / 1000,
            "p99_ms": figures["p99_us"] / 1000,
            "max_ms": figures["max_us"] / 1000,
            "errors": errors,
            "connections": WRK["connections"],
            "workers": HTTP_WORKERS,
            "peak_rss_mb": _tree_hwm(server.pid),
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _postgres(
    record: generate.Record, notes: list[str], nats: str | None, *, streams: bool, http: bool
) -> dict[str, Any]:
    """On PostgreSQL, in a fresh schema dropped afterwards: the load and the questions
    (index, stance, known-at, world: the same seeded queries as SQLite's); with `streams`
    the catch-up, the relay and the live lag; with `http` the HTTP stance."""
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split())
        notes.append(f"PostgreSQL skipped: not reachable at {POSTGRES_URL}: {reason}")
        return {}
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    name = f"PostgreSQL {report.size_name(record.size)}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = f"{POSTGRES_URL}?schema={schema}"
            files = [str(f) for f in record.files]
            found = {"pg_load": _step("load", {"store": url, "files": files}, notes, name)}
            found["pg_index"] = _step("index", {"store": url}, notes, name)
            queries = {"store": url, "seed": QUERY_SEED, "actors": record.actors}
            found["pg_stance"] = _step("stance", {**queries, **STANCE}, notes, name)
            found["pg_known_at"] = _step("known_at", {**queries, **STANCE}, notes, name)
            found["pg_world"] = _step("world", {**queries, **WORLD}, notes, name)
            if streams:
                found["pg_catchup"] = _step("catchup", {"store": url, **CATCH_UP}, notes, name)
                if nats is not None:
                    found["pg_relay"] = _relay(url, nats, "pg", record.actors, notes, name)
                lag = {"store": url, "actors": record.actors, "prefix": LIVE_PREFIX, **LAG}
                found["pg_lag"] = _step("lag", lag, notes, name)
            if http:
                found["pg_http"] = _http(url, record.actors, notes)
            found["pg_server"] = {"version": admin.info.server_version}
            return found
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _nats(notes: list[str]) -> str | None:
    """The NATS server the relay row publishes to, or None (with a note) when it cannot."""
    why = relay.unavailable(relay.NATS_URL)
    if why is not None:
        notes.append(f"relay skipped: {why}")
        return None
    return relay.NATS_URL


def _relay(
    url: str, nats: str, key: str, actors: list[str], notes: list[str], name: str
) -> dict[str, Any]:
    """The relay's catch-up of the whole store into a fresh stream, then its live lag beside
    a subscriber's; the stream is deleted afterwards."""
    stream = {
        "nats": nats,
        "stream": f"BENCH_{RUN_TAG}_{key}".upper(),
        "subject": f"bench.{RUN_TAG}.{key}",
    }
    try:
        caught = _step("relay", {"store": url, **stream}, notes, name)
        found: dict[str, Any] = {"catchup": caught}
        if "error" in caught:
            return found
        if caught["stream_messages"] != caught["events"]:
            notes.append(
                f"{name}: relay: {caught['events']} events relayed, but the stream holds "
                f"{caught['stream_messages']}"
            )
        live = {"store": url, **stream, "actors": actors, "prefix": RELAYED_PREFIX, **LAG}
        found["live"] = _step("relay_lag", live, notes, name)
    finally:
        relay.delete_stream(nats, stream["stream"])
    _relay_notes(found["live"], notes, name)
    figures = {
        "rate": caught.get("rate"),
        "events": caught.get("events"),
        "lag_p50_ms": found["live"].get("p50_ms"),
        "lag_p99_ms": found["live"].get("p99_ms"),
        "subscriber_lag_p50_ms": found["live"].get("subscriber", {}).get("p50_ms"),
        "subscriber_lag_p99_ms": found["live"].get("subscriber", {}).get("p99_ms"),
        "sse_lag_p50_ms": found["live"].get("sse", {}).get("p50_ms"),
        "sse_lag_p99_ms": found["live"].get("sse", {}).get("p99_ms"),
    }
    return {**{k: v for k, v in figures.items() if v is not None}, **found}


def _relay_notes(live: dict[str, Any], notes: list[str], name: str) -> None:
    """What the relay's live step saw go wrong, beside what _step already says."""
    if "error" in live:
        return
    if live["relay"]["exit"]:
        said = " ".join(live["relay"]["said"])
        notes.append(f"{name}: relay_lag: the relay exited {live['relay']['exit']}: {said}")
    for follower in ("subscriber", "sse"):
        beside = live.get(follower, {}).get("n", 0)
        if beside < live.get("expected", 0):
            got = f"{beside} of {live['expected']} events"
            notes.append(f"{name}: relay_lag: the {follower} follower got {got}")


def _ready(url: str, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return bool(answer.status == 200)
        except OSError:
            time.sleep(0.2)
    return False


def _tree_hwm(pid: int) -> float | None:
    """The largest peak resident set size of a process and its children (the workers), MB."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    found = [m for p in [pid, *map(int, children)] if (m := vm_hwm_mb(p)) is not None]
    return max(found, default=None)


def _remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // 1024
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": version("eventsourcing"),
        "system": platform.platform(),
        # Other work on the machine when the run started: the figures move with it.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "wrk": _wrk_version(),
    }


def _wrk_version() -> str | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer": the name and version.
    return (done.stdout + done.stderr).split("\n", 1)[0].split(" [", 1)[0].strip() or None


def _commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def _update_doc(run: dict[str, Any]) -> None:
    """Replace the results between the markers of docs/performance.md (append if none)."""
    machine = run["machine"]
    pg = run["results"][str(run["sizes"][0])].get("pg_server", {}).get("version")
    per_size = ", ".join(
        f"{report.size_name(int(size))}: {seconds:.0f} s"
        for size, seconds in run["seconds_per_size"].items()
    )
    lines = [
        BEGIN,
        f"Measured {run['date']} with `{run['command']}` at commit `{run['commit']}`, "
        f"in {run['seconds_total']:.0f} s ({per_size}).",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_mb'] / 1024:.0f} GiB RAM; Python {machine['python']}, "
        f"SQLite {machine['sqlite']}, eventsourcing {machine['eventsourcing']}"
        + (f", PostgreSQL {pg // 10000}.{pg % 10000}" if isinstance(pg, int) else "")
        + (f", {machine['wrk']}" if machine.get("wrk") else "")
        + f". Load average when the run started: {machine['load_average'][0]:.1f}.",
        "",
        run["table"],
        "",
        relay.about(
            report.size_name(RELAY["largest"]),
            int(LAG["count"]),
            LAG["interval"],
            report.SQLITE_POLL_MS,
        ),
        "",
        *(f"- {note}" for note in run["notes"]),
        END,
    ]
    block = "\n".join(lines)
    text = DOC.read_text() if DOC.exists() else "# Performance\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
