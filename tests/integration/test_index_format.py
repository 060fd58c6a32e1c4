"""The temporal index's stored answers carry a format: one of another format is rebuilt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

import pytest
from click.testing import CliRunner

from stanceline.application import Stanceline
from stanceline.interfaces.cli import cli
from stanceline.projections.index import INDEX_FORMAT
from tests.integration.conftest import FIXTURES

DAYS = [date(2003, 6, 1), date(2025, 4, 10), date(2025, 7, 3), date(2025, 7, 4), date(2026, 1, 1)]
# A segment's answer as another format might have stored it: no `since`, no `facts`.
OTHER_FORMAT = '{"value":"none","certainty":"certain","alternatives":[]}'


def old_format_store(url: str) -> None:
    """A store as the release before formats were recorded left it, its answers of another
    shape: the format table that release did not have is dropped, every answer rewritten."""
    with Stanceline(url) as app:
        app.load_file(FIXTURES, by="fixtures")
        app.build_index()
        with app.view.dialect.writing() as c:
            app.view.dialect.run(c, "DROP TABLE {format}")
            app.view.dialect.run(c, "UPDATE {segments} SET answer = :a", {"a": OTHER_FORMAT})


def answers(app: Stanceline) -> list[str]:
    return [report.model_dump_json() for day in DAYS for report in app.world(day)]


def test_a_store_whose_index_has_another_format_is_re_indexed_when_opened(
    make_store: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    old_format_store(make_store("old.db"))
    with Stanceline(make_store("fresh.db")) as fresh:
        fresh.load_file(FIXTURES, by="fixtures")
        expected = answers(fresh)

    with caplog.at_level(logging.WARNING, logger="stanceline.store"):
        reopened = Stanceline(make_store("old.db"))
    try:
        (said,) = [r for r in caplog.records if r.name == "stanceline.store"]
        assert "temporal index" in said.getMessage()
        assert f"format {INDEX_FORMAT}" in said.getMessage()
        assert reopened.view.stale_actors() == reopened.view.actors()
        assert answers(reopened) == expected
    finally:
        reopened.close()

    caplog.clear()
    with (
        caplog.at_level(logging.WARNING, logger="stanceline.store"),
        Stanceline(make_store("old.db")) as again,
    ):
        assert answers(again) == expected
    assert not [r for r in caplog.records if r.name == "stanceline.store"]  # said once


def test_a_new_store_records_its_format_without_a_word(
    make_store: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="stanceline.store"):
        Stanceline(make_store()).close()
        with Stanceline(make_store()) as app, app.view.dialect.reading() as c:
            app.view.dialect.run(c, "SELECT version FROM {format}")
            assert [row["version"] for row in c.fetchall()] == [INDEX_FORMAT]
    assert not caplog.records


def test_the_command_line_says_so_in_one_line_and_answers(make_store: Callable[..., str]) -> None:
    url = make_store("old.db")
    old_format_store(url)
    env = {"STANCELINE_STORE": None, "STANCELINE_USER": "cli-tests"}

    result = CliRunner().invoke(
        cli, ["--store", url, "stance", "RUS", "--on", "2025-07-04"], env=env
    )

    assert result.exit_code == 0, result.output
    assert result.stderr.count("\n") == 1
    assert "temporal index" in result.stderr
    assert "recognized" in result.stdout
