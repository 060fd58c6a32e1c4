"""The hot standby the replica tests read from: a streaming replica of the test cluster.

The standby is found at $STANCELINE_TEST_REPLICA_URL (default 127.0.0.1:5433, database
`test`, user postgres; tools/standby.sh makes it). It replicates the whole cluster, so a
test's schema store (tests/stores.py) is on it too: replica_url() names it there. When it
does not answer, or answers but is not in recovery, the replica cases skip with one line,
unless STANCELINE_REQUIRE_REPLICA=1 (CI), when they fail.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from stanceline.application import Stanceline
from tests.stores import ADMIN_URL, POSTGRES, Stores

REPLICA_URL = os.environ.get(
    "STANCELINE_TEST_REPLICA_URL", "postgresql://postgres@127.0.0.1:5433/test"
)
REQUIRE_ENV = "STANCELINE_REQUIRE_REPLICA"
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "00-clash-report-2025-07-04.jsonl"


@functools.cache
def _problem() -> str | None:
    """Why the standby cannot be used (None when it can); asked once per session."""
    try:
        with psycopg.connect(REPLICA_URL, autocommit=True, connect_timeout=3) as replica:
            row = replica.execute("SELECT pg_is_in_recovery()").fetchone()
    except psycopg.OperationalError as error:
        return f"PostgreSQL standby not reachable at {REPLICA_URL}: {' '.join(str(error).split())}"
    if row is None or row[0] is not True:
        return f"PostgreSQL at {REPLICA_URL} is not a standby (not in recovery)"
    return None


def require_replica() -> str:
    """The standby's URL (skips or fails when it does not answer or is not in recovery)."""
    reason = _problem()
    if reason is None:
        return REPLICA_URL
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def replica_url(primary_url: str) -> str:
    """The same store (database, schema, settings) as `primary_url`, read on the standby."""
    return urlsplit(primary_url)._replace(netloc=urlsplit(REPLICA_URL).netloc).geturl()


def connect(store_url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A plain connection to a PostgreSQL store URL's server, in its schema (autocommit)."""
    parts = urlsplit(store_url)
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    return psycopg.connect(
        parts._replace(query="").geturl(),
        autocommit=True,
        connect_timeout=3,
        options=f"-c search_path={schema}",
    )


def wait_replayed(timeout: float = 10) -> str:
    """Wait until the standby has replayed all the primary has written so far; that LSN."""
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as primary:
        written = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert written is not None
    target = str(written[0])
    deadline = time.monotonic() + timeout
    with psycopg.connect(require_replica(), autocommit=True, connect_timeout=3) as replica:
        while True:
            row = replica.execute(
                "SELECT pg_last_wal_replay_lsn()::text, pg_last_wal_replay_lsn() >= %s::pg_lsn",
                (target,),
            ).fetchone()
            assert row is not None
            if row[1] is True:
                return target
            if time.monotonic() > deadline:
                pytest.fail(
                    f"standby at {REPLICA_URL} replayed only to {row[0]} in {timeout}s, "
                    f"the primary has written to {target}",
                    pytrace=False,
                )
            time.sleep(0.02)


@contextmanager
def seeded_primary(folder: Path) -> Iterator[Stanceline]:
    """A store of its own on the primary the standby replicates, holding the seed article's
    facts (skips or fails, as require_replica, when there is no standby); dropped after."""
    require_replica()
    stores = Stores(POSTGRES, folder)
    app = Stanceline(stores.url())
    try:
        app.load_file(SEED, by="fixtures")
        yield app
    finally:
        app.close()
        stores.close()
