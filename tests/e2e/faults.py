"""What the concurrency and crash tests share: the CLI as a process, big files, store probes."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from stanceline.application import Stanceline
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.intake import validate_fact
from tests.e2e.test_serve import clean_env, stanceline_command
from tests.factories import fact
from tests.stores import SQLITE

# Generous: two shared cores, and other test runs may be using them.
PROCESS_TIMEOUT = 180.0
QUERY_DAYS = [date(1999, 12, 31), date(2012, 6, 15), date(2021, 8, 15), date(2025, 7, 4)]
CATALOGUE = ActorCatalogue.default()
ACTORS = ("RUS", "CHN", "USA", "EU", "PAK", "IND", "IRN", "TUR", "QAT", "UZB")


def command(store: str, *args: str | Path) -> list[str]:
    return [*stanceline_command(), "--store", store, *map(str, args)]


def run_cli(store: str, *args: str | Path, timeout: float = PROCESS_TIMEOUT) -> str:
    """Run one CLI command to its end; its standard output (a clear failure otherwise)."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            command(store, *args), capture_output=True, text=True, env=clean_env(), timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"`stanceline {' '.join(map(str, args))}` did not finish in {timeout:.0f} s "
            "(a write that hangs, or a lock never released?)"
        ) from None
    took = time.monotonic() - started
    assert done.returncode == 0, (
        f"`stanceline {' '.join(map(str, args))}` exited {done.returncode} after {took:.1f} s:\n"
        f"{done.stderr}"
    )
    return done.stdout


def statements(count: int) -> list[dict[str, Any]]:
    """`count` distinct small facts (statements), spread over ten actors and many days."""
    return [
        fact(
            actor=ACTORS[n % len(ACTORS)],
            date=f"{2000 + n % 25}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            summary=f"Statement number {n}",
        )
        for n in range(count)
    ]


def answers(app: Stanceline) -> list[Any]:
    """Everything the read model answers: the world on a few days, each actor's history."""
    world = [[r.model_dump(mode="json") for r in app.world(day)] for day in QUERY_DAYS]
    histories = [app.history(code).model_dump(mode="json") for code in app.view.actors()]
    return [world, histories]


def rows(app: Stanceline) -> list[tuple[Any, ...]]:
    """Every row of the read model's versions table, in log order (caught up first)."""
    app.catch_up()
    with app.view.datastore.transaction(commit=False) as cursor:
        cursor.execute(app.view.dialect.sql("SELECT * FROM {versions} ORDER BY position"))
        return [tuple(dict(row).values()) for row in cursor.fetchall()]


def all_events(app: Stanceline) -> list[tuple[int, dict[str, Any]]]:
    """Every stored event as (position, CloudEvent), read in pages."""
    found: list[tuple[int, dict[str, Any]]] = []
    while page := app.read_events(found[-1][0] if found else 0, 5000):
        found += page
    return found


def with_app(url: str, use: Callable[[Stanceline], Any]) -> Any:
    """Open the store in this process, use it, close it again."""
    app = Stanceline(url)
    try:
        return use(app)
    finally:
        app.close()


def parse_load(output: str) -> dict[str, tuple[int, int]]:
    """`load`'s lines `PATH: R recorded, P already present` as {path: (R, P)}."""
    found = {}
    for line in output.splitlines():
        path, _, counts = line.rpartition(": ")
        recorded, present = counts.split(", ")
        found[path] = (int(recorded.split()[0]), int(present.split()[0]))
    return found


# Looking into the store from outside


def write_in_progress(kind: str, url: str) -> bool:
    """Whether some process holds the store's write lock right now (without waiting)."""
    if kind == SQLITE:
        # Never waits: a probe must not queue behind the writer it looks for.
        with _sqlite(url, timeout=0) as connection:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if "locked" in str(error):
                    return True
                raise
            connection.rollback()
            return False
    return bool(_postgres_locks(url, "stanceline_events"))


def committed_events(kind: str, url: str, upto: int | None = None) -> int:
    """How many events (up to a position) other processes see committed, read without the engine."""
    if upto is None:
        return _scalar(kind, url, "SELECT COUNT(*) FROM {events}")
    return _scalar(kind, url, f"SELECT COUNT(*) FROM {{events}} WHERE {{id}} <= {int(upto)}")


def log_end(kind: str, url: str) -> int:
    """The last committed position (0 when empty)."""
    return _scalar(kind, url, "SELECT MAX({id}) FROM {events}")


def read_model_position(kind: str, url: str) -> int:
    """The read model's tracking position, read without the engine (0 when none)."""
    return _scalar(kind, url, "SELECT MAX(notification_id) FROM {tracking}")


def read_model_rows(kind: str, url: str) -> int:
    """How many version rows the read model holds, read without the engine."""
    return _scalar(kind, url, "SELECT COUNT(*) FROM {versions}")


def wal_size(url: str) -> int:
    """The size of a SQLite store's write-ahead log file (0 when there is none)."""
    wal = Path(urlsplit(url).path[1:] + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _scalar(kind: str, url: str, statement: str) -> int:
    if kind == SQLITE:
        query = statement.format(
            events="stored_events", id="rowid", tracking="tracking", versions="stance_versions"
        )
        with _sqlite(url) as connection:
            found = connection.execute(query).fetchone()
    else:
        schema = _schema(url)
        query = statement.format(
            events=f'"{schema}".stanceline_events',
            id="notification_id",
            tracking=f'"{schema}".stanceline_tracking',
            versions=f'"{schema}".stance_versions',
        )
        with _postgres(url) as connection:
            found = connection.execute(query).fetchone()
    return int(found[0] or 0) if found else 0


@contextmanager
def holding_the_write_lock(kind: str, url: str) -> Iterator[None]:
    """Hold the store's write lock while the block runs: writers queue behind it, readers pass."""
    if kind == SQLITE:
        with _sqlite(url) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                connection.rollback()
        return
    with _postgres(url) as connection, connection.transaction():
        connection.execute(f'LOCK TABLE "{_schema(url)}".stanceline_events IN EXCLUSIVE MODE')
        yield


def waiting_writers(url: str) -> list[tuple[Any, ...]]:
    """PostgreSQL: the backends queued for a lock on the events table."""
    return [lock for lock in _postgres_locks(url) if lock[0] == "stanceline_events" and not lock[2]]


def wait_until_no_lock_is_held(kind: str, url: str, timeout: float = 60) -> float:
    """Wait until no backend holds a lock on the store's tables (a dead writer rolled back)."""
    started = time.monotonic()
    while True:
        held = write_in_progress(kind, url) if kind == SQLITE else _postgres_locks(url)
        if not held:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"locks still held after {timeout} s: {held}"
        time.sleep(0.05)


@contextmanager
def _sqlite(url: str, timeout: float = 5) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(urlsplit(url).path[1:], timeout=timeout, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def _schema(url: str) -> str:
    return parse_qs(urlsplit(url).query)["schema"][0]


def _postgres(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    parts = urlsplit(url)
    return psycopg.connect(parts._replace(query="").geturl(), autocommit=True, connect_timeout=5)


def _postgres_locks(url: str, table: str | None = None) -> list[tuple[Any, ...]]:
    """Relation locks other backends hold or wait for on the store's tables."""
    with _postgres(url) as connection:
        return connection.execute(
            "SELECT c.relname, l.mode, l.granted, l.pid FROM pg_locks l "
            "JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND l.pid <> pg_backend_pid() "
            "AND (%s::text IS NULL OR (c.relname = %s AND l.mode = 'ExclusiveLock' AND l.granted))",
            (_schema(url), table, table),
        ).fetchall()


def fact_id(raw: dict[str, Any]) -> str:
    """The id a fact is stored under: its explicit id, else the one derived from its content."""
    return validate_fact(raw, CATALOGUE).fact_id
