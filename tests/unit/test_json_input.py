"""The one JSON reader: JSON as the standard library reads it, within limits, or one error."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.application import json_input
from stanceline.application.json_input import MAX_DEPTH, MAX_INT_DIGITS, MAX_LINE_CHARS
from stanceline.errors import JsonInputError

# Every value the reader takes: any text (lone surrogates and line separators included),
# integers within the limit, finite floats, objects with keys of their own.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**39), max_value=10**39)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3)
    | st.text(alphabet='\u2028\u2029\u0085\r\n\t\x00"\\', max_size=5)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types throughout (1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def refused(text: str) -> JsonInputError:
    with pytest.raises(JsonInputError) as caught:
        json_input.read(text)
    return caught.value


@given(value=VALUES, ascii_only=st.booleans(), spaced=st.booleans())
def test_a_value_within_the_limits_reads_as_the_standard_library_reads_it(
    value: Any, ascii_only: bool, spaced: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=1 if spaced else None)
    assert same(json_input.read(text), json.loads(text))


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('{"kind": "a", "kind": "b"}', "kind", "duplicate key 'kind'"),
        ('{"source": {"title": "a", "title": "b"}}', "source.title", "duplicate key 'title'"),
        ('[{"a": 1}, {"q": [{"x": 1, "x": 2}]}]', "1.q.0.x", "duplicate key 'x'"),
        ('{"id": ' + "9" * 4301 + "}", "id", f"an integer of more than {MAX_INT_DIGITS} digits"),
        ('{"d": [1, -' + "1" * 41 + "]}", "d.1", f"more than {MAX_INT_DIGITS} digits"),
        ('{"details": ' + "[" * 40 + "]" * 40 + "}", "details", f"more than {MAX_DEPTH} levels"),
        ("[" * 1000 + "]" * 1000, "", f"nested more than {MAX_DEPTH} levels deep"),
        ('{"a": NaN}', "", "NaN is not a JSON number"),
        ('{"a": -Infinity}', "", "-Infinity is not a JSON number"),
        ('{"a": 1,}', "", "invalid JSON: Expecting property name enclosed in double quotes"),
        ('{"a": 1} {"b": 2}', "", "invalid JSON: extra data (column 10)"),
        ("", "", "invalid JSON: Expecting value (column 1)"),
    ],
)
def test_what_the_reader_refuses_is_named_in_one_error(text: str, field: str, words: str) -> None:
    error = refused(text)
    assert error.field == field
    assert words in error.message
    assert "\n" not in str(error)


def test_nesting_up_to_the_limit_reads() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert json_input.read(text) is not None
    assert refused("[" + text + "]").message == f"nested more than {MAX_DEPTH} levels deep"


def test_a_line_longer_than_the_limit_is_refused_before_it_is_read() -> None:
    assert "longer than" in refused('"' + "x" * MAX_LINE_CHARS + '"').message


def test_lines_end_at_a_newline_alone_and_unicode_line_separators_are_text() -> None:
    text = '{"a": "one\u2028two\u2029three\u0085four"}\r\n{"b": 2}\n\n{"c": "\r"}'
    found = [(number, line) for number, line in json_input.lines(text)]
    assert [number for number, _ in found] == [1, 2, 3, 4]
    assert json_input.read(found[0][1]) == {"a": "one\u2028two\u2029three\u0085four"}
    assert found[2][1] == ""


def test_an_invalid_utf8_byte_is_named_by_its_line_and_column() -> None:
    with pytest.raises(JsonInputError) as caught:
        json_input.decode(b'{"a": 1}\n{"b": "\xff"}\n')
    assert (caught.value.line, caught.value.column) == (2, 8)
    assert "byte 0xff" in caught.value.message


@given(data=st.binary(max_size=300))
def test_any_bytes_are_a_value_or_one_clear_error(data: bytes) -> None:
    # The reader's fuzz target: whatever arrives, the answer is a value or JsonInputError.
    assert one_line_or_none(lambda: [json_input.read(line) for _, line in lines_of(data)])


def lines_of(data: bytes) -> list[tuple[int, str]]:
    return [(n, line) for n, line in json_input.lines(json_input.decode(data)) if line.strip()]


def one_line_or_none(read: Any) -> bool:
    """Whether reading gives a value, or refuses with one line of error."""
    try:
        read()
    except JsonInputError as error:
        return bool(str(error)) and "\n" not in str(error)
    return True


@given(text=st.text(alphabet='{}[]":,0123456789.-+eEtrufalsn \\\u2028x', max_size=80))
def test_any_text_near_json_is_a_value_or_one_clear_error(text: str) -> None:
    assert one_line_or_none(lambda: json_input.read(text))
