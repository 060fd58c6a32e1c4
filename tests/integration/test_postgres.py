"""What only PostgreSQL does: stored events refuse changes, and positions may have gaps."""

from __future__ import annotations

import itertools

import pytest
from eventsourcing.persistence import PersistenceError, StoredEvent
from psycopg.sql import SQL, Identifier

from stanceline.application import Stanceline
from stanceline.application.verify import verify
from tests.factories import fact
from tests.integration.conftest import AppFactory
from tests.stores import POSTGRES

pytestmark = pytest.mark.postgres


@pytest.fixture
def store_kind() -> str:
    return POSTGRES


def events_table(app: Stanceline) -> Identifier:
    return Identifier(app.view.datastore.schema, "stanceline_events")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {} SET topic = 'stanceline:Forged'",
        "DELETE FROM {} WHERE originator_version = 1",
        "TRUNCATE {}",
    ],
)
def test_stored_events_cannot_be_updated_deleted_or_truncated(
    loaded_app: Stanceline, statement: str
) -> None:
    with (
        pytest.raises(PersistenceError, match="stored events cannot be changed"),
        loaded_app.view.datastore.transaction(commit=True) as cursor,
    ):
        cursor.execute(SQL(statement).format(events_table(loaded_app)))

    assert verify(loaded_app).count == 14


def test_reopening_a_store_keeps_one_trigger(loaded_app: Stanceline, make_app: AppFactory) -> None:
    make_app()
    with loaded_app.view.datastore.transaction(commit=False) as cursor:
        cursor.execute(
            "SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND tgname = 'stanceline_events_immutable'",
            (events_table(loaded_app).as_string(cursor),),
        )
        assert cursor.fetchone() == {"n": 1}


def test_a_rolled_back_insert_leaves_a_gap_that_verify_and_the_stream_step_over(
    loaded_app: Stanceline,
) -> None:
    [lost] = loaded_app.recorder.select_notifications(start=1, limit=1)
    duplicate = loaded_app.recorder.select_notifications(start=1, limit=1)
    # Storing an event that is already there consumes a sequence value and rolls back.
    with pytest.raises(PersistenceError):
        loaded_app.recorder.insert_events(list(duplicate))
    loaded_app.record_fact(fact(summary="after the gap"))

    positions = [p for p, _ in loaded_app.read_events(after=0, limit=100)]
    assert len(positions) == 15
    assert positions[-1] > 15  # the gap
    assert lost.id == 1
    report = verify(loaded_app)
    assert report.ok, report.problem
    assert (report.count, report.position) == (15, positions[-1])
    assert [c["position"] for _, c in loaded_app.stance_changes(after=0, limit=100)] == positions


def test_the_stream_pages_over_a_wide_gap_without_a_skip_or_a_repeat(
    loaded_app: Stanceline,
) -> None:
    [first] = loaded_app.recorder.select_notifications(start=1, limit=1)
    # New events and one already stored: every position they took is consumed, none kept;
    # more than a page reads (at least 100), so a read must step over a page with none.
    lost = [StoredEvent(f"lost-{n}", 1, first.topic, first.state) for n in range(250)]
    with pytest.raises(PersistenceError):
        loaded_app.recorder.insert_events([*lost, first])
    for n in range(3):
        loaded_app.record_fact(fact(summary=f"after the gap {n}"))

    everything = loaded_app.read_events(after=0, limit=100)
    positions = [p for p, _ in everything]
    assert len(positions) == 17
    assert positions[-3] > 15 + 250  # the gap
    paged: list[int] = []
    while page := loaded_app.read_events(after=paged[-1] if paged else 0, limit=2):
        paged.extend(p for p, _ in page)
    assert paged == positions
    assert [c["position"] for _, c in loaded_app.stance_changes(after=0, limit=100)] == positions
    with loaded_app.subscribe(0) as subscription:
        followed = [p for p, _ in itertools.islice(subscription, 17)]
    assert followed == positions
