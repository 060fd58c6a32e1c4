"""The log's seals: plain `verify` finds an event deleted, inserted or moved anywhere.

Each case is one an intruder with write access to the store can do without touching
any event's content, so every fact's chain still holds: before seals, `verify` passed
each of them (on PostgreSQL, whose positions may have gaps, even a plain deletion).
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.application import Stanceline
from stanceline.application.migrate import migrate
from stanceline.application.verify import VerifyReport, verify
from stanceline.config import POSTGRES as PG
from stanceline.errors import MigrationError
from stanceline.interfaces.render import sealed_line
from tests.factories import fact, write_jsonl
from tests.integration.conftest import FIXTURES, AppFactory

DELETED = "an event was deleted, inserted or moved"


class Intruder:
    """Raw SQL on a store's own tables, behind the application's back."""

    def __init__(self, app: Stanceline) -> None:
        self.app = app
        self.postgres = app.log.config.kind == PG
        if self.postgres:
            schema = app.view.datastore.schema
            self.events = f'"{schema}"."stanceline_events"'
            self.seals = f'"{schema}"."stanceline_seals"'
            self.position = "notification_id"
        else:
            self.events, self.seals, self.position = "stored_events", "stanceline_seals", "rowid"

    def run(self, statement: str, *params: Any) -> None:
        statement = statement.format(events=self.events, seals=self.seals, pos=self.position)
        if self.postgres:
            statement = statement.replace("?", "%s")
        with self.app.view.datastore.transaction(commit=True) as cursor:
            if self.postgres:  # an owner can switch the events table's guard off
                cursor.execute(
                    f"ALTER TABLE {self.events} DISABLE TRIGGER stanceline_events_immutable"
                )
            cursor.execute(statement, params)
            if self.postgres:
                cursor.execute(
                    f"ALTER TABLE {self.events} ENABLE TRIGGER stanceline_events_immutable"
                )

    def shift(self, after: int, by: int) -> None:
        """Renumber every event after position `after` by `by` (two steps: no clash)."""
        self.run("UPDATE {events} SET {pos} = {pos} + 1000000 WHERE {pos} > ?", after)
        self.run("UPDATE {events} SET {pos} = {pos} - ? WHERE {pos} > 1000000", 1000000 - by)

    def delete(self, position: int, renumber: bool = True) -> None:
        self.run("DELETE FROM {events} WHERE {pos} = ?", position)
        if renumber:
            self.shift(position, -1)

    def swap(self, a: int, b: int) -> None:
        self.run("UPDATE {events} SET {pos} = -1 WHERE {pos} = ?", a)
        self.run("UPDATE {events} SET {pos} = ? WHERE {pos} = ?", a, b)
        self.run("UPDATE {events} SET {pos} = ? WHERE {pos} = -1", b)

    def insert(self, position: int, event: Any) -> None:
        """Put a stored event (its chain intact) at `position`, moving the later ones up."""
        self.shift(position - 1, 1)
        self.run(
            "INSERT INTO {events} ({pos}, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)",
            position,
            str(event.originator_id),
            event.originator_version,
            event.topic,
            event.state,
        )


@pytest.fixture
def sealed_app(make_app: AppFactory) -> Stanceline:
    """The fixtures (one transaction: positions 1-14), then three facts recorded one by one."""
    app = make_app()
    assert app.load_file(FIXTURES, by="fixtures").recorded == 14
    for n in range(3):
        app.record_fact(fact(summary=f"Statement {n}"))
    return app


def forged_event(make_app: AppFactory) -> Any:
    """An event whose chain holds, recorded in another store and copied out of it."""
    other = make_app("other.db")
    other.record_fact(fact(summary="A forged statement"))
    [event] = other.log.notifications(1, 1)
    return event


def check(make_app: AppFactory) -> VerifyReport:
    """Verify as a fresh application opened on the store sees it."""
    return verify(make_app())


def test_an_intact_log_is_sealed_from_its_first_position(sealed_app: Stanceline) -> None:
    report = verify(sealed_app)

    assert report.ok, report.problem
    assert (report.count, report.sealed_from, report.seals) == (17, 1, 4)
    assert sealed_line(report) == "sealed from position 1 (4 seals)"


@pytest.mark.parametrize("position", [1, 7, 14, 15, 17])
def test_a_deleted_event_is_found_when_the_later_ones_are_renumbered(
    sealed_app: Stanceline, make_app: AppFactory, position: int
) -> None:
    Intruder(sealed_app).delete(position)

    report = check(make_app)

    assert not report.ok
    assert "seal" in str(report.problem)


def test_a_deleted_event_in_the_middle_of_a_transaction_is_named(
    sealed_app: Stanceline, make_app: AppFactory
) -> None:
    Intruder(sealed_app).delete(7)

    assert check(make_app).problem == f"positions 1-14 do not match seal 1: {DELETED}"


def test_a_deletion_that_leaves_its_gap_is_found(
    sealed_app: Stanceline, make_app: AppFactory
) -> None:
    intruder = Intruder(sealed_app)
    intruder.delete(16, renumber=False)

    report = check(make_app)

    assert not report.ok
    # SQLite numbers rows without gaps; PostgreSQL may leave some: only the seal shows it.
    assert report.problem == (
        f"position 17 does not match seal 3: {DELETED}"
        if intruder.postgres
        else "position 16 is missing: an event was deleted"
    )


@pytest.mark.parametrize("position", [1, 8, 15, 18])
def test_an_inserted_event_is_found(
    sealed_app: Stanceline, make_app: AppFactory, position: int
) -> None:
    Intruder(sealed_app).insert(position, forged_event(make_app))

    report = check(make_app)

    assert not report.ok
    assert "seal" in str(report.problem)


def test_an_event_added_at_the_end_is_named(sealed_app: Stanceline, make_app: AppFactory) -> None:
    Intruder(sealed_app).insert(18, forged_event(make_app))

    assert check(make_app).problem == (
        "position 18 is not sealed: an event was inserted "
        "(or written by a release that does not seal)"
    )


@pytest.mark.parametrize(("a", "b"), [(3, 4), (1, 14), (14, 15), (15, 17)])
def test_two_events_swapped_are_found(
    sealed_app: Stanceline, make_app: AppFactory, a: int, b: int
) -> None:
    Intruder(sealed_app).swap(a, b)

    report = check(make_app)

    assert not report.ok
    assert "seal" in str(report.problem)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("DELETE FROM {seals} WHERE number = 1", "seal 1 is missing: the log's seals were altered"),
        (
            "DELETE FROM {seals} WHERE number = 4",
            "position 17 is not sealed: an event was inserted "
            "(or written by a release that does not seal)",
        ),
        ("UPDATE {seals} SET digest = 'x' WHERE number = 2", "position 15 does not match seal 2"),
        ("UPDATE {seals} SET events = 13 WHERE number = 1", "positions 1-13 do not match seal 1"),
    ],
)
def test_altered_seals_are_found(
    sealed_app: Stanceline, make_app: AppFactory, statement: str, problem: str
) -> None:
    Intruder(sealed_app).run(statement)

    report = check(make_app)

    assert not report.ok
    assert str(report.problem).startswith(problem)


def test_a_store_made_before_seals_verifies_as_before_and_is_sealed_from_its_next_write(
    make_app: AppFactory,
) -> None:
    app = make_app()
    app.load_file(FIXTURES, by="fixtures")
    # What an earlier release left: the events, and no seals table.
    Intruder(app).run("DROP TABLE {seals}")

    before = check(make_app)
    assert before.ok, before.problem
    assert (before.count, before.sealed_from, before.seals) == (14, None, 0)
    assert sealed_line(before).startswith("not sealed yet")

    make_app().record_fact(fact(summary="After the upgrade"))

    after = check(make_app)
    assert after.ok, after.problem
    assert (after.count, after.sealed_from, after.seals) == (15, 15, 1)
    assert after.position == 15
    assert sealed_line(after).startswith("sealed from position 15 (1 seal); the events before")


def test_a_deletion_before_the_first_seal_is_still_found(make_app: AppFactory) -> None:
    app = make_app()
    app.load_file(FIXTURES, by="fixtures")
    Intruder(app).run("DROP TABLE {seals}")
    make_app().record_fact(fact(summary="After the upgrade"))
    # The first seal counts the events before it.
    Intruder(app).delete(5)

    report = check(make_app)

    assert not report.ok
    assert "seal 1" in str(report.problem)


def test_a_migrated_copy_is_sealed_and_verifies(
    sealed_app: Stanceline, make_target: Any, tmp_path: Path
) -> None:
    with Stanceline(make_target("target.db")) as target:
        done = migrate(sealed_app, target, positions_file=tmp_path / "positions.tsv")
        report = verify(target)

    assert report.ok, report.problem
    assert (report.count, report.sealed_from) == (17, 1)
    assert done.digest == f"{report.digest}@{report.position}"


def test_a_source_whose_seals_do_not_hold_is_not_migrated(
    sealed_app: Stanceline, make_target: Any, tmp_path: Path
) -> None:
    Intruder(sealed_app).swap(3, 4)

    with (
        Stanceline(make_target("target.db")) as target,
        pytest.raises(MigrationError, match=r"the source does not verify: .*seal 1"),
    ):
        migrate(sealed_app, target, positions_file=tmp_path / "positions.tsv")
    with Stanceline(make_target("target.db")) as target:
        assert target.log.head() == 0


# Laws, on SQLite files copied from one made per module.


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixtures, then five facts recorded one by one: 19 events under 6 seals."""
    path = tmp_path_factory.mktemp("seals") / "template.db"
    with Stanceline(f"sqlite:///{path}") as app:
        app.load_file(FIXTURES, by="fixtures")
        for n in range(5):
            app.record_fact(fact(summary=f"Statement {n}"))
    return path


@pytest.fixture(scope="module")
def copies(template: Path) -> Iterator[Callable[[], Path]]:
    """Makes a fresh copy of the template, one for each example."""
    made = itertools.count()
    with tempfile.TemporaryDirectory() as folder:

        def copy() -> Path:
            path = Path(folder) / f"{next(made)}.db"
            shutil.copyfile(template, path)
            return path

        yield copy


def sqlite_verify(path: Path) -> VerifyReport:
    with Stanceline(f"sqlite:///{path}") as app:
        return verify(app)


def raw(path: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        for statement, params in statements:
            db.execute(statement, params)


@given(position=st.integers(1, 19))
def test_law_any_deletion_hidden_by_renumbering_is_found(
    copies: Callable[[], Path], position: int
) -> None:
    path = copies()
    raw(
        path,
        ("DELETE FROM stored_events WHERE rowid = ?", (position,)),
        ("UPDATE stored_events SET rowid = rowid + 1000 WHERE rowid > ?", (position,)),
        ("UPDATE stored_events SET rowid = rowid - 1001 WHERE rowid > 1000", ()),
    )

    assert not sqlite_verify(path).ok


@given(pair=st.lists(st.integers(1, 19), min_size=2, max_size=2, unique=True))
def test_law_any_two_events_swapped_are_found(copies: Callable[[], Path], pair: list[int]) -> None:
    a, b = pair
    path = copies()
    raw(
        path,
        ("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", (a,)),
        ("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (a, b)),
        ("UPDATE stored_events SET rowid = ? WHERE rowid = -1", (b,)),
    )

    assert not sqlite_verify(path).ok


@given(batches=st.lists(st.integers(1, 4), min_size=1, max_size=5))
def test_law_a_log_written_in_any_transactions_verifies_with_one_seal_each(
    batches: list[int],
) -> None:
    with tempfile.TemporaryDirectory() as folder, Stanceline(f"sqlite:///{folder}/s.db") as app:
        for b, size in enumerate(batches):
            app.load_file(
                write_jsonl(
                    Path(folder) / f"{b}.jsonl",
                    [fact(summary=f"Batch {b} fact {n}") for n in range(size)],
                )
            )
        report = verify(app)

    assert report.ok, report.problem
    assert (report.count, report.sealed_from, report.seals) == (sum(batches), 1, len(batches))
