"""Stored events are a contract: their bytes and chain hashes never change.

A store written by an earlier release must keep verifying, and the same
commands must keep writing the same bytes, whatever is done to make loading
faster. contract/ holds a scenario's input (the fixtures plus a file of facts
and changes with non-ASCII text, derived ids, every kind of change and a
repeated line) and what the code of commit 1510ae6 made of it with a fixed
clock: every stored event (stored-events.jsonl) and every event as a
CloudEvent (cloudevents.jsonl, `source` normalised).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from stanceline.application import Stanceline
from stanceline.application.verify import head_digest_line, verify
from tests.integration.conftest import FIXTURES

CONTRACT = Path(__file__).parent / "contract"
# Pinned, not computed: the head digest `stanceline verify` gave for this scenario
# on commit 1510ae6, before loading was made faster. It folds every event's chain,
# and each chain hashes the event's canonical content, so a change to how events or
# their chains are built (the canonical JSON, the content hash behind derived ids)
# changes it. The event bytes are a contract: stored events are forever.
HEAD_DIGEST = "sha256:7cb2bec6a60b1c7d406fab02222845cc1b8d87eb075ad6510828afe9e70ba98a@29"
SOURCE = "urn:stanceline:store:contract"
TIMES = [  # one recorded time per transaction; some without microseconds, some with few
    datetime(2025, 7, 4, 12, 0, 0, 123456, tzinfo=UTC),
    datetime(2025, 7, 4, 12, 0, 1, tzinfo=UTC),
    datetime(2025, 7, 5, 0, 0, 0, 500, tzinfo=UTC),
    datetime(2025, 7, 6, 8, 30, 15, 500000, tzinfo=UTC),
    datetime(2025, 7, 6, 8, 30, 16, 1, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def fixed_clock() -> Callable[[], datetime]:
    """TIMES in turn, then the last one for ever."""
    times: Iterator[datetime] = iter(TIMES)

    def now() -> datetime:
        nonlocal last
        last = next(times, last)
        return last

    last = TIMES[0]
    return now


def stored_lines() -> list[dict[str, Any]]:
    with open(CONTRACT / "stored-events.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def expected_cloudevents() -> list[dict[str, Any]]:
    with open(CONTRACT / "cloudevents.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def run_scenario(app: Stanceline) -> None:
    """Loads, commands and reloads: every way an event is written."""
    app.load_file(FIXTURES, by="contract")
    app.load_file(CONTRACT / "changes.jsonl", by="contract")
    app.correct(
        "rus-designation-lifted-2025-04",
        "the court's ruling — «17 April»",
        {"date": "2025-04-17"},
        source={"quote": "a ruling of 17 April"},
        by="contract",
    )
    app.retract("rus-designation-2003", "doubted", by="contract")
    app.reinstate("rus-designation-2003", "confirmed", by="contract")
    app.record_fact(
        {
            "kind": "stance_stated",
            "actor": "Kazakhstan",
            "date": "2025",
            "summary": "Қазақстан: a statement",
            "source": {"title": "Kazinform"},
        },
        by="contract",
    )
    assert app.load_file(FIXTURES, by="contract").recorded == 0
    assert app.load_file(CONTRACT / "changes.jsonl", by="contract").recorded == 0


def cloudevents(app: Stanceline) -> list[dict[str, Any]]:
    return [{**event, "source": SOURCE} for _, event in app.read_events(0, 1000)]


def test_the_same_commands_store_the_same_bytes(make_store: Callable[..., str]) -> None:
    with Stanceline(make_store(), clock=fixed_clock()) as app:
        run_scenario(app)
        stored = [
            {
                "originator_id": n.originator_id,
                "originator_version": n.originator_version,
                "topic": n.topic,
                "state": n.state.decode(),
            }
            for n in app.recorder.select_notifications(start=1, limit=1000)
        ]
        expected = [{k: v for k, v in line.items() if k != "position"} for line in stored_lines()]
        assert stored == expected
        assert head_digest_line(verify(app)) == HEAD_DIGEST
        assert cloudevents(app) == expected_cloudevents()


def test_a_store_written_before_verifies_and_reads_the_same(
    make_store: Callable[..., str],
) -> None:
    with Stanceline(make_store()) as app:
        app.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=line["originator_id"],
                    originator_version=line["originator_version"],
                    topic=line["topic"],
                    state=line["state"].encode(),
                )
                for line in stored_lines()
            ]
        )
        assert head_digest_line(verify(app)) == HEAD_DIGEST
        assert cloudevents(app) == expected_cloudevents()
        # And loading its input again finds every fact and change already stored.
        assert app.load_file(FIXTURES).recorded == 0
        assert app.load_file(CONTRACT / "changes.jsonl").recorded == 0
