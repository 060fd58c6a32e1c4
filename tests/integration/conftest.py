"""Integration set-up: the application on a real store, SQLite and PostgreSQL in turn."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from stanceline.application import Stanceline
from stanceline.application.loading import files_of
from tests.factories import write_jsonl
from tests.stores import STORE_PARAMS, Stores

RECORD = Path(__file__).resolve().parents[2] / "fixtures"
FIXTURES = RECORD / "00-clash-report-2025-07-04.jsonl"

AppFactory = Callable[..., Stanceline]
FileWriter = Callable[[str, Iterable[Any]], Path]


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


@pytest.fixture(scope="module", params=STORE_PARAMS)
def record(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stanceline]:
    """The whole record loaded once per store, file by file in name order, as `load DIR`."""
    stores = Stores(str(request.param), tmp_path_factory.mktemp("record"))
    app = Stanceline(stores.url())
    for path in files_of(RECORD):
        app.load_file(path, by="fixtures")
    yield app
    app.close()
    stores.close()
