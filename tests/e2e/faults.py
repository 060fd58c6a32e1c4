"""What the concurrency and crash tests share: the CLI as a process, big files, store probes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from stanceline.application import Stanceline
from tests.e2e.test_serve import clean_env, stanceline_command
from tests.factories import fact, write_jsonl
from tests.stores import SQLITE

# Generous: two shared cores, and other test runs may be using them.
PROCESS_TIMEOUT = 180.0
QUERY_DAYS = [date(1999, 12, 31), date(2012, 6, 15), date(2021, 8, 15), date(2025, 7, 4)]
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


def statements(count: int, *, start: int = 0, tag: str = "bulk") -> list[dict[str, Any]]:
    """`count` distinct small facts (statements), spread over ten actors and many days."""
    return [
        fact(
            actor=ACTORS[n % len(ACTORS)],
            date=f"{2000 + n % 25}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            summary=f"{tag} statement number {n}",
        )
        for n in range(start, start + count)
    ]


def write_file(path: Path, facts: Iterable[dict[str, Any]]) -> Path:
    return write_jsonl(path, facts)


def answers(app: Stanceline) -> list[Any]:
    """Everything the read model answers: the world on a few days, each actor's history."""
    world = [[r.model_dump(mode="json") for r in app.world(day)] for day in QUERY_DAYS]
    histories = [app.history(code).model_dump(mode="json") for code in app.view.actors()]
    return [world, histories]


def rows(app: Stanceline) -> list[tuple[Any, ...]]:
    """Every row of the read model's versions table, in log order, and its position."""
    with app.view.datastore.transaction(commit=False) as cursor:
        cursor.execute(app.view._sql("SELECT * FROM {versions} ORDER BY position"))
        found = [tuple(dict(row).values()) for row in cursor.fetchall()]
    return [*found, ("position", app.view.position())]


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
        with _sqlite(url) as connection:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if "locked" in str(error):
                    return True
                raise
            connection.rollback()
            return False
    return bool(_postgres_locks(url, "stanceline_events"))


def committed_events(kind: str, url: str) -> int:
    """How many events other processes can see committed (read without the engine)."""
    if kind == SQLITE:
        with _sqlite(url) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])
    with _postgres(url) as connection:
        schema = _schema(url)
        found = connection.execute(f'SELECT COUNT(*) FROM "{schema}".stanceline_events').fetchone()
        assert found is not None
        return int(found[0])


def wait_until_no_lock_is_held(kind: str, url: str, timeout: float = 60) -> float:
    """Wait until no backend holds a lock on the store's tables (a dead writer rolled back)."""
    started = time.monotonic()
    while True:
        held = write_in_progress(kind, url) if kind == SQLITE else _postgres_locks(url)
        if not held:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"locks still held after {timeout} s: {held}"
        time.sleep(0.05)


def _sqlite(url: str) -> sqlite3.Connection:
    path = urlsplit(url).path[1:]
    return sqlite3.connect(path, timeout=0, isolation_level=None)


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
            "AND (%s::text IS NULL OR (c.relname = %s AND l.mode = 'ExclusiveLock'))",
            (_schema(url), table, table),
        ).fetchall()


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
