"""Migrating the whole log into an empty store, in all four directions: every answer equal."""

from __future__ import annotations

import bisect
import itertools
import json
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import PersistenceError, StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from stanceline.application import Stanceline
from stanceline.application.migrate import POSITIONS_HEADER, Migration, migrate
from stanceline.application.verify import head_digest_line, verify
from stanceline.errors import MigrationError, StoreNotEmptyError
from stanceline.projections.rows import format_time
from tests.factories import event_count, fact, generated_files, write_jsonl
from tests.integration.conftest import FIXTURES
from tests.integration.test_known_at import everything, run_operation
from tests.stores import POSTGRES, SQLITE, STORE_PARAMS, Stores
from tests.strategies import Operation, change_scripts

DAYS = [
    date(1990, 1, 1),
    date(2001, 9, 11),
    date(2008, 6, 30),
    date(2015, 1, 1),
    date(2021, 8, 15),
    date(2024, 2, 29),
    date(2025, 4, 10),
    date(2025, 7, 4),
    date(2026, 12, 31),
]
AT_DAYS = [date(2021, 8, 15), date(2025, 4, 10)]
NO_FACTS = "NOR"  # an actor no fixture or generated fact names
POSITION_KEYS = {"position", "from_position", "to_position"}
AT_POSITION = re.compile(r"@([0-9]+)")

Opener = Callable[..., Stanceline]
Renumber = Callable[[int], int]


def dump(report: Any) -> Any:
    return report.model_dump(mode="json", by_alias=True)


def stored(app: Stanceline) -> list[tuple[str, int, str, bytes]]:
    """Every stored event's id, version, topic and bytes, in log order."""
    return [
        (str(n.originator_id), n.originator_version, n.topic, n.state) for n in notifications(app)
    ]


def notifications(app: Stanceline) -> Iterator[Any]:
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=5000):
        yield from page
        start = page[-1].id + 1


def position_map(source: Stanceline, target: Stanceline) -> dict[int, int]:
    """Each event's source position -> its target position, matched by event id."""
    new = {(str(n.originator_id), n.originator_version): n.id for n in notifications(target)}
    return {n.id: new[(str(n.originator_id), n.originator_version)] for n in notifications(source)}


def floor_rule(mapping: dict[int, int]) -> Renumber:
    """The documented rule: a saved position P maps to the new position of the last event at
    or before P (0 when there is none)."""
    old = sorted(mapping)

    def new(position: int) -> int:
        index = bisect.bisect_right(old, position)
        return mapping[old[index - 1]] if index else 0

    return new


def renumber(data: Any, new: Renumber) -> Any:
    """`data` with every position in it (and every @N) given in the target's numbering."""
    if isinstance(data, dict):
        return {
            key: new(value)
            if key in POSITION_KEYS and isinstance(value, int)
            else renumber(value, new)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [renumber(item, new) for item in data]
    if isinstance(data, str) and (match := AT_POSITION.fullmatch(data)):
        return f"@{new(int(match[1]))}"
    return data


def answers(app: Stanceline) -> dict[str, Any]:
    """The answers of the questions that take a day, as known now: world and stance on many
    days, every actor's history and explanations, and a date diff."""
    worlds = {day.isoformat(): [dump(r) for r in app.world(day)] for day in DAYS}
    actors = sorted({r["actor"] for day in worlds.values() for r in day}) or ["RUS"]
    return {
        "world": worlds,
        "stance": {
            actor: [dump(app.stance(actor, day)) for day in DAYS]
            for actor in [*actors[:3], NO_FACTS]
        },
        "history": {actor: dump(app.history(actor)) for actor in actors},
        "explain": {actor: dump(app.explain(actor, date(2025, 4, 10))) for actor in actors},
        "diff": dump(app.diff_dates(None, date(2021, 1, 1), date(2025, 7, 4))),
    }


def answers_at(app: Stanceline, known_at: str) -> dict[str, Any]:
    """The answers as known at `known_at`: the world on a few days, some histories and
    explanations (fewer than now: a big log is asked at several points)."""
    worlds = {day.isoformat(): [dump(r) for r in app.world(day, known_at)] for day in AT_DAYS}
    actors = sorted({r["actor"] for day in worlds.values() for r in day})[:5] or ["RUS"]
    return {
        "world": worlds,
        "history": {actor: dump(app.history(actor, known_at)) for actor in actors},
        "explain": {actor: dump(app.explain(actor, AT_DAYS[-1], known_at)) for actor in actors},
    }


def records(app: Stanceline) -> dict[str, Any]:
    """What the whole log answers: the stream, stance changes, facts, export, verify."""
    events = [event for _, event in app.read_events(0, 10**9)]
    positions = [event["position"] for event in events]
    changed = sorted({e["id"].split("/")[0] for e in events if not e["id"].endswith("/v1")})
    middle = positions[len(positions) // 2]
    later = positions[min(len(positions) - 1, len(positions) // 2 + 100)]
    return {
        "events": events,
        # A few past the middle: each costs more the more facts its actor has by then.
        "changes": [c for _, c in app.stance_changes(0, 100)]
        + [c for _, c in app.stance_changes(middle, 20)],
        "facts": [dump(app.fact(i)) for i in sorted({*changed[:40], *positions_ids(events)})],
        "export": list(app.export()),
        "knowledge": dump(app.diff_knowledge(None, f"@{middle}", f"@{later}")),
        "digest": head_digest_line(verify(app)),
    }


def positions_ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["id"].split("/")[0] for e in events[:: max(1, len(events) // 40)]]


def known_at_points(app: Stanceline) -> list[str]:
    """Known-at values worth asking: the first transaction's last position, the second
    transaction's recorded time and the moment before it, and a position inside a
    transaction."""
    events = [event for _, event in app.read_events(0, 10**9)]
    ends = [a for a, b in itertools.pairwise(events) if a["time"] != b["time"]]
    second = events[events.index(ends[0]) + 1]["time"]
    before = format_time(datetime.fromisoformat(second) - timedelta(microseconds=1))
    inside = events[len(events) // 3 + 1]
    return [f"@{ends[0]['position']}", second, before, f"@{inside['position']}"]


def snapshot(app: Stanceline, points: list[str], new: Renumber | None = None) -> dict[str, Any]:
    """answers() now and at each known-at point (@N renumbered by `new`), plus records()."""
    at = {point: answers_at(app, renumber(point, new) if new else point) for point in points}
    return {"now": answers(app), "at": at, **records(app)}


def check_equal(source: Stanceline, target: Stanceline, expected: dict[str, Any]) -> None:
    """The target answers every question as the source did, positions read through the rule.

    The head digest folds in positions, so it is the same only where they are.
    """
    mapping = position_map(source, target)
    new = floor_rule(mapping)
    answered = snapshot(target, list(expected["at"]), new)
    if any(old != moved for old, moved in mapping.items()):
        assert answered.pop("digest") != expected["digest"]
        expected = {key: value for key, value in expected.items() if key != "digest"}
    assert answered == renumber(expected, new)


@pytest.fixture
def open_target(make_target: Callable[..., str]) -> Iterator[Opener]:
    """Open Stanceline on stores of the target kind; all are closed afterwards."""
    apps: list[Stanceline] = []

    def open_(name: str = "target.db") -> Stanceline:
        apps.append(Stanceline(make_target(name)))
        return apps[-1]

    yield open_
    for app in apps:
        app.close()


@pytest.fixture
def source(loaded_app: Stanceline) -> Stanceline:
    """The fixtures, some of them corrected, retracted and reinstated, with a store id."""
    loaded_app.correct("rus-designation-lifted-2025-04", "court ruling", {"date": "2025-04-17"})
    loaded_app.retract("chn-ambassador-in-kabul", "source withdrawn")
    loaded_app.reinstate("chn-ambassador-in-kabul", "source confirmed")
    loaded_app.record_fact(fact(actor="PAK", summary="a later statement"))
    assert loaded_app.source.startswith("urn:stanceline:store:")
    return loaded_app


# The fixtures, every direction


def test_migrating_the_fixtures_keeps_every_event_position_and_answer(
    source: Stanceline, open_target: Opener, tmp_path: Path
) -> None:
    expected = snapshot(source, known_at_points(source))
    before = stored(source)
    target = open_target()

    done = migrate(source, target, positions_file=tmp_path / "positions.tsv")

    assert stored(target) == before  # same ids, versions, topics, bytes, order
    assert position_map(source, target) == {p: p for p in range(1, len(before) + 1)}
    assert done == Migration(
        copied=18,
        through=18,
        last_position=18,
        renumbered=False,
        positions_file=None,
        store_id=source.view.stored_id(),
        digest=head_digest_line(verify(source)),
        source_grew=False,
    )
    assert target.source == source.source
    assert target.view.position() == 18  # the read model is built
    check_equal(source, target, expected)
    assert not list(tmp_path.glob("*positions*"))  # nothing to map: no file
    assert stored(source) == before
    assert snapshot(source, list(expected["at"])) == expected


def test_the_copy_goes_on_as_a_store_of_its_own(source: Stanceline, open_target: Opener) -> None:
    target = open_target()
    migrate(source, target)

    target.record_fact(fact(actor="CHN", summary="recorded after the migration"))

    events = target.read_events(after=18)
    assert [(p, e["id"].startswith("f")) for p, e in events] == [(19, True)]
    assert verify(target).ok
    assert event_count(source) == 18


def test_a_new_store_id_gives_the_copy_its_own_source(
    source: Stanceline, open_target: Opener, tmp_path: Path
) -> None:
    target = open_target()

    done = migrate(source, target, positions_file=tmp_path / "p.tsv", keep_store_id=False)

    assert done.store_id is None
    assert target.source != source.source
    theirs, ours = source.read_events(0, 100), target.read_events(0, 100)
    assert [{**e, "source": None} for _, e in theirs] == [{**e, "source": None} for _, e in ours]


def test_a_source_that_never_named_itself_is_named_and_the_copy_keeps_the_name(
    loaded_app: Stanceline, open_target: Opener, tmp_path: Path
) -> None:
    target = open_target()
    assert loaded_app.view.stored_id() is None  # no event has been served yet

    done = migrate(loaded_app, target, positions_file=tmp_path / "p.tsv")

    assert done.store_id is not None
    assert loaded_app.view.stored_id() == done.store_id
    assert target.source == loaded_app.source


# Refusals: nothing written


def test_a_target_that_holds_events_is_refused_and_left_as_it_was(
    source: Stanceline, open_target: Opener, tmp_path: Path
) -> None:
    target = open_target()
    target.record_fact(fact(summary="already here"))
    before = (stored(target), target.view.stored_id(), head_digest_line(verify(target)))
    source_before = stored(source)

    with pytest.raises(
        StoreNotEmptyError, match=r"is not empty \(it holds events up to position 1\)"
    ):
        migrate(source, target, positions_file=tmp_path / "p.tsv")

    assert (stored(target), target.view.stored_id(), head_digest_line(verify(target))) == before
    assert stored(source) == source_before
    assert not list(tmp_path.glob("*p.tsv*"))


def test_an_empty_source_is_refused(
    make_app: Callable[..., Stanceline], open_target: Opener
) -> None:
    target = open_target()

    with pytest.raises(MigrationError, match="holds no events"):
        migrate(make_app("empty.db"), target)

    assert event_count(target) == 0


class Interrupted(Exception):
    pass


def test_a_migration_that_fails_midway_leaves_the_target_empty_and_can_be_run_again(
    source: Stanceline, open_target: Opener, tmp_path: Path
) -> None:
    target = open_target()
    folder = tmp_path / "positions"
    folder.mkdir()

    def fail_after_a_batch(copied: int, through: int) -> None:
        if copied >= 10:
            raise Interrupted

    with pytest.raises(Interrupted):
        migrate(
            source, target, positions_file=folder / "p.tsv", progress=fail_after_a_batch, batch=5
        )

    assert event_count(target) == 0
    assert target.view.stored_id() is None
    assert list(folder.iterdir()) == []  # no half-written positions file either
    done = migrate(source, target, positions_file=folder / "p.tsv", batch=5)
    # PostgreSQL's sequence moved on in the failed attempt; the copy still keeps positions.
    assert not done.renumbered
    assert stored(target) == stored(source)
    assert position_map(source, target) == {p: p for p in range(1, 19)}


def test_a_source_that_does_not_verify_is_not_copied(tmp_path: Path, open_target: Opener) -> None:
    path = tmp_path / "tampered.db"
    with Stanceline(f"sqlite:///{path}") as app:
        app.load_file(FIXTURES)
    with closing(sqlite3.connect(path)) as db, db:
        state = json.loads(
            db.execute("SELECT state FROM stored_events WHERE rowid = 9").fetchone()[0]
        )
        state["summary"] = "rewritten"
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = 9", (json.dumps(state),))
    target = open_target()

    with (
        Stanceline(f"sqlite:///{path}") as tampered,
        pytest.raises(
            MigrationError, match=r"the source does not verify: position 9 .*content or chain"
        ),
    ):
        migrate(tampered, target, positions_file=tmp_path / "p.tsv", batch=4)

    assert event_count(target) == 0


# A PostgreSQL source whose positions have gaps


def leave_a_gap(app: Stanceline, width: int = 2) -> None:
    """Use up `width` PostgreSQL positions in an insert that breaks the unique key and so
    keeps nothing (width 1 needs an event already stored)."""
    twice = [StoredEvent("x", 1, "stanceline:Nothing", b"{}")] * 2
    stored_one = list(app.recorder.select_notifications(start=1, limit=1))
    with pytest.raises(PersistenceError):
        app.recorder.insert_events(twice if width == 2 else stored_one)


@pytest.fixture
def gapped_source(tmp_path: Path) -> Iterator[Stanceline]:
    """A PostgreSQL store whose positions start at 3 and skip 17, 19 and 20 (failed inserts)."""
    stores = Stores(POSTGRES, tmp_path)
    app = Stanceline(stores.url("gapped"))
    leave_a_gap(app)
    app.load_file(FIXTURES)
    leave_a_gap(app, 1)
    app.record_fact(fact(summary="between the gaps"))
    leave_a_gap(app, 1)
    leave_a_gap(app, 1)
    app.correct("rus-designation-lifted-2025-04", "court ruling", {"date": "2025-04-17"})
    assert app.source
    yield app
    app.close()
    stores.close()


@pytest.mark.postgres
def test_a_source_with_gaps_keeps_them_in_postgresql_and_is_renumbered_in_sqlite(
    gapped_source: Stanceline, open_target: Opener, target_kind: str, tmp_path: Path
) -> None:
    old = [n.id for n in notifications(gapped_source)]
    assert old[0] > 1  # the gaps are there
    assert old[-1] > len(old)
    expected = snapshot(gapped_source, [f"@{p}" for p in range(old[-1] + 2)])
    target = open_target()
    file = tmp_path / "positions.tsv"

    done = migrate(gapped_source, target, positions_file=file)

    mapping = position_map(gapped_source, target)
    assert stored(target) == stored(gapped_source)
    if target_kind == SQLITE:
        assert done.renumbered
        assert done.positions_file == file
        assert list(mapping.values()) == list(range(1, len(old) + 1))
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        assert lines[0] == POSITIONS_HEADER
        assert [tuple(map(int, line.split("\t"))) for line in lines[1:]] == list(mapping.items())
    else:
        assert not done.renumbered
        assert not file.exists()
        assert mapping == {p: p for p in old}
    assert target.source == gapped_source.source
    assert done.digest == head_digest_line(verify(target))
    # Every saved position, gaps included, answers the same through the rule.
    check_equal(gapped_source, target, expected)


@pytest.mark.postgres
def test_positions_that_would_change_need_a_file_that_does_not_exist_yet(
    gapped_source: Stanceline, tmp_path: Path
) -> None:
    taken = tmp_path / "taken.tsv"
    taken.write_text("someone else's\n")
    target = Stanceline(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        with pytest.raises(MigrationError, match="no positions file was named"):
            migrate(gapped_source, target)
        with pytest.raises(MigrationError, match=r"taken\.tsv already exists"):
            migrate(gapped_source, target, positions_file=taken)
        assert event_count(target) == 0
        assert taken.read_text() == "someone else's\n"
        assert sorted(p.name for p in tmp_path.glob("*.tsv*")) == ["taken.tsv"]
    finally:
        target.close()


# 10,000 generated facts


@pytest.fixture(scope="module", params=STORE_PARAMS)
def big_source(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stanceline, dict[str, Any]]]:
    """10,000 generated facts with their changes, in five loads, and every answer they give."""
    folder = tmp_path_factory.mktemp("big")
    stores = Stores(str(request.param), folder)
    app = Stanceline(stores.url("big.db"))
    for number, lines in enumerate(generated_files(10_000)):
        app.load_file(write_jsonl(folder / f"part-{number}.jsonl", lines))
    assert app.source
    yield app, snapshot(app, known_at_points(app))
    app.close()
    stores.close()


def test_every_answer_over_10000_generated_facts_is_equal_after_migrating(
    big_source: tuple[Stanceline, dict[str, Any]], open_target: Opener, tmp_path: Path
) -> None:
    source, expected = big_source
    before = stored(source)
    target = open_target()

    done = migrate(source, target, positions_file=tmp_path / "positions.tsv")

    assert done.copied == len(before) > 10_000
    assert not done.renumbered
    assert stored(target) == before
    assert done.digest == expected["digest"]
    check_equal(source, target, expected)
    assert stored(source) == before


# The law


DIRECTIONS = [
    pytest.param(
        source, target, marks=[pytest.mark.postgres] if POSTGRES in (source, target) else []
    )
    for source in (SQLITE, POSTGRES)
    for target in (SQLITE, POSTGRES)
]


@pytest.mark.parametrize(("source_kind", "target_kind"), DIRECTIONS)
@settings(max_examples=8)
@given(script=change_scripts(max_size=6), gaps=st.lists(st.booleans(), min_size=7, max_size=7))
def test_law_migrating_preserves_every_answer_at_every_position(
    source_kind: str, target_kind: str, script: list[Operation], gaps: list[bool]
) -> None:
    """On PostgreSQL sources, `gaps` says after which operations positions are skipped."""
    with tempfile.TemporaryDirectory() as folder:
        sources, targets = Stores(source_kind, Path(folder)), Stores(target_kind, Path(folder))
        source = Stanceline(sources.url("source.db"))
        target = Stanceline(targets.url("target.db"))
        try:
            recorded: list[str] = []
            for operation, gap in zip(script, gaps, strict=False):
                run_operation(source, operation, recorded)
                if gap and source_kind == POSTGRES:
                    leave_a_gap(source)
            last = source.recorder.max_notification_id() or 0
            expected = [everything(source, f"@{p}") for p in range(last + 1)]

            migrate(source, target, positions_file=Path(folder) / "positions.tsv")

            new = floor_rule(position_map(source, target))
            assert [everything(target, f"@{new(p)}") for p in range(last + 1)] == expected
            assert everything(target) == everything(source)
        finally:
            source.close()
            target.close()
            sources.close()
            targets.close()
