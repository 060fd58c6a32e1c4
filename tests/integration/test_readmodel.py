"""The persistent read model: kept at the end of the log, caught up, equal to a rebuild."""

from __future__ import annotations

import threading
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import given

from stanceline.application import Stanceline
from stanceline.application.reports import LoadResult
from stanceline.domain.events import fact_event
from stanceline.domain.intake import validate_fact
from stanceline.errors import ImportFileError, ProjectionError
from tests.factories import event_count, fact, write_jsonl
from tests.integration.conftest import AppFactory
from tests.stores import STORE_PARAMS, law_settings, scratch
from tests.strategies import change_files, import_files

Snapshot = tuple[list[tuple[Any, ...]], int]


def snapshot(app: Stanceline) -> Snapshot:
    """Every row of the stance_versions table, and the tracking position."""
    with app.view.datastore.transaction(commit=False) as cursor:
        cursor.execute(app.view.dialect.sql("SELECT * FROM {versions} ORDER BY position"))
        rows = [tuple(dict(row).values()) for row in cursor.fetchall()]
    return rows, app.view.position()


def answers(app: Stanceline) -> list[list[dict[str, Any]]]:
    days = [date(2000, 1, 1), date(2010, 6, 15), date(2025, 4, 10), date(2026, 12, 31)]
    return [[r.model_dump(mode="json") for r in app.world(day)] for day in days]


def store_behind_the_projection(app: Stanceline, raw: dict[str, Any]) -> str:
    """Write a fact's event to the log without projecting it, as a writer that died would."""
    valid = validate_fact(raw, app.catalogue)
    event = fact_event(
        valid.fact_id, valid.content, recorded_at=datetime.now(UTC), recorded_by="gone"
    )
    app.save(event)
    return valid.fact_id


def test_after_a_load_the_read_model_is_at_the_end_of_the_log(loaded_app: Stanceline) -> None:
    assert loaded_app.view.position() == loaded_app.recorder.max_notification_id() == 14


def test_an_empty_store_has_position_zero(app: Stanceline) -> None:
    assert app.view.position() == event_count(app) == 0
    assert app.world(date(2025, 7, 4)) == []


def test_each_row_is_at_the_log_position_of_its_event(loaded_app: Stanceline) -> None:
    notifications = loaded_app.recorder.select_notifications(start=1, limit=100)
    rows, position = snapshot(loaded_app)

    assert position == notifications[-1].id
    assert [(row[0], row[2]) for row in rows] == [
        (str(n.originator_id), n.id) for n in notifications
    ]


def test_queries_read_only_the_part_of_the_log_after_the_tracking_position(
    loaded_app: Stanceline, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_app()
    reads: list[tuple[int, int]] = []
    select = loaded_app.recorder.select_notifications

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = select(*args, **kwargs)
        reads.append((kwargs["start"], len(found)))
        return found

    monkeypatch.setattr(loaded_app.recorder, "select_notifications", spy)

    # Up to date: one statement compares the positions, and no event is read.
    loaded_app.stance("RUS", date(2025, 7, 4))
    loaded_app.world(date(2025, 7, 4))
    loaded_app.history("RUS")
    assert reads == []

    # Behind (another writer stored one event): only what follows the position is read.
    store_behind_the_projection(other, fact(summary="from another writer"))
    loaded_app.stance("RUS", date(2025, 7, 4))
    assert reads[0] == (15, 1)
    assert all(count == 0 for _, count in reads[1:])


def test_a_second_instance_sees_facts_recorded_by_the_first(make_app: AppFactory) -> None:
    first, second = make_app(), make_app()
    assert second.world(date(2025, 7, 4)) == []

    first.record_fact(fact(kind="formal_recognition_granted", date="2025-07-03"))

    russia = second.stance("RUS", date(2025, 7, 4))
    assert russia.summary.value == "recognized"
    assert second.view.position() == 1
    assert [r.actor for r in second.world(date(2025, 7, 4))] == ["RUS"]


def test_two_instances_recording_in_turn_see_every_fact_once(make_app: AppFactory) -> None:
    first, second = make_app(), make_app()

    [a] = first.record_fact(fact(summary="told to the first")).fact_ids
    [b] = second.record_fact(fact(summary="told to the second")).fact_ids
    again = first.record_fact(fact(summary="told to the second"))

    assert (again.fact_ids, again.recorded, again.already_present) == ([b], 0, 1)
    assert event_count(first) == 2
    assert [r.fact_id for r in first.view.facts_of("RUS")] == [a, b]
    assert snapshot(first) == snapshot(second)


def test_events_the_read_model_missed_are_projected_by_the_next_query(
    make_app: AppFactory,
) -> None:
    writer, reader = make_app(), make_app()
    writer.record_fact(fact(kind="terrorist_designation_imposed", date="2003"))
    lifted = store_behind_the_projection(
        writer, fact(kind="terrorist_designation_lifted", date="2025-04-17")
    )
    assert (reader.view.position(), event_count(reader)) == (1, 2)

    designation = reader.stance("RUS", date(2025, 5, 1)).components["designation"]

    assert designation.value == "not_designated"
    assert designation.facts == [lifted]
    assert reader.view.position() == 2


def test_a_fact_the_read_model_missed_is_still_found_already_present(app: Stanceline) -> None:
    raw = fact(summary="written but never projected")
    store_behind_the_projection(app, raw)

    result = app.record_fact(raw)

    assert (result.recorded, result.already_present) == (0, 1)
    assert event_count(app) == 1
    assert app.view.position() == 1


def test_concurrent_loads_of_overlapping_files_record_every_fact_once(
    make_app: AppFactory, tmp_path: Path
) -> None:
    parts = [range(120), range(60, 180), range(40, 160)]
    paths = [
        write_jsonl(tmp_path / f"part-{n}.jsonl", [fact(summary=f"s{i}") for i in part])
        for n, part in enumerate(parts)
    ]
    apps = [make_app() for _ in paths]
    results: dict[int, LoadResult] = {}
    errors: list[BaseException] = []

    def load(number: int) -> None:
        try:
            results[number] = apps[number].load_file(paths[number])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=load, args=(n,)) for n in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.recorded for r in results.values()) == 180
    assert all(r.recorded + r.already_present == 120 for r in results.values())
    rows, position = snapshot(apps[0])
    assert position == apps[0].recorder.max_notification_id()
    assert event_count(apps[0]) == len(rows) == 180
    assert len({row[0] for row in rows}) == 180


def test_resetting_and_catching_up_gives_the_same_read_model(
    loaded_app: Stanceline, tmp_path: Path
) -> None:
    loaded_app.load_file(write_jsonl(tmp_path / "more.jsonl", [fact(), fact(summary="two")]))
    before = snapshot(loaded_app)

    loaded_app.view.reset()
    assert snapshot(loaded_app) == ([], 0)
    loaded_app.catch_up()

    assert snapshot(loaded_app) == before


def test_rebuild_gives_exactly_the_read_model_incremental_updates_gave(
    loaded_app: Stanceline, tmp_path: Path
) -> None:
    loaded_app.load_file(write_jsonl(tmp_path / "more.jsonl", [fact(), fact(summary="two")]))
    before, answered = snapshot(loaded_app), answers(loaded_app)

    count = loaded_app.rebuild()

    assert count == 16
    assert snapshot(loaded_app) == before
    assert answers(loaded_app) == answered


def _load_in_files(app: Stanceline, folder: Path, files: list[list[dict[str, Any]]]) -> None:
    for number, facts in enumerate(files):
        app.load_file(write_jsonl(folder / f"part-{number}.jsonl", facts))


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_the_incremental_read_model_equals_one_caught_up_from_zero(kind: str) -> None:
    @law_settings(kind)
    @given(files=import_files(max_size=6))
    def law(files: list[list[dict[str, Any]]]) -> None:
        with scratch(kind) as (folder, make):
            app = make()
            _load_in_files(app, folder, files)
            before, answered = snapshot(app), answers(app)
            app.view.reset()
            app.catch_up()
            assert snapshot(app) == before
            assert answers(app) == answered

    law()


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_the_incremental_read_model_equals_a_rebuild(kind: str) -> None:
    @law_settings(kind)
    @given(files=import_files(max_size=6))
    def law(files: list[list[dict[str, Any]]]) -> None:
        with scratch(kind) as (folder, make):
            app = make()
            _load_in_files(app, folder, files)
            before = snapshot(app)
            count = app.rebuild()
            assert snapshot(app) == before
            assert count == len(before[0])

    law()


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_a_model_projected_from_the_events_just_saved_equals_a_rebuild(kind: str) -> None:
    @law_settings(kind)
    @given(files=change_files(max_size=12))
    def law(files: list[list[dict[str, Any]]]) -> None:
        # A load projects the events it has just saved as they are, changes of facts
        # recorded in the same file included; a rebuild decodes every event from the log.
        with scratch(kind) as (folder, make):
            app = make()
            for number, lines in enumerate(files):
                # A correction that changes nothing is refused, and so its whole file.
                with suppress(ImportFileError):
                    app.load_file(write_jsonl(folder / f"part-{number}.jsonl", lines))
            before, answered = snapshot(app), answers(app)
            counting = [row for row in before[0] if row[3] is None and row[5] == 1]
            assert app.rebuild() == len(counting)  # current versions that count
            assert snapshot(app) == before
            assert answers(app) == answered

    law()


def test_another_writer_s_events_saved_around_a_load_are_projected_in_their_places(
    make_app: AppFactory, tmp_path: Path
) -> None:
    loader, other = make_app(), make_app()
    store = loader.log.put
    others: list[str] = []

    def store_with_other_writers_around(events: Any) -> Any:
        # Just before the load's events and just after them; the other writer projects neither.
        others.append(store_behind_the_projection(other, fact(summary="just before")))
        saved = store(events)
        others.append(store_behind_the_projection(other, fact(summary="just after")))
        return saved

    loader.log.put = store_with_other_writers_around  # type: ignore[method-assign]
    lines = [fact(summary=f"loaded {n}", id=f"l{n}") for n in range(5)]
    loader.load_file(
        write_jsonl(tmp_path / "f.jsonl", [*lines, {"retracts": "l2", "reason": "no"}])
    )

    rows, position = snapshot(loader)
    assert position == event_count(loader) == 8
    assert [row[0] for row in rows] == [others[0], "l0", "l1", "l2", "l3", "l4", "l2", others[1]]
    assert [row[2] for row in rows] == list(range(1, 9))
    loader.rebuild()
    assert snapshot(loader) == (rows, position)


def test_a_load_whose_events_another_reader_projected_first_applies_nothing_twice(
    make_app: AppFactory, tmp_path: Path
) -> None:
    loader, reader = make_app(), make_app()
    store = loader.log.put
    projected_first: list[int] = []

    def store_then_another_projects(events: Any) -> Any:
        saved = store(events)
        # The read model is shared: the load's events are in it already.
        projected_first.append(reader.catch_up())
        return saved

    loader.log.put = store_then_another_projects  # type: ignore[method-assign]
    result = loader.load_file(
        write_jsonl(tmp_path / "f.jsonl", [fact(summary=f"s{n}") for n in range(4)])
    )

    assert result.recorded == 4
    assert projected_first == [4]
    rows, position = snapshot(loader)
    assert position == len(rows) == event_count(loader) == 4
    loader.rebuild()
    assert snapshot(loader) == (rows, position)


def test_events_the_model_refuses_for_no_other_projector_stop_the_catch_up(
    make_app: AppFactory, tmp_path: Path
) -> None:
    # Asking again would be refused again: an error, not a catch-up that never ends.
    writer, reader = make_app(), make_app()
    writer.load_file(write_jsonl(tmp_path / "f.jsonl", [fact(summary="refused")]))
    before = reader.view.position()

    def refuse(events: Any, position: int) -> None:
        raise IntegrityError("refused")

    reader.view.apply = refuse  # type: ignore[method-assign]
    store_behind_the_projection(writer, fact(summary="not yet projected"))
    with pytest.raises(ProjectionError, match=f"after position {before}:"):
        reader.catch_up()
