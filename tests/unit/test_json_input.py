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
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.amending import is_change
from stanceline.domain.intake import ValidFact, validate_fact, validate_fact_text
from stanceline.errors import FieldError, JsonInputError
from tests.factories import fact
from tests.strategies import import_lines

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


FIELDS = ("kind", "actor", "date", "summary", "source", "details", "id", "corrects", "extra")
CATALOGUE = ActorCatalogue.default()


@st.composite
def lines_near_facts(draw: st.DrawFn) -> str:
    """Import lines: valid facts, and facts with a field changed, dropped, added or repeated."""
    line: dict[str, Any] = draw(import_lines())
    if draw(st.booleans()):
        line["id"] = draw(st.sampled_from(["RUS-1", "bad id", "", "x" * 130]))
    change = draw(st.sampled_from(["none", "set", "drop", "repeat", "repeat inside", "spaced"]))
    field = draw(st.sampled_from(FIELDS))
    if change == "set":
        line[field] = draw(VALUES)
    elif change == "drop":
        line.pop(field, None)
    text = json.dumps(line, ensure_ascii=draw(st.booleans()))
    if change == "repeat" and text != "{}":  # an earlier value of the key
        text = "{" + json.dumps(field) + ": " + json.dumps(draw(VALUES)) + ", " + text[1:]
    elif change == "repeat inside" and '"source": {' in text:
        text = text.replace('"source": {', '"source": {"title": "again", ', 1)
    elif change == "spaced":
        text = text.replace('":', '" :', 1)
    return text


def the_long_way(text: str) -> ValidFact | None:
    """The reader, then validation: the fact, or None for any line that is not one."""
    try:
        raw = json_input.read(text)
        return None if is_change(raw) else validate_fact(raw, CATALOGUE)
    except (FieldError, JsonInputError):
        return None


@given(text=lines_near_facts())
def test_law_a_fact_read_in_one_pass_is_the_fact_read_the_long_way(text: str) -> None:
    quick = validate_fact_text(text, CATALOGUE)
    # None sends the line the long way, whose answer (a fact, or the error shown) counts.
    assert quick is None or quick == the_long_way(text)


@given(line=import_lines())
def test_a_valid_fact_line_is_read_in_one_pass(line: dict[str, Any]) -> None:
    text = json.dumps(line)
    assert validate_fact_text(text, CATALOGUE) == validate_fact(json.loads(text), CATALOGUE)


def test_a_repeated_key_is_never_read_in_one_pass() -> None:
    valid = json.dumps(fact())
    for text in (
        '{"kind": "assets_frozen", ' + valid[1:],
        valid.replace('"source": {', '"source": {"title": "first", ', 1),
        valid.replace('"kind":', '"kind" :', 1)[:-1] + ', "kind": "assets_frozen"}',
    ):
        assert validate_fact_text(text, CATALOGUE) is None
        assert the_long_way(text) is None
