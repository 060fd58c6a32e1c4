"""Tamper evidence on a real SQLite file: rows edited, deleted, re-chained or cut off are caught."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from stanceline.adapters.library import PydanticMapper
from stanceline.application import Stanceline
from stanceline.application.verify import VerifyReport, head_digest_line, verify
from stanceline.domain.events import FactRecorded
from stanceline.domain.seals import Sealed, seal_digest
from stanceline.errors import ExpectError
from tests.factories import fact
from tests.integration.conftest import FIXTURES, AppFactory, FileWriter

EMPTY_DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture
def store_kind() -> str:
    """These tests tamper with the SQLite file itself (PostgreSQL refuses: test_postgres.py)."""
    return "sqlite"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A SQLite file holding the fixtures (14 events, one stream each), closed again."""
    path = tmp_path / "s.db"
    with Stanceline(f"sqlite:///{path}") as app:
        app.load_file(FIXTURES, by="fixtures")
    return path


def tamper(path: Path, statement: str, *params: Any) -> None:
    """Change the store behind the application's back, as an intruder with file access would."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(statement, params)


def stored_row(path: Path, position: int) -> tuple[str, int, str, bytes]:
    """The stored parts of the event at one position: stream, version, topic, state."""
    with closing(sqlite3.connect(path)) as db:
        row = db.execute(
            "SELECT originator_id, originator_version, topic, state "
            "FROM stored_events WHERE rowid = ?",
            (position,),
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2], row[3]


def edit_summary(path: Path, position: int, summary: str) -> None:
    """Rewrite the summary inside one stored event's JSON, leaving its chain as it was."""
    state = json.loads(stored_row(path, position)[3])
    state["summary"] = summary
    tamper(path, "UPDATE stored_events SET state = ? WHERE rowid = ?", json.dumps(state), position)


def rechain_summary(path: Path, position: int, summary: str) -> None:
    """Rewrite one first-of-its-stream event and recompute its chain, as a careful forger would."""
    stream, version, topic, state = stored_row(path, position)
    event = PydanticMapper().load(topic, stream, version, state)
    assert isinstance(event, FactRecorded)
    assert version == 1  # so the previous chain of its stream is ""
    forged = event.model_copy(update={"summary": summary}).chained("")
    stored = PydanticMapper().to_stored_event(forged)
    tamper(path, "UPDATE stored_events SET state = ? WHERE rowid = ?", stored.state, position)


def reseal(path: Path) -> None:
    """Seal the whole log again as one transaction, as a forger who knows how would."""
    with closing(sqlite3.connect(path)) as db, db:
        rows = db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        ).fetchall()
        db.execute("DELETE FROM stanceline_seals")
        db.execute(
            "INSERT INTO stanceline_seals (number, events, digest, earlier) VALUES (1, ?, ?, 0)",
            (len(rows), seal_digest("", (Sealed(*row) for row in rows))),
        )


def verified(make_app: AppFactory, expect: str | None = None) -> VerifyReport:
    """Verify the store as a fresh application opened on it sees it."""
    return verify(make_app(), expect)


# An intact log


def test_an_intact_log_verifies_with_its_count_and_head_digest(store: Path) -> None:
    with Stanceline(f"sqlite:///{store}") as app:
        report = verify(app)

    assert report.ok
    assert report.problem is None
    assert (report.count, report.position) == (14, 14)
    assert report.digest.startswith("sha256:")
    assert len(report.digest) == 71
    assert head_digest_line(report) == f"{report.digest}@14"


def test_an_empty_log_verifies_with_the_digest_of_nothing(app: Stanceline) -> None:
    report = verify(app)

    assert report == VerifyReport(ok=True, count=0, position=0, digest=EMPTY_DIGEST, problem=None)
    assert verify(app, expect=head_digest_line(report)).ok


def test_verifying_twice_gives_the_same_digest(loaded_app: Stanceline) -> None:
    assert verify(loaded_app) == verify(loaded_app)


def test_the_batch_size_does_not_change_the_answer(loaded_app: Stanceline) -> None:
    whole = verify(loaded_app)

    assert verify(loaded_app, batch=1) == whole
    assert verify(loaded_app, batch=3) == whole


def test_the_head_digest_covers_corrections_too(
    loaded_app: Stanceline, write_file: FileWriter
) -> None:
    before = verify(loaded_app)
    correction = {"corrects": "rus-designation-2003", "reason": "wrong year", "date": "2004"}
    loaded_app.load_file(write_file("fix.jsonl", [correction]))

    report = verify(loaded_app)

    assert report.ok
    assert (report.count, report.position) == (15, 15)
    assert report.digest != before.digest


def test_appending_changes_the_digest_but_the_kept_one_still_holds(
    loaded_app: Stanceline,
) -> None:
    kept = verify(loaded_app)
    loaded_app.record_fact(fact(summary="A later statement"))

    report = verify(loaded_app, expect=head_digest_line(kept))

    assert report.ok
    assert (report.count, report.position) == (15, 15)
    assert report.digest != kept.digest


def test_verify_writes_nothing(loaded_app: Stanceline) -> None:
    verify(loaded_app)

    assert loaded_app.recorder.max_notification_id() == 14


# Tampering


def test_an_edited_row_is_named(store: Path, make_app: AppFactory) -> None:
    edit_summary(store, 5, "Nothing happened here")

    report = verified(make_app)

    assert not report.ok
    assert report.digest == ""
    assert report.problem is not None
    assert report.problem.startswith("position 5 (fact ")
    assert report.problem.endswith(" v1): content or chain does not match")
    assert (report.count, report.position) == (4, 4)


def test_an_edited_row_is_caught_by_the_kept_digest_too(store: Path, make_app: AppFactory) -> None:
    with Stanceline(f"sqlite:///{store}") as app:
        kept = head_digest_line(verify(app))
    edit_summary(store, 14, "Nothing happened here")

    report = verified(make_app, expect=kept)

    assert not report.ok
    assert report.problem is not None
    assert report.problem.startswith("position 14 (fact ")


def test_a_deleted_middle_row_is_named(store: Path, make_app: AppFactory) -> None:
    tamper(store, "DELETE FROM stored_events WHERE rowid = ?", 7)

    report = verified(make_app)

    assert not report.ok
    assert report.problem == "position 7 is missing: an event was deleted"
    assert (report.count, report.position) == (6, 6)


@pytest.mark.parametrize(
    ("sealed", "problem"),
    [
        (True, "position 1 does not match seal 1: an event was deleted, inserted or moved"),
        # A store made before seals: the chains alone find it.
        (
            False,
            "position 2 (fact first v2): version gap: expected v1 "
            "(an event of this fact was deleted or moved)",
        ),
    ],
)
def test_a_deletion_hidden_by_renumbering_is_found(
    make_app: AppFactory, write_file: FileWriter, tmp_path: Path, sealed: bool, problem: str
) -> None:
    path = tmp_path / "s.db"
    with Stanceline(f"sqlite:///{path}") as app:
        app.record_fact(fact(id="first", summary="First"))
        app.record_fact(fact(id="other", summary="Other"))
        correction = {"corrects": "first", "reason": "wrong day", "date": "2024-05-02"}
        assert app.load_file(write_file("fix.jsonl", [correction])).recorded == 1
    if not sealed:
        tamper(path, "DELETE FROM stanceline_seals")
    # Delete the fact's first event, then close the hole the deletion left in the positions.
    tamper(path, "DELETE FROM stored_events WHERE rowid = 1")
    tamper(path, "UPDATE stored_events SET rowid = rowid + 1000")
    tamper(path, "UPDATE stored_events SET rowid = rowid - 1001")

    report = verified(make_app)

    assert not report.ok
    assert report.problem == problem


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("state", b"not json", "cannot be read: "),
        ("topic", "stanceline:NoSuchEvent", "cannot be read: stored event "),
        ("state", b"[]", "cannot be read: "),
    ],
)
def test_an_unreadable_row_is_named(
    store: Path, make_app: AppFactory, column: str, value: str | bytes, reason: str
) -> None:
    tamper(store, f"UPDATE stored_events SET {column} = ? WHERE rowid = 3", value)

    report = verified(make_app)

    assert not report.ok
    assert report.problem is not None
    assert report.problem.startswith("position 3 (fact ")
    assert reason in report.problem
    assert "\n" not in report.problem


def test_a_rechained_edit_passes_alone_but_not_against_the_kept_digest(
    store: Path, make_app: AppFactory
) -> None:
    with Stanceline(f"sqlite:///{store}") as app:
        kept = head_digest_line(verify(app))
    rechain_summary(store, 9, "A forged summary")
    assert not verified(make_app).ok  # the log's seal no longer holds
    reseal(store)

    alone = verified(make_app)
    against = verified(make_app, expect=kept)

    assert alone.ok  # every chain and seal is self-consistent again
    assert not against.ok
    assert against.problem == "the log up to position 14 does not produce the expected digest"
    assert against.digest == ""


def test_a_kept_digest_older_than_the_forgery_still_holds(
    make_app: AppFactory, tmp_path: Path
) -> None:
    path = tmp_path / "s.db"
    with Stanceline(f"sqlite:///{path}") as app:
        for n in range(3):
            app.record_fact(fact(summary=f"Statement {n}"))
        early = head_digest_line(verify(app))
        app.record_fact(fact(summary="Statement 3"))
        late = head_digest_line(verify(app))
    rechain_summary(path, 4, "A forged statement")
    reseal(path)

    assert verified(make_app, expect=early).ok
    assert not verified(make_app, expect=late).ok


def test_a_shortened_log_is_caught_by_the_kept_digest(store: Path, make_app: AppFactory) -> None:
    with Stanceline(f"sqlite:///{store}") as app:
        kept = head_digest_line(verify(app))
    tamper(store, "DELETE FROM stored_events WHERE rowid = 14")
    assert verified(make_app).problem == (
        "the log ends inside seal 1: 1 of its events are missing (deleted)"
    )
    reseal(store)

    alone = verified(make_app)
    against = verified(make_app, expect=kept)

    assert alone.ok  # nothing after the cut is left to show the gap
    assert not against.ok
    assert against.problem == "the log ends at position 13, before 14"
    assert (against.count, against.position) == (13, 13)


def test_a_cut_log_that_grew_again_is_caught_by_the_kept_digest(
    store: Path, make_app: AppFactory
) -> None:
    with Stanceline(f"sqlite:///{store}") as app:
        kept = head_digest_line(verify(app))
    tamper(store, "DELETE FROM stored_events WHERE rowid = 14")
    reseal(store)
    app = make_app()
    app.record_fact(fact(summary="Recorded after the cut"))  # takes position 14 again

    report = verify(app, expect=kept)

    assert not report.ok
    assert report.problem == "the log up to position 14 does not produce the expected digest"


# The expected digest


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sha256:abc@3",
        f"{EMPTY_DIGEST}",
        f"{EMPTY_DIGEST}@",
        f"{EMPTY_DIGEST}@-1",
        f"{EMPTY_DIGEST}@three",
        f"md5:{'0' * 64}@3",
        f"sha256:{'g' * 64}@3",
        f"{EMPTY_DIGEST}@3 extra",
    ],
)
def test_a_malformed_expected_digest_is_an_error(loaded_app: Stanceline, text: str) -> None:
    with pytest.raises(ExpectError, match="not of the form sha256:<64 hex digits>@N") as caught:
        verify(loaded_app, expect=text)

    assert "\n" not in str(caught.value)


def test_an_expected_digest_reads_upper_case_and_surrounding_space(
    loaded_app: Stanceline,
) -> None:
    kept = head_digest_line(verify(loaded_app))

    assert verify(loaded_app, expect=f"  {kept.upper()}\n").ok


def test_an_expected_digest_beyond_the_log_is_a_problem(loaded_app: Stanceline) -> None:
    report = verify(loaded_app, expect=f"{EMPTY_DIGEST}@20")

    assert not report.ok
    assert report.problem == "the log ends at position 14, before 20"


def test_a_wrong_expected_digest_is_a_problem(loaded_app: Stanceline) -> None:
    report = verify(loaded_app, expect=f"{EMPTY_DIGEST}@3")

    assert not report.ok
    assert report.problem == "the log up to position 3 does not produce the expected digest"


def test_a_failed_report_has_no_head_digest_line() -> None:
    failed = VerifyReport(ok=False, count=0, position=0, digest="", problem="position 1 is missing")

    with pytest.raises(ValueError, match="no head digest"):
        head_digest_line(failed)
