"""The smallest pieces of human output, shared by every table and note: a value's cell, a
source's line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class _Valued(Protocol):
    value: str
    alternatives: list[str]


def cell(answer: _Valued) -> str:
    """A value, marked '?' with its alternatives when uncertain, '!' when disputed, and in
    parentheses when no fact gives it (a default)."""
    if getattr(answer, "default", False) and not answer.alternatives:
        return f"({answer.value})"
    if not answer.alternatives:
        return answer.value
    mark = "!" if getattr(answer, "disputed", False) else "?"
    return f"{answer.value}{mark} or {' or '.join(answer.alternatives)}"


def plural(count: int, noun: str) -> str:
    """'1 fact', '2 facts'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def source_line(source: dict[str, object]) -> str:
    """A source in one line: publisher, "title", published, url."""
    parts = [str(source[k]) for k in ("publisher",) if source.get(k)]
    parts.append(f'"{source["title"]}"')
    parts += [str(source[k]) for k in ("published", "url") if source.get(k)]
    return ", ".join(parts)


def sources_lines(sources: Sequence[dict[str, object]], indent: str) -> list[str]:
    """One line per source, 'source:' or 'sources:' first."""
    if len(sources) == 1:
        return [f"{indent}source: {source_line(sources[0])}"]
    return [f"{indent}sources:", *(f"{indent}  - {source_line(s)}" for s in sources)]
