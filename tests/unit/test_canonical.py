"""Canonical JSON: the fast writer gives the standard library's bytes, so no stored hash moves.

Chain hashes and content hashes (and the ids derived from them) are stored forever;
they were first taken over the standard library's sorted, compact JSON. The
references below are that code as it was written then.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.amending import ChangeRequest
from stanceline.domain.canonical import (
    canonical_json,
    is_plain,
    plain_canonical_json,
    standard_json,
)
from stanceline.domain.changes import FactCorrected
from stanceline.domain.events import DomainEvent, fact_event
from stanceline.domain.facts import FactContent
from stanceline.domain.intake import content_hash, dumped_content_hash
from tests.strategies import JSON_TEXTS, fact_contents, fact_ids, json_values, texts


def reference_content_hash(content: FactContent) -> str:
    canonical = json.dumps(content.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def reference_digest(event: DomainEvent, previous: str) -> str:
    state = event.model_dump(mode="json", exclude={"chain"})
    canonical = json.dumps(
        {"topic": event.TOPIC, **state}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256((previous + canonical).encode()).hexdigest()


def reference_change_id(request: ChangeRequest, salt: str) -> str:
    canonical = json.dumps(
        [request.action.TOPIC, request.fact_id, request.reason, request.fields, salt],
        sort_keys=True,
        separators=(",", ":"),
    )
    return "c" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


@given(json_values(), st.booleans())
def test_canonical_json_is_the_standard_librarys(value: Any, ensure_ascii: bool) -> None:
    assert canonical_json(value, ensure_ascii=ensure_ascii) == standard_json(
        value, ensure_ascii=ensure_ascii
    )
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=ensure_ascii)
    assert standard_json(value, ensure_ascii=ensure_ascii) == expected.encode()


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1e-05, "a": [1e16, float("nan"), float("-inf"), -0.0]},  # orjson writes these apart
        {"n": 2**64, "m": -(2**63) - 1},  # beyond orjson's integers
        {"é": "é", "e": "\u2028\x7f\x00\x1f", "😀": ["😀", "\ud7ff"]},
        {"del": "\x7f", "controls": "\x00\x08\t\n\x0c\r\x1f"},  # escaped alike, but for DEL
        {"a": ("tuple", 1), "b": True},  # a tuple: only the standard library's path takes it
        {2: "integer keys", 10: "sorted as integers"},
    ],
)
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_what_the_fast_writer_would_spell_otherwise_takes_the_standard_path(
    value: Any, ensure_ascii: bool
) -> None:
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=ensure_ascii)
    assert canonical_json(value, ensure_ascii=ensure_ascii) == expected.encode()


def test_a_lone_surrogate_fails_as_it_always_did() -> None:
    with pytest.raises(UnicodeEncodeError):
        canonical_json({"a": "\ud800"}, ensure_ascii=False)
    assert canonical_json({"a": "\ud800"}, ensure_ascii=True) == b'{"a":"\\ud800"}'


@given(fact_contents())
def test_content_hashes_are_as_first_computed(content: FactContent) -> None:
    assert content_hash(content) == reference_content_hash(content)


@given(fact_ids(), fact_contents(), st.datetimes(timezones=st.timezones()), texts(), texts())
def test_chain_hashes_are_as_first_computed(
    fact_id: str, content: FactContent, at: datetime, by: str, previous: str
) -> None:
    event = fact_event(fact_id, content, recorded_at=at, recorded_by=by)
    assert event.chain == reference_digest(event, "")
    assert event.digest(previous) == reference_digest(event, previous)


@given(
    fact_ids(),
    texts(),
    st.dictionaries(JSON_TEXTS, json_values(max_leaves=5), max_size=3),
    texts(),
    st.datetimes(timezones=st.timezones()),
)
def test_change_ids_and_chains_of_changes_are_as_first_computed(
    fact_id: str, reason: str, details: dict[str, Any], salt: str, at: datetime
) -> None:
    request = ChangeRequest(FactCorrected, fact_id, reason, {"details": details})
    assert request.change_id(salt) == reference_change_id(request, salt)
    event = FactCorrected(
        originator_id=fact_id,
        originator_version=2,
        timestamp=at,
        recorded_by="someone",
        reason=reason,
        change_id=request.change_id(salt),
        details=details,
    )
    assert event.digest("previous") == reference_digest(event, "previous")


@given(fact_ids(), fact_contents(), st.datetimes(timezones=st.timezones()))
def test_a_recorded_event_hashes_as_the_content_it_was_made_from(
    fact_id: str, content: FactContent, at: datetime
) -> None:
    # A load projects a fact with the hash its validation computed; a rebuild, from the event.
    event = fact_event(fact_id, content, recorded_at=at, recorded_by="someone")
    assert event.content_json() == event.content().model_dump(mode="json")
    assert dumped_content_hash(event.content_json()) == content_hash(content)


@given(value=json_values(), ascii_only=st.booleans())
def test_plain_values_are_written_alike_unchecked(value: Any, ascii_only: bool) -> None:
    # What plain_canonical_json's callers vouch for: then it writes the checked bytes.
    if not is_plain(value):
        return
    try:
        expected: bytes | type[Exception] = canonical_json(value, ensure_ascii=ascii_only)
    except UnicodeEncodeError as error:  # a lone surrogate, not escaped
        expected = type(error)
    try:
        written: bytes | type[Exception] = plain_canonical_json(value, ensure_ascii=ascii_only)
    except UnicodeEncodeError as error:
        written = type(error)
    assert written == expected
