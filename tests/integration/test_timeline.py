"""Timelines on a real store: bands of one answer, the facts behind them, knowledge time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from stanceline.application import Stanceline
from stanceline.application.reports import TimelineReport
from stanceline.errors import InvalidRangeError, QueryError, UnknownActorError
from tests.factories import fact

JULY_3 = date(2025, 7, 3)
FIXTURE_ACTORS = ["ARE", "CHN", "EU", "PAK", "RUS", "USA", "UZB"]


def summary_on(report: TimelineReport, day: date) -> tuple[str, list[str]]:
    """The band covering `day`: its value and possible values."""
    (band,) = [b for b in report.bands if b.start <= day.isoformat() <= b.end]
    return band.value, band.possible


def days_of(report: TimelineReport) -> list[date]:
    """Every day of the report's range (kept short by the tests that use it)."""
    first, last = date.fromisoformat(report.from_), date.fromisoformat(report.to)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_russia_is_recognized_from_the_third_of_july(seeded_app: Stanceline) -> None:
    report = seeded_app.timeline("Russia", date(2025, 6, 1), date(2025, 7, 31))
    assert (report.actor, report.actor_name) == ("RUS", "Russia")
    assert summary_on(report, JULY_3 - timedelta(days=1)) == ("no_relations", ["no_relations"])
    assert summary_on(report, JULY_3) == ("recognized", ["recognized"])
    assert report.bands[-1].start == JULY_3.isoformat()
    assert report.bands[-1].end == "2025-07-31"


def test_bands_agree_with_the_stance_on_every_day(seeded_app: Stanceline) -> None:
    report = seeded_app.timeline("RUS", date(2025, 3, 25), date(2025, 7, 10))
    for day in days_of(report):
        stance = seeded_app.stance("RUS", day).summary
        value, possible = summary_on(report, day)
        assert value == stance.value
        assert possible == sorted([stance.value, *stance.alternatives])


def test_defaults_run_from_the_first_fact_to_today(seeded_app: Stanceline) -> None:
    report = seeded_app.timeline("RUS")
    # Russia's first dated fact is its 2003 designation; the open-ended statement does not count.
    assert report.from_ == "2003-01-01"
    assert report.to == datetime.now(UTC).date().isoformat()
    assert report.bands[0].certainty == "uncertain"
    assert {f.fact_id for f in report.facts} >= {
        "rus-designation-2003",
        "rus-recognition-2025-07-03",
    }


def test_facts_are_those_whose_range_meets_the_drawn_one(seeded_app: Stanceline) -> None:
    report = seeded_app.timeline("RUS", date(2025, 4, 15), date(2025, 6, 30))
    shown = [f.fact_id for f in report.facts]
    assert shown == ["rus-statement-ally-against-terrorism", "rus-designation-lifted-2025-04"]
    lifted = report.facts[1]
    assert (lifted.date, lifted.earliest, lifted.latest) == ("2025-04", "2025-04-01", "2025-04-30")
    assert (lifted.kind, lifted.component) == ("terrorist_designation_lifted", "designation")
    assert report.facts[0].component is None


def test_an_actor_without_facts_has_one_band(seeded_app: Stanceline) -> None:
    report = seeded_app.timeline("IRN", end=date(2025, 1, 1))
    assert (report.from_, report.to) == ("2025-01-01", "2025-01-01")
    assert [(b.value, b.certainty.value) for b in report.bands] == [("no_relations", "certain")]
    assert report.facts == []


def test_a_range_that_runs_backwards_is_refused(seeded_app: Stanceline) -> None:
    with pytest.raises(InvalidRangeError, match="after to"):
        seeded_app.timeline("RUS", date(2025, 2, 1), date(2025, 1, 1))
    # A default from never runs backwards: it stops at `to`.
    report = seeded_app.timeline("RUS", end=date(2000, 1, 1))
    assert (report.from_, report.to) == ("2000-01-01", "2000-01-01")
    with pytest.raises(UnknownActorError):
        seeded_app.timeline("Atlantis")


def test_known_at_answers_from_what_was_known_then(loaded_app: Stanceline) -> None:
    loaded_app.record_fact(
        fact(kind="recognition_withdrawn", date="2025-09", summary="Moscow withdraws recognition"),
        by="tests",
    )
    span = (date(2025, 7, 1), date(2025, 12, 31))
    before = loaded_app.timeline("RUS", *span, known_at="@14")
    now = loaded_app.timeline("RUS", *span)
    assert before.known_at == "@14"
    assert now.known_at is None
    assert summary_on(before, date(2025, 10, 15)) == ("recognized", ["recognized"])
    assert summary_on(now, date(2025, 10, 15))[0] == "ambassador_level"
    assert summary_on(now, date(2025, 9, 10)) == (
        "recognized",
        ["ambassador_level", "recognized"],
    )
    assert len(now.facts) == len(before.facts) + 1


def test_several_actors_share_one_range(seeded_app: Stanceline) -> None:
    reports = seeded_app.timelines(end=date(2025, 7, 31))
    assert [r.actor for r in reports] == FIXTURE_ACTORS
    assert {(r.from_, r.to) for r in reports} == {("2003-01-01", "2025-07-31")}
    chosen = seeded_app.timelines(["Russia", "CHN", "RUS"], end=date(2025, 7, 31))
    assert [r.actor for r in chosen] == ["RUS", "CHN"]
    assert chosen[1].from_ == "2003-01-01"


def test_the_knowledge_label_names_the_store_s_position(loaded_app: Stanceline) -> None:
    label = loaded_app.knowledge_label()
    assert label.startswith("@14 (")
    assert loaded_app.knowledge_label("@3").startswith("@3 (")
    assert loaded_app.knowledge_label("2000-01-01") == "2000-01-01T23:59:59.999999Z (@0)"


# Every part over time (issue 16), and the world's filters, through the Python API.

PARTS = [
    "summary",
    "recognition",
    "designation",
    "taliban_envoy",
    "envoy_to_kabul",
    "sanctions",
    "assets",
]


def test_each_component_s_bands_agree_with_its_stance_on_every_day(seeded_app: Stanceline) -> None:
    for part in PARTS[1:]:
        report = seeded_app.timeline("USA", date(2025, 6, 20), date(2025, 7, 10), part=part)
        assert report.part == part
        for day in days_of(report):
            answer = seeded_app.stance("USA", day).components[part]
            assert summary_on(report, day) == (
                answer.value,
                sorted([answer.value, *answer.alternatives]),
            )


def test_the_parts_of_one_actor_share_one_range_and_its_facts(seeded_app: Stanceline) -> None:
    reports = seeded_app.timeline_parts("RUS", end=date(2025, 12, 31))
    assert [r.part for r in reports] == PARTS
    assert {(r.from_, r.to) for r in reports} == {("2003-01-01", "2025-12-31")}
    assert reports[0] == seeded_app.timeline("RUS", end=date(2025, 12, 31))
    everything = {f.fact_id for f in reports[0].facts}
    by_part = [f.fact_id for r in reports[1:] for f in r.facts]
    # Each fact that moves a component is in that part's timeline, once; statements in none.
    assert sorted(by_part) == sorted(f.fact_id for f in reports[0].facts if f.component is not None)
    assert set(by_part) < everything
    assert seeded_app.timelines(["RUS", "USA"], part="assets")[1].bands[-1].value == "frozen"


def test_an_unknown_part_is_a_query_error_naming_the_parts(seeded_app: Stanceline) -> None:
    with pytest.raises(QueryError, match="unknown part 'embassy'; the parts are summary,"):
        seeded_app.timeline("RUS", part="embassy")
    with pytest.raises(QueryError) as caught:
        seeded_app.timelines(part="Summary")
    assert caught.value.field == "part"


def test_the_world_keeps_what_where_asks(seeded_app: Stanceline) -> None:
    day = date(2025, 7, 4)
    every = [r.actor for r in seeded_app.world(day)]
    assert every == FIXTURE_ACTORS
    kept = seeded_app.world(day, where={"summary": ["recognized", "ambassador_level"]})
    assert [r.actor for r in kept] == ["ARE", "CHN", "PAK", "RUS", "UZB"]
    both = seeded_app.world(day, where={"summary": "no_relations", "assets": ["frozen"]})
    assert [r.actor for r in both] == ["USA"]
    earlier = seeded_app.world(day, "@6", where={"summary": "recognized"})
    assert [r.actor for r in earlier] == ["RUS"]
    with pytest.raises(QueryError, match="assets has no value 'seized'"):
        seeded_app.world(day, where={"assets": "seized"})
