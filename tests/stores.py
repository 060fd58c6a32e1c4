"""The stores tests run against: a SQLite file, or a fresh schema in a PostgreSQL database.

PostgreSQL is found at $STANCELINE_TEST_POSTGRES (default the local server,
database `test`, user postgres). When it cannot be reached its cases skip with
one line, unless STANCELINE_REQUIRE_POSTGRES=1 (CI), when they fail.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings

from stanceline.application import Stanceline

SQLITE = "sqlite"
POSTGRES = "postgres"
ADMIN_URL = os.environ.get("STANCELINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_ENV = "STANCELINE_REQUIRE_POSTGRES"
# Every store-touching suite runs once per store; `-m "not postgres"` keeps to SQLite.
STORE_PARAMS = [SQLITE, pytest.param(POSTGRES, marks=pytest.mark.postgres)]

# Examples of a law that makes fresh stores for each: a PostgreSQL store costs a schema and
# its tables, so fewer run there (the laws are the same on both, the SQL is not).
LAW_EXAMPLES = {SQLITE: 15, POSTGRES: 5}

_unreachable: list[str] = []  # why the server could not be reached, once per session


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    """A connection for creating and dropping schemas (skips or fails when there is none)."""
    if not _unreachable:
        try:
            return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as error:
            _unreachable.append(" ".join(str(error).split()))
    reason = f"PostgreSQL not reachable at {ADMIN_URL}: {_unreachable[0]}"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


class Stores:
    """The stores of one test (or module), by name; removed again by close()."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.folder = folder
        self.urls: dict[str, str] = {}
        self.schemas: list[str] = []

    def url(self, name: str = "s.db") -> str:
        """The URL of the store called `name` (the same store each time)."""
        if name not in self.urls:
            self.urls[name] = self._make(name)
        return self.urls[name]

    def _make(self, name: str) -> str:
        if self.kind == SQLITE:
            return f"sqlite:///{self.folder / name}"
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with _admin() as admin:
            admin.execute(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        return f"{ADMIN_URL}?schema={schema}"

    def close(self) -> None:
        """Drop every schema made (SQLite files go with their tmp folder)."""
        if not self.schemas:
            return
        with _admin() as admin:
            for schema in self.schemas:
                admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.schemas.clear()


def with_application_name(url: str, name: str) -> str:
    """A PostgreSQL store URL whose connections carry `name` (to find them in pg_stat_activity)."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


@contextmanager
def postgres_named(folder: Path, prefix: str) -> Iterator[tuple[str, str]]:
    """A PostgreSQL store whose connections carry a name of their own, and the name."""
    stores = Stores(POSTGRES, folder)
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    yield with_application_name(stores.url(), name), name
    stores.close()


def terminate_backends(application_name: str) -> int:
    """End the server side of every connection named `application_name`; how many were ended.

    Only connections with this exact name go: a test names its own with a unique one.
    """
    with _admin() as admin:
        found = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (application_name,),
        ).fetchone()
    assert found is not None
    return int(str(found[0]))


def backends(application_name: str) -> list[str]:
    """What each connection named `application_name` last ran (its `query`)."""
    with _admin() as admin:
        rows = admin.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name = %s",
            (application_name,),
        ).fetchall()
    return [str(row[0]) for row in rows]


def law_settings(kind: str) -> settings:
    """Hypothesis settings for a law on a fresh store of `kind` per example."""
    return settings(max_examples=LAW_EXAMPLES[kind])


@contextmanager
def scratch(kind: str) -> Iterator[tuple[Path, Callable[..., Stanceline]]]:
    """A fresh folder and fresh stores of `kind` for one Hypothesis example.

    Fixtures live as long as a test, not an example. Yields the folder and an
    app factory (stores by name, default s.db); every app is closed and every
    store removed afterwards.
    """
    apps: list[Stanceline] = []
    with tempfile.TemporaryDirectory() as folder:
        stores = Stores(kind, Path(folder))

        def make(name: str = "s.db") -> Stanceline:
            apps.append(Stanceline(stores.url(name)))
            return apps[-1]

        try:
            yield Path(folder), make
        finally:
            for app in apps:
                app.close()
            stores.close()
