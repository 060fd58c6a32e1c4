"""Damaged, read-only and refused stores: one line saying what is wrong and what to do.

Commands run as processes, as a user would run them. Tests run as root here, so
a read-only folder is made really read-only by dropping the capabilities that
bypass file modes (setpriv), as an ordinary user has none of them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from stanceline.application import Stanceline
from tests.factories import fact, write_jsonl
from tests.serving import clean_env, stanceline_command
from tests.stores import ADMIN_URL, _admin

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "00-clash-report-2025-07-04.jsonl"
AS_A_USER = (
    ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--inh-caps=-all", "--"]
    if os.geteuid() == 0 and shutil.which("setpriv")
    else []
)
SUMMARY = ["--summary", "s", "--source-title", "t"]
READS = [
    ["world", "--on", "2025-07-04"],
    ["stance", "RUS", "--on", "2025-04-10", "--json"],
    ["history", "RUS"],
    ["explain", "RUS", "--on", "2025-07-04"],
    ["timeline", "China", "--from", "2021-01-01", "--to", "2025-12-31"],
    ["verify"],
    ["export"],
    ["fact", "rus-designation-2003"],
    ["diff", "RUS", "--from", "2025-01-01", "--to", "2025-07-04"],
]


def run(store: str, *args: str, user: bool = False) -> subprocess.CompletedProcess[str]:
    command = [*(AS_A_USER if user else []), *stanceline_command(), "--store", store, *args]
    return subprocess.run(command, capture_output=True, text=True, env=clean_env(), timeout=60)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("Error: ")
    return result.stderr


def damaged(folder: Path, how: str) -> Path:
    path = folder / f"{how}.db"
    if how == "random":
        path.write_bytes(os.urandom(8192))
    elif how == "text":
        path.write_text("these are notes, not a store\n")
    else:  # a store cut short
        with Stanceline(f"sqlite:///{folder / 'whole.db'}") as app:
            app.load_file(FIXTURES)
        path.write_bytes((folder / "whole.db").read_bytes()[:3000])
    return path


@pytest.mark.parametrize("how", ["random", "text", "truncated"])
@pytest.mark.parametrize("args", [["world"], ["stance", "RUS"], ["load", str(FIXTURES)]])
def test_a_file_that_is_not_a_store_is_one_line_and_left_as_it_was(
    tmp_path: Path, how: str, args: list[str]
) -> None:
    path = damaged(tmp_path, how)
    before = path.read_bytes()

    said = one_line_error(run(f"sqlite:///{path}", *args))

    assert f"store sqlite:///{path} cannot be read: " in said
    assert "restore it from a backup" in said
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_serve_on_a_damaged_store_says_so_in_one_line(tmp_path: Path) -> None:
    path = damaged(tmp_path, "random")

    said = one_line_error(run(f"sqlite:///{path}", "serve", "--port", "0"))

    assert "cannot be read: file is not a database" in said


@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A store in a read-only folder, and a writable copy of it to compare with."""
    folder = tmp_path / "shelf"
    folder.mkdir()
    store = f"sqlite:///{folder / 'record.db'}"
    with Stanceline(store) as app:
        app.load_file(FIXTURES)
        assert app.source  # named while it can be
    shutil.copy(folder / "record.db", tmp_path / "copy.db")
    (folder / "record.db").chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        yield store, f"sqlite:///{tmp_path / 'copy.db'}"
    finally:
        folder.chmod(stat.S_IRWXU)


@pytest.mark.parametrize("args", READS, ids=[" ".join(a[:2]) for a in READS])
def test_a_read_only_store_answers_every_read_as_a_writable_one(
    read_only_store: tuple[str, str], args: list[str]
) -> None:
    store, copy = read_only_store

    read = run(store, *args, user=True)

    assert read.returncode == 0, read.stderr
    assert read.stdout.replace(store, copy) == run(copy, *args).stdout


@pytest.mark.parametrize(
    "args",
    [
        ["load", str(FIXTURES)],
        ["record", "--kind", "stance_stated", "--actor", "RUS", "--date", "2025", *SUMMARY],
        ["retract", "rus-designation-2003", "--reason", "r"],
        ["rebuild"],
    ],
    ids=["load", "record", "retract", "rebuild"],
)
def test_a_read_only_store_refuses_writes_in_one_line(
    read_only_store: tuple[str, str], tmp_path: Path, args: list[str]
) -> None:
    store, _ = read_only_store
    path = Path(store.removeprefix("sqlite:///"))
    before = path.read_bytes()
    if args[0] == "load":
        args = ["load", str(write_jsonl(tmp_path / "new.jsonl", [fact(summary="new")]))]

    said = one_line_error(run(store, *args, user=True))

    assert "read-only here" in said
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("postgresql://postgres@127.0.0.1:9/test", "Connection refused"),
        (ADMIN_URL.rsplit("/", 1)[0] + "/no_such_database_here", 'database "no_such'),
        (ADMIN_URL.replace("//postgres@", "//no_such_role_here@"), 'role "no_such_role_here"'),
    ],
    ids=["closed port", "no database", "no role"],
)
def test_a_refused_postgresql_store_says_why_at_once(url: str, cause: str) -> None:
    if "Connection refused" not in cause:
        _admin().close()  # the server must answer to refuse a database or a role (else: skip)
    started = time.monotonic()

    said = one_line_error(run(url, "status"))

    assert time.monotonic() - started < 5  # not the pool's 10 s timeout
    assert f"store {url} refuses the connection: " in said
    assert cause in said


def test_a_read_only_store_with_writes_left_in_its_log_is_refused_not_answered_short(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "shelf"
    folder.mkdir()
    path = folder / "record.db"
    store = f"sqlite:///{path}"
    with Stanceline(store) as app:
        app.load_file(FIXTURES)
    # A writer elsewhere left a commit in the write-ahead log, not yet checkpointed.
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_autocheckpoint = 0")
        db.execute("CREATE TABLE later (n INTEGER)")
        db.commit()
        shutil.copy(path.with_name("record.db-wal"), tmp_path / "left.wal")
    shutil.copy(tmp_path / "left.wal", path.with_name("record.db-wal"))
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        said = one_line_error(run(store, "world", user=True))
    finally:
        folder.chmod(stat.S_IRWXU)

    assert "holds writes not yet in the file" in said
