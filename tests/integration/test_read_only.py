"""A store opened to read only (serve --read-only, a replica's servers): it never writes.

Answers come from the read model as it stands, which the projector (`project`) brings
on; writes are refused before anything is stored; an actor whose index is stale is
answered from its facts, the same answer, and left stale for the projector.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from stanceline.application import Stanceline
from stanceline.domain.events import fact_event
from stanceline.domain.intake import validate_fact
from stanceline.errors import StoreBehindError, StoreReadOnlyError
from tests.factories import fact
from tests.integration.conftest import FIXTURES

DAY = date(2025, 7, 4)


def behind(app: Stanceline, summaries: list[str], actor: str = "KAZ") -> None:
    """Store facts' events without projecting them, as a writer elsewhere would."""
    for summary in summaries:
        valid = validate_fact(fact(actor=actor, summary=summary), app.catalogue)
        app.save(
            fact_event(valid.fact_id, valid.content, recorded_at=datetime.now(UTC), recorded_by="x")
        )


def model_rows(app: Stanceline) -> list[str]:
    """Every row the read model and its index hold, as text (to see that nothing changed)."""
    with app.view.dialect.reading() as c:
        rows: list[str] = []
        for table in ("versions", "segments", "indexed", "tracking"):
            app.view.dialect.run(c, f"SELECT * FROM {{{table}}}")
            rows += sorted(f"{table} {sorted(dict(r).items())!r}" for r in c.fetchall())
    return rows


@pytest.fixture
def primary(make_store: Callable[..., str]) -> Stanceline:
    app = Stanceline(make_store())
    app.load_file(FIXTURES, by="fixtures")
    app.project()  # the store's id and every actor's index, as the projector makes them
    return app


@pytest.fixture
def reader(primary: Stanceline) -> Stanceline:
    return Stanceline(primary.store.url, read_only=True)


def test_a_reader_answers_as_the_primary_does(primary: Stanceline, reader: Stanceline) -> None:
    assert reader.read_only
    assert reader.as_it_stands
    for code in ("KAZ", "CHN", "RUS", "USA"):
        assert reader.stance(code, DAY) == primary.stance(code, DAY)
        assert reader.history(code) == primary.history(code)
    assert reader.world(DAY) == primary.world(DAY)
    assert reader.status() == primary.status()
    reader.close()
    primary.close()


def test_a_reader_answers_from_the_model_as_it_stands_until_projected(
    primary: Stanceline, reader: Stanceline
) -> None:
    before = primary.status().position
    answer = reader.stance("KAZ", DAY)
    behind(primary, ["not yet projected 1", "not yet projected 2"])

    # The log has grown; the reader neither projects it nor refuses: it answers as before.
    assert reader.log.head() == before + 2
    assert reader.status().position == before
    assert reader.stance("KAZ", DAY) == answer
    with pytest.raises(StoreBehindError, match=f"position {before}, not yet {before + 2}"):
        reader.stance("KAZ", DAY, f"@{before + 2}")

    done = primary.project()
    assert (done.position, done.events, done.indexed) == (before + 2, 2, 1)
    assert reader.status().position == before + 2
    assert reader.history("KAZ") == primary.history("KAZ")
    assert reader.stance("KAZ", DAY, f"@{before + 2}") == primary.stance(
        "KAZ", DAY, f"@{before + 2}"
    )
    reader.close()
    primary.close()


def test_a_reader_writes_nothing_on_any_path(primary: Stanceline, reader: Stanceline) -> None:
    # A projected fact whose actor's index is stale: a writer would rebuild it on first ask.
    behind(primary, ["stale index"])
    primary.catch_up()
    assert primary.view.stale_actors() == ["KAZ"]
    rows, head = model_rows(primary), primary.log.head()

    fact_id = reader.history("KAZ").entries[0].fact_id
    reader.stance("KAZ", DAY)
    reader.world(DAY)
    reader.explain("KAZ", DAY)
    reader.timeline("KAZ")
    reader.fact(fact_id)
    reader.claims(fact_id, DAY)
    reader.sources()
    reader.export()
    reader.diff_dates(None, date(2024, 1, 1), DAY)
    list(reader.read_events(0, 10))
    refused = [
        lambda: reader.record_fact(fact(summary="refused")),
        lambda: reader.retract(fact_id, "refused"),
        lambda: reader.correct(fact_id, "refused", {"date": "2001"}),
        lambda: reader.load_file(FIXTURES),
        reader.build_index,
        reader.rebuild,
    ]
    for write in refused:
        with pytest.raises(StoreReadOnlyError, match="read"):
            write()

    assert model_rows(primary) == rows
    assert primary.log.head() == head
    # The stale actor was answered from its facts, as the writer answers it from its index.
    assert reader.stance("KAZ", DAY) == primary.stance("KAZ", DAY)
    reader.close()
    primary.close()


def test_a_store_that_was_never_opened_to_write_is_refused_in_one_line(
    make_store: Callable[..., str],
) -> None:
    with pytest.raises(StoreReadOnlyError, match="where it can be written"):
        Stanceline(make_store("empty.db"), read_only=True)


def test_the_projector_follows_new_events_until_stopped(primary: Stanceline) -> None:
    stop, heard = threading.Event(), []
    position = primary.status().position

    def said(done: object) -> None:
        heard.append(done)
        stop.set()

    behind(primary, ["followed"])
    primary.project_following(stop, said)
    assert [(d.position, d.events, d.indexed) for d in heard] == [(position + 1, 1, 1)]
    assert primary.view.stale_actors() == []
    assert primary.status().position == position + 1
    primary.close()


def test_an_index_of_another_format_is_refused_in_one_line(primary: Stanceline) -> None:
    with primary.view.dialect.writing() as c:
        primary.view.dialect.run(c, "UPDATE {format} SET version = 1")
    with pytest.raises(StoreReadOnlyError, match="temporal index is in format 1, this release"):
        Stanceline(primary.store.url, read_only=True)
    # Where it can be written, the index is rebuilt in this release's format, as before.
    Stanceline(primary.store.url).close()
    Stanceline(primary.store.url, read_only=True).close()
    primary.close()


def test_a_position_past_the_log_is_refused_while_the_model_lags(
    primary: Stanceline, reader: Stanceline
) -> None:
    # Known at a position past the log's end means every event stored: while the model
    # lags, those it lacks would be left out, so it is refused as a position inside is.
    past = f"@{primary.status().position + 100}"
    behind(primary, ["not yet projected"])
    with pytest.raises(StoreBehindError, match="not yet"):
        reader.stance("KAZ", DAY, past)
    primary.project()
    assert reader.stance("KAZ", DAY, past) == primary.stance("KAZ", DAY, past)
    reader.close()
    primary.close()
