"""Small builders shared by the tests: import-format facts and files, and event counts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stanceline.application import Stanceline


def fact(**changes: Any) -> dict[str, Any]:
    """A valid import-format object; keyword arguments replace or add fields."""
    raw: dict[str, Any] = {
        "kind": "stance_stated",
        "actor": "RUS",
        "date": "2024-05-01",
        "summary": "Moscow says something about Kabul",
        "source": {"title": "A test source", "publisher": "Tests"},
        "details": {},
    }
    raw.update(changes)
    return raw


def write_jsonl(path: Path, objects: Iterable[Any]) -> Path:
    """Write objects one per line; a str is written as the line itself (for bad JSON)."""
    lines = [o if isinstance(o, str) else json.dumps(o) for o in objects]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def event_count(app: Stanceline) -> int:
    """How many events the log holds (not its last position: PostgreSQL's may have gaps)."""
    count, start = 0, 1
    while page := app.recorder.select_notifications(start=start, limit=10_000):
        count += len(page)
        start = page[-1].id + 1
    return count
