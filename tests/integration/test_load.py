"""Loading import files into a real store: all or nothing, idempotent, errors naming the line."""

from __future__ import annotations

import gc
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from stanceline.application import Stanceline
from stanceline.domain.events import FactRecorded
from stanceline.errors import ImportFileError
from tests.factories import event_count, fact
from tests.integration.conftest import FIXTURES, AppFactory, FileWriter

DAYS = [date(1990, 1, 1), date(2025, 3, 31), date(2025, 4, 10), date(2025, 7, 4)]


def recorded_events(app: Stanceline) -> list[FactRecorded]:
    """Every fact event of the log, in log order, read straight from the recorder."""
    notifications = app.recorder.select_notifications(start=1, limit=100_000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    assert all(isinstance(e, FactRecorded) for e in events)
    return events  # type: ignore[return-value]


def answers(app: Stanceline) -> list[list[dict[str, Any]]]:
    """The world on a few days, as JSON-ready data."""
    return [[r.model_dump(mode="json") for r in app.world(day)] for day in DAYS]


def many_facts(count: int) -> list[dict[str, Any]]:
    """`count` distinct valid facts (statements, so they change no answer)."""
    return [
        fact(summary=f"Statement number {n}", date=f"2024-{n % 12 + 1:02d}") for n in range(count)
    ]


def test_a_json_lines_file_records_every_fact(app: Stanceline) -> None:
    result = app.load_file(FIXTURES)

    assert (result.recorded, result.already_present) == (14, 0)
    assert event_count(app) == 14
    assert len(result.fact_ids) == 14
    assert "rus-recognition-2025-07-03" in result.fact_ids


def test_a_json_array_file_records_the_same_facts(make_app: AppFactory, tmp_path: Path) -> None:
    lines = [json.loads(line) for line in FIXTURES.read_text().splitlines() if line.strip()]
    array = tmp_path / "facts.json"
    array.write_text(json.dumps(lines, indent=2))
    from_lines, from_array = make_app("lines.db"), make_app("array.db")

    from_lines.load_file(FIXTURES)
    result = from_array.load_file(array)

    assert (result.recorded, result.already_present) == (14, 0)
    assert answers(from_array) == answers(from_lines)


def test_loading_the_same_file_twice_records_nothing_the_second_time(app: Stanceline) -> None:
    app.load_file(FIXTURES)
    before = answers(app)

    again = app.load_file(FIXTURES)

    assert (again.recorded, again.already_present) == (0, 14)
    assert event_count(app) == 14
    assert answers(app) == before


def test_facts_without_ids_get_the_same_derived_id_each_time(
    app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file("f.jsonl", [fact(summary="one"), fact(summary="two")])

    first = app.load_file(path)
    second = app.load_file(write_file("g.jsonl", [fact(summary="two"), fact(summary="three")]))

    assert (second.recorded, second.already_present) == (1, 1)
    assert second.fact_ids[0] == first.fact_ids[1]
    assert event_count(app) == 3


@pytest.mark.parametrize("bad_line", [1, 537, 1001])
def test_one_bad_line_among_a_thousand_writes_nothing(
    loaded_app: Stanceline, write_file: FileWriter, bad_line: int
) -> None:
    facts: list[Any] = many_facts(1000)
    facts.insert(bad_line - 1, fact(summary="the bad one", date="2023-02-29"))
    path = write_file("big.jsonl", facts)
    count, before = event_count(loaded_app), answers(loaded_app)

    with pytest.raises(ImportFileError) as caught:
        loaded_app.load_file(path)

    assert (caught.value.line, caught.value.field) == (bad_line, "date")
    assert str(caught.value).startswith(f"{path}:{bad_line}: date: ")
    assert event_count(loaded_app) == count
    assert answers(loaded_app) == before
    assert loaded_app.view.position() == count


def test_the_whole_good_file_still_loads_once_the_bad_line_is_fixed(
    app: Stanceline, write_file: FileWriter
) -> None:
    facts: list[Any] = many_facts(1000)
    with pytest.raises(ImportFileError):
        app.load_file(
            write_file("f.jsonl", [*facts[:500], fact(actor="Nowhereland"), *facts[500:]])
        )
    with pytest.raises(ImportFileError):
        app.load_file(write_file("f.jsonl", [*facts[:500], "{", *facts[500:]]))
    assert event_count(app) == 0

    result = app.load_file(write_file("f.jsonl", facts))

    assert (result.recorded, result.already_present) == (1000, 0)
    assert event_count(app) == app.view.position() == 1000
    # The load pauses the cyclic collector; failed or not, it is back afterwards.
    assert gc.isenabled()


def test_each_file_is_its_own_transaction(app: Stanceline, write_file: FileWriter) -> None:
    good = write_file("good.jsonl", [fact(summary="kept"), fact(summary="kept too")])
    bad = write_file("bad.jsonl", [fact(summary="not kept"), fact(kind="no_such_kind")])

    app.load_file(good)
    with pytest.raises(ImportFileError) as caught:
        app.load_file(bad)

    assert (caught.value.line, caught.value.field) == (2, "kind")
    assert event_count(app) == 2
    assert [r.payload["summary"] for r in app.view.facts_of("RUS")] == ["kept", "kept too"]


def test_an_explicit_id_stored_with_other_content_is_an_error_naming_the_line(
    app: Stanceline, write_file: FileWriter
) -> None:
    app.load_file(write_file("first.jsonl", [fact(id="stable-1", summary="as first told")]))
    changed = write_file(
        "second.jsonl",
        [
            fact(summary="new and fine"),
            fact(summary="also fine"),
            fact(id="stable-1", summary="edited"),
        ],
    )

    with pytest.raises(ImportFileError) as caught:
        app.load_file(changed)

    assert (caught.value.line, caught.value.field) == (3, "id")
    assert str(caught.value).startswith(f"{changed}:3: id: ")
    assert "stable-1" in str(caught.value)
    assert event_count(app) == 1
    assert [r.payload["summary"] for r in app.view.facts_of("RUS")] == ["as first told"]


def test_an_explicit_id_with_the_same_content_is_already_present(
    app: Stanceline, write_file: FileWriter
) -> None:
    app.load_file(write_file("a.jsonl", [fact(id="stable-1")]))

    result = app.load_file(write_file("b.jsonl", [fact(id="stable-1"), fact(id="stable-2")]))

    assert (result.recorded, result.already_present) == (1, 1)
    assert event_count(app) == 2


def test_one_id_twice_in_a_file_with_different_content_names_the_second_line(
    app: Stanceline, write_file: FileWriter
) -> None:
    path = write_file(
        "dup.jsonl", [fact(id="x-1", summary="a"), fact(), fact(id="x-1", summary="b")]
    )

    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)

    assert (caught.value.line, caught.value.field) == (3, "id")
    assert event_count(app) == 0


def test_invalid_json_names_the_line(app: Stanceline, write_file: FileWriter) -> None:
    path = write_file("broken.jsonl", [fact(summary="fine"), "", '{"kind": "stance_stated",'])

    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)

    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{path}:3: invalid JSON")
    assert event_count(app) == 0


def test_invalid_json_in_an_array_names_the_line(app: Stanceline, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[\n" + json.dumps(fact()) + ",\n" + '{"kind": "stance_stated" "x"}\n]\n')

    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)

    assert caught.value.line == 3
    assert "invalid JSON" in str(caught.value)
    assert event_count(app) == 0


def test_a_bad_fact_in_an_array_names_its_line(app: Stanceline, tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(
        "[\n" + json.dumps(fact(summary="a")) + ",\n" + json.dumps(fact(colour="red")) + "\n]\n"
    )

    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)

    assert (caught.value.line, caught.value.field) == (3, "colour")
    assert "unknown key" in str(caught.value)
    assert event_count(app) == 0


def test_an_unknown_actor_suggests_names(app: Stanceline, write_file: FileWriter) -> None:
    path = write_file("actors.jsonl", [fact(), fact(actor="Russa")])

    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)

    message = str(caught.value)
    assert message.startswith(f"{path}:2: actor: unknown actor 'Russa'")
    assert "did you mean" in message
    assert "Russia (RUS)" in message
    assert event_count(app) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "envoy_posted_to_kabul", "details": {}}, "details.level"),
        ({"kind": "sanctions_imposed", "details": {"level": "ambassador"}}, "details.measure"),
        ({"details": {"level": "ambassador"}}, "details.level"),
        ({"date": "2025-07-04/2025-07-01"}, "date"),
        ({"summary": "   "}, "summary"),
        ({"source": {"publisher": "no title"}}, "source.title"),
        ({"actor": "AF"}, "actor"),
    ],
)
def test_a_bad_field_is_named(
    app: Stanceline, write_file: FileWriter, changes: dict[str, Any], field: str
) -> None:
    path = write_file("bad.jsonl", [fact(summary="fine"), fact(**changes)])

    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)

    assert (caught.value.line, caught.value.field) == (2, field)
    assert event_count(app) == 0


def test_every_event_of_one_load_carries_the_same_recorded_time(
    app: Stanceline, write_file: FileWriter
) -> None:
    started = datetime.now(UTC)
    app.load_file(FIXTURES)
    app.load_file(write_file("more.jsonl", [fact(summary="later one"), fact(summary="later two")]))

    events = recorded_events(app)
    first, second = events[:14], events[14:]

    assert len(second) == 2
    assert len({e.timestamp for e in first}) == 1
    assert len({e.timestamp for e in second}) == 1
    assert started <= first[0].timestamp < second[0].timestamp <= datetime.now(UTC)
    assert first[0].timestamp.utcoffset() is not None
    assert first[0].timestamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_recorded_time_is_kept_by_the_read_model(loaded_app: Stanceline) -> None:
    events = recorded_events(loaded_app)

    rows = {row.fact_id: row for row in loaded_app.view.facts_of("RUS")}

    assert rows
    for event in events:
        if event.fact_id in rows:
            assert rows[event.fact_id].recorded_at == event.timestamp
            assert rows[event.fact_id].recorded_by == event.recorded_by == "fixtures"


def test_recorded_by_defaults_to_the_environment(
    app: Stanceline, write_file: FileWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCELINE_USER", "historian-ana")
    app.load_file(write_file("a.jsonl", [fact(summary="by default")]))
    app.load_file(write_file("b.jsonl", [fact(summary="explicit")]), by="auditor-bo")
    app.record_fact(fact(summary="recorded"))

    by = [e.recorded_by for e in recorded_events(app)]

    assert by == ["historian-ana", "auditor-bo", "historian-ana"]
    assert [r.recorded_by for r in app.view.facts_of("RUS")] == by


def test_recording_one_fact_returns_its_id(app: Stanceline) -> None:
    first = app.record_fact(fact(kind="sanctions_imposed", details={"measure": "travel_ban"}))
    again = app.record_fact(fact(kind="sanctions_imposed", details={"measure": "travel_ban"}))

    assert (first.recorded, first.already_present) == (1, 0)
    assert (again.recorded, again.already_present) == (0, 1)
    assert first.fact_ids == again.fact_ids
    assert event_count(app) == 1
    assert app.view.fact(first.fact_ids[0]) is not None


def test_a_file_that_cannot_be_read_is_an_error(app: Stanceline, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(fact(summary="caf\u00e9"), ensure_ascii=False).encode("latin-1"))

    with pytest.raises(ImportFileError) as caught:
        app.load_file(path)

    assert str(caught.value).startswith(f"{path}: cannot read")
    assert event_count(app) == 0
