"""Validating one fact of the import format (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.facts import Component, Effect, FactKind
from stanceline.domain.intake import (
    ValidFact,
    content_hash,
    derived_id,
    import_schema,
    validate_fact,
)
from stanceline.errors import FieldError, InvalidFactError, StancelineError
from tests.strategies import details_for, fact_ids

CATALOGUE = ActorCatalogue.default()


def line(**changes: Any) -> dict[str, Any]:
    """A valid import line, with some keys changed (None removes a key)."""
    fact: dict[str, Any] = {
        "kind": "terrorist_designation_lifted",
        "actor": "RUS",
        "date": "2025-04",
        "summary": "Russia lifts its 2003 designation of the Taliban",
        "source": {
            "title": "Russia recognises the Taliban government",
            "publisher": "Clash Report",
            "url": "https://example.org/clash-report",
            "published": "2025-07-04",
            "quote": "Russia removed the Taliban from its list of terrorist organisations.",
        },
        "details": {},
    }
    fact.update(changes)
    return {key: value for key, value in fact.items() if value is not None}


def validate(raw: Any) -> ValidFact:
    return validate_fact(raw, CATALOGUE)


def field_of(raw: Any) -> FieldError:
    with pytest.raises(FieldError) as caught:
        validate(raw)
    return caught.value


# Valid facts

VALID_DETAILS: list[tuple[FactKind, dict[str, Any], Effect | None]] = [
    (FactKind.TERRORIST_DESIGNATION_IMPOSED, {}, Effect(Component.DESIGNATION, "designated")),
    (FactKind.TERRORIST_DESIGNATION_LIFTED, {}, Effect(Component.DESIGNATION, "not_designated")),
    (
        FactKind.TALIBAN_ENVOY_ACCEPTED,
        {},
        Effect(Component.TALIBAN_ENVOY, "charge_d_affaires"),
    ),
    (
        FactKind.TALIBAN_ENVOY_ACCEPTED,
        {"level": "ambassador"},
        Effect(Component.TALIBAN_ENVOY, "ambassador"),
    ),
    (
        FactKind.AMBASSADOR_CREDENTIALS_ACCEPTED,
        {},
        Effect(Component.TALIBAN_ENVOY, "ambassador"),
    ),
    (FactKind.TALIBAN_MISSION_CLOSED, {}, Effect(Component.TALIBAN_ENVOY, "none")),
    (
        FactKind.ENVOY_POSTED_TO_KABUL,
        {"level": "charge_d_affaires"},
        Effect(Component.ENVOY_TO_KABUL, "charge_d_affaires"),
    ),
    (
        FactKind.ENVOY_POSTED_TO_KABUL,
        {"level": "ambassador"},
        Effect(Component.ENVOY_TO_KABUL, "ambassador"),
    ),
    (FactKind.KABUL_MISSION_CLOSED, {}, Effect(Component.ENVOY_TO_KABUL, "none")),
    (FactKind.FORMAL_RECOGNITION_GRANTED, {}, Effect(Component.RECOGNITION, "recognized")),
    (FactKind.RECOGNITION_WITHDRAWN, {}, Effect(Component.RECOGNITION, "none")),
    (
        FactKind.SANCTIONS_IMPOSED,
        {"measure": "officials_travel_ban"},
        Effect(Component.SANCTIONS, "active", "officials_travel_ban"),
    ),
    (
        FactKind.SANCTIONS_LIFTED,
        {"measure": "officials_travel_ban"},
        Effect(Component.SANCTIONS, "none", "officials_travel_ban"),
    ),
    (FactKind.ASSETS_FROZEN, {}, Effect(Component.ASSETS, "frozen")),
    (FactKind.ASSETS_UNFROZEN, {}, Effect(Component.ASSETS, "not_frozen")),
    (FactKind.STANCE_STATED, {}, None),
]


def test_the_examples_cover_every_kind() -> None:
    assert {kind for kind, _, _ in VALID_DETAILS} == set(FactKind)


@pytest.mark.parametrize(("kind", "details", "effect"), VALID_DETAILS)
def test_a_valid_fact_of_each_kind(
    kind: FactKind, details: dict[str, Any], effect: Effect | None
) -> None:
    fact = validate(line(kind=kind.value, details=details))
    assert fact.content.kind is kind
    assert fact.content.actor == "RUS"
    assert fact.content.effect() == effect
    assert fact.date.earliest == date(2025, 4, 1)
    assert fact.date.latest == date(2025, 4, 30)
    assert fact.content_hash == content_hash(fact.content)
    assert fact.fact_id == derived_id(fact.content_hash)


def test_an_envoy_accepted_without_a_level_is_a_charge_d_affaires() -> None:
    implicit = validate(line(kind="taliban_envoy_accepted", details={}))
    explicit = validate(line(kind="taliban_envoy_accepted", details={"level": "charge_d_affaires"}))
    assert implicit.content.details == {"level": "charge_d_affaires"}
    assert implicit.fact_id == explicit.fact_id


def test_details_may_be_left_out_for_a_kind_that_takes_none() -> None:
    fact = validate(line(details=None))
    assert fact.content.details == {}


def test_only_the_title_of_a_source_is_required() -> None:
    fact = validate(line(source={"title": "Clash Report"}))
    assert fact.content.source.title == "Clash Report"
    assert fact.content.source.url is None


@pytest.mark.parametrize(
    ("actor", "code"),
    [("Russia", "RUS"), ("RUS", "RUS"), ("UAE", "ARE"), ("United Nations", "UN"), ("eu", "EU")],
)
def test_the_actor_is_resolved_to_its_code(actor: str, code: str) -> None:
    assert validate(line(actor=actor)).content.actor == code


def test_the_date_resolves_to_its_range() -> None:
    fact = validate(line(date="2024-09-02/2024-09-06"))
    assert (fact.date.earliest, fact.date.latest) == (date(2024, 9, 2), date(2024, 9, 6))
    assert fact.content.date == "2024-09-02/2024-09-06"


# Errors name the field


@pytest.mark.parametrize("key", ["kind", "actor", "date", "summary", "source"])
def test_a_missing_required_key_is_named(key: str) -> None:
    error = field_of(line(**{key: None}))
    assert error.field == key
    assert str(error).startswith(f"{key}: ")


def test_a_missing_source_title_is_named() -> None:
    assert field_of(line(source={"publisher": "Clash Report"})).field == "source.title"


@pytest.mark.parametrize("summary", ["", "   "])
def test_an_empty_summary_is_named(summary: str) -> None:
    assert field_of(line(summary=summary)).field == "summary"


def test_an_unknown_kind_is_named() -> None:
    assert field_of(line(kind="terrorist_designation_suspended")).field == "kind"


def test_an_unknown_top_level_key_is_named() -> None:
    error = field_of(line(effective="2025-04"))
    assert error.field == "effective"
    assert error.message == "unknown key"


def test_an_unknown_source_key_is_named() -> None:
    error = field_of(line(source={"title": "t", "author": "someone"}))
    assert (error.field, error.message) == ("source.author", "unknown key")


@pytest.mark.parametrize(
    ("kind", "details", "field"),
    [
        ("terrorist_designation_lifted", {"level": "ambassador"}, "details.level"),
        ("stance_stated", {"note": "x"}, "details.note"),
        ("taliban_envoy_accepted", {"rank": "ambassador"}, "details.rank"),
        ("sanctions_imposed", {"measure": "travel_ban", "until": "2026"}, "details.until"),
    ],
)
def test_an_unknown_details_key_is_named(kind: str, details: dict[str, Any], field: str) -> None:
    error = field_of(line(kind=kind, details=details))
    assert (error.field, error.message) == (field, "unknown key")


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        ("taliban_envoy_accepted", {"level": "consul"}),
        ("envoy_posted_to_kabul", {"level": "Ambassador"}),
        ("envoy_posted_to_kabul", {}),
    ],
)
def test_a_bad_or_missing_level_is_named(kind: str, details: dict[str, Any]) -> None:
    assert field_of(line(kind=kind, details=details)).field == "details.level"


@pytest.mark.parametrize("details", [{}, {"measure": "Travel Ban"}, {"measure": ""}])
@pytest.mark.parametrize("kind", ["sanctions_imposed", "sanctions_lifted"])
def test_sanctions_need_a_measure_code(kind: str, details: dict[str, Any]) -> None:
    assert field_of(line(kind=kind, details=details)).field == "details.measure"


def test_an_unknown_actor_is_named_with_a_suggestion() -> None:
    error = field_of(line(actor="Rusia"))
    assert error.field == "actor"
    assert "Rusia" in error.message
    assert "Russia (RUS)" in error.message


def test_a_two_letter_country_code_is_not_an_actor() -> None:
    assert field_of(line(actor="RU")).field == "actor"


@pytest.mark.parametrize(
    "text", ["2023-02-29", "2025-13", "2025-04-31", "2025-05/2025-04", "2025-04/", "April 2025"]
)
def test_an_impossible_date_is_named(text: str) -> None:
    error = field_of(line(date=text))
    assert error.field == "date"
    assert text.strip() in error.message


@pytest.mark.parametrize("published", ["2025-02-30", "2025-13", "July 2025"])
def test_an_impossible_publication_date_is_named(published: str) -> None:
    error = field_of(line(source={"title": "Clash Report", "published": published}))
    assert error.field == "source.published"
    assert not error.message.startswith("Value error")


@given(st.text(alphabet="0123456789-/.X~?% ", max_size=24))
def test_any_date_text_is_either_a_range_or_an_error_naming_the_date(text: str) -> None:
    fact: ValidFact | FieldError
    try:
        fact = validate(line(date=text))
    except FieldError as error:
        fact = error
    if isinstance(fact, FieldError):
        assert fact.field == "date"
    else:
        assert fact.date.earliest <= fact.date.latest
        assert fact.content.date == text.strip()


def test_a_bad_id_is_named() -> None:
    assert field_of(line(id="not an id")).field == "id"


@pytest.mark.parametrize("raw", [[], "fact", 42, None, ["kind", "actor"]])
def test_input_that_is_not_an_object_is_refused(raw: Any) -> None:
    error = field_of(raw)
    assert error.field == "fact"
    assert type(raw).__name__ in error.message


def test_field_errors_are_invalid_fact_errors() -> None:
    error = field_of(line(kind=None))
    assert isinstance(error, InvalidFactError)
    assert isinstance(error, StancelineError)
    assert isinstance(error, ValueError)


# Ids


def test_the_same_content_spelled_differently_has_the_same_id() -> None:
    plain = validate(line())
    spelled = validate(
        line(
            actor="Russia",
            summary="  Russia lifts its 2003 designation of the Taliban \n",
            date=" 2025-04 ",
        )
    )
    assert spelled.content == plain.content
    assert spelled.content_hash == plain.content_hash
    assert spelled.fact_id == plain.fact_id


def test_key_order_does_not_change_the_id() -> None:
    fact = line()
    reordered = dict(reversed(list(fact.items())))
    assert validate(reordered).fact_id == validate(fact).fact_id


@pytest.mark.parametrize(
    "changes",
    [
        {"actor": "CHN"},
        {"date": "2025-04-10"},
        {"summary": "Russia suspends its designation of the Taliban"},
        {"kind": "terrorist_designation_imposed"},
        {"source": {"title": "Another report"}},
    ],
)
def test_different_content_has_a_different_id(changes: dict[str, Any]) -> None:
    assert validate(line(**changes)).fact_id != validate(line()).fact_id


def test_different_details_have_different_ids() -> None:
    one = validate(line(kind="sanctions_imposed", details={"measure": "travel_ban"}))
    other = validate(line(kind="sanctions_imposed", details={"measure": "arms_embargo"}))
    assert one.fact_id != other.fact_id


def test_an_explicit_id_is_kept() -> None:
    fact = validate(line(id="ru-designation-lifted-2025"))
    assert fact.fact_id == "ru-designation-lifted-2025"
    # The content hash ignores the id, so it still detects a changed fact under the same id.
    assert fact.content_hash == validate(line()).content_hash


@given(st.sampled_from(FactKind).flatmap(lambda k: st.tuples(st.just(k), details_for(k))))
def test_derived_ids_ignore_spelling_for_every_kind(case: tuple[FactKind, dict[str, str]]) -> None:
    kind, details = case
    first = validate(line(kind=kind.value, details=details))
    summary = f"\t {first.content.summary}  "
    again = validate(line(kind=kind.value, details=dict(details), actor="Russia", summary=summary))
    assert first.fact_id == again.fact_id
    assert first.fact_id.startswith("f")
    assert len(first.fact_id) == 17


@given(fact_ids())
def test_any_allowed_explicit_id_is_kept(fact_id: str) -> None:
    assert validate(line(id=fact_id)).fact_id == fact_id


# The JSON Schema of an import line


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_the_import_schema_describes_every_key() -> None:
    schema = import_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    keys = {"kind", "actor", "date", "summary", "source", "details", "id"}
    assert set(schema["properties"]) == keys | {"sources", "event", "rank", "rank_reason"}
    assert set(schema["required"]) == {"kind", "actor", "date", "summary"}
    assert schema["oneOf"] == [{"required": ["source"]}, {"required": ["sources"]}]


def test_the_import_schema_has_one_details_rule_per_kind() -> None:
    rules = [
        rule for rule in import_schema()["allOf"] if "kind" in rule["if"].get("properties", {})
    ]
    kinds = [rule["if"]["properties"]["kind"]["const"] for rule in rules]
    assert sorted(kinds) == sorted(kind.value for kind in FactKind)
    for rule in rules:
        details = rule["then"]["properties"]["details"]
        assert details["additionalProperties"] is False
    by_kind = {rule["if"]["properties"]["kind"]["const"]: rule for rule in rules}
    posted = by_kind["envoy_posted_to_kabul"]["then"]
    assert posted["properties"]["details"]["required"] == ["level"]
    assert posted["required"] == ["details"]
    for kind in ("sanctions_imposed", "sanctions_lifted"):
        assert by_kind[kind]["then"]["properties"]["details"]["required"] == ["measure"]
        assert by_kind[kind]["then"]["required"] == ["details"]
    # Kinds whose details are all optional may leave them out.
    assert "required" not in by_kind["taliban_envoy_accepted"]["then"]
    assert "required" not in by_kind["stance_stated"]["then"]
    accepted = by_kind["taliban_envoy_accepted"]["then"]["properties"]["details"]
    assert "level" in accepted["properties"]
    assert "required" not in accepted
    assert by_kind["stance_stated"]["then"]["properties"]["details"]["properties"] == {}


def test_every_reference_in_the_import_schema_resolves() -> None:
    schema = import_schema()
    found = list(refs(schema))
    assert found  # the schema does use references (kind, source, level)
    for ref in found:
        assert ref.startswith("#/")
        node: Any = schema
        for part in ref[2:].split("/"):
            assert part in node, f"{ref} does not resolve"
            node = node[part]
        assert isinstance(node, dict)


def test_the_schema_lists_every_kind_and_level() -> None:
    schema = import_schema()
    definitions = schema["$defs"]
    assert set(definitions["FactKind"]["enum"]) == {kind.value for kind in FactKind}
    assert set(definitions["Level"]["enum"]) == {"charge_d_affaires", "ambassador"}
