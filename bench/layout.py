"""The replica layout on one machine, measured side by side: `python -m bench.layout`.

On the primary (127.0.0.1:5432) a store of N generated facts in a schema of its own,
loaded and projected, with `stanceline project --follow`, a plain `stanceline serve`
and `stanceline relay` into NATS JetStream beside it; on the hot standby
(127.0.0.1:5433, tools/standby.sh) `stanceline serve --read-only` on the same store as
replicated. Then, in one run: each process's memory, CPU seconds and PostgreSQL
connections; stance requests by wrk against each server in turn; how soon a fact
recorded on the primary is visible on each server; and how fast 10,000 events saved
without projecting go through the projector and replication.

It prints markdown and writes nothing into the repo: the record is read from
bench/.data when an earlier run generated it, else generated into a temporary folder,
as are the processes' logs. The schema, the stream and the processes go at the end,
whatever happens. Each process's connections are told apart by an application_name
of its own, given in its store URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx
import nats
import nats.errors
import nats.js.errors
import psycopg

from bench import generate, relay
from bench.measure import free_port, percentile
from stanceline.application import Stanceline
from stanceline.domain.events import fact_event
from stanceline.domain.intake import validate_fact

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "stance.lua"
PRIMARY = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
STANDBY = os.environ.get("BENCH_STANDBY", "postgresql://postgres@127.0.0.1:5433/test")
NATS_URL = os.environ.get("BENCH_NATS", "nats://127.0.0.1:4222")
SERVERS = {url: str(urlsplit(url).port or 5432) for url in (PRIMARY, STANDBY)}  # by port
TAG = uuid.uuid4().hex[:8]  # this run's schema, stream and application names
WRK = {"threads": 2, "connections": 16, "warm_up": 3, "seconds": 10}  # as bench/run.py
VISIBLE = {"count": 100, "pause": 0.02, "timeout": 10.0}
SAVED = 10_000  # events saved without projecting, for the projector's row
POLL = 0.001  # seconds between two polls of a server
DAY = "2025-07-04"
POSITION = "Stanceline-Position"
TICKS = os.sysconf("SC_CLK_TCK")
PASS_LINE = re.compile(r"read model at position (\d+): (\d+) positions? projected, (\d+) actor")
ROLES = ("primary serve", "replica serve", "projector", "relay")


@dataclass
class Running:
    """One long-running stanceline process of the layout."""

    role: str
    app_name: str  # the application_name of its connections
    server: str  # the port of the PostgreSQL server they go to
    process: subprocess.Popen[bytes]
    log: Path
    ready_s: float = 0.0


@dataclass
class Layout:
    """What one run set up, to measure and then to take down."""

    size: int
    folder: Path
    schema: str = ""
    stream: str = ""
    nats: bool = False
    processes: dict[str, Running] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def url(self, role: str) -> str:
        return f"http://127.0.0.1:{self.ports[role]}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.layout", description=__doc__)
    parser.add_argument("--facts", type=int, default=100_000, help="facts in the store")
    size = parser.parse_args().facts
    # SIGTERM ends the run as Ctrl-C does: through the finally that takes the layout down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="stanceline-layout-") as folder:
        layout = Layout(size, Path(folder))
        with admin(PRIMARY) as primary, admin(STANDBY) as standby:
            check_standby(standby)
            try:
                table, setup = run(layout, primary, standby)
            finally:
                take_down(layout, primary)
    print_report(layout, table, setup, load_before)


def run(
    layout: Layout, primary: psycopg.Connection[Any], standby: psycopg.Connection[Any]
) -> tuple[list[list[str]], dict[str, float]]:
    record = record_of(layout.size, layout.folder / "record")
    layout.schema = f"bench_layout_{TAG}"
    primary.execute(f'CREATE SCHEMA "{layout.schema}"')
    setup = {"load": cli(layout, "load", *map(str, record.files))}
    setup["project"] = cli(layout, "project")
    with Stanceline(store(layout, PRIMARY, "writer")) as app:
        head = app.log.head()
        setup["head"] = head
        setup["replayed"] = wait_replayed(primary, standby)
        start_all(layout, head)
        watch = Connections(primary, standby)
        with watch.sampling():
            return measure(layout, app, record.actors, watch, primary, standby), setup


def measure(
    layout: Layout,
    app: Stanceline,
    actors: list[str],
    watch: Connections,
    primary: psycopg.Connection[Any],
    standby: psycopg.Connection[Any],
) -> list[list[str]]:
    """Every figure of the table, phase after phase, as its rows."""
    servers = ("primary serve", "replica serve")
    started = watch.sample()
    for role in servers:
        http_load(layout.url(role), actors, WRK["warm_up"], layout.notes)
    rest = watch.sample()
    warmed = {r: rss_mb(p.process.pid) for r, p in layout.processes.items()}
    cpu = CpuPhases(layout.processes)
    http: dict[str, dict[str, Any]] = {}
    for role in servers:
        http[role] = http_load(layout.url(role), actors, WRK["seconds"], layout.notes)
        cpu.mark(f"wrk on the {role.split()[0]}, {WRK['seconds']} s")
    seen = visibility(layout, app, actors, primary, standby)
    cpu.mark(f"visibility, {VISIBLE['count']} facts")
    through = projector_pass(layout, app, actors, primary, standby)
    cpu.mark(f"{SAVED:,} saved events")
    held = {"start": started, "rest": rest, "most": watch.most}
    return figures(layout, warmed, held, cpu, http, seen, through)


# The layout's processes.


def store(layout: Layout, server: str, name: str) -> str:
    """The store's URL on `server`, its connections named for `name`."""
    return f"{server}?schema={layout.schema}&application_name=layout-{TAG}-{name}"


def stanceline(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("stanceline")), *args]


def clean_env() -> dict[str, str]:
    """This environment without stanceline's settings: each process has only its options."""
    return {k: v for k, v in os.environ.items() if not k.startswith("STANCELINE_")}


def cli(layout: Layout, *args: str) -> float:
    """Run one command on the primary's store to its end; its seconds."""
    begin = time.perf_counter()
    log(f"stanceline {args[0]}")
    done = subprocess.run(
        stanceline("--store", store(layout, PRIMARY, args[0]), *args),
        capture_output=True,
        text=True,
        env=clean_env(),
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"stanceline {args[0]} exited {done.returncode}:\n{done.stderr}")
    return time.perf_counter() - begin


def start_all(layout: Layout, head: int) -> None:
    """The four processes, one after the other, each ready before the next starts."""
    for role in ("primary serve", "replica serve"):
        layout.ports[role] = free_port()
    commands = {
        "projector": (PRIMARY, ["project", "--follow"]),
        "primary serve": (PRIMARY, ["serve", "--port", str(layout.ports["primary serve"])]),
        "replica serve": (
            STANDBY,
            ["serve", "--read-only", "--port", str(layout.ports["replica serve"])],
        ),
    }
    problem = relay.unavailable(NATS_URL)
    layout.nats = problem is None
    if problem is None:
        layout.stream = f"BENCH_LAYOUT_{TAG}".upper()
        relaying = ["relay", "--to", NATS_URL, "--stream", layout.stream]
        commands["relay"] = (PRIMARY, [*relaying, "--subject", f"bench.layout.{TAG}"])
    else:
        layout.notes.append(f"relay not run: {problem}")
    for role, (server, args) in commands.items():
        name = role.replace(" ", "-")
        log(f"starting the {role}")
        path = layout.folder / f"{name}.log"
        with path.open("wb") as sink:
            process = subprocess.Popen(
                stanceline("--store", store(layout, server, name), *args),
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=clean_env(),
            )
        running = Running(role, f"layout-{TAG}-{name}", SERVERS[server], process, path)
        layout.processes[role] = running
        begin = time.perf_counter()
        wait_ready(layout, running, head)
        running.ready_s = time.perf_counter() - begin


def wait_ready(layout: Layout, running: Running, head: int) -> None:
    if running.role == "relay":
        reached = asyncio.run(wait_relayed(layout.stream, head, 300, running.process))
        if reached is None:
            raise SystemExit(f"the relay did not reach position {head}: {tail(running.log)}")
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and running.process.poll() is None:
        if running.role == "projector":
            if "following" in running.log.read_text(errors="replace"):
                return
        else:
            with suppress(httpx.TransportError):
                if httpx.get(f"{layout.url(running.role)}/healthz", timeout=1).status_code == 200:
                    return
        time.sleep(0.05)
    raise SystemExit(f"the {running.role} did not start: {tail(running.log)}")


def stop(running: Running) -> None:
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGTERM)
        try:
            running.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            running.process.kill()
            running.process.wait(timeout=15)


def take_down(layout: Layout, primary: psycopg.Connection[Any]) -> None:
    """Every process stopped, the stream deleted and the schema dropped (each tried)."""
    for running in layout.processes.values():
        stop(running)
    if layout.stream:
        try:
            relay.delete_stream(NATS_URL, layout.stream)
        except (OSError, nats.errors.Error) as error:
            log(f"the stream {layout.stream} could not be deleted: {error}")
    if layout.schema:
        primary.execute(f'DROP SCHEMA IF EXISTS "{layout.schema}" CASCADE')
    log("processes stopped, stream and schema removed")


def tail(path: Path) -> str:
    return " | ".join(path.read_text(errors="replace").strip().splitlines()[-5:])


def record_of(size: int, scratch: Path) -> generate.Record:
    """The generated record: bench/.data's when made before, else made in `scratch`."""
    folder = generate.DATA / f"record-v{generate.GENERATOR_VERSION}-{size}-{generate.FILE_LINES}"
    if (folder / "manifest.json").is_file():
        return generate.record(size)
    log(f"generating {size:,} facts")
    return generate.record(size, scratch)


# PostgreSQL: connections per process, replication.


@contextmanager
def admin(url: str) -> Iterator[psycopg.Connection[Any]]:
    try:
        connection = psycopg.connect(
            url, autocommit=True, connect_timeout=3, application_name="stanceline-bench-layout"
        )
    except psycopg.OperationalError as error:
        said = " ".join(str(error).split())
        raise SystemExit(f"PostgreSQL not reachable at {url}: {said}") from None
    with connection:
        yield connection


def check_standby(standby: psycopg.Connection[Any]) -> None:
    row = standby.execute("SELECT pg_is_in_recovery()").fetchone()
    if row is None or row[0] is not True:
        raise SystemExit(f"{STANDBY} is not a hot standby (make one with tools/standby.sh)")


def lsn_gap(primary: psycopg.Connection[Any], standby: psycopg.Connection[Any]) -> int:
    """Bytes of WAL the primary has written and the standby not yet replayed."""
    written = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert written is not None
    row = standby.execute(
        "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", (written[0],)
    ).fetchone()
    assert row is not None
    return max(int(row[0]), 0)


def wait_replayed(
    primary: psycopg.Connection[Any], standby: psycopg.Connection[Any], timeout: float = 120
) -> float:
    """Wait until the standby has replayed what the primary has written so far; seconds."""
    begin = time.perf_counter()
    written = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert written is not None
    while True:
        row = standby.execute(
            "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (written[0],)
        ).fetchone()
        if row is not None and row[0] is True:
            return time.perf_counter() - begin
        if time.perf_counter() - begin > timeout:
            raise SystemExit(f"the standby did not replay to {written[0]} in {timeout:g} s")
        time.sleep(0.005)


class Connections:
    """Each process's connections, by application_name, on both servers: now and the most."""

    def __init__(self, primary: psycopg.Connection[Any], standby: psycopg.Connection[Any]):
        self.servers = {SERVERS[PRIMARY]: primary, SERVERS[STANDBY]: standby}
        self.most: dict[str, int] = {}
        self.lock = threading.Lock()

    def sample(self) -> dict[str, int]:
        found: dict[str, int] = {}
        with self.lock:
            for server, connection in self.servers.items():
                rows = connection.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE application_name LIKE %s GROUP BY 1",
                    (f"layout-{TAG}-%",),
                ).fetchall()
                found.update({f"{name}@{server}": int(count) for name, count in rows})
            for key, count in found.items():
                self.most[key] = max(self.most.get(key, 0), count)
        return found

    @contextmanager
    def sampling(self, every: float = 0.2) -> Iterator[None]:
        done = threading.Event()

        def loop() -> None:
            while not done.wait(every):
                self.sample()

        sampler = threading.Thread(target=loop, name="bench-connections", daemon=True)
        sampler.start()
        try:
            yield
        finally:
            done.set()
            sampler.join()


# /proc: memory and CPU.


def status_mb(pid: int, key: str) -> float | None:
    """A /proc/PID/status figure in MB (VmRSS, VmHWM); None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb(pid: int) -> float | None:
    return status_mb(pid, "VmRSS")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc/PID/stat, fields 14 and 15)."""
    # After the name's closing parenthesis the fields start at 3 (the state).
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class CpuPhases:
    """Each process's CPU seconds in each phase, from one mark to the next."""

    def __init__(self, processes: dict[str, Running]) -> None:
        self.pids = {role: p.process.pid for role, p in processes.items()}
        self.first = self.last = {role: cpu_seconds(pid) for role, pid in self.pids.items()}
        self.phases: list[tuple[str, dict[str, float]]] = []

    def mark(self, phase: str) -> None:
        now = {role: cpu_seconds(pid) for role, pid in self.pids.items()}
        self.phases.append((phase, {r: now[r] - self.last[r] for r in now}))
        self.last = now

    def total(self) -> dict[str, float]:
        return {role: self.last[role] - self.first[role] for role in self.pids}


# HTTP: stance requests per second.


def http_load(base: str, actors: list[str], seconds: int, notes: list[str]) -> dict[str, Any]:
    """wrk with bench/stance.lua against `base` (an httpx loop when there is no wrk)."""
    wrk = shutil.which("wrk")
    log(f"{'wrk' if wrk else 'httpx loop'} for {seconds} s on {base}")
    if wrk is None:
        if "wrk not installed" not in " ".join(notes):
            notes.append("wrk not installed: stance requests by an httpx loop of 16 threads")
        return httpx_load(base, actors, seconds)
    done = subprocess.run(
        [wrk, f"-t{WRK['threads']}", f"-c{WRK['connections']}", f"-d{seconds}s", "--timeout",
         "10s", "--latency", "-s", str(LUA), base],
        env={**os.environ, "BENCH_ACTORS": ",".join(actors)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = [x for x in done.stdout.splitlines() if x.startswith("BENCH-WRK ")]
    figures: dict[str, Any] = json.loads(found[-1].removeprefix("BENCH-WRK "))
    errors = sum(v for k, v in figures.items() if k.endswith("errors") or k == "timeouts")
    return {
        "per_s": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "errors": errors,
    }


def httpx_load(base: str, actors: list[str], seconds: int) -> dict[str, Any]:
    """Stance requests as bench/stance.lua makes them, from 16 threads for `seconds`."""
    took: list[float] = []
    failed: list[int] = []
    end = time.perf_counter() + seconds
    first, last = date(2000, 1, 1).toordinal(), date(2026, 6, 30).toordinal()

    def loop(seed: int) -> None:
        rng = random.Random(1000 + seed)
        with httpx.Client(base_url=base, timeout=10) as client:
            while time.perf_counter() < end:
                day = date.fromordinal(rng.randint(first, last))
                begin = time.perf_counter()
                answer = client.get(f"/actors/{rng.choice(actors)}/stance?on={day}")
                took.append(time.perf_counter() - begin)
                if answer.status_code != 200:
                    failed.append(answer.status_code)

    begin = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(loop, range(16)))
    return {
        "per_s": len(took) / (time.perf_counter() - begin),
        "p50_ms": percentile(took, 50) * 1000,
        "p99_ms": percentile(took, 99) * 1000,
        "errors": len(failed),
    }


# Visibility: from a commit on the primary to each server's answer.


def fact(fact_id: str, actor: str, summary: str) -> dict[str, Any]:
    """A valid import-format fact."""
    return {
        "id": fact_id,
        "kind": "stance_stated",
        "actor": actor,
        "date": "2025-07-01",
        "summary": summary,
        "source": {"title": "The layout benchmark", "publisher": "Bench"},
        "details": {},
    }


def weighted(actors: list[str], count: int, seed: str) -> list[str]:
    """`count` actors drawn as the generator draws them (the first most often)."""
    weights = [rank**-generate.SKEW for rank in range(1, len(actors) + 1)]
    return random.Random(seed).choices(actors, weights, k=count)


@dataclass(frozen=True, slots=True)
class Seen:
    """How one server came to answer a fact."""

    seconds: float | None  # from the commit returning (None: not within the timeout)
    ok: bool  # the answer that saw it was 200
    answer_seconds: float  # that answer's own request
    polls: int  # requests sent, that one included


def first_seen(
    client: httpx.Client, path: str, position: int, since: float, by_header: bool
) -> Seen:
    """When the server first answers `path` at or past `position`: by its
    Stanceline-Position header, else by answering 200."""
    deadline = since + VISIBLE["timeout"]
    polls = 0
    while True:
        sent = time.perf_counter()
        answer = client.get(path)
        now = time.perf_counter()
        polls += 1
        if by_header:
            seen = int(answer.headers.get(POSITION, -1)) >= position
        else:
            seen = answer.status_code == 200
        if seen or now > deadline:
            took = now - since if seen else None
            return Seen(took, answer.status_code == 200, now - sent, polls)
        time.sleep(POLL)


def visibility(
    layout: Layout,
    app: Stanceline,
    actors: list[str],
    primary: psycopg.Connection[Any],
    standby: psycopg.Connection[Any],
) -> dict[str, Any]:
    """Facts recorded one at a time; for each, commit returned -> visible on each server.

    Both servers are polled at once on GET /facts/{id}: the primary's until it answers
    200 (it catches its read model up before answering), the replica's until its
    Stanceline-Position header reaches the fact's position. The standby's replay lag is
    sampled meanwhile from the replica's /readyz, and as the WAL between the two servers.
    """
    log(f"visibility: {VISIBLE['count']} facts, {VISIBLE['pause'] * 1000:.0f} ms apart")
    seen: dict[str, list[float]] = {"primary serve": [], "replica serve": []}
    answers: dict[str, list[float]] = {role: [] for role in seen}
    polled: dict[str, list[float]] = {role: [] for role in seen}
    late, not_200 = dict.fromkeys(seen, 0), 0
    replay: dict[str, list[float]] = {"bytes": [], "seconds": [], "wal_gap": []}
    clients = {role: httpx.Client(base_url=layout.url(role), timeout=5) for role in seen}
    stopping = threading.Event()
    sampler = threading.Thread(
        target=sample_replay, args=(layout, replay, stopping), name="bench-replay", daemon=True
    )
    sampler.start()
    try:
        with ThreadPoolExecutor(2) as pool:
            for number, actor in enumerate(weighted(actors, int(VISIBLE["count"]), "visible")):
                fact_id = f"layout-{TAG}-{number:04d}"
                app.record_fact(fact(fact_id, actor, f"layout visibility {number}"), by="bench")
                since = time.perf_counter()
                position = app.view.position()
                polls = {
                    role: pool.submit(
                        first_seen, clients[role], f"/facts/{fact_id}", position, since,
                        role == "replica serve",
                    )
                    for role in seen
                }  # fmt: skip
                for role, poll in polls.items():
                    found = poll.result()
                    if found.seconds is None:
                        late[role] += 1
                        continue
                    seen[role].append(found.seconds)
                    answers[role].append(found.answer_seconds)
                    polled[role].append(found.polls)
                    not_200 += not found.ok
                replay["wal_gap"].append(lsn_gap(primary, standby))
                time.sleep(VISIBLE["pause"])
    finally:
        stopping.set()
        sampler.join()
        for client in clients.values():
            client.close()
    if not_200:
        layout.notes.append(f"{not_200} replica answers at the fact's position were not 200")
    return {"seen": seen, "answers": answers, "polls": polled, "missed": late, "replay": replay}


def sample_replay(
    layout: Layout, replay: dict[str, list[float]], stopping: threading.Event
) -> None:
    """The replica's /readyz replica figures every 20 ms until `stopping` is set."""
    with httpx.Client(base_url=layout.url("replica serve"), timeout=5) as client:
        while not stopping.wait(0.02):
            replica = client.get("/readyz").json().get("replica") or {}
            replay["bytes"].append(float(replica.get("replay_lag_bytes") or 0))
            replay["seconds"].append(float(replica.get("replay_lag_seconds") or 0))


# The projector: events saved without projecting, through it and replication.


def projector_pass(
    layout: Layout,
    app: Stanceline,
    actors: list[str],
    primary: psycopg.Connection[Any],
    standby: psycopg.Connection[Any],
) -> dict[str, Any]:
    """SAVED events in one save(); seconds from its return until each side has them."""
    log(f"projector: {SAVED:,} events saved in one transaction, without projecting")
    events = []
    for number, actor in enumerate(weighted(actors, SAVED, "saved")):
        raw = fact(f"layout-{TAG}-saved-{number:05d}", actor, f"layout saved {number}")
        valid = validate_fact(raw, app.catalogue)
        recorded = datetime.now(UTC)
        events.append(
            fact_event(valid.fact_id, valid.content, recorded_at=recorded, recorded_by="bench")
        )
    projector, relay = layout.processes["projector"], layout.processes.get("relay")
    with projector.log.open(errors="replace") as said:
        said.seek(0, os.SEEK_END)
        begin = time.perf_counter()
        target = max(app.save(*events))
        saved = time.perf_counter()
        relayed = None if relay is None else relayed_at(layout.stream, target, relay.process)
        found = wait_projected(layout, target, said, saved)
    wait_replayed(primary, standby)
    found["standby_index_s"] = time.perf_counter() - saved
    layout.notes.append(f"save() of the {SAVED:,} events took {saved - begin:.2f} s")
    if relayed is not None:
        at = relayed()
        found["relayed_s"] = None if at is None else at - saved
    return found


def wait_projected(layout: Layout, target: int, said: TextIO, since: float) -> dict[str, Any]:
    """Poll both servers' /readyz and the projector's log until each has reached `target`."""
    found: dict[str, Any] = {}
    clients = {
        role: httpx.Client(base_url=layout.url(role), timeout=5)
        for role in ("primary serve", "replica serve")
    }
    pending = ""
    try:
        while not {*clients, "pass_s"} <= found.keys():
            if time.perf_counter() - since > 300:
                raise SystemExit(f"the projector did not reach position {target} in 300 s")
            for role, client in clients.items():
                ready = client.get("/readyz").json()
                at_head = ready["projected_position"] >= target
                if role not in found and at_head and (role == "primary serve" or not ready["lag"]):
                    found[role] = time.perf_counter() - since
            pending += said.read()
            read = time.perf_counter()
            *lines, pending = pending.split("\n")
            for line in lines:
                matched = PASS_LINE.search(line)
                if matched and int(matched[1]) >= target and "pass_s" not in found:
                    found["pass_s"] = read - since
                    found["indexed"] = int(matched[3])
            time.sleep(0.005)
    finally:
        for client in clients.values():
            client.close()
    return found


# NATS JetStream: the relay's stream.


async def wait_relayed(
    stream: str, position: int, timeout: float, process: subprocess.Popen[bytes] | None
) -> float | None:
    """The moment (perf_counter) the stream's last message reached `position`; None if not
    within `timeout` seconds, or when `process` exited first."""
    nc = await relay.connect(NATS_URL)
    deadline = time.perf_counter() + timeout
    try:
        js = nc.jetstream()
        while time.perf_counter() < deadline and (process is None or process.poll() is None):
            if await relay.last_position(js, stream) >= position:
                return time.perf_counter()
            await asyncio.sleep(0.005)
        return None
    finally:
        await nc.close()


def relayed_at(
    stream: str, position: int, process: subprocess.Popen[bytes]
) -> Callable[[], float | None]:
    """Wait for the stream to reach `position` in a thread of its own; a call that waits
    for that thread and gives the moment (None: not within 120 s, or the relay exited)."""
    found: list[float | None] = []
    waiting = threading.Thread(
        target=lambda: found.append(asyncio.run(wait_relayed(stream, position, 120, process))),
        name="bench-relayed",
        daemon=True,
    )
    waiting.start()

    def moment() -> float | None:
        waiting.join()
        return found[0] if found else None

    return moment


# The report.


def ms(values: Sequence[float], *shares: float) -> str:
    if not values:
        return "-"
    return " / ".join(f"{percentile(values, s) * 1000:.1f}" for s in shares)


def spread(values: Sequence[float], form: str) -> str:
    """p50 / max of `values`, each put in `form`."""
    if not values:
        return "-"
    return f"{form.format(percentile(values, 50))} / {form.format(max(values))}"


def replica_row(name: str, seen: dict[str, Any], key: str, form: str) -> list[str]:
    """A row of the standby's replay figures, sampled during the visibility phase."""
    return [name, "", spread(seen["replay"][key], form), "", ""]


def mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def figures(
    layout: Layout,
    warmed: dict[str, float | None],
    held: dict[str, dict[str, int]],
    cpu: CpuPhases,
    http: dict[str, dict[str, Any]],
    seen: dict[str, Any],
    through: dict[str, Any],
) -> list[list[str]]:
    """The table's rows, one cell a role (in ROLES' order), after the figure's name."""
    procs = layout.processes

    def each(cell: Callable[[Running], str]) -> list[str]:
        return [cell(procs[role]) if role in procs else "-" for role in ROLES]

    def seconds(spent: dict[str, float]) -> list[str]:
        return each(lambda p: f"{spent[p.role]:.2f}")

    def servers(cell: Callable[[str], str]) -> list[str]:
        return [cell("primary serve"), cell("replica serve"), "", ""]

    def conns(p: Running) -> str:
        key = f"{p.app_name}@{p.server}"
        counts = " / ".join(str(held[when].get(key, 0)) for when in ("start", "rest", "most"))
        return f"{counts} (:{p.server})"

    table = [
        ["ready after start, s", *each(lambda p: f"{p.ready_s:.1f}")],
        ["RSS once warmed, MB", *each(lambda p: mb(warmed[p.role]))],
        ["RSS at the end, MB", *each(lambda p: mb(rss_mb(p.process.pid)))],
        ["peak RSS (VmHWM), MB", *each(lambda p: mb(status_mb(p.process.pid, "VmHWM")))],
        ["PostgreSQL connections: started / warmed / most seen", *each(conns)],
    ]
    table += [[f"CPU s: {phase}", *seconds(spent)] for phase, spent in cpu.phases]
    table.append(["CPU s: the whole measurement", *seconds(cpu.total())])
    table += [
        ["stance requests/s (wrk)", *servers(lambda r: f"{http[r]['per_s']:,.0f}")],
        [
            "stance p50 / p99, ms",
            *servers(lambda r: f"{http[r]['p50_ms']:.1f} / {http[r]['p99_ms']:.1f}"),
        ],
        ["stance errors or non-2xx", *servers(lambda r: str(http[r]["errors"]))],
        [
            f"visible after commit, p50 / p99 / max ms (of {VISIBLE['count']})",
            *servers(lambda r: ms(seen["seen"][r], 50, 99, 100) + missed(seen, r)),
        ],
        [
            "of which the answering GET's own time, p50 / p99 ms",
            *servers(lambda r: ms(seen["answers"][r], 50, 99)),
        ],
        ["GETs until visible, p50 / max", *servers(lambda r: spread(seen["polls"][r], "{:.0f}"))],
        replica_row("standby replay lag (/readyz), bytes p50 / max", seen, "bytes", "{:,.0f}"),
        replica_row("standby replay lag (/readyz), seconds p50 / max", seen, "seconds", "{:.3f}"),
        replica_row(
            "WAL the standby had yet to replay once each fact was seen, bytes p50 / max",
            seen,
            "wal_gap",
            "{:,.0f}",
        ),
    ]
    table += projector_rows(through)
    return table


def missed(seen: dict[str, Any], role: str) -> str:
    count = seen["missed"][role]
    return f" ({count} not within {VISIBLE['timeout']:g} s)" if count else ""


def projector_rows(through: dict[str, Any]) -> list[list[str]]:
    def rate(key: str) -> str:
        seconds = through.get(key)
        return "-" if seconds is None else f"{seconds:.2f} s ({SAVED / seconds:,.0f} events/s)"

    relayed = rate("relayed_s") if "relayed_s" in through else "-"
    return [
        [
            f"{SAVED:,} saved events: read model at the head (/readyz), from save() returning",
            rate("primary serve"),
            rate("replica serve"),
            "",
            relayed,
        ],
        [
            f"{SAVED:,} saved events: the projector's pass done ({through['indexed']} actors "
            "re-indexed); on the standby",
            "",
            f"{through['standby_index_s']:.2f} s",
            f"{through['pass_s']:.2f} s",
            "",
        ],
    ]


def print_report(
    layout: Layout, table: list[list[str]], setup: dict[str, float], load_before: float
) -> None:
    head = ["figure", "primary `serve`", "replica `serve --read-only`", "`project --follow`",
            "`relay`"]  # fmt: skip
    widths = [max(len(r[i]) for r in [head, *table]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    print()
    print(f"`{' '.join(['.venv/bin/python', '-m', 'bench.layout', *sys.argv[1:]])}`")
    print(
        f"Replica layout, {layout.size:,} facts ({int(setup['head']):,} events): primary "
        f"{PRIMARY}, hot standby {STANDBY}, NATS {NATS_URL if layout.nats else '(not run)'}; "
        f"{os.cpu_count()} cores, load average {load_before:.2f} at the start and "
        f"{os.getloadavg()[0]:.2f} at the end."
    )
    print(
        f"Set-up: `stanceline load` {setup['load']:.1f} s, `stanceline project` (every "
        f"actor indexed) {setup['project']:.1f} s, the standby replayed it "
        f"{setup['replayed']:.2f} s later."
    )
    print()
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table:
        print(line(row))
    print()
    about = [
        f"wrk: {WRK['threads']} threads, {WRK['connections']} connections, {WRK['seconds']} s "
        f"per server after {WRK['warm_up']} s of warm-up each, bench/stance.lua over the "
        "record's actors (the same seeded requests on both).",
        "Connections are attributed by application_name: each process's store URL names it "
        f"(layout-{TAG}-ROLE), counted in pg_stat_activity on the server it connects to "
        f"(:{SERVERS[PRIMARY]} primary, :{SERVERS[STANDBY]} standby), once all had started, "
        "after the warm-up, and the most in any sample (every 0.2 s). The benchmark's own "
        "writer (record_fact, save) is not in the table.",
        "CPU seconds are utime + stime from /proc/PID/stat between the phases' ends; RSS is "
        "VmRSS from /proc/PID/status.",
        f"Visibility: record_fact on the primary, then GET /facts/{{id}} polled every "
        f"{POLL * 1000:g} ms on both servers at once: the primary until 200, the replica "
        f"until its {POSITION} header reaches the fact's position. Meanwhile the replica's "
        "/readyz replay lag is sampled every 20 ms, and after each fact the WAL between "
        "pg_current_wal_lsn() on the primary and pg_last_wal_replay_lsn() on the standby.",
        f"Projector: {SAVED:,} fact events in one save() (nothing projected); times from its "
        "return. The read model at the head: each server's /readyz projected_position (on "
        "the replica with lag 0). The pass: the projector's own line; on the standby: once "
        "it replayed the WAL written by then. The relay: the stream's last message holds "
        "the last position.",
        *layout.notes,
    ]
    for note in about:
        print(f"- {note}")


def log(message: str) -> None:
    print(f"[layout {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
