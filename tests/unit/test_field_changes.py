"""Field-level changes between two versions of a fact: what a correction changed."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from hypothesis import given

from stanceline.domain.facts import FactContent
from stanceline.domain.field_changes import FieldChange, field_changes
from tests.strategies import fact_contents, payload_trees


def applied(before: dict[str, Any], changes: Sequence[FieldChange]) -> dict[str, Any]:
    """`before` with each change made: the field set to its new value, or taken out for None."""
    result = copy.deepcopy(before)
    for change in changes:
        *parents, key = change.path
        target = result
        for parent in parents:
            target = target[parent]
        if change.after is None:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(change.after)
    return result


def pruned(value: Any) -> Any:
    """The value with every key holding null left out (as the import format writes it)."""
    if isinstance(value, dict):
        return {k: pruned(v) for k, v in value.items() if v is not None}
    return value


def payload(content: FactContent) -> dict[str, Any]:
    return {"id": "f", **content.model_dump(mode="json")}


@given(payload_trees(), payload_trees())
def test_applying_the_changes_to_the_old_version_gives_the_new_one(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    assert pruned(applied(before, field_changes(before, after))) == pruned(after)


@given(fact_contents(), fact_contents())
def test_the_law_holds_for_facts_as_the_import_format_writes_them(
    first: FactContent, second: FactContent
) -> None:
    before, after = payload(first), payload(second)

    assert pruned(applied(before, field_changes(before, after))) == pruned(after)


@given(payload_trees())
def test_equal_versions_list_no_change(tree: dict[str, Any]) -> None:
    assert field_changes(tree, copy.deepcopy(tree)) == []


@given(payload_trees(), payload_trees())
def test_each_field_is_listed_once_and_swapping_the_versions_swaps_each_change(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    forward = field_changes(before, after)
    backward = field_changes(after, before)

    assert len({c.path for c in forward}) == len(forward)
    assert {c.path: (c.after, c.before) for c in backward} == {
        c.path: (c.before, c.after) for c in forward
    }


def test_nested_fields_are_named_by_their_dotted_path_in_the_order_written() -> None:
    before = {
        "id": "x",
        "date": "2025-04",
        "summary": "s",
        "source": {"title": "t", "url": "https://a.example"},
        "details": {"level": "charge_d_affaires"},
    }
    after = {
        "id": "x",
        "date": "2025-04-17",
        "summary": "s",
        "source": {"title": "t", "url": "https://b.example", "quote": "q"},
        "details": {"level": "ambassador"},
    }

    changes = field_changes(before, after)

    assert [(c.field, c.before, c.after) for c in changes] == [
        ("date", "2025-04", "2025-04-17"),
        ("source.url", "https://a.example", "https://b.example"),
        ("source.quote", None, "q"),
        ("details.level", "charge_d_affaires", "ambassador"),
    ]


def test_a_value_of_another_json_type_is_a_change() -> None:
    assert [c.field for c in field_changes({"a": 1, "b": 0}, {"a": True, "b": 0.0})] == ["a", "b"]


def test_a_field_left_out_is_the_same_as_null() -> None:
    assert field_changes({"a": None, "b": {}}, {"b": {"c": None}}) == []
