"""Hypothesis strategies shared by the tests."""

from __future__ import annotations

import datetime
from dataclasses import replace as _replace

from hypothesis import strategies as st

# Dates

FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)
# How many characters of an ISO day each EDTF precision keeps.
PRECISIONS = {"day": 10, "month": 7, "year": 4}
QUALIFIERS = ("", "~", "?", "%")


def days() -> st.SearchStrategy[datetime.date]:
    """Calendar days in the years 1900 to 2100."""
    return st.dates(FIRST_DAY, LAST_DAY)


def year_months() -> st.SearchStrategy[tuple[int, int]]:
    """(year, month) pairs in the years 1900 to 2100."""
    return st.tuples(st.integers(FIRST_DAY.year, LAST_DAY.year), st.integers(1, 12))


def written(day: datetime.date, precision: str, qualifier: str = "") -> str:
    """The EDTF day, month or year that contains `day`, with an optional qualifier."""
    return day.isoformat()[: PRECISIONS[precision]] + qualifier


@st.composite
def edtf_points(draw: st.DrawFn) -> str:
    """A single day, month or year, possibly qualified: "2025-07-03", "2025-04~", "2003?"."""
    precision = draw(st.sampled_from(sorted(PRECISIONS)))
    return written(draw(days()), precision, draw(st.sampled_from(QUALIFIERS)))


@st.composite
def ordered_point_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two points (as edtf_points) whose interval "start/end" does not run backwards."""
    first, second = sorted(draw(st.tuples(days(), days())))
    precision = st.sampled_from(sorted(PRECISIONS))
    qualifier = st.sampled_from(QUALIFIERS)
    # Any precision of the earlier day starts no later than any precision of the later one ends.
    start = written(first, draw(precision), draw(qualifier))
    end = written(second, draw(precision), draw(qualifier))
    return start, end


@st.composite
def edtf_intervals(draw: st.DrawFn) -> str:
    """An interval "start/end", either end possibly open (".."): "2021-08/2025-07~"."""
    start, end = draw(ordered_point_pairs())
    if draw(st.booleans()):
        start = ".."
    elif draw(st.booleans()):
        end = ".."
    return f"{start}/{end}"


def edtf_dates() -> st.SearchStrategy[str]:
    """EDTF strings that parse_effective_date must accept."""
    return st.one_of(edtf_points(), edtf_intervals())


@st.composite
def small_ranges(draw: st.DrawFn, max_days: int = 7) -> tuple[str, datetime.date, datetime.date]:
    """(EDTF string, earliest, latest) for a day or a day interval of at most `max_days` days."""
    start = draw(days())
    end = start + datetime.timedelta(days=draw(st.integers(0, max_days - 1)))
    single = start == end and draw(st.booleans())
    text = start.isoformat() if single else f"{start.isoformat()}/{end.isoformat()}"
    return text, start, end


# Import lines

IMPORT_ACTORS = ("RUS", "CHN", "USA", "PAK", "IRN", "EU", "UN")
IMPORT_FIRST_DAY = datetime.date(2000, 1, 1)
IMPORT_LAST_DAY = datetime.date(2026, 12, 31)
IMPORT_LEVELS = ("charge_d_affaires", "ambassador")
IMPORT_MEASURES = ("taliban_officials", "travel_ban")
_NO_DETAILS: st.SearchStrategy[dict[str, str]] = st.just({})
SHORT_SUMMARIES = st.text("abcdefgh xyz", min_size=1, max_size=12).map(str.strip).filter(bool)
# Each kind with the details it accepts (DESIGN §4).
IMPORT_DETAILS: dict[str, st.SearchStrategy[dict[str, str]]] = {
    "terrorist_designation_imposed": _NO_DETAILS,
    "terrorist_designation_lifted": _NO_DETAILS,
    "taliban_envoy_accepted": st.one_of(
        _NO_DETAILS, st.fixed_dictionaries({"level": st.sampled_from(IMPORT_LEVELS)})
    ),
    "ambassador_credentials_accepted": _NO_DETAILS,
    "taliban_mission_closed": _NO_DETAILS,
    "envoy_posted_to_kabul": st.fixed_dictionaries({"level": st.sampled_from(IMPORT_LEVELS)}),
    "kabul_mission_closed": _NO_DETAILS,
    "formal_recognition_granted": _NO_DETAILS,
    "recognition_withdrawn": _NO_DETAILS,
    "sanctions_imposed": st.fixed_dictionaries({"measure": st.sampled_from(IMPORT_MEASURES)}),
    "sanctions_lifted": st.fixed_dictionaries({"measure": st.sampled_from(IMPORT_MEASURES)}),
    "assets_frozen": _NO_DETAILS,
    "assets_unfrozen": _NO_DETAILS,
    "stance_stated": _NO_DETAILS,
}


def import_days() -> st.SearchStrategy[datetime.date]:
    """Calendar days in the years 2000 to 2026, where the facts of the laws live."""
    return st.dates(IMPORT_FIRST_DAY, IMPORT_LAST_DAY)


@st.composite
def import_dates(draw: st.DrawFn) -> str:
    """An EDTF day, month, year or interval of those in 2000-2026: "2024-03-05/2024-07"."""
    precision = st.sampled_from(sorted(PRECISIONS))
    if draw(st.booleans()):
        return written(draw(import_days()), draw(precision))
    first, second = sorted(draw(st.tuples(import_days(), import_days())))
    return f"{written(first, draw(precision))}/{written(second, draw(precision))}"


@st.composite
def import_lines(draw: st.DrawFn) -> dict[str, object]:
    """One valid fact of the import format, without an id (so its id derives from content)."""
    kind = draw(st.sampled_from(sorted(IMPORT_DETAILS)))
    return {
        "kind": kind,
        "actor": draw(st.sampled_from(IMPORT_ACTORS)),
        "date": draw(import_dates()),
        "summary": draw(SHORT_SUMMARIES),
        "source": {"title": draw(st.sampled_from(("Clash Report", "Reuters", "TASS")))},
        "details": draw(IMPORT_DETAILS[kind]),
    }


def import_fact_sets(max_size: int = 8) -> st.SearchStrategy[list[dict[str, object]]]:
    """A small list of import lines (duplicates allowed: they are one fact)."""
    return st.lists(import_lines(), min_size=1, max_size=max_size)


@st.composite
def import_files(draw: st.DrawFn, max_size: int = 8) -> list[list[dict[str, object]]]:
    """A fact set split into 1 to 3 consecutive files (a file may be empty)."""
    facts = draw(import_fact_sets(max_size))
    cuts = sorted(draw(st.lists(st.integers(0, len(facts)), min_size=0, max_size=2)))
    bounds = [0, *cuts, len(facts)]
    return [facts[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]


# Facts

from dataclasses import replace  # noqa: E402
from datetime import timedelta as _timedelta  # noqa: E402

from stanceline.domain.facts import (  # noqa: E402
    VALUES,
    Component,
    FactContent,
    FactKind,
    Level,
    Source,
)
from stanceline.domain.stance import Occurrence  # noqa: E402

# Small facts live in a short window, so a brute-force enumeration of their days stays cheap.
FACT_WINDOW_START = datetime.date(2025, 4, 1)
FACT_WINDOW_DAYS = 10
MEASURES = ("travel_ban", "arms_embargo")
SUMMARY_COMPONENTS = (
    Component.RECOGNITION,
    Component.TALIBAN_ENVOY,
    Component.ENVOY_TO_KABUL,
    Component.DESIGNATION,
)
ACTOR_CODES = ("RUS", "CHN", "ARE", "USA", "GBR", "TUR", "UN", "EU", "XKX")


def range_text(earliest: datetime.date, latest: datetime.date) -> str:
    """The EDTF text of a day or a day interval."""
    if earliest == latest:
        return earliest.isoformat()
    return f"{earliest.isoformat()}/{latest.isoformat()}"


def query_days(slack: int = 2, length: int = FACT_WINDOW_DAYS) -> st.SearchStrategy[datetime.date]:
    """Days in and just around the fact window."""
    first = FACT_WINDOW_START - _timedelta(days=slack)
    return st.dates(first, FACT_WINDOW_START + _timedelta(days=length - 1 + slack))


@st.composite
def occurrences(
    draw: st.DrawFn,
    components: tuple[Component, ...] = tuple(Component),
    min_size: int = 1,
    max_size: int = 5,
    max_span: int = 4,
) -> list[Occurrence]:
    """Facts of `components` with ranges of at most `max_span` days inside the window.

    Positions are distinct; sanctions facts name one of MEASURES.
    """
    count = draw(st.integers(min_size, max_size))
    positions = draw(st.lists(st.integers(1, 99), min_size=count, max_size=count, unique=True))
    facts = []
    for index, position in enumerate(positions):
        component = draw(st.sampled_from(components))
        value = draw(st.sampled_from(VALUES[component]))
        measure = draw(st.sampled_from(MEASURES)) if component is Component.SANCTIONS else None
        span = draw(st.integers(0, max_span - 1))
        offset = draw(st.integers(0, FACT_WINDOW_DAYS - span - 1))
        earliest = FACT_WINDOW_START + _timedelta(days=offset)
        latest = earliest + _timedelta(days=span)
        text = range_text(earliest, latest)
        facts.append(
            Occurrence(f"fact-{index}", component, value, earliest, latest, position, text, measure)
        )
    return facts


@st.composite
def claimed_occurrences(draw: st.DrawFn, max_size: int = 6, max_span: int = 3) -> list[Occurrence]:
    """Facts as `occurrences` gives them, some sharing an event (DESIGN §7): each joins a
    happening of its part (component and measure) or starts one, with or without a key."""
    facts = draw(occurrences(max_size=max_size, max_span=max_span))
    happenings: dict[tuple[Component, str | None], list[str]] = {}
    claimed = []
    for fact in facts:
        part = (fact.component, fact.measure)
        keys = happenings.setdefault(part, [])
        choice = draw(st.integers(0, len(keys) + 1))  # an existing one, a new one, or none
        if choice < len(keys):
            event: str | None = keys[choice]
        elif choice == len(keys):
            event = f"event-{fact.component.value}-{fact.measure}-{len(keys)}"
            keys.append(event)
        else:
            event = None
        claimed.append(_replace(fact, event=event))
    return claimed


# A window long enough for three disjoint ranges of up to four days, with gaps.
DISJOINT_WINDOW_DAYS = 26


@st.composite
def disjoint_occurrences(
    draw: st.DrawFn, components: tuple[Component, ...] = tuple(Component), max_per_key: int = 3
) -> list[Occurrence]:
    """Facts whose ranges never share a day with another fact of the same (component, measure).

    Positions are 1..n in list order.
    """
    keys = [
        (component, measure)
        for component in components
        for measure in (MEASURES if component is Component.SANCTIONS else (None,))
    ]
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True))
    facts: list[Occurrence] = []
    for component, measure in chosen:
        start = FACT_WINDOW_START + _timedelta(days=draw(st.integers(0, 3)))
        for _ in range(draw(st.integers(1, max_per_key))):
            latest = start + _timedelta(days=draw(st.integers(0, 3)))
            value = draw(st.sampled_from(VALUES[component]))
            index = len(facts)
            text = range_text(start, latest)
            fact = Occurrence(f"fact-{index}", component, value, start, latest, index + 1, text)
            facts.append(replace(fact, measure=measure))
            start = latest + _timedelta(days=1 + draw(st.integers(0, 2)))
    return facts


def texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Non-empty text without surrounding whitespace (what a `Text` field keeps)."""
    return st.text(min_size=1, max_size=max_size).map(str.strip).filter(bool)


def measure_codes() -> st.SearchStrategy[str]:
    """Sanctions measure codes such as `officials_travel_ban`."""
    return st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,20}", fullmatch=True)


def fact_ids() -> st.SearchStrategy[str]:
    """Fact ids as the import format allows them."""
    return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,30}", fullmatch=True)


@st.composite
def sources(draw: st.DrawFn) -> Source:
    """A source with a title and any of the optional fields."""
    optional = st.none() | texts()
    url = st.none() | st.builds(
        lambda scheme, rest: f"{scheme}://{rest}",
        st.sampled_from(("http", "https")),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789./-_?=&%", min_size=1, max_size=30),
    )
    precision = st.sampled_from(sorted(PRECISIONS.values()))
    published = st.none() | st.builds(lambda day, n: day.isoformat()[:n], days(), precision)
    return Source(
        title=draw(texts()),
        publisher=draw(optional),
        url=draw(url),
        published=draw(published),
        quote=draw(optional),
    )


@st.composite
def details_for(draw: st.DrawFn, kind: FactKind) -> dict[str, str]:
    """Valid import-format details for a kind (an envoy's level may be left to its default)."""
    if kind is FactKind.TALIBAN_ENVOY_ACCEPTED:
        levels = st.sampled_from([level.value for level in Level])
        return draw(st.just({}) | st.fixed_dictionaries({"level": levels}))
    if kind is FactKind.ENVOY_POSTED_TO_KABUL:
        return {"level": draw(st.sampled_from([level.value for level in Level]))}
    if kind in (FactKind.SANCTIONS_IMPOSED, FactKind.SANCTIONS_LIFTED):
        return {"measure": draw(measure_codes())}
    return {}


@st.composite
def fact_contents(draw: st.DrawFn, kind: FactKind | None = None) -> FactContent:
    """Validated fact content of `kind` (any kind when None)."""
    kind = kind if kind is not None else draw(st.sampled_from(FactKind))
    content = FactContent(
        kind=kind,
        actor=draw(st.sampled_from(ACTOR_CODES)),
        date=draw(edtf_dates()),
        summary=draw(texts()),
        source=draw(sources()),
        details=draw(details_for(kind)),
    )
    # The stored content carries the details as the kind's model writes them.
    return content.model_copy(update={"details": content.typed_details().model_dump(mode="json")})


# Facts: history steps

from stanceline.domain.history import Step  # noqa: E402


@st.composite
def steps(draw: st.DrawFn, max_size: int = 6) -> list[Step]:
    """History steps of small facts (as `occurrences`), some of them statements."""
    facts = draw(occurrences(min_size=0, max_size=max_size))
    result = []
    for fact in facts:
        statement = draw(st.integers(0, 4)) == 0
        result.append(
            Step(
                fact_id=fact.fact_id,
                edtf=fact.edtf,
                earliest=fact.earliest,
                latest=fact.latest,
                position=fact.position,
                component=None if statement else fact.component,
                value=None if statement else fact.value,
                measure=None if statement else fact.measure,
            )
        )
    return draw(st.permutations(result))


# Facts: query days near the facts' own boundaries, where the rules change


def query_days_near(facts: list[Occurrence]) -> st.SearchStrategy[datetime.date]:
    """Any day around the window, or (more often) a day at or next to a fact's range end."""
    one = _timedelta(days=1)
    edges = sorted(
        {day for f in facts for day in (f.earliest - one, f.earliest, f.latest, f.latest + one)}
    )
    if not edges:
        return query_days()
    return st.one_of(query_days(), st.sampled_from(edges), st.sampled_from(edges))


# Changes

# Facts that corrections, retractions and reinstatements work on live in a short window,
# so their ranges overlap and the answers on the query days are often uncertain.
CHANGE_WINDOW_START = datetime.date(2025, 4, 1)
CHANGE_WINDOW_DAYS = 8
CHANGE_ACTORS = ("RUS", "CHN", "EU")
CHANGE_KINDS = (
    "terrorist_designation_imposed",
    "terrorist_designation_lifted",
    "formal_recognition_granted",
    "recognition_withdrawn",
    "envoy_posted_to_kabul",
    "kabul_mission_closed",
    "sanctions_imposed",
    "sanctions_lifted",
    "stance_stated",
)
# Days just before, inside and just after the change window.
CHANGE_QUERY_DAYS = tuple(
    CHANGE_WINDOW_START + _timedelta(days=offset) for offset in (-1, 1, 3, 5, CHANGE_WINDOW_DAYS)
)


@st.composite
def window_dates(draw: st.DrawFn, max_span: int = 4) -> str:
    """A day or a short day range in the change window: "2025-04-03", "2025-04-02/2025-04-05"."""
    span = draw(st.integers(0, max_span - 1))
    offset = draw(st.integers(0, CHANGE_WINDOW_DAYS - span - 1))
    earliest = CHANGE_WINDOW_START + _timedelta(days=offset)
    return range_text(earliest, earliest + _timedelta(days=span))


@st.composite
def window_facts(draw: st.DrawFn, fact_id: str) -> dict[str, object]:
    """One import line with an explicit id, dated inside the change window."""
    kind = draw(st.sampled_from(CHANGE_KINDS))
    return {
        "id": fact_id,
        "kind": kind,
        "actor": draw(st.sampled_from(CHANGE_ACTORS)),
        "date": draw(window_dates()),
        "summary": draw(SHORT_SUMMARIES),
        "source": {"title": draw(st.sampled_from(("Clash Report", "Reuters")))},
        "details": draw(IMPORT_DETAILS[kind]),
    }


def window_fact_lists(
    min_size: int = 1, max_size: int = 6
) -> st.SearchStrategy[list[dict[str, object]]]:
    """Import lines with the distinct ids f0, f1, ... in list order."""
    return st.integers(min_size, max_size).flatmap(
        lambda n: st.tuples(*(window_facts(f"f{i}") for i in range(n))).map(list)
    )


@st.composite
def correction_fields(draw: st.DrawFn) -> dict[str, object]:
    """The fields a correction changes: a date, a kind with all its details, or a summary."""
    field = draw(st.sampled_from(("date", "kind", "summary")))
    if field == "date":
        return {"date": draw(window_dates())}
    if field == "kind":
        kind = draw(st.sampled_from(CHANGE_KINDS))
        return {"kind": kind, "details": draw(IMPORT_DETAILS[kind])}
    return {"summary": draw(SHORT_SUMMARIES)}


# ("record", line) | ("correct", n, fields) | ("retract", n) | ("reinstate", n); n picks
# a recorded fact modulo how many there are by then.
Operation = tuple[object, ...]
CHANGE_ACTIONS = ("record", "record", "correct", "retract", "reinstate")


@st.composite
def change_scripts(draw: st.DrawFn, max_size: int = 8) -> list[Operation]:
    """A sequence of operations on a store, starting with a recorded fact.

    Some operations are not allowed when they come (retracting a retracted fact,
    a correction that changes nothing): the store must refuse those and write nothing.
    """
    operations: list[Operation] = []
    recorded = 0
    for index in range(draw(st.integers(1, max_size))):
        action = "record" if index == 0 else draw(st.sampled_from(CHANGE_ACTIONS))
        if action == "record":
            operations.append(("record", draw(window_facts(f"f{recorded}"))))
            recorded += 1
        elif action == "correct":
            operations.append(("correct", draw(st.integers(0, 7)), draw(correction_fields())))
        else:
            operations.append((action, draw(st.integers(0, 7))))
    return operations


# Facts: wide and open ranges, for laws over the whole calendar

from stanceline.domain.dates import MAX_DAY, MIN_DAY  # noqa: E402


@st.composite
def open_occurrences(draw: st.DrawFn, max_size: int = 8) -> list[Occurrence]:
    """Facts as `occurrences`, some with ranges open at either end ("../2025-04-03").

    Same-day ties, nested and overlapping ranges, and positions out of date order.
    """
    facts = draw(occurrences(min_size=0, max_size=max_size, max_span=FACT_WINDOW_DAYS))
    opened = []
    for fact in facts:
        end = draw(st.sampled_from(("", "", "", "start", "end")))
        if end == "start":
            fact = replace(fact, earliest=MIN_DAY, edtf=f"../{fact.latest.isoformat()}")
        elif end == "end":
            fact = replace(fact, latest=MAX_DAY, edtf=f"{fact.earliest.isoformat()}/..")
        opened.append(fact)
    return opened


# JSON values, for laws about canonical JSON

# Any code point but lone surrogates, and often the first 256 (controls, DEL, Latin-1).
JSON_TEXTS = st.text() | st.text(st.characters(max_codepoint=0xFF))
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too
    | st.floats()  # NaN and infinities too
    | JSON_TEXTS
)


def json_values(max_leaves: int = 20) -> st.SearchStrategy[object]:
    """Anything json.dumps writes: objects with string keys, arrays, text in any script, numbers."""
    return st.recursive(
        JSON_SCALARS,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(JSON_TEXTS, inner, max_size=5),
        max_leaves=max_leaves,
    )


@st.composite
def change_files(draw: st.DrawFn, max_size: int = 10) -> list[list[dict[str, object]]]:
    """Import files of facts and of change lines that the fact's state allows when they come.

    A change line may change a fact recorded earlier in the same file or in an earlier
    one, and the same line may come twice. 1 to 3 consecutive files.
    """
    lines: list[dict[str, object]] = []
    retracted: list[bool] = []
    for operation in draw(change_scripts(max_size)):
        action = operation[0]
        if action == "record":
            line = operation[1]
            assert isinstance(line, dict)
            lines.append(line)
            retracted.append(False)
            continue
        number = int(str(operation[1])) % len(retracted)
        target = f"f{number}"
        if action == "correct" and not retracted[number]:
            fields = operation[2]
            assert isinstance(fields, dict)
            lines.append({"corrects": target, "reason": "a correction", **fields})
        elif action == "retract" and not retracted[number]:
            lines.append({"retracts": target, "reason": "not so"})
            retracted[number] = True
        elif action == "reinstate" and retracted[number]:
            lines.append({"reinstates": target, "reason": "so after all"})
            retracted[number] = False
    cuts = sorted(draw(st.lists(st.integers(0, len(lines)), max_size=2)))
    bounds = [0, *cuts, len(lines)]
    return [lines[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]


# Competing claims (DESIGN §7): happenings told by one to three claims, ranked, retracted

# Per part of the stance, the kinds (with details) of a fact that moves it.
CLAIM_PARTS: dict[str, tuple[tuple[str, dict[str, str]], ...]] = {
    "designation": (
        ("terrorist_designation_imposed", {}),
        ("terrorist_designation_lifted", {}),
    ),
    "recognition": (("formal_recognition_granted", {}), ("recognition_withdrawn", {})),
    "envoy_to_kabul": (
        ("envoy_posted_to_kabul", {"level": "ambassador"}),
        ("envoy_posted_to_kabul", {"level": "charge_d_affaires"}),
        ("kabul_mission_closed", {}),
    ),
    "sanctions": (
        ("sanctions_imposed", {"measure": "travel_ban"}),
        ("sanctions_lifted", {"measure": "travel_ban"}),
    ),
}
CLAIM_PUBLISHERS = ("Clash Report", "Reuters", "TASS")
CLAIM_ACTORS = ("RUS", "CHN")
RANKS = ("preferred", "normal", "deprecated")


@st.composite
def claim_lines(
    draw: st.DrawFn, fact_id: str, actor: str, part: str, event: str | None
) -> dict[str, object]:
    """One fact line telling of a happening of `actor`'s `part`, from one or two sources."""
    kind, details = draw(st.sampled_from(CLAIM_PARTS[part]))
    publishers = draw(
        st.lists(st.sampled_from(CLAIM_PUBLISHERS), min_size=1, max_size=2, unique=True)
    )
    sources = [{"title": f"{publisher} report", "publisher": publisher} for publisher in publishers]
    line: dict[str, object] = {
        "id": fact_id,
        "kind": kind,
        "actor": actor,
        "date": draw(window_dates(max_span=3)),
        "summary": "A claim",
        **({"source": sources[0]} if len(sources) == 1 else {"sources": sources}),
        "details": details,
    }
    if event is not None:
        line["event"] = event
    rank = draw(st.sampled_from(("normal", "normal", "preferred", "deprecated")))
    if rank != "normal":
        line.update(rank=rank, rank_reason=f"ranked {rank} when recorded")
    return line


@st.composite
def claim_scripts(draw: st.DrawFn, max_happenings: int = 4) -> list[Operation]:
    """Facts recorded as claims of a few happenings, then rank changes, retractions and
    reinstatements: ("record", line) | ("rank", n, rank) | ("retract", n) | ("reinstate", n).

    Some changes are refused when they come (a rank that changes nothing, ranking a
    retracted fact): the store must write nothing for them.
    """
    operations: list[Operation] = []
    count = 0
    for happening in range(draw(st.integers(1, max_happenings))):
        actor = draw(st.sampled_from(CLAIM_ACTORS))
        part = draw(st.sampled_from(sorted(CLAIM_PARTS)))
        claims = draw(st.integers(1, 3))
        keyed = claims > 1 or draw(st.booleans())
        event = f"h{happening}-{actor}-{part}" if keyed else None
        for _ in range(claims):
            operations.append(("record", draw(claim_lines(f"f{count}", actor, part, event))))
            count += 1
    for _ in range(draw(st.integers(0, 5))):
        action = draw(st.sampled_from(("rank", "rank", "retract", "reinstate")))
        target = draw(st.integers(0, count - 1))
        if action == "rank":
            operations.append(("rank", target, draw(st.sampled_from(RANKS))))
        else:
            operations.append((action, target))
    return operations


# Payloads: nested JSON objects, for field-level changes between two versions

PAYLOAD_KEYS = st.sampled_from(["date", "summary", "source", "url", "level"])
PAYLOAD_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-2, 2)
    | st.floats(allow_nan=False, allow_infinity=False, width=16)
    | st.text("ab-", max_size=3)
    | st.lists(st.integers(0, 2), max_size=2)
)


def payload_trees() -> st.SearchStrategy[dict[str, object]]:
    """JSON objects few keys deep, drawn from a few names so two of them share fields."""
    return st.dictionaries(
        PAYLOAD_KEYS,
        st.recursive(
            PAYLOAD_SCALARS,
            lambda inner: st.dictionaries(PAYLOAD_KEYS, inner, max_size=3),
            max_leaves=6,
        ),
        max_size=4,
    )
