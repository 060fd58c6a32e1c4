"""`stanceline events` and `stanceline changes`: the stream as JSON Lines (issue 4).

In-process with CliRunner on a real store per test; --follow runs in a thread and is
bounded by --limit and timeouts; one test interrupts a real process with SIGINT.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from cloudevents.core.formats.json import JSONFormat

from stanceline.application import Stanceline
from stanceline.application.feeds import Feeds
from tests.cli.conftest import CLEAN_ENV, FIXTURES, Run, invoke
from tests.factories import fact

OpenStore = Callable[[], Stanceline]
DESIGNATION = "rus-designation-2003"
EU_STATEMENT = "eu-statement-recognition-conditions"
RUSSIAN = [1, 2, 3, 4, 5, 6]
STATEMENTS = [5, 6, 13, 14]


def lines(result: Result) -> list[dict[str, Any]]:
    """The JSON Lines a command printed (it must have succeeded, with nothing else on stdout)."""
    assert result.exit_code == 0, result.output
    assert result.exception is None
    printed = result.stdout.splitlines()
    assert all(line.strip() for line in printed)
    return [json.loads(line) for line in printed]


def positions(items: list[dict[str, Any]]) -> list[int]:
    return [item["position"] for item in items]


# events


def test_events_prints_every_stored_event_as_a_cloudevent_per_line(
    seeded: Run, open_store: OpenStore
) -> None:
    events = lines(seeded("events"))

    assert positions(events) == list(range(1, 15))
    for event in events:
        parsed = JSONFormat().read(None, json.dumps(event).encode())
        assert parsed.get_specversion() == "1.0"
        assert parsed.get_extension("position") == event["position"]
    assert events == [e for _, e in open_store().read_events(0, 1000)]


def test_events_lines_are_single_line_json_keeping_unicode(run: Run, open_store: OpenStore) -> None:
    open_store().record_fact(fact(summary="Moscou — Kaboul : « reconnaissance »"))

    result = run("events")

    assert result.stdout.count("\n") == 1
    assert "« reconnaissance »" in result.stdout
    assert json.loads(result.stdout)["data"]["summary"] == "Moscou — Kaboul : « reconnaissance »"


def test_events_after_resumes_exactly_after_the_position(seeded: Run) -> None:
    everything = lines(seeded("events"))

    for after in (0, 1, 7, 13, 14, 99):
        assert lines(seeded("events", "--after", after)) == everything[after:]


def test_events_limit_and_after_page_through_the_log(seeded: Run) -> None:
    everything = lines(seeded("events"))
    pages: list[dict[str, Any]] = []
    while page := lines(
        seeded("events", "--after", pages[-1]["position"] if pages else 0, "--limit", 4)
    ):
        assert len(page) <= 4
        pages += page

    assert pages == everything
    assert positions(lines(seeded("events", "--after", 5, "--limit", 2))) == [6, 7]


@pytest.mark.parametrize("name", ["Russia", "RUS", "rus", "Russian Federation"])
def test_events_actor_takes_names_codes_and_aliases(seeded: Run, name: str) -> None:
    events = lines(seeded("events", "--actor", name))

    assert positions(events) == RUSSIAN
    assert {e["subject"] for e in events} == {"RUS"}


def test_events_actor_with_after_and_limit(seeded: Run) -> None:
    assert positions(lines(seeded("events", "--actor", "Russia", "--after", 2, "--limit", 3))) == [
        3,
        4,
        5,
    ]
    emirates = lines(seeded("events", "--actor", "UAE"))
    assert [(e["subject"], e["data"]["actor"]) for e in emirates] == [("ARE", "ARE")]


def test_events_kind_filters_on_the_fact_kind(seeded: Run) -> None:
    statements = lines(seeded("events", "--kind", "stance_stated"))

    assert positions(statements) == STATEMENTS
    assert {e["data"]["kind"] for e in statements} == {"stance_stated"}
    assert positions(lines(seeded("events", "--kind", "stance_stated", "--actor", "USA"))) == [13]
    assert lines(seeded("events", "--kind", "recognition_withdrawn")) == []


def test_events_refuse_an_unknown_kind_or_actor_or_a_bad_position(seeded: Run) -> None:
    bad_kind = seeded("events", "--kind", "invasion")
    assert bad_kind.exit_code == 2
    assert "invasion" in bad_kind.output

    unknown = seeded("events", "--actor", "Narnia")
    assert unknown.exit_code == 1
    assert "Narnia" in unknown.output
    assert "Traceback" not in unknown.output
    assert unknown.stdout == ""

    for args in (("--after", "-1"), ("--limit", "0"), ("--after", "x")):
        assert seeded("events", *args).exit_code == 2


def test_events_on_an_empty_store_print_nothing(run: Run) -> None:
    result = run("events")

    assert result.exit_code == 0
    assert result.stdout == ""


def test_events_show_corrections_retractions_and_reinstatements(seeded: Run) -> None:
    seeded("correct", DESIGNATION, "--reason", "the designation was in 2001", "--date", "2001")
    seeded("retract", EU_STATEMENT, "--reason", "a paraphrase")
    seeded("reinstate", EU_STATEMENT, "--reason", "it was said")

    changes = lines(seeded("events", "--after", 14))

    assert [e["type"] for e in changes] == [
        "org.stanceline.FactCorrected.v1",
        "org.stanceline.FactRetracted.v1",
        "org.stanceline.FactReinstated.v1",
    ]
    corrected = changes[0]
    assert (corrected["effective"], corrected["effectivestart"], corrected["effectiveend"]) == (
        "2001",
        "2001-01-01",
        "2001-12-31",
    )
    assert corrected["data"]["change"]["fields"] == {"date": "2001"}
    assert corrected["recordedby"] == "cli-tests"
    assert [e["data"]["counts"] for e in changes] == [True, False, True]


# changes


def test_changes_prints_one_line_per_event_with_the_same_positions(seeded: Run) -> None:
    changes = lines(seeded("changes"))
    events = lines(seeded("events"))

    assert positions(changes) == positions(events) == list(range(1, 15))
    assert [c["event"] for c in changes] == [e["id"] for e in events]
    assert [c["actor"] for c in changes] == [e["subject"] for e in events]
    assert positions(lines(seeded("changes", "--after", 10))) == [11, 12, 13, 14]
    assert positions(lines(seeded("changes", "--after", 3, "--limit", 2))) == [4, 5]


def test_changes_report_the_days_a_correction_changed(seeded: Run) -> None:
    seeded("correct", DESIGNATION, "--reason", "the designation was in 2001", "--date", "2001")

    (change,) = lines(seeded("changes", "--after", 14))

    assert change["position"] == 15
    assert change["event"] == f"{DESIGNATION}/v2"
    assert change["change"] == "corrected"
    assert change["first_day"].startswith("2001-")
    assert change["last_day"].startswith("2003-")
    assert "designation" in change["parts"]
    statement = lines(seeded("changes", "--after", 4, "--limit", 1))[0]
    assert (statement["parts"], statement["first_day"], statement["last_day"]) == ([], None, None)


# --follow


@contextmanager
def in_thread(invoke: Callable[[], Result]) -> Iterator[list[Result]]:
    """Run a command in a thread; the caller gets its result after the block (bounded wait)."""
    results: list[Result] = []
    thread = threading.Thread(target=lambda: results.append(invoke()), daemon=True)
    thread.start()
    yield results
    thread.join(timeout=20)
    assert not thread.is_alive(), "the command did not return"
    assert len(results) == 1


def ready_store(store: str, seed: bool = True) -> Stanceline:
    """The test's store, seeded, with its CloudEvents source already made."""
    app = Stanceline(store)
    if seed:
        app.load_file(FIXTURES, by="fixtures")
    assert app.source
    return app


def test_events_follow_with_limit_returns_once_the_catch_up_gives_enough(seeded: Run) -> None:
    assert positions(lines(seeded("events", "--follow", "--limit", 5))) == [1, 2, 3, 4, 5]
    assert positions(lines(seeded("events", "--follow", "--after", 12, "--limit", 2))) == [13, 14]


def test_events_follow_prints_events_recorded_while_it_follows(run: Run, store: str) -> None:
    writer = ready_store(store)
    try:
        with in_thread(lambda: run("events", "--follow", "--after", 12, "--limit", 5)) as done:
            time.sleep(0.3)  # following, caught up
            written = [fact(id=f"live-{n}", summary=f"live {n}") for n in range(3)]
            for raw in written:
                writer.record_fact(raw, by="writer")
                time.sleep(0.05)
    finally:
        writer.close()

    events = lines(done[0])
    assert positions(events) == [13, 14, 15, 16, 17]
    assert [e["data"]["id"] for e in events[2:]] == [raw["id"] for raw in written]
    assert [e["recordedby"] for e in events[2:]] == ["writer"] * 3


def test_events_follow_with_filters_prints_only_matching_live_events(run: Run, store: str) -> None:
    writer = ready_store(store)
    try:
        follow = ("events", "--follow", "--actor", "China", "--kind", "stance_stated")
        with in_thread(lambda: run(*follow, "--limit", 1)) as done:
            time.sleep(0.3)
            writer.record_fact(fact(actor="Russia", summary="not China"))
            writer.record_fact(fact(actor="CHN", kind="assets_frozen", summary="not a statement"))
            writer.record_fact(fact(actor="CHN", summary="a Chinese statement"))
    finally:
        writer.close()

    (event,) = lines(done[0])
    assert (event["position"], event["data"]["summary"]) == (17, "a Chinese statement")


def test_changes_follow_prints_changes_recorded_while_it_follows(run: Run, store: str) -> None:
    writer = ready_store(store)
    try:
        with in_thread(lambda: run("changes", "--follow", "--after", 14, "--limit", 2)) as done:
            time.sleep(0.3)
            writer.record_fact(fact(actor="CHN", kind="formal_recognition_granted", date="2026"))
            writer.record_fact(fact(summary="a statement"))
    finally:
        writer.close()

    recognition, statement = lines(done[0])
    assert positions([recognition, statement]) == [15, 16]
    assert (recognition["actor"], recognition["first_day"]) == ("CHN", "2026-01-01")
    assert "recognition" in recognition["parts"]
    assert statement["parts"] == []


def test_changes_follow_reports_a_live_correction_its_writer_did_not_project(
    run: Run, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The follower projects the correction itself (a writer that projects it at the same
    # moment runs into the ReadModel.apply race shown in tests/integration/test_stream.py).
    writer = ready_store(store)
    monkeypatch.setattr(writer.read, "catch_up", writer.view.position)
    try:
        with in_thread(lambda: run("changes", "--follow", "--after", 14, "--limit", 1)) as done:
            time.sleep(0.3)
            writer.correct(DESIGNATION, "the designation was in 2001", {"date": "2001"})
    finally:
        writer.close()

    (correction,) = lines(done[0])
    assert (correction["position"], correction["change"]) == (15, "corrected")
    assert correction["first_day"].startswith("2001-")
    assert "designation" in correction["parts"]


def interrupt_after(calls: int, real: Callable[..., Any]) -> Callable[..., Any]:
    """A fetch that answers `calls` times, then raises KeyboardInterrupt as Ctrl-C would."""
    answered: list[int] = []

    def fetch(*args: Any, **kwargs: Any) -> Any:
        if len(answered) >= calls:
            raise KeyboardInterrupt
        answered.append(1)
        return real(*args, **kwargs)

    return fetch


def test_ctrl_c_ends_events_follow_cleanly(seeded: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Feeds, "_scan", interrupt_after(1, Feeds._scan))

    result = seeded("events", "--follow")

    assert positions(lines(result)) == list(range(1, 15))
    assert "Traceback" not in result.output
    assert "Aborted" not in result.output


def test_ctrl_c_ends_changes_follow_cleanly(seeded: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Feeds, "stance_changes", interrupt_after(2, Feeds.stance_changes))

    result = seeded("changes", "--follow", "--after", 10)

    assert positions(lines(result)) == [11, 12, 13, 14]
    assert "Traceback" not in result.output


def test_sigint_ends_a_real_events_follow_process_cleanly(store: str, tmp_path: Path) -> None:
    ready_store(store).close()
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env.update({k: v for k, v in CLEAN_ENV.items() if v is not None})
    code = "from stanceline.interfaces.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--store", store, "events", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = [process.stdout.readline() for _ in range(14)]  # the catch-up is printed
        time.sleep(0.3)  # now waiting for new events
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert [json.loads(line)["position"] for line in first] == list(range(1, 15))
    assert rest == ""
    assert "Traceback" not in errors
    assert "KeyboardInterrupt" not in errors
    assert process.returncode == 0


# serve: bad settings are one line before any worker starts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--workers", "0"], "Invalid value for '--workers'"),
        (["--store", "postgresql://u@h/db?colour=red", "serve", "--workers", "2"], "colour"),
        (["--store", "mysql://u@h/db", "serve", "--workers", "2"], "unsupported store"),
    ],
)
def test_serve_refuses_bad_settings_in_one_line(args: list[str], message: str) -> None:
    result = invoke(args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


def test_serve_with_workers_checks_the_token_file_first(store: str, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("writer short\n")
    result = invoke(["--store", store, "serve", "--workers", "2", "--token-file", str(tokens)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "tokens:1" in result.output
    assert len(result.output.splitlines()) == 1
