"""The temporal index (issue 7): answers read from stored segments are the rules' answers.

Every current answer now comes from the index; these laws compare it, byte for
byte, with the rules run on every current fact (the path known-at answers
still take), on both stores, while facts are recorded, corrected, retracted
and reinstated, so the index is behind and rebuilt again and again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from stanceline.adapters.sqlite_readmodel import SQLiteDialect
from stanceline.application import Stanceline
from stanceline.application.reports import StanceReport
from stanceline.domain.stance import stance_on
from tests.factories import fact
from tests.integration.conftest import FIXTURES, AppFactory
from tests.integration.test_known_at import run_operation
from tests.stores import Stores
from tests.strategies import CHANGE_ACTORS, CHANGE_QUERY_DAYS, Operation, change_scripts

ONE_DAY = timedelta(days=1)


def by_the_rules(app: Stanceline, code: str, on: date) -> str:
    """An actor's stance JSON from the rules on every fact that counts now (no index)."""
    occurrences = app.read.occurrences(code, None)
    return StanceReport.of(app.resolve(code), stance_on(occurrences, on)).model_dump_json()


def days_that_matter(app: Stanceline, codes: Iterable[str]) -> list[date]:
    """Each fact's first and last day and their neighbours, the calendar's ends, and a few more."""
    days = {date.min, date.max, *CHANGE_QUERY_DAYS}
    for code in codes:
        for row in app.view.facts_of(code):
            for day in (row.earliest, row.latest):
                days.add(day)
                if day > date.min:
                    days.add(day - ONE_DAY)
                if day < date.max:
                    days.add(day + ONE_DAY)
    return sorted(days)


def assert_index_agrees(app: Stanceline, codes: Iterable[str]) -> None:
    """Every actor's stance and the world, on every day that matters, as the rules give them."""
    codes = list(codes)
    for day in days_that_matter(app, codes):
        for code in codes:
            expected = by_the_rules(app, code, day)
            assert app.stance(code, day).model_dump_json() == expected, (code, day)
            # The event loop's answer, when it gives one, is the same bytes.
            at_once = app.stance_at_once(code, day)
            assert at_once is None or at_once.model_dump_json() == expected, (code, day)
        world = [report.model_dump_json() for report in app.world(day)]
        assert world == [by_the_rules(app, code, day) for code in app.view.actors()], day


def test_the_fixtures_answer_as_the_rules_do(loaded_app: Stanceline) -> None:
    assert_index_agrees(loaded_app, loaded_app.view.actors())


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=change_scripts(max_size=8))
def test_law_after_every_change_the_index_answers_as_the_rules_do(
    store_kind: str, script: list[Operation]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        stores = Stores(store_kind, Path(folder))
        app = Stanceline(stores.url())
        try:
            recorded: list[str] = []
            for operation in script:
                if run_operation(app, operation, recorded):
                    assert_index_agrees(app, CHANGE_ACTORS)
        finally:
            app.close()
            stores.close()


def test_another_process_s_new_facts_are_answered_from_a_rebuilt_index(
    store_url: str,
) -> None:
    url = store_url
    writer, reader = Stanceline(url), Stanceline(url)
    try:
        writer.load_file(FIXTURES)
        assert_index_agrees(reader, ["RUS", "CHN"])
        writer.record_fact(
            fact(kind="recognition_withdrawn", actor="RUS", date="2025-07", summary="withdrawn")
        )
        writer.record_fact(fact(kind="formal_recognition_granted", actor="CHN", date="2025"))
        assert_index_agrees(reader, ["RUS", "CHN"])
        assert reader.stance("RUS", date(2025, 8, 1)).components["recognition"].value == "none"
    finally:
        writer.close()
        reader.close()


def test_a_retracted_last_fact_takes_the_actor_out_of_the_world(loaded_app: Stanceline) -> None:
    loaded_app.retract("eu-statement-recognition-conditions", "a paraphrase")

    assert "EU" not in [r.actor for r in loaded_app.world(date(2025, 7, 4))]
    assert_index_agrees(loaded_app, ["EU"])


def test_rebuild_rebuilds_the_index_too(loaded_app: Stanceline) -> None:
    july_4 = date(2025, 7, 4)
    assert loaded_app.stance("RUS", july_4).summary.value == "recognized"  # segments built
    # Spoil Russia's stored answers: from now on the index alone says "no relations".
    with loaded_app.view.dialect.writing() as c:
        loaded_app.view.dialect.run(
            c,
            "UPDATE {segments} SET answer = :spoilt WHERE actor = 'RUS' AND component = 'summary'",
            {"spoilt": '{"value": "no_relations", "certainty": "certain", "alternatives": []}'},
        )
    assert loaded_app.stance("RUS", july_4).summary.value == "no_relations"

    loaded_app.rebuild()

    assert loaded_app.stance("RUS", july_4).summary.value == "recognized"
    assert_index_agrees(loaded_app, loaded_app.view.actors())


def test_a_store_made_before_the_index_builds_it_on_first_use(make_app: AppFactory) -> None:
    app = make_app()
    app.load_file(FIXTURES)
    with app.view.dialect.writing() as c:
        app.view.dialect.run(c, "DROP TABLE {segments}")
        app.view.dialect.run(c, "DROP TABLE {indexed}")
    app.close()

    reopened = make_app()

    assert [r.actor for r in reopened.world(date(2025, 7, 4))] == reopened.view.actors()
    assert_index_agrees(reopened, reopened.view.actors())


@pytest.mark.parametrize("known_at", ["@13", "@14"])
def test_known_at_answers_still_come_from_the_facts_known_then(
    loaded_app: Stanceline, known_at: str
) -> None:
    july_4 = date(2025, 7, 4)
    loaded_app.correct("rus-recognition-2025-07-03", "it was later", {"date": "2025-08"})

    past = loaded_app.stance("RUS", july_4, known_at)

    assert past.known_at == known_at
    assert past.summary.value == "recognized"
    assert loaded_app.stance("RUS", july_4).summary.value == "ambassador_level"


def test_build_index_brings_the_actors_behind_up_to_date_at_once(loaded_app: Stanceline) -> None:
    assert loaded_app.view.stale_actors() == loaded_app.view.actors()

    assert loaded_app.build_index() == 7
    assert loaded_app.view.stale_actors() == []
    assert loaded_app.build_index() == 0

    loaded_app.record_fact(fact(kind="formal_recognition_granted", actor="CHN", date="2025"))
    assert loaded_app.view.stale_actors() == ["CHN"]
    assert loaded_app.build_index() == 1
    assert_index_agrees(loaded_app, ["CHN"])


# The event loop's lookup (stance_at_once): the stance, or None when more is needed.


def test_the_answer_at_once_is_the_stance_once_the_index_holds_it(loaded_app: Stanceline) -> None:
    july_4 = date(2025, 7, 4)
    assert loaded_app.stance_at_once("RUS", july_4) is None  # behind its facts after the load
    assert "RUS" in loaded_app.view.stale_actors()  # and left so: never rebuilt here

    report = loaded_app.stance("RUS", july_4)  # rebuilds Russia's segments
    at_once = loaded_app.stance_at_once("Russia", july_4)

    if isinstance(loaded_app.view.dialect, SQLiteDialect):
        assert at_once is not None
        assert at_once.model_dump_json() == report.model_dump_json()
    else:
        assert at_once is None  # PostgreSQL is never read on the loop
    # A name the catalogue does not know: stance() says why (with suggestions).
    assert loaded_app.stance_at_once("Rusia", july_4) is None


def test_no_answer_at_once_after_a_change_until_the_index_is_rebuilt(
    loaded_app: Stanceline,
) -> None:
    loaded_app.build_index()
    august = date(2025, 8, 1)
    loaded_app.record_fact(
        fact(kind="recognition_withdrawn", actor="RUS", date="2025-07", summary="withdrawn")
    )

    assert loaded_app.stance_at_once("RUS", august) is None
    assert loaded_app.stance("RUS", august).components["recognition"].value == "none"
    at_once = loaded_app.stance_at_once("RUS", august)
    assert at_once is None or at_once.components["recognition"].value == "none"


def test_no_answer_at_once_while_the_model_is_behind_the_log(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader = Stanceline(store_url), Stanceline(store_url)
    try:
        writer.load_file(FIXTURES)
        reader.build_index()
        august = date(2025, 8, 1)
        before = reader.stance("RUS", august)
        # Another writer stores an event and stops before projecting it (as a killed one).
        monkeypatch.setattr(writer.read, "catch_up", lambda *args, **kwargs: 0)
        writer.record_fact(
            fact(kind="recognition_withdrawn", actor="RUS", date="2025-07", summary="withdrawn")
        )
        assert reader.view.behind()[0] > reader.view.behind()[1]

        assert reader.stance_at_once("RUS", august) is None
        assert reader.stance_at_once("CHN", august) is None  # every actor: the log may move it
        after = reader.stance("RUS", august)  # catches up, rebuilds
        assert before.components["recognition"].value != "none"
        assert after.components["recognition"].value == "none"
    finally:
        writer.close()
        reader.close()


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Stanceline]:
    """The fixtures in a SQLite store (the one whose reads may be answered at once)."""
    app = Stanceline(f"sqlite:///{tmp_path / 'store.db'}")
    app.load_file(FIXTURES, by="fixtures")
    yield app
    app.close()


def test_no_answer_at_once_when_no_connection_is_free(sqlite_app: Stanceline) -> None:
    assert isinstance(sqlite_app.view.dialect, SQLiteDialect)
    july_4 = date(2025, 7, 4)
    sqlite_app.build_index()
    assert sqlite_app.stance_at_once("RUS", july_4) is not None
    pool = sqlite_app.view.datastore.pool
    held = [
        pool.get_connection(timeout=0, is_writer=False)
        for _ in range(pool.pool_size + pool.max_overflow)
    ]
    try:
        assert sqlite_app.stance_at_once("RUS", july_4) is None  # at once, not after a wait
    finally:
        for connection in held:
            pool.put_connection(connection)
    assert sqlite_app.stance_at_once("RUS", july_4) is not None
