"""Large loads as real processes: stored whole, and a writer killed mid-load leaves all or none."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from stanceline.application import Stanceline
from tests.e2e.faults import (
    PROCESS_TIMEOUT,
    command,
    committed_events,
    fact_id,
    log_end,
    parse_load,
    read_model_position,
    read_model_rows,
    rows,
    run_cli,
    statements,
    wait_until_no_lock_is_held,
    wal_size,
    with_app,
    write_in_progress,
)
from tests.e2e.test_serve import clean_env
from tests.factories import event_count, fact, write_jsonl
from tests.stores import SQLITE

LONG = 3900  # characters: near the import format's limit for one text field


def fat_facts(count: int) -> list[dict[str, object]]:
    """Facts of about 12 kB each, so a few thousand make tens of megabytes."""
    filler = "The ministry's statement, quoted at length. " * (LONG // 45)
    return [
        fact(
            summary=f"Statement {n}: {filler}"[:LONG],
            source={"title": f"Source {n}: {filler}"[:LONG], "quote": filler[:LONG]},
        )
        for n in range(count)
    ]


def test_a_load_of_tens_of_megabytes_is_stored_whole(
    make_store: Callable[..., str], store_kind: str, tmp_path: Path
) -> None:
    # One transaction sends all of it: more than 16 MB once hung PostgreSQL loads for ever.
    count = 2000
    path = write_jsonl(tmp_path / "fat.jsonl", fat_facts(count))
    store = make_store()

    output = run_cli(store, "load", path)

    assert parse_load(output) == {str(path): (count, 0)}
    assert committed_events(store_kind, store) == count
    assert with_app(store, event_count) == count


# A writer killed with SIGKILL in the middle of a large load

BIG = 20_000  # facts in the killed file: a few seconds of writing on either store
EARLIER = 50  # of them already stored before the killed load starts
POLL = 0.01


@dataclass
class Kill:
    """What the test saw around the kill."""

    moment: str
    waited: float = 0.0  # from the start of the load to the kill
    rolled_back_in: float = 0.0  # from the kill until no lock was held
    stored: int = 0  # events the killed load left committed
    tracked: int = 0  # the read model's position after the kill


def storing(kind: str, store: str, wal_before: int) -> bool:
    """The load's insert transaction is writing and has not committed."""
    if committed_events(kind, store) != EARLIER:
        return False
    if kind == SQLITE:
        # Uncommitted pages spill into the WAL: it grows while the transaction is open.
        return wal_size(store) > wal_before + (1 << 20)
    return write_in_progress(kind, store)


def projecting(kind: str, store: str) -> bool:
    """The load's events are committed and its read model has not caught up with them yet.

    A load projects its own events in one transaction: the read model is at the
    earlier file's end until that commits.
    """
    if committed_events(kind, store) != BIG:
        return False
    return EARLIER <= read_model_position(kind, store) < log_end(kind, store)


def kill_when(
    process: subprocess.Popen[bytes], ready: Callable[[], bool], log: Path, kill: Kill
) -> None:
    """SIGKILL the process as soon as `ready()` holds; fail clearly if it never does."""
    started = time.monotonic()
    while not ready():
        assert process.poll() is None, (
            f"the load ended ({process.returncode}) before the kill could land {kill.moment}:\n"
            f"{log.read_text(errors='replace')}"
        )
        assert time.monotonic() - started < PROCESS_TIMEOUT, f"never saw the load {kill.moment}"
        time.sleep(POLL)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    kill.waited = time.monotonic() - started


@pytest.mark.parametrize("moment", ["storing", "projecting"])
def test_a_writer_killed_mid_load_leaves_all_or_none_and_loading_again_completes_it(
    make_store: Callable[..., str],
    store_kind: str,
    tmp_path: Path,
    moment: str,
    request: pytest.FixtureRequest,
) -> None:
    facts = statements(BIG)
    big = write_jsonl(tmp_path / "big.jsonl", facts)
    store = make_store()
    run_cli(store, "load", write_jsonl(tmp_path / "earlier.jsonl", facts[:EARLIER]))
    digest = run_cli(store, "verify").splitlines()[-1].removeprefix("head digest: ")
    wal_before = wal_size(store) if store_kind == SQLITE else 0
    kill = Kill(moment)

    log = tmp_path / "killed.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command(store, "load", big), stdout=sink, stderr=subprocess.STDOUT, env=clean_env()
        )
    try:
        if moment == "storing":
            kill_when(process, lambda: storing(store_kind, store, wal_before), log, kill)
        else:
            kill_when(process, lambda: projecting(store_kind, store), log, kill)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # The server rolls a dead client's transaction back once it notices the closed connection.
    kill.rolled_back_in = wait_until_no_lock_is_held(store_kind, store)

    kill.stored = committed_events(store_kind, store)
    kill.tracked = read_model_position(store_kind, store)
    assert kill.stored in (EARLIER, BIG), f"a killed load left {kill.stored} events"
    if moment == "projecting":
        # The load's own events are projected in one transaction: none of it stands.
        assert (kill.stored, kill.tracked) == (BIG, EARLIER)
    # What was there before is untouched, and the log holds together.
    assert f"up to position {EARLIER} still produces" in run_cli(
        store, "verify", "--expect", digest
    )
    # The read model is exactly the log up to its position: no half-applied batch.
    assert kill.tracked <= log_end(store_kind, store)
    assert read_model_rows(store_kind, store) == committed_events(store_kind, store, kill.tracked)

    # Loading the same file again, with no one cleaning up first, completes it.
    loaded = parse_load(run_cli(store, "load", big))

    assert loaded == {str(big): (BIG - kill.stored, kill.stored)}
    assert run_cli(store, "verify", "--expect", digest).startswith(f"OK: {BIG} events verified")
    # Caught up over whatever the killed writer left: equal to a rebuild, each fact once.
    before = with_app(store, snapshot)
    assert run_cli(store, "rebuild").strip() == f"read model rebuilt: {BIG} facts"
    assert with_app(store, snapshot) == before
    assert sorted(row[0] for row in before[0]) == sorted(fact_id(f) for f in facts)
    request.node.user_properties.append(("kill", kill))
    print(kill)  # shown with -rP: where the kill landed, and how long the rollback took


def snapshot(app: Stanceline) -> tuple[list[tuple[object, ...]], list[dict[str, object]]]:
    """Every row of the read model, and the world on one day (the rows decide every answer)."""
    world = [r.model_dump(mode="json") for r in app.world(date(2021, 8, 15))]
    return rows(app), world
