"""Integration set-up: the application on a real store, SQLite and PostgreSQL in turn."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from stanceline.application import Stanceline
from tests.stores import STORE_PARAMS, Stores

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "clash-report-2025-07-04.jsonl"

AppFactory = Callable[..., Stanceline]
FileWriter = Callable[[str, Iterable[Any]], Path]


def fact(**changes: Any) -> dict[str, Any]:
    """A valid import-format object; keyword arguments replace or add fields."""
    raw: dict[str, Any] = {
        "kind": "stance_stated",
        "actor": "RUS",
        "date": "2024-05-01",
        "summary": "Moscow says something about Kabul",
        "source": {"title": "A test source", "publisher": "Tests"},
        "details": {},
    }
    raw.update(changes)
    return raw


def write_jsonl(path: Path, objects: Iterable[Any]) -> Path:
    """Write objects one per line; a str is written as the line itself (for bad JSON)."""
    lines = [o if isinstance(o, str) else json.dumps(o) for o in objects]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def event_count(app: Stanceline) -> int:
    """How many events the log holds (not its last position: PostgreSQL's may have gaps)."""
    count, start = 0, 1
    while page := app.recorder.select_notifications(start=start, limit=10_000):
        count += len(page)
        start = page[-1].id + 1
    return count


@pytest.fixture
def make_app(make_store: Callable[..., str]) -> Iterator[AppFactory]:
    """Open Stanceline apps on this test's stores (default s.db); all are closed afterwards."""
    apps: list[Stanceline] = []

    def make(name: str = "s.db") -> Stanceline:
        app = Stanceline(make_store(name))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app: AppFactory) -> Stanceline:
    """An application on an empty store."""
    return make_app()


@pytest.fixture
def loaded_app(app: Stanceline) -> Stanceline:
    """An application whose store holds the fixtures (the seed article's facts)."""
    result = app.load_file(FIXTURES, by="fixtures")
    assert result.recorded == 14
    return app


@pytest.fixture
def write_file(tmp_path: Path) -> FileWriter:
    """Write a JSON Lines file named `name` under tmp_path."""

    def write(name: str, objects: Iterable[Any]) -> Path:
        return write_jsonl(tmp_path / name, objects)

    return write


@pytest.fixture(scope="module", params=STORE_PARAMS)
def seeded_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stanceline]:
    """The fixtures loaded once per module and store, for tests that only ask questions."""
    stores = Stores(str(request.param), tmp_path_factory.mktemp("seeded"))
    app = Stanceline(stores.url())
    app.load_file(FIXTURES, by="fixtures")
    yield app
    app.close()
    stores.close()
