"""Four `stanceline load` processes at once, and `stanceline events --follow` watching them."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import IO, Any

import pytest

from tests.e2e.faults import (
    PROCESS_TIMEOUT,
    all_events,
    answers,
    command,
    fact_id,
    holding_the_write_lock,
    parse_load,
    rows,
    run_cli,
    waiting_writers,
    with_app,
)
from tests.e2e.test_serve import clean_env
from tests.factories import fact, write_jsonl
from tests.stores import SQLITE

WRITERS = 4
FILES = 4  # per writer: each its own transaction, so the writers' commits interleave
OWN = ("CHN", "USA", "EU", "PAK")  # each writer's own actor; all of them also write for RUS
COMMON = 12  # RUS facts at the head of every writer's first file
SHARED = 200  # RUS facts; writer n loads shared[40n : 40n + 80], half of them also another's
PER_WRITER = 150  # facts of the writer's own actor
FOLLOW_TIMEOUT = 60.0
# SQLite shows no queue for its lock: time for the writers to start and reach it.
SQLITE_START = 3.0

KINDS: list[tuple[str, dict[str, str]]] = [
    ("terrorist_designation_imposed", {}),
    ("taliban_envoy_accepted", {"level": "charge_d_affaires"}),
    ("sanctions_imposed", {"measure": "travel_ban"}),
    ("envoy_posted_to_kabul", {"level": "ambassador"}),
    ("assets_frozen", {}),
    ("terrorist_designation_lifted", {}),
    ("formal_recognition_granted", {}),
    ("sanctions_lifted", {"measure": "travel_ban"}),
    ("kabul_mission_closed", {}),
    ("recognition_withdrawn", {}),
    ("assets_unfrozen", {}),
    ("stance_stated", {}),
]


def facts_for(actor: str, count: int, tag: str) -> list[dict[str, Any]]:
    """Facts of every kind over 25 years, some dated only to the month; every 4th has an id."""
    made = []
    for n in range(count):
        kind, details = KINDS[n % len(KINDS)]
        day = f"{2000 + n % 25}-{n % 12 + 1:02d}" + ("" if n % 5 == 0 else f"-{n % 28 + 1:02d}")
        raw = fact(kind=kind, actor=actor, date=day, summary=f"{tag} {n}", details=details)
        if n % 4 == 0:
            raw["id"] = f"{tag.replace(' ', '-')}-{n}"
        made.append(raw)
    return made


COMMON_FACTS = facts_for("RUS", COMMON, "common")
SHARED_FACTS = facts_for("RUS", SHARED, "shared")
CORRECTED = COMMON_FACTS[0]  # corrected at the end by every writer, in the same words
CORRECTION = {"corrects": fact_id(CORRECTED), "reason": "the day was wrong", "date": "2011-01-02"}


def own_facts(number: int) -> list[dict[str, Any]]:
    """The facts only writer `number` loads."""
    return facts_for(OWN[number], PER_WRITER, f"writer {number}")


def writer_files(number: int, folder: Path) -> list[Path]:
    """Writer `number`'s files: the common facts, its share of the RUS facts and its own."""
    shared = SHARED_FACTS[40 * number : 40 * number + 80]
    own = own_facts(number)
    lines = [x for pair in zip(shared, own[: len(shared)], strict=True) for x in pair]
    lines = [*COMMON_FACTS, *lines, *own[len(shared) :], CORRECTION]
    size = -(-len(lines) // FILES)
    return [
        write_jsonl(folder / f"w{number}-{part}.jsonl", lines[part * size : (part + 1) * size])
        for part in range(FILES)
    ]


class Follower:
    """`stanceline events --follow` as a process; a thread collects its lines."""

    def __init__(self, store: str, log: Path) -> None:
        self.log = log
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                command(store, "events", "--follow"),
                stdout=subprocess.PIPE,
                stderr=sink,
                env=clean_env(),
                text=True,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        self.received: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for(self, count: int, timeout: float = FOLLOW_TIMEOUT) -> None:
        """Until `count` events have arrived; fail clearly when they do not in time."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, (
                f"the follower printed {len(self.received)} of {count} events in {timeout:.0f} s; "
                f"exit code {self.process.poll()}:\n{self.log.read_text(errors='replace')}"
            )
            try:
                self.received.append(json.loads(self.lines.get(timeout=min(remaining, 1.0))))
            except queue.Empty:
                continue

    def stop(self) -> None:
        """Ctrl-C, as a user ends it; then whatever it printed last is collected too."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        assert self.process.wait(timeout=30) == 0, self.log.read_text(errors="replace")
        self.thread.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        while not self.lines.empty():
            self.received.append(json.loads(self.lines.get_nowait()))


def wait_until_queued(kind: str, store: str, writers: list[subprocess.Popen[str]]) -> None:
    """Until every writer waits for the store's write lock (PostgreSQL shows its queue)."""
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while kind != SQLITE and len(waiting_writers(store)) < len(writers):
        assert all(w.poll() is None for w in writers), "a writer ended before the lock was free"
        assert time.monotonic() < deadline, f"only {waiting_writers(store)} queued for the lock"
        time.sleep(0.05)
    if kind == SQLITE:
        time.sleep(SQLITE_START)
        assert all(w.poll() is None for w in writers), "a writer ended before the lock was free"


def test_four_writer_processes_store_each_fact_once_and_a_follower_sees_each_event_once(
    make_store: Callable[..., str],
    store_kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    store = make_store()
    run_cli(store, "load", write_jsonl(tmp_path / "seed.jsonl", [fact(summary="the first")]))
    follower = Follower(store, tmp_path / "follower.log")
    writers: list[subprocess.Popen[str]] = []
    try:
        follower.wait_for(1)  # it is following live now
        files = [writer_files(number, tmp_path) for number in range(WRITERS)]
        # Started behind the store's write lock, so that they all write at once when it goes.
        with holding_the_write_lock(store_kind, store):
            writers += [
                subprocess.Popen(
                    command(store, "load", *paths, "--by", f"writer-{number}"),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=clean_env(),
                    text=True,
                )
                for number, paths in enumerate(files)
            ]
            wait_until_queued(store_kind, store, writers)
        started = time.monotonic()
        outputs = []
        for number, writer in enumerate(writers):
            out, err = writer.communicate(timeout=PROCESS_TIMEOUT)
            assert writer.returncode == 0, f"writer {number} exited {writer.returncode}:\n{err}"
            outputs.append(parse_load(out))
        writing = time.monotonic() - started

        stored = with_app(store, all_events)
        follower.wait_for(len(stored))
        time.sleep(0.5)  # anything more, or anything twice, would arrive now
    finally:
        for writer in writers:
            if writer.poll() is None:  # a failure above: leave no writer behind
                writer.kill()
                writer.communicate()
        follower.stop()

    # Every fact, and the correction every writer made, is stored exactly once.
    lines = {path: len(path.read_text().splitlines()) for paths in files for path in paths}
    expected = {fact_id(raw) for raw in [*COMMON_FACTS, *SHARED_FACTS]}
    expected |= {fact_id(raw) for number in range(WRITERS) for raw in own_facts(number)}
    ids = Counter(event["id"] for _, event in stored)
    assert max(ids.values()) == 1
    firsts = {i.removesuffix("/v1") for i in ids if i.endswith("/v1")}
    assert firsts - {stored[0][1]["data"]["id"]} == expected
    assert {i for i in ids if not i.endswith("/v1")} == {f"{fact_id(CORRECTED)}/v2"}
    # What each `load` said adds up: recorded once somewhere, already present everywhere else.
    counts = {path: count for output in outputs for path, count in output.items()}
    assert {path: sum(counts[str(path)]) for path in lines} == lines
    assert sum(new for new, _ in counts.values()) == len(stored) - 1

    # The follower saw every stored event once, in position order, nothing skipped.
    seen = [(event["position"], event["id"]) for event in follower.received]
    assert seen == [(position, event["id"]) for position, event in stored]
    assert follower.received == [event for _, event in stored]

    # The read model the writers built between them equals one rebuilt from the log.
    before = with_app(store, lambda app: (answers(app), rows(app)))
    assert run_cli(store, "rebuild").strip() == f"read model rebuilt: {len(expected) + 1} facts"
    assert with_app(store, lambda app: (answers(app), rows(app))) == before

    positions = [position for position, _ in stored]
    measured = {
        "lines": sum(lines.values()),
        "events": len(stored),
        "writing_seconds": round(writing, 1),
        "position_gaps": positions[-1] - len(positions),
        # How interleaved the writers' commits were: runs of one writer's events in the log.
        "writer_runs": len(list(groupby(e["recordedby"] for _, e in stored[1:]))),
    }
    request.node.user_properties.append(("concurrency", measured))
    print(measured)  # shown with -rP
