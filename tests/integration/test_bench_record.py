"""The benchmark's record and its naive reader: valid, deterministic, and agreeing with the engine.

`make bench` is not part of the suite, but what it measures must stay true:
its synthetic files must load through `stanceline load`'s path, and its naive
fold (every event of an actor, folded with no read model) must give the
engine's answers, or its comparison would be meaningless.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import generate
from bench.naive import naive_stance
from stanceline.application import Stanceline
from stanceline.application.loading import read_facts
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.amending import ChangeRequest
from stanceline.domain.intake import ValidFact
from tests.factories import event_count

SIZE, FILE_LINES = 3000, 1000


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> generate.Record:
    return generate.record(SIZE, tmp_path_factory.mktemp("bench"), FILE_LINES)


def test_the_same_size_gives_the_same_files(record: generate.Record, tmp_path: Path) -> None:
    again = generate.record(SIZE, tmp_path, FILE_LINES)

    assert [f.read_bytes() for f in again.files] == [f.read_bytes() for f in record.files]
    assert len(record.files) == SIZE // FILE_LINES


def test_every_line_is_valid_and_the_mix_has_changes(record: generate.Record) -> None:
    items = _items(record)
    actions = {i.action.TOPIC for i in items if isinstance(i, ChangeRequest)}

    assert len(items) == SIZE
    assert len(set(record.actors)) == generate.ACTOR_COUNT == 250
    assert {"stanceline:FactCorrected", "stanceline:FactRetracted"} <= actions
    assert sum(record.counts["tally"][k] for k in record.counts["tally"] if k[:5] == "kind:") > (
        SIZE * 0.95
    )


def test_the_record_loads_and_the_naive_fold_gives_the_engines_answers(
    record: generate.Record, tmp_path: Path
) -> None:
    app = Stanceline(f"sqlite:///{tmp_path / 'bench.db'}")
    for path in record.files:
        app.load_file(path)
    assert event_count(app) == SIZE
    present = sorted(app.view.actors())

    @settings(max_examples=60, deadline=None)
    @given(
        actor=st.sampled_from(present),
        day=st.dates(datetime.date(1996, 1, 1), datetime.date(2027, 12, 31)),
    )
    def agree(actor: str, day: datetime.date) -> None:
        assert naive_stance(app, actor, day) == app.stance(actor, day)

    agree()
    # Where changes matter most: around every date a changed fact has had.
    changed = {i.fact_id for i in _items(record) if isinstance(i, ChangeRequest)}
    for fact_id in sorted(changed):
        for row in app.view.fact_versions(fact_id):
            for day in (row.earliest - datetime.timedelta(days=1), row.latest):
                assert naive_stance(app, row.actor, day) == app.stance(row.actor, day)
    app.close()


def _items(record: generate.Record) -> list[ValidFact | ChangeRequest]:
    catalogue = ActorCatalogue.default()
    return [item.fact for path in record.files for item in read_facts(path, catalogue)]
