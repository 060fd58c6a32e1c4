"""CLI set-up: CliRunner against the real command group, each test with its own store."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from stanceline.application import Stanceline
from stanceline.interfaces.cli import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "00-clash-report-2025-07-04.jsonl"
# The environment a test starts from: no store or catalogue from the developer's shell.
CLEAN_ENV: dict[str, str | None] = {
    "STANCELINE_STORE": None,
    "STANCELINE_ACTORS": None,
    "STANCELINE_USER": "cli-tests",
}

Run = Callable[..., Result]
LIFT = "rus-designation-lifted-2025-04"
STATEMENT = "rus-statement-ally-against-terrorism"
RULING = "the court's ruling is dated 17 April"


def invoke(args: list[str], env: Mapping[str, str | None] | None = None) -> Result:
    """Run the CLI in-process with a clean environment (plus `env`)."""
    return CliRunner().invoke(cli, args, env={**CLEAN_ENV, **(env or {})})


@pytest.fixture
def store(store_url: str) -> str:
    """This test's store URL (each test runs on SQLite and on PostgreSQL)."""
    return store_url


@pytest.fixture
def run(store: str) -> Run:
    """Run `stanceline --store STORE ARGS...`; keyword `env` adds environment variables."""

    def run_(*args: str | Path, env: Mapping[str, str | None] | None = None) -> Result:
        return invoke(["--store", store, *map(str, args)], env)

    return run_


@pytest.fixture
def seeded(run: Run) -> Run:
    """`run`, on a store that holds the fixtures."""
    result = run("load", FIXTURES)
    assert result.exit_code == 0, result.output
    return run


@pytest.fixture
def amended(seeded: Run) -> Run:
    """`seeded` (positions 1-14), then Russia's lift corrected twice (15: its day, by ann;
    16: its link) and Russia's statement retracted (17, by carol)."""
    for args in (
        ("correct", LIFT, "--date", "2025-04-17", "--reason", RULING, "--by", "ann"),
        ("correct", LIFT, "--source-url", "https://example.org/r", "--reason", "the ruling"),
        ("retract", STATEMENT, "--reason", "a paraphrase", "--by", "carol"),
    ):
        result = seeded(*args)
        assert result.exit_code == 0, result.output
    return seeded


@pytest.fixture
def open_store(store: str) -> Iterator[Callable[[], Stanceline]]:
    """Open the test's store directly, to look inside; every app opened is closed."""
    apps: list[Stanceline] = []

    def open_() -> Stanceline:
        apps.append(Stanceline(store))
        return apps[-1]

    yield open_
    for app in apps:
        app.close()
