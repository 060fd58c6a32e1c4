"""Small builders shared by the tests: import-format facts and files, and event counts."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import date, timedelta
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


# A large generated log: many facts of every kind, with corrections, retractions and
# reinstatements, over several loads (so several recorded times).

GENERATED_ACTORS = (
    "RUS", "CHN", "USA", "GBR", "PAK", "IRN", "IND", "TUR", "ARE", "QAT", "SAU", "UZB",
    "TKM", "TJK", "KAZ", "KGZ", "DEU", "FRA", "JPN", "IDN", "MYS", "EGY", "AZE", "BLR",
    "UN", "EU", "SCO", "OIC", "CSTO", "GCC",
)  # fmt: skip
_GENERATED_DETAILS: dict[str, list[dict[str, str]]] = {
    "taliban_envoy_accepted": [{}, {"level": "ambassador"}, {"level": "charge_d_affaires"}],
    "envoy_posted_to_kabul": [{"level": "ambassador"}, {"level": "charge_d_affaires"}],
    "sanctions_imposed": [{"measure": "travel_ban"}, {"measure": "asset_freeze"}],
    "sanctions_lifted": [{"measure": "travel_ban"}, {"measure": "asset_freeze"}],
}
_GENERATED_KINDS = (
    "terrorist_designation_imposed", "terrorist_designation_lifted", "taliban_envoy_accepted",
    "ambassador_credentials_accepted", "taliban_mission_closed", "envoy_posted_to_kabul",
    "kabul_mission_closed", "formal_recognition_granted", "recognition_withdrawn",
    "sanctions_imposed", "sanctions_lifted", "assets_frozen", "assets_unfrozen", "stance_stated",
)  # fmt: skip


def _generated_date(rng: random.Random) -> str:
    """An EDTF date of any precision and form, between 1996 and 2026."""
    day = date(1996, 1, 1) + timedelta(days=rng.randrange(31 * 365))
    form = rng.randrange(10)
    if form < 5:
        return day.isoformat()
    if form == 5:
        return day.isoformat()[:7]
    if form == 6:
        return day.isoformat()[:4] + rng.choice(("", "?"))
    if form == 7:
        return day.isoformat()[:7] + "~"
    if form == 8:
        return f"{day.isoformat()}/{(day + timedelta(days=rng.randrange(1, 60))).isoformat()}"
    return f"../{day.isoformat()}"


def generated_files(count: int, files: int = 5, seed: int = 0) -> list[list[dict[str, Any]]]:
    """`count` distinct facts over `files` loads, with about one change line in twenty.

    The changes correct, retract and reinstate facts with explicit ids recorded on an
    earlier line, always in an order the facts' states allow.
    """
    rng = random.Random(seed)
    loads: list[list[dict[str, Any]]] = []
    explicit: list[str] = []
    retracted: set[str] = set()
    per_file = -(-count // files)
    for number in range(files):
        lines: list[dict[str, Any]] = []
        for _ in range(min(per_file, count - number * per_file)):
            n = sum(len(load) for load in loads) + len(lines)
            if rng.random() < 0.05 and explicit:
                # Each reason is its own: a change repeated word for word is already present.
                reason = f"change number {n}"
                fact_id = rng.choice(explicit)
                if fact_id in retracted:
                    lines.append({"reinstates": fact_id, "reason": reason})
                    retracted.discard(fact_id)
                elif rng.random() < 0.4:
                    lines.append({"retracts": fact_id, "reason": reason})
                    retracted.add(fact_id)
                else:
                    better = _generated_date(rng)
                    lines.append({"corrects": fact_id, "reason": reason, "date": better})
            kind = rng.choice(_GENERATED_KINDS)
            line = fact(
                kind=kind,
                actor=rng.choice(GENERATED_ACTORS),
                date=_generated_date(rng),
                summary=f"Generated fact number {n}",
                source={"title": rng.choice(("Clash Report", "Reuters", "TASS", "Dawn"))},
                details=rng.choice(_GENERATED_DETAILS.get(kind, [{}])),
            )
            if rng.random() < 0.3:
                line["id"] = f"gen-{n}"
                explicit.append(line["id"])
            lines.append(line)
        loads.append(lines)
    return loads


PROVENANCE = frozenset({"recorded_at", "recorded_by", "corrections", "status_change"})


def history_answers(report: Any) -> dict[str, Any]:
    """A history's JSON without each entry's provenance: what it answers, not who or when."""
    data: dict[str, Any] = report.model_dump(mode="json")
    data["entries"] = [
        {k: v for k, v in entry.items() if k not in PROVENANCE} for entry in data["entries"]
    ]
    return data
