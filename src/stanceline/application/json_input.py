"""One JSON reader for every input: import files, their change lines, HTTP bodies.

It takes JSON as RFC 8259 writes it, within limits stated once here (and in
docs/import-format.md), and refuses anything else with one error naming the
field: a key twice in one object, NaN or Infinity, nesting deeper than
MAX_DEPTH, an integer longer than MAX_INT_DIGITS, a line longer than
MAX_LINE_CHARS. Import files are read as UTF-8 (an invalid byte is named by
its line) and split into lines at "\\n" alone ("\\r\\n" too): U+2028, U+2029
and U+0085 are text inside a string, as JSON says, not line ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from stanceline.errors import JsonInputError

MAX_LINE_CHARS = 1_000_000  # a line of a file, or an HTTP body holding one object
MAX_DEPTH = 32  # objects and arrays inside one another (a fact needs 3)
MAX_INT_DIGITS = 40  # digits of an integer (no field takes one; 2**64 has 20)
JSON_SPACE = " \t\r\n"  # the white space JSON allows between values: no other


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _TooLong(Exception):
    pass


class _NotANumber(Exception):
    def __init__(self, text: str) -> None:
        self.text = text


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return found


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooLong
    return int(text)


def _constant(text: str) -> Any:
    raise _NotANumber(text)


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_integer, parse_constant=_constant)


# Line ends to other readers (JavaScript, str.splitlines()), though text to JSON: written escaped.
_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})


def json_line(value: Any) -> str:
    """`value` as one line of JSON Lines, without its newline: UTF-8 text as it is, but for
    U+2028, U+2029 and U+0085, escaped, which some readers take for line ends."""
    return json.dumps(value, ensure_ascii=False).translate(_SEPARATORS)


def lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of a JSON Lines text, split at "\\n" (a "\\r" before it dropped)."""
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.removesuffix("\r")


def decode(data: bytes) -> str:
    """UTF-8 bytes (a byte-order mark allowed) as text; JsonInputError naming a bad byte's line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        bad = data[error.start : error.start + 1].hex()
        raise JsonInputError(
            "", f"not UTF-8: byte 0x{bad} cannot start or continue a character", line, column
        ) from None


def read(text: str) -> Any:
    """One JSON value (JsonInputError naming the field when it is not one this reader takes)."""
    if len(text) > MAX_LINE_CHARS:
        raise JsonInputError("", f"longer than {MAX_LINE_CHARS:,} characters")
    value, end = read_at(text, 0)
    if rest := text[end:].strip(JSON_SPACE):
        column = text.index(rest[0], end) + 1
        raise JsonInputError("", f"invalid JSON: extra data (column {column})", 1, column)
    return value


def read_at(text: str, index: int) -> tuple[Any, int]:
    """The JSON value that starts at `index` of `text` (after white space), and where it ends."""
    while index < len(text) and text[index] in JSON_SPACE:
        index += 1
    try:
        value, end = _DECODER.raw_decode(text, index)
    except json.JSONDecodeError as error:
        message = f"invalid JSON: {error.msg} (column {error.colno})"
        raise JsonInputError("", message, error.lineno, error.colno) from None
    except RecursionError:
        raise JsonInputError("", f"nested more than {MAX_DEPTH} levels deep") from None
    except _Duplicate as error:
        where = _path(text, index, _repeated_key)
        raise JsonInputError(where, f"duplicate key {error.key!r}") from None
    except _TooLong:
        where = _path(text, index, _long_integer).rstrip(".")
        raise JsonInputError(where, f"an integer of more than {MAX_INT_DIGITS} digits") from None
    except _NotANumber as error:
        raise JsonInputError("", f"invalid JSON: {error.text} is not a JSON number") from None
    # Deep nesting needs many brackets: only a value with that many is walked.
    if text.count("{", index, end) + text.count("[", index, end) > MAX_DEPTH:
        deep = _too_deep(value, MAX_DEPTH)
        if deep is not None:
            raise JsonInputError(deep, f"nested more than {MAX_DEPTH} levels deep")
    return value, end


class _Long(str):
    """An integer's digits, kept as text while looking for where it stands."""


def _path(text: str, index: int, hit: Any) -> str:
    """The dotted path (keys and array positions) to the first place in the value at `index`
    where `hit(node)` gives a key or position: the key that repeats, say. Read again, on the
    error path only, with objects as lists of (key, value) pairs and long integers as _Long."""
    decoder = json.JSONDecoder(object_pairs_hook=list, parse_int=_Long, parse_constant=str)
    value, _ = decoder.raw_decode(text, index)
    stack: list[tuple[Any, list[str]]] = [(value, [])]
    while stack:
        node, path = stack.pop(0)
        if (found := hit(node)) is not None:
            return ".".join([*path, found])
        if _is_object(node):
            stack.extend((child, [*path, key]) for key, child in node)
        elif isinstance(node, list):
            stack.extend((child, [*path, str(i)]) for i, child in enumerate(node))
    return ""


def _is_object(node: Any) -> bool:
    """Whether `node` is an object as _path reads it: a list of (key, value) pairs."""
    return isinstance(node, list) and all(isinstance(pair, tuple) for pair in node)


def _repeated_key(node: Any) -> str | None:
    if not _is_object(node):
        return None
    seen: set[str] = set()
    for key, _ in node:
        if key in seen:
            return str(key)
        seen.add(key)
    return None


def _long_integer(node: Any) -> str | None:
    """ "" for a long integer itself (its path is where it stands), else None."""
    return "" if isinstance(node, _Long) and len(node.lstrip("-")) > MAX_INT_DIGITS else None


def _too_deep(value: Any, limit: int) -> str | None:
    """The dotted path at which `value` nests deeper than `limit`, or None."""
    stack: list[tuple[Any, int, list[str]]] = [(value, 1, [])]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return path[0] if path else ""  # the field it is in: the rest is a long tail
            children = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((child, depth + 1, [*path, str(key)]) for key, child in children)
    return None
