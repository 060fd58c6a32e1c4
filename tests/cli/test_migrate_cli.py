"""`stanceline migrate`: the whole log into an empty store, from and to either kind of store."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from eventsourcing.persistence import PersistenceError, StoredEvent

from stanceline.application import Stanceline
from tests.cli.conftest import FIXTURES, Run, invoke
from tests.cli.test_cli import ok, one_line_error, usage_error
from tests.factories import fact
from tests.stores import POSTGRES, Stores

SUMMARY = re.compile(r"migrated 14 events from (\S+) to (\S+) in [0-9]+\.[0-9]{2} s")
DIGEST = re.compile(r"head digest (sha256:[0-9a-f]{64}@[0-9]+)")


def lines(text: str) -> list[str]:
    return text.strip().splitlines()


def test_migrate_copies_the_log_and_the_copy_answers_alike(
    seeded: Run, store: str, make_target: Callable[..., str]
) -> None:
    target = make_target("target.db")
    source_events = ok(seeded("events"))

    result = seeded("migrate", "--to", target)

    out = lines(ok(result))
    assert SUMMARY.fullmatch(out[-1]), out[-1]
    assert out[0] == "positions kept: a saved position, or @N, names the same event in both stores"
    assert out[1].startswith("CloudEvents source kept: urn:stanceline:store:")
    # Progress and stages go to standard error, never into the summary.
    assert "migrate: copying the events up to position 14" in result.stderr
    assert "migrate: verifying the copy" in result.stderr
    verified = ok(invoke(["--store", target, "verify"]))
    digest = DIGEST.search(out[2])
    assert digest is not None
    assert f"head digest: {digest[1]}" in verified
    assert ok(invoke(["--store", target, "events"])) == source_events
    for args in (["world", "--on", "2025-07-04", "--json"], ["history", "RUS"], ["export"]):
        assert ok(invoke(["--store", target, *args])) == ok(seeded(*args))


def test_migrate_refuses_a_target_that_holds_events_with_one_line(
    seeded: Run, make_target: Callable[..., str]
) -> None:
    target = make_target("target.db")
    ok(invoke(["--store", target, "record", *RECORD_ARGS]))
    before = ok(invoke(["--store", target, "events"]))

    error = one_line_error(seeded("migrate", "--to", target))

    assert error == (
        f"target store {target} is not empty (it holds events up to position 1): "
        "migrate copies only into an empty store"
    )
    assert ok(invoke(["--store", target, "events"])) == before


RECORD_ARGS = [
    "--kind",
    "stance_stated",
    "--actor",
    "RUS",
    "--date",
    "2024-05-01",
    "--summary",
    "already here",
    "--source-title",
    "A test source",
]


def test_migrate_refuses_an_empty_source(run: Run, make_target: Callable[..., str]) -> None:
    error = one_line_error(run("migrate", "--to", make_target("target.db")))

    assert error.endswith("holds no events")


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("mysql://somewhere/db", "unsupported store 'mysql://somewhere/db'"),
        ("sqlite:///no/such/folder/t.db", "folder"),
    ],
)
def test_migrate_to_a_store_it_cannot_use_is_one_line(seeded: Run, to: str, message: str) -> None:
    assert message in one_line_error(seeded("migrate", "--to", to))


def test_migrate_needs_to(seeded: Run) -> None:
    assert "Missing option '--to'" in usage_error(seeded("migrate"))


def test_migrate_with_a_new_store_id_says_so(seeded: Run, make_target: Callable[..., str]) -> None:
    ok(seeded("events", "--limit", "1"))  # the source has named itself

    out = ok(seeded("migrate", "--to", make_target("target.db"), "--new-store-id"))

    assert "CloudEvents source new (as asked): urn:stanceline:store:" in out


@pytest.mark.postgres
def test_migrate_from_postgresql_with_gaps_to_sqlite_writes_the_positions_file(
    tmp_path: Path,
) -> None:
    stores = Stores(POSTGRES, tmp_path)
    source_url = stores.url("gapped")
    try:
        with Stanceline(source_url) as app:
            app.load_file(FIXTURES)
            with pytest.raises(PersistenceError):  # uses up positions 15 and 16
                app.recorder.insert_events([StoredEvent("x", 1, "stanceline:X", b"{}")] * 2)
            app.record_fact(fact(summary="after the gap"))
            assert [p for p, _ in app.read_events(13)] == [14, 17]
        target = tmp_path / "copy.db"

        out = ok(invoke(["--store", source_url, "migrate", "--to", f"sqlite:///{target}"]))

        mapping = Path(f"{target}.positions.tsv")
        assert f"each event's old and new position is in {mapping}" in out
        assert (
            "resumes from the new position on the last line whose old position is at most P" in out
        )
        rows = mapping.read_text().splitlines()
        assert rows[0] == "old_position\tnew_position"
        assert rows[-2:] == ["14\t14", "17\t15"]
        assert len(rows) == 16
    finally:
        stores.close()
