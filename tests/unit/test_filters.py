"""The world's filters (issue 16): conditions on different parts ANDed, on one part ORed."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.application.filters import (
    PART_VALUES,
    WorldFilter,
    parse_condition,
    parse_part,
)
from stanceline.application.reports import StanceReport
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.facts import VALUES, Component
from stanceline.domain.stance import Occurrence, Summary, stance_on
from stanceline.domain.timeline import Part
from stanceline.errors import QueryError
from tests.strategies import occurrences, query_days

CODES = ["ARE", "CHN", "KAZ", "PAK", "RUS", "USA"]
CATALOGUE = ActorCatalogue.default()


@st.composite
def worlds(draw: st.DrawFn) -> list[StanceReport]:
    """Reports of a few actors on one day, each from facts of its own."""
    day = draw(query_days())
    facts: list[list[Occurrence]] = [draw(occurrences(min_size=0)) for _ in CODES]
    return [
        StanceReport.of(CATALOGUE.resolve(code), stance_on(own, day))
        for code, own in zip(CODES, facts, strict=True)
    ]


def conditions() -> st.SearchStrategy[tuple[Part, str]]:
    return st.sampled_from(list(Part)).flatmap(
        lambda part: st.tuples(st.just(part), st.sampled_from(PART_VALUES[part]))
    )


def value_of(report: StanceReport, part: Part) -> str:
    return report.summary.value if part is Part.SUMMARY else report.components[part].value


@given(worlds(), st.lists(conditions(), max_size=5))
def test_a_filter_keeps_those_with_an_asked_value_for_every_part_asked(
    reports: list[StanceReport], asked: list[tuple[Part, str]]
) -> None:
    kept = WorldFilter.of(asked).apply(reports)
    wanted: dict[Part, set[str]] = {}
    for part, value in asked:
        wanted.setdefault(part, set()).add(value)
    assert kept == [
        r for r in reports if all(value_of(r, part) in values for part, values in wanted.items())
    ]


@given(worlds(), st.lists(conditions(), min_size=2, max_size=2, unique_by=lambda c: c[0]))
def test_conditions_on_different_parts_must_all_hold(
    reports: list[StanceReport], asked: list[tuple[Part, str]]
) -> None:
    one, other = (WorldFilter.of([condition]).apply(reports) for condition in asked)
    assert WorldFilter.of(asked).apply(reports) == [r for r in one if r in other]


@given(
    worlds(),
    st.sampled_from(list(Part)).flatmap(
        lambda part: st.tuples(
            st.just(part), st.lists(st.sampled_from(PART_VALUES[part]), min_size=2, max_size=2)
        )
    ),
)
def test_values_of_one_part_are_alternatives(
    reports: list[StanceReport], asked: tuple[Part, list[str]]
) -> None:
    part, values = asked
    one, other = (WorldFilter.of([(part, value)]).apply(reports) for value in values)
    both = WorldFilter.of([(part, value) for value in values]).apply(reports)
    assert both == [r for r in reports if r in one or r in other]


@given(worlds(), st.lists(conditions(), max_size=5), st.randoms())
def test_the_order_and_repetition_of_conditions_do_not_matter(
    reports: list[StanceReport], asked: list[tuple[Part, str]], random: object
) -> None:
    shuffled = [*asked, *asked]
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert WorldFilter.of(shuffled) == WorldFilter.of(asked)
    once = WorldFilter.of(asked).apply(reports)
    assert WorldFilter.of(asked).apply(once) == once


def test_an_empty_filter_keeps_everyone_and_says_nothing() -> None:
    assert not WorldFilter.of([])
    assert WorldFilter.where(None) == WorldFilter.where({}) == WorldFilter()
    assert WorldFilter().text() == ""


def test_conditions_read_part_equals_value() -> None:
    assert parse_condition("summary=ambassador_level") == (Part.SUMMARY, "ambassador_level")
    assert parse_condition(" sanctions = active ") == (Part.SANCTIONS, "active")
    where = WorldFilter.where({"sanctions": "active", "summary": ["recognized", "designated"]})
    assert where == WorldFilter.of(
        [(Part.SUMMARY, "recognized"), (Part.SUMMARY, "designated"), (Part.SANCTIONS, "active")]
    )
    assert where.text() == "summary is recognized or designated, and sanctions is active"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("sumary=recognized", "where", "unknown part 'sumary'; the parts are summary, recognition"),
        ("summary=ambassador", "where", "summary has no value 'ambassador'; its values are"),
        ("summary", "where", "'summary' is not PART=VALUE"),
        ("assets=active", "where", "its values are not_frozen, frozen"),
    ],
)
def test_a_bad_condition_names_what_is_allowed(text: str, field: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_condition(text)
    assert caught.value.field == field
    assert message in caught.value.message


def test_a_mapping_s_bad_value_names_its_part() -> None:
    with pytest.raises(QueryError) as caught:
        WorldFilter.where({"recognition": ["recognised"]})
    assert caught.value.field == "recognition"
    with pytest.raises(QueryError, match="unknown part 'summry'"):
        WorldFilter.where({"summry": "recognized"})


def test_every_part_s_values_are_the_stance_s() -> None:
    assert PART_VALUES[Part.SUMMARY] == tuple(s.value for s in Summary)
    for component in Component:
        assert PART_VALUES[Part(component.value)] == VALUES[component]
    assert parse_part("assets") is Part.ASSETS
    with pytest.raises(QueryError, match="unknown part 'stance'"):
        parse_part("stance")


def test_the_filter_matches_the_value_shown_not_the_alternatives() -> None:
    china = [
        Occurrence(
            "chn",
            Component.ENVOY_TO_KABUL,
            "ambassador",
            date(2021, 8, 15),
            date(2025, 7, 4),
            1,
            "2021-08-15/2025-07-04",
        )
    ]
    report = StanceReport.of(CATALOGUE.resolve("CHN"), stance_on(china, date(2024, 1, 1)))
    assert report.summary.alternatives == ["ambassador_level"]
    assert WorldFilter.where({"summary": "no_relations"}).keeps(report)
    assert not WorldFilter.where({"summary": "ambassador_level"}).keeps(report)
