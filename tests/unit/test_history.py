"""An actor's history: facts in effective-date order, with the values they changed."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.dates import parse_effective_date
from stanceline.domain.facts import DEFAULTS, Component
from stanceline.domain.history import Change, Step, history
from tests.strategies import steps

DESIGNATION = Component.DESIGNATION
SANCTIONS = Component.SANCTIONS


def step(
    fact_id: str,
    edtf: str,
    position: int,
    component: Component | None = None,
    value: str | None = None,
    measure: str | None = None,
) -> Step:
    effective = parse_effective_date(edtf)
    return Step(
        fact_id=fact_id,
        edtf=edtf,
        earliest=effective.earliest,
        latest=effective.latest,
        position=position,
        component=component,
        value=value,
        measure=measure,
    )


def ids(changes: Sequence[Change]) -> list[str]:
    return [change.step.fact_id for change in changes]


def by_id(changes: Sequence[Change]) -> dict[str, Change]:
    return {change.step.fact_id: change for change in changes}


def test_an_empty_history_has_no_changes() -> None:
    assert history([]) == []


def test_facts_are_ordered_by_earliest_day_then_latest_day_then_recording() -> None:
    changes = history(
        [
            step("april", "2025-04", 1, DESIGNATION, "designated"),
            step("april-again", "2025-04", 2, Component.ASSETS, "frozen"),
            step("first-of-april", "2025-04-01", 3, Component.RECOGNITION, "recognized"),
            step("2003", "2003", 4, DESIGNATION, "not_designated"),
            step("april-2", "2025-04-02", 5, Component.ASSETS, "not_frozen"),
        ]
    )
    assert ids(changes) == ["2003", "first-of-april", "april", "april-again", "april-2"]


def test_each_change_shows_the_value_before_and_after_it() -> None:
    changes = history(
        [
            step("lifted", "2025-04", 2, DESIGNATION, "not_designated"),
            step("designated", "2003", 1, DESIGNATION, "designated"),
            step("again", "2025-05-02", 3, DESIGNATION, "not_designated"),
        ]
    )
    assert [(c.before, c.after, c.changed) for c in changes] == [
        ("not_designated", "designated", True),
        ("designated", "not_designated", True),
        ("not_designated", "not_designated", False),
    ]


def test_components_are_followed_separately() -> None:
    changes = by_id(
        history(
            [
                step("envoy", "2024-09-02", 1, Component.TALIBAN_ENVOY, "charge_d_affaires"),
                step("kabul", "2024-10-01", 2, Component.ENVOY_TO_KABUL, "ambassador"),
                step("upgrade", "2025-01", 3, Component.TALIBAN_ENVOY, "ambassador"),
            ]
        )
    )
    assert (changes["kabul"].before, changes["kabul"].after) == ("none", "ambassador")
    assert (changes["upgrade"].before, changes["upgrade"].after) == (
        "charge_d_affaires",
        "ambassador",
    )


def test_statements_have_no_values_and_change_nothing() -> None:
    changes = history(
        [
            step("designated", "2003", 1, DESIGNATION, "designated"),
            step("said", "2024-05-01", 2),
            step("lifted", "2025-04", 3, DESIGNATION, "not_designated"),
        ]
    )
    assert ids(changes) == ["designated", "said", "lifted"]
    said = changes[1]
    assert (said.before, said.after, said.overlaps, said.changed) == (None, None, False, False)
    assert changes[2].before == "designated"


def test_sanctions_are_active_while_any_measure_is() -> None:
    changes = history(
        [
            step("travel", "2025-01-10", 1, SANCTIONS, "active", "travel_ban"),
            step("arms", "2025-02-10", 2, SANCTIONS, "active", "arms_embargo"),
            step("travel-lifted", "2025-03-01", 3, SANCTIONS, "none", "travel_ban"),
            step("arms-lifted", "2025-04-20", 4, SANCTIONS, "none", "arms_embargo"),
        ]
    )
    assert [(c.before, c.after) for c in changes] == [
        ("none", "active"),
        ("active", "active"),
        ("active", "active"),
        ("active", "none"),
    ]
    assert [c.changed for c in changes] == [True, False, False, True]


def test_lifting_a_measure_never_imposed_leaves_sanctions_none() -> None:
    [change] = history([step("lifted", "2025-01-10", 1, SANCTIONS, "none", "travel_ban")])
    assert (change.before, change.after, change.changed) == ("none", "none", False)


def test_overlaps_flags_same_component_facts_whose_ranges_share_a_day() -> None:
    changes = by_id(
        history(
            [
                step("year", "2025", 1, DESIGNATION, "designated"),
                step("june", "2025-06-15", 2, DESIGNATION, "not_designated"),
                step("next-year", "2026-01-01", 3, DESIGNATION, "designated"),
                step("assets", "2025-06-15", 4, Component.ASSETS, "frozen"),
                step("said", "2025-06-15", 5),
            ]
        )
    )
    assert changes["year"].overlaps
    assert changes["june"].overlaps
    # The day after the year ends is adjacent, not overlapping.
    assert not changes["next-year"].overlaps
    assert not changes["assets"].overlaps
    assert not changes["said"].overlaps


def test_overlaps_of_sanctions_are_per_measure() -> None:
    changes = by_id(
        history(
            [
                step("travel", "2025-01", 1, SANCTIONS, "active", "travel_ban"),
                step("arms", "2025-01-10", 2, SANCTIONS, "active", "arms_embargo"),
                step("travel-lifted", "2025-01-31", 3, SANCTIONS, "none", "travel_ban"),
            ]
        )
    )
    assert changes["travel"].overlaps
    assert changes["travel-lifted"].overlaps
    assert not changes["arms"].overlaps


def test_facts_on_one_day_share_that_day() -> None:
    changes = history(
        [
            step("b", "2025-06-15", 2, DESIGNATION, "not_designated"),
            step("a", "2025-06-15", 1, DESIGNATION, "designated"),
        ]
    )
    assert ids(changes) == ["a", "b"]
    assert all(change.overlaps for change in changes)
    assert changes[1].before == "designated"


def shares_a_day(one: Step, other: Step) -> bool:
    return one.earliest <= other.latest and other.earliest <= one.latest


@given(steps())
def test_history_is_every_step_once_in_date_then_recording_order(given_steps: list[Step]) -> None:
    changes = history(given_steps)
    ordered = [change.step for change in changes]
    assert sorted(ordered, key=id) == sorted(given_steps, key=id)
    keys = [(s.earliest, s.latest, s.position) for s in ordered]
    assert keys == sorted(keys)


@given(steps())
def test_overlaps_is_set_exactly_when_a_same_component_fact_shares_a_day(
    given_steps: list[Step],
) -> None:
    for change in history(given_steps):
        this = change.step
        expected = this.component is not None and any(
            other is not this
            and other.component == this.component
            and other.measure == this.measure
            and shares_a_day(this, other)
            for other in given_steps
        )
        assert change.overlaps == expected


@given(steps())
def test_before_is_the_previous_after_and_after_follows_the_rules(
    given_steps: list[Step],
) -> None:
    current = dict(DEFAULTS)
    measures: dict[str | None, str] = {}
    for change in history(given_steps):
        this = change.step
        if this.component is None:
            assert (change.before, change.after, change.changed) == (None, None, False)
            continue
        assert change.before == current[this.component]
        if this.component is SANCTIONS:
            measures[this.measure] = str(this.value)
            expected = "active" if "active" in measures.values() else "none"
        else:
            expected = str(this.value)
        assert change.after == expected
        assert change.changed == (change.before != change.after)
        current[this.component] = expected


@given(steps(), st.data())
def test_facts_set_aside_are_placed_by_date_and_move_nothing(
    given_steps: list[Step], data: st.DataObject
) -> None:
    aside_flags = data.draw(st.lists(st.booleans(), min_size=len(given_steps), max_size=8))
    counting = [s for s, flag in zip(given_steps, aside_flags, strict=False) if not flag]
    aside = [s for s, flag in zip(given_steps, aside_flags, strict=False) if flag]

    changes = history(counting, aside)

    assert [c.step for c in changes] == [c.step for c in history(given_steps)]
    assert [c for c in changes if c.step not in aside] == history(counting)
    current = dict(DEFAULTS)
    for change in changes:
        if change.step in aside and change.step.component is not None:
            assert change.before == change.after == current[change.step.component]
            assert not change.changed
            assert not change.overlaps
        elif change.after is not None and change.step.component is not None:
            current[change.step.component] = change.after


def test_a_fact_set_aside_shows_the_value_where_it_stands() -> None:
    imposed = step("imposed", "2003", 1, DESIGNATION, "designated")
    retracted = step("lifted-retracted", "2025-04", 2, DESIGNATION, "not_designated")

    changes = history([imposed], aside=[retracted])

    assert ids(changes) == ["imposed", "lifted-retracted"]
    assert (changes[1].before, changes[1].after, changes[1].changed) == (
        "designated",
        "designated",
        False,
    )
