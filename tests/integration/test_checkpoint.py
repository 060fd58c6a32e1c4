"""SQLite's log is copied back into the database by a thread of the application's own.

The application's connections never checkpoint as they commit (a load would wait
for the copy and the disk); after each write a thread copies the log back, and
closing the application waits for the last copy.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from stanceline.application import Stanceline
from tests.factories import fact, write_jsonl

FACTS = 2000  # enough pages to be worth copying: a few megabytes


def database_pages(path: Path) -> int:
    """Pages in the database file itself (not its log), as the file's size says."""
    return path.stat().st_size // 4096


def load(app: Stanceline, folder: Path) -> None:
    lines = [fact(summary=f"fact {n}: " + "a long summary " * 8, id=f"f{n}") for n in range(FACTS)]
    app.load_file(write_jsonl(folder / "facts.jsonl", lines))


def test_the_application_s_connections_leave_checkpoints_to_its_thread(tmp_path: Path) -> None:
    app = Stanceline(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with app.view.datastore.transaction(commit=False) as c:
            c.execute("PRAGMA wal_autocheckpoint")
            assert c.fetchone()[0] == 0
    finally:
        app.close()


def test_a_load_s_pages_reach_the_database_file_without_waiting_for_close(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    app = Stanceline(f"sqlite:///{path}")
    try:
        before = database_pages(path)
        load(app, tmp_path)
        deadline = time.monotonic() + 20
        while database_pages(path) < before + 500:  # copied back by the thread, in time
            assert time.monotonic() < deadline, "the log was not copied back"
            time.sleep(0.05)
    finally:
        app.close()


def test_closing_copies_back_the_whole_log(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    app = Stanceline(f"sqlite:///{path}")
    load(app, tmp_path)
    app.close()
    # The database file alone, without its log, holds every fact.
    alone = tmp_path / "alone.db"
    shutil.copyfile(path, alone)
    connection = sqlite3.connect(alone)
    try:
        assert connection.execute("SELECT COUNT(*) FROM stance_versions").fetchone()[0] == FACTS
        assert connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0] == FACTS
    finally:
        connection.close()


def test_an_application_that_never_writes_starts_no_thread(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Stanceline(url).close()  # made: a new store's first opening writes eventsourcing's row
    app = Stanceline(url)
    try:
        app.catch_up()
        assert app.log.kind.checkpointer is not None
        assert app.log.kind.checkpointer._thread is None
    finally:
        app.close()
