"""Reading import files (JSON Lines, or a JSON array) into validated, numbered facts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from stanceline.application import json_input
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.amending import ChangeRequest, is_change, validate_change
from stanceline.domain.intake import ValidFact, validate_fact, validate_fact_text
from stanceline.errors import FieldError, ImportFileError, JsonInputError

Progress = Callable[[int], None]
# What a directory given to `load` contributes: its JSON Lines and JSON files.
LOADABLE = (".jsonl", ".json")


class NumberedFact(NamedTuple):
    """A validated fact (or change of a stored fact) and the line of the file it came from."""

    line: int
    fact: ValidFact | ChangeRequest


def read_facts(
    path: str | Path, catalogue: ActorCatalogue, progress: Progress | None = None
) -> list[NumberedFact]:
    """Validate a whole file (facts and changes); raise ImportFileError at the first bad line."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ImportFileError(name, 0, "", f"cannot read: {error.strerror or error}") from None
    try:
        text = json_input.decode(data)
    except JsonInputError as error:
        where = f"line {error.line}, column {error.column}"
        raise ImportFileError(name, 0, "", f"cannot read {where}: {error.message}") from None
    return parse_facts(name, text, catalogue, progress)


def parse_facts(
    name: str, text: str, catalogue: ActorCatalogue, progress: Progress | None = None
) -> list[NumberedFact]:
    """Validate the text of an import file named `name`; ImportFileError at the first bad line."""
    facts = []
    for line, item in _items(name, text, catalogue):
        facts.append(NumberedFact(line, item))
        if progress is not None:
            progress(1)
    return facts


def _items(
    name: str, text: str, catalogue: ActorCatalogue
) -> Iterator[tuple[int, ValidFact | ChangeRequest]]:
    """(line number, validated fact or change) for each object of the file, in order."""
    if text.lstrip(json_input.JSON_SPACE).startswith("["):
        for line, raw in _array_objects(name, text):
            yield line, _validated(name, line, raw, catalogue)
        return
    for number, written in json_input.lines(text):
        if not written.strip(json_input.JSON_SPACE):
            continue
        # Most lines are valid facts: read and checked in one pass; the rest the long way.
        if fact := validate_fact_text(written, catalogue):
            yield number, fact
            continue
        try:
            raw = json_input.read(written)
        except JsonInputError as error:
            raise ImportFileError(name, number, error.field, error.message) from None
        yield number, _validated(name, number, raw, catalogue)


def _validated(
    name: str, line: int, raw: Any, catalogue: ActorCatalogue
) -> ValidFact | ChangeRequest:
    try:
        return validate_change(raw) if is_change(raw) else validate_fact(raw, catalogue)
    except FieldError as error:
        raise ImportFileError(name, line, error.field, error.message) from None


def files_of(path: str | Path) -> list[Path]:
    """The files a path names for loading: itself, or a directory's .jsonl and .json files
    (not its subdirectories) in name order; ImportFileError when there is nothing to load."""
    where = Path(path)
    if where.is_file():
        return [where]
    if not where.is_dir():
        raise ImportFileError(str(path), 0, "", "no such file")
    found = sorted(
        (child for child in where.iterdir() if child.suffix in LOADABLE and child.is_file()),
        key=lambda child: child.name,
    )
    if not found:
        raise ImportFileError(str(path), 0, "", "a directory with no .jsonl or .json file")
    return found


def count_objects(path: str | Path) -> int:
    """A cheap estimate of how many facts a file holds (its non-blank lines)."""
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def _array_objects(name: str, text: str) -> Iterator[tuple[int, Any]]:
    """Walk a JSON array element by element, so each fact keeps the line it starts on."""
    index = text.index("[") + 1
    expect_value = True
    while True:
        index = _skip_space(text, index)
        if index >= len(text):
            raise _json_error(name, text, index, "unterminated array")
        char = text[index]
        if char == "]" and (
            expect_value is False or text[:index].rstrip(json_input.JSON_SPACE).endswith("[")
        ):
            if _skip_space(text, index + 1) < len(text):
                raise _json_error(name, text, index + 1, "extra data after the array")
            return
        if char == "," and not expect_value:
            expect_value = True
            index += 1
            continue
        if not expect_value:
            raise _json_error(name, text, index, "expected ',' or ']'")
        line = text.count("\n", 0, index) + 1
        try:
            value, end = json_input.read_at(text, index)
        except JsonInputError as error:
            raise ImportFileError(name, error.line or line, error.field, error.message) from None
        if end - index > json_input.MAX_LINE_CHARS:
            message = f"an object longer than {json_input.MAX_LINE_CHARS:,} characters"
            raise ImportFileError(name, line, "", message)
        yield line, value
        index = end
        expect_value = False


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in json_input.JSON_SPACE:
        index += 1
    return index


def _json_error(name: str, text: str, index: int, message: str) -> ImportFileError:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return ImportFileError(name, line, "", f"invalid JSON: {message} (column {column})")
