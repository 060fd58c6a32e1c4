"""A deterministic synthetic record: N import lines over 250 actors, as JSON Lines files.

The same N and GENERATOR_VERSION give the same files, byte for byte (one seeded
RNG, read in one order). Every line is one event: about 98% are facts (a mix of
kinds and of day, month, year and range dates), the rest change lines that
correct, retract or reinstate a fact of an earlier line (docs/import-format.md,
"Changing stored facts"). Files hold at most FILE_LINES lines, so each loads
as its own transaction with a bounded footprint. Files are cached under
bench/.data/ keyed by N and the version: bump GENERATOR_VERSION whenever the
output would change.
"""

from __future__ import annotations

import datetime
import json
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pycountry

GENERATOR_VERSION = 1
FILE_LINES = 50_000
DATA = Path(__file__).resolve().parent / ".data"
ACTOR_COUNT = 250
CHANGE_SHARE = 0.02  # of lines: corrections, retractions and reinstatements
CHANGE_WINDOW = 5_000  # changes touch one of the last facts recorded (bounded memory)
# With claims (the bench's claims row): the share of happenings told by two or three
# sources that disagree on the date (DESIGN §7), each a claim of one event.

# Antarctica and small territories with no foreign policy of their own: left out so that
# 229 states and the 21 catalogue organisations make 250 actors.
_LEFT_OUT = {
    "AFG", "ATA", "BVT", "HMD", "IOT", "ATF", "UMI", "SGS", "CCK", "CXR",
    "NFK", "PCN", "TKL", "WLF", "SPM", "SJM", "ALA", "FLK", "NIU", "MSR",
}  # fmt: skip
# The actors the record talks about most, most first; the rest follow in a seeded order.
_PROMINENT = (
    "RUS", "CHN", "USA", "PAK", "IRN", "UN", "GBR", "EU", "IND", "TUR", "QAT", "UZB",
    "ARE", "SAU", "TKM", "TJK", "KAZ", "UNSC", "DEU", "FRA", "JPN", "KGZ", "SCO", "OIC",
)  # fmt: skip
# Share of facts by actor rank r is proportional to r ** -SKEW.
SKEW = 0.5

# (kind, weight): statements and sanctions dominate, recognition is rare.
KINDS = (
    ("stance_stated", 30),
    ("sanctions_imposed", 12),
    ("sanctions_lifted", 8),
    ("terrorist_designation_imposed", 5),
    ("terrorist_designation_lifted", 4),
    ("taliban_envoy_accepted", 6),
    ("ambassador_credentials_accepted", 3),
    ("taliban_mission_closed", 3),
    ("envoy_posted_to_kabul", 7),
    ("kabul_mission_closed", 5),
    ("formal_recognition_granted", 2),
    ("recognition_withdrawn", 1),
    ("assets_frozen", 8),
    ("assets_unfrozen", 6),
)
MEASURES = (
    "taliban_officials", "officials_travel_ban", "arms_embargo", "asset_freeze_1988",
    "banking", "aviation", "trade", "education_ban_response",
)  # fmt: skip
PUBLISHERS = ("Clash Report", "Reuters", "TASS", "Xinhua", "Al Jazeera", "UN News", "AFP", "Dawn")
# (precision, weight): days most often, then months, years and ranges of days or months.
PRECISIONS = (
    ("day", 55),
    ("month", 20),
    ("year", 8),
    ("day_range", 8),
    ("month_range", 3),
    ("approximate", 3),
    ("doubtful", 2),
    ("open_start", 1),
)
FIRST_DAY = datetime.date(1996, 9, 27)
TALIBAN_RETURN = datetime.date(2021, 8, 15)
LAST_DAY = datetime.date(2026, 6, 30)


@dataclass(frozen=True)
class Record:
    """A generated record: its files and what they hold."""

    size: int
    folder: Path
    files: list[Path]
    counts: dict[str, Any]
    actors: list[str]


def actors() -> list[str]:
    """The 250 actor codes, most prominent first (the order sets the skew)."""
    states = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 not in _LEFT_OUT)
    catalogue = resources.files("stanceline").joinpath("data", "organisations.json")
    organisations = [entry["code"] for entry in json.loads(catalogue.read_text())]
    everyone = states + organisations
    assert len(everyone) == ACTOR_COUNT, len(everyone)
    rest = [code for code in everyone if code not in _PROMINENT]
    random.Random(f"actors-v{GENERATOR_VERSION}").shuffle(rest)
    return [*_PROMINENT, *rest]


def record(
    size: int, cache: Path = DATA, file_lines: int = FILE_LINES, claims: float = 0.0
) -> Record:
    """The record of `size` lines in files of `file_lines`, generated once into `cache`.

    With `claims`, that share of the happenings that move a stance are told by two or
    three claims of one event, dated apart (the record without is unchanged).
    """
    told = f"-claims{round(claims * 100)}" if claims else ""
    folder = cache / f"record-v{GENERATOR_VERSION}-{size}-{file_lines}{told}"
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        _write(size, folder, file_lines, claims)
    counts = json.loads(manifest.read_text())
    files = [folder / name for name in counts["files"]]
    return Record(size, folder, files, counts, actors())


def _write(size: int, folder: Path, file_lines: int, claims: float = 0.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    generator = _Generator(size, claims)
    names = []
    lines = generator.lines()
    for index in range(0, size, file_lines):
        name = f"part-{index // file_lines + 1:04d}.jsonl"
        count = min(file_lines, size - index)
        with open(folder / name, "w", encoding="utf-8") as out:
            for _ in range(count):
                out.write(json.dumps(next(lines), separators=(",", ":")) + "\n")
        names.append(name)
    counts = {"version": GENERATOR_VERSION, "lines": size, "files": names, **generator.counts()}
    # Written last: a folder without it is an interrupted run and is made again.
    (folder / "manifest.json").write_text(json.dumps(counts, indent=2) + "\n")


@dataclass
class _Fact:
    date: str
    retracted: bool = False


@dataclass
class _Generator:
    size: int
    claims: float = 0.0
    rng: random.Random = field(init=False)
    claim_rng: random.Random = field(init=False)
    codes: list[str] = field(init=False)
    weights: list[float] = field(init=False)
    recent: deque[str] = field(init=False)
    facts: dict[str, _Fact] = field(default_factory=dict)
    retracted: list[str] = field(default_factory=list)
    tally: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"stanceline-bench-v{GENERATOR_VERSION}-{self.size}")
        self.claim_rng = random.Random(f"stanceline-bench-claims-{self.size}-{self.claims}")
        self.codes = actors()
        self.weights = [rank**-SKEW for rank in range(1, len(self.codes) + 1)]
        self.recent = deque()

    def counts(self) -> dict[str, Any]:
        return {"tally": dict(sorted(self.tally.items()))}

    def _count(self, key: str) -> None:
        self.tally[key] = self.tally.get(key, 0) + 1

    def lines(self) -> Iterator[dict[str, Any]]:
        told: list[dict[str, Any]] = []  # the other claims of the last fact's happening
        for number in range(1, self.size + 1):
            if told:
                yield self._claim(number, told.pop())
            elif len(self.recent) > 100 and self.rng.random() < CHANGE_SHARE:
                yield self._change(number)
            else:
                fact = self._fact(number)
                # Drawn from a generator of its own: without claims, the same lines.
                told_more = self.claims and fact["kind"] != "stance_stated"
                if told_more and self.claim_rng.random() < self.claims:
                    fact["event"] = f"{fact['id']}-happening"
                    told = [fact] * self.claim_rng.randint(1, 2)
                yield fact

    def _claim(self, number: int, first: dict[str, Any]) -> dict[str, Any]:
        """Another account of `first`'s happening: another date, another publisher."""
        publisher = self.claim_rng.choice(
            [p for p in PUBLISHERS if p != first["source"]["publisher"]]
        )
        self._count("claims:more")
        fact_id = f"{first['actor']}-{number:07d}"
        return {
            **first,
            "id": fact_id,
            "date": self._date(),
            "summary": f"{first['summary']}, as {publisher} dates it",
            "source": {
                "title": f"{publisher} report {number} on the same happening",
                "publisher": publisher,
                "url": f"https://example.org/{publisher.lower().replace(' ', '-')}/{number}",
            },
        }

    def _fact(self, number: int) -> dict[str, Any]:
        rng = self.rng
        actor = rng.choices(self.codes, self.weights)[0]
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        date = self._date()
        fact_id = f"{actor}-{number:07d}"
        details: dict[str, str] = {}
        if kind in ("sanctions_imposed", "sanctions_lifted"):
            details["measure"] = rng.choice(MEASURES)
        elif kind == "envoy_posted_to_kabul" or (
            kind == "taliban_envoy_accepted" and rng.random() < 0.5
        ):
            details["level"] = rng.choice(("charge_d_affaires", "ambassador"))
        publisher = rng.choice(PUBLISHERS)
        published = _day(rng, TALIBAN_RETURN, LAST_DAY).isoformat()
        source: dict[str, str] = {
            "title": f"{publisher} report {number} on {actor} and the Taliban government",
            "publisher": publisher,
            "url": f"https://example.org/{publisher.lower().replace(' ', '-')}/{number}",
            "published": published,
        }
        if rng.random() < 0.3:
            source["quote"] = f"Officials of {actor} confirmed the step ({kind.replace('_', ' ')})"
        self._count(f"kind:{kind}")
        self.facts[fact_id] = _Fact(date)
        self.recent.append(fact_id)
        if len(self.recent) > CHANGE_WINDOW:
            self.facts.pop(self.recent.popleft(), None)
        return {
            "kind": kind,
            "actor": actor,
            "date": date,
            "summary": f"{actor}: {kind.replace('_', ' ')} (synthetic fact {number})",
            "source": source,
            "details": details,
            "id": fact_id,
        }

    def _change(self, number: int) -> dict[str, Any]:
        roll = self.rng.random()
        # Only recent facts are kept: forget retractions that left the window.
        self.retracted = [f for f in self.retracted if f in self.facts]
        if roll < 0.1 and self.retracted:
            fact_id = self.rng.choice(self.retracted)
            self.retracted.remove(fact_id)
            self.facts[fact_id].retracted = False
            self._count("change:reinstates")
            return {"reinstates": fact_id, "reason": f"restored after review ({number})"}
        fact_id = self._live()
        if roll < 0.35:
            self.facts[fact_id].retracted = True
            self.retracted.append(fact_id)
            self._count("change:retracts")
            return {"retracts": fact_id, "reason": f"not supported by the source ({number})"}
        return self._correction(number, fact_id)

    def _live(self) -> str:
        """A recent fact that is not retracted (a retracted one can only be reinstated)."""
        while True:
            fact_id = self.rng.choice(self.recent)
            if not self.facts[fact_id].retracted:
                return fact_id

    def _correction(self, number: int, fact_id: str) -> dict[str, Any]:
        fact = self.facts[fact_id]
        date = self._date()
        while date == fact.date:
            date = self._date()
        fact.date = date
        self._count("change:corrects")
        reason = f"the source gives another date ({number})"
        return {"corrects": fact_id, "reason": reason, "date": date}

    def _date(self) -> str:
        rng = self.rng
        precision = rng.choices([p for p, _ in PRECISIONS], [w for _, w in PRECISIONS])[0]
        self._count(f"date:{precision}")
        # Four facts in five are about the years since the Taliban's return.
        start = TALIBAN_RETURN if rng.random() < 0.8 else FIRST_DAY
        day = _day(rng, start, LAST_DAY)
        if precision == "day":
            return day.isoformat()
        if precision == "month":
            return day.isoformat()[:7]
        if precision == "year":
            return day.isoformat()[:4]
        if precision == "day_range":
            end = min(day + datetime.timedelta(days=rng.randint(1, 60)), LAST_DAY)
            return f"{day.isoformat()}/{end.isoformat()}" if end > day else day.isoformat()
        if precision == "month_range":
            end = min(day + datetime.timedelta(days=rng.randint(31, 400)), LAST_DAY)
            return f"{day.isoformat()[:7]}/{end.isoformat()[:7]}"
        if precision == "approximate":
            return day.isoformat()[:7] + "~"
        if precision == "doubtful":
            return day.isoformat() + "?"
        return f"../{day.isoformat()}"


def _day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


if __name__ == "__main__":
    import sys

    for text in sys.argv[1:] or ["10000"]:
        made = record(int(text))
        print(made.folder, made.counts["tally"])
