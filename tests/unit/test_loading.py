"""Reading import files: each line reads as the standard library reads it."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.application.loading import parse_json
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.intake import is_change, validate_fact, validate_fact_text
from stanceline.errors import FieldError
from tests.strategies import import_lines

CATALOGUE = ActorCatalogue.default()

# Every value JSON can hold, numbers of any size and lone surrogates included.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN, and of the same types throughout (1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@given(value=VALUES, ascii_only=st.booleans(), spaced=st.booleans())
def test_a_line_reads_as_the_standard_library_reads_it(
    value: Any, ascii_only: bool, spaced: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=1 if spaced else None)
    assert same(parse_json(text), json.loads(text))


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',  # the last of a repeated key
        "12345678901234567890123",  # beyond 64 bits: an int, not a float
        "-9223372036854775809",
        "1e400",  # beyond a double: inf
        "NaN",
        '"\\ud800"',  # a lone surrogate
        "[1.0, 1, -0.0, 0.1]",
    ],
)
def test_texts_where_the_two_readers_differ_read_as_the_standard_library(text: str) -> None:
    assert same(parse_json(text), json.loads(text))


@pytest.mark.parametrize("text", ['{"a": 1,}', "[1, 2", '{"a" 1}', "", "nul", '"\x01"'])
def test_malformed_text_raises_the_standard_library_s_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        parse_json(text)
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    assert (caught.value.msg, caught.value.pos) == (expected.value.msg, expected.value.pos)


FIELDS = ("kind", "actor", "date", "summary", "source", "details", "id", "corrects", "extra")


@st.composite
def lines_near_facts(draw: st.DrawFn) -> str:
    """Import lines: valid facts, and facts with a field changed, dropped, added or repeated."""
    line: dict[str, Any] = draw(import_lines())
    if draw(st.booleans()):
        line["id"] = draw(st.sampled_from(["RUS-1", "bad id", "", "x" * 130]))
    change = draw(st.sampled_from(["none", "set", "drop", "repeat"]))
    field = draw(st.sampled_from(FIELDS))
    if change == "set":
        line[field] = draw(VALUES)
    elif change == "drop":
        line.pop(field, None)
    text = json.dumps(line, ensure_ascii=draw(st.booleans()))
    if change == "repeat" and text != "{}":  # an earlier value of the key, which the last overrides
        text = "{" + json.dumps(field) + ": " + json.dumps(draw(VALUES)) + ", " + text[1:]
    return text


@given(text=lines_near_facts())
def test_a_fact_read_in_one_pass_is_the_fact_read_the_long_way(text: str) -> None:
    quick = validate_fact_text(text, CATALOGUE)
    try:
        raw = json.loads(text)
        slow = None if is_change(raw) else validate_fact(raw, CATALOGUE)
    except (FieldError, ValueError):
        slow = None
    # None sends the line the long way, whose answer (a fact, or the error shown) counts.
    assert quick is None or quick == slow


@given(line=import_lines())
def test_a_valid_fact_line_is_read_in_one_pass(line: dict[str, Any]) -> None:
    text = json.dumps(line)
    assert validate_fact_text(text, CATALOGUE) == validate_fact(json.loads(text), CATALOGUE)
