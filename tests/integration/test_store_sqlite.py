"""The SQLite recorder: the positions one insert of many events returns are the log's."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from stanceline.adapters.library import SQLiteEventsRecorder as EventsRecorder
from stanceline.application import Stanceline
from stanceline.domain.events import DomainEvent
from stanceline.domain.recording import NewFact
from tests.factories import fact, write_jsonl

Saved = Mapping[int, NewFact | DomainEvent]


def test_a_sqlite_store_keeps_its_events_with_the_one_statement_recorder(tmp_path: Path) -> None:
    app = Stanceline(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        assert isinstance(app.recorder, EventsRecorder)
    finally:
        app.close()


@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=5))
def test_the_positions_a_load_is_given_are_the_log_s(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = Stanceline(f"sqlite:///{Path(folder) / 'store.db'}")
        store = app.log.put
        given_positions: dict[int, str] = {}

        def store_and_keep(events: Sequence[NewFact | DomainEvent]) -> Saved:
            saved = store(events)
            given_positions.update(
                {
                    at: e.fact_id if isinstance(e, NewFact) else e.originator_id
                    for at, e in saved.items()
                }
            )
            return saved

        app.log.put = store_and_keep  # type: ignore[method-assign]
        try:
            for number, size in enumerate(sizes):
                lines = [fact(summary=f"{number}.{n}", id=f"f{number}-{n}") for n in range(size)]
                app.load_file(write_jsonl(Path(folder) / f"{number}.jsonl", lines))
            logged = app.recorder.select_notifications(start=1, limit=10_000)
            assert given_positions == {n.id: n.originator_id for n in logged}
            assert sorted(given_positions) == list(range(1, sum(sizes) + 1))
        finally:
            app.close()
