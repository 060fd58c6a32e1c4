"""A store written by the release before claims (DESIGN §7) opens and answers as it did.

contract/store-before-claims.sql is that release's SQLite file, dumped as SQL: the
fixtures loaded, one fact corrected, one retracted, and the index built in its
format. contract/store-before-claims.json holds what that release answered from it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from stanceline.application import Stanceline
from stanceline.application.verify import verify

CONTRACT = Path(__file__).parent / "contract"
# The keys DESIGN §7 added: the earlier release's answers had none of them.
ADDED = {"according_to", "disputed", "default"}


def without_added(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_added(v) for k, v in value.items() if k not in ADDED}
    if isinstance(value, list):
        return [without_added(v) for v in value]
    return value


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "before-claims.db"
    with sqlite3.connect(path) as connection:
        connection.executescript((CONTRACT / "store-before-claims.sql").read_text("utf-8"))
    connection.close()
    return path


def test_it_opens_verifies_and_answers_as_the_earlier_release_did(old_store: Path) -> None:
    before = json.loads((CONTRACT / "store-before-claims.json").read_text("utf-8"))
    with Stanceline(f"sqlite:///{old_store}") as app:
        assert verify(app).ok
        for day, world in before["world"].items():
            now = [r.model_dump(mode="json") for r in app.world(date.fromisoformat(day))]
            assert without_added(now) == world, day
            assert not any(r["summary"]["disputed"] for r in now)
        assert list(app.export()) == before["export"]


def test_its_read_model_takes_the_new_columns_and_then_holds_claims(old_store: Path) -> None:
    with Stanceline(f"sqlite:///{old_store}") as app:
        app.record_fact(
            {
                "kind": "terrorist_designation_lifted",
                "actor": "RUS",
                "date": "2025-04-17",
                "summary": "Russia's supreme court suspends the ban",
                "source": {"title": "A later report", "publisher": "Outlet"},
                "event": "rus-lifting",
            }
        )
        app.correct(
            "rus-designation-lifted-2025-04", "the same happening", {"event": "rus-lifting"}
        )
        answer = app.stance("RUS", date(2025, 4, 10)).components["designation"]
        assert (answer.disputed, answer.value) == (True, "designated")
        assert len(app.claims("rus-lifting", date(2025, 4, 10)).claims) == 2
    columns = sqlite3.connect(old_store).execute("PRAGMA table_info(stance_versions)")
    assert {"event", "rank"} <= {row[1] for row in columns}


def test_a_read_model_without_the_new_columns_gets_them_when_opened(make_store: Any) -> None:
    """On either store: the columns taken away again, as an earlier release made the table."""
    url = make_store()
    with Stanceline(url) as app:
        app.load_file(CONTRACT.parents[2] / "fixtures" / "00-clash-report-2025-07-04.jsonl")
        before = [r.model_dump_json() for r in app.world(date(2025, 4, 10))]
        with app.view.dialect.writing() as c:
            app.view.dialect.run(c, "DROP INDEX IF EXISTS stance_versions_event")
            for column in ("event", "rank"):
                app.view.dialect.run(c, f"ALTER TABLE {{versions}} DROP COLUMN {column}")
    with Stanceline(url) as app:
        assert [r.model_dump_json() for r in app.world(date(2025, 4, 10))] == before
        app.rank("rus-designation-lifted-2025-04", "preferred", "the columns are back")
        assert app.view.fact("rus-designation-lifted-2025-04").rank == "preferred"  # type: ignore[union-attr]
