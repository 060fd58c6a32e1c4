"""Reads: stances, the world, histories, explanations, diffs and facts (the CLI's --json)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from stanceline.application.reports import (
    DateDiff,
    FactReport,
    HistoryReport,
    KnowledgeDiff,
    StanceReport,
    StatusReport,
    TimelineReport,
)
from stanceline.domain.dates import parse_day
from stanceline.domain.knowledge import MAX_POSITION, parse_known_at
from stanceline.domain.timeline import Part
from stanceline.errors import FieldIssue, InvalidDateError, InvalidKnownAtError
from stanceline.interfaces import csv_text
from stanceline.interfaces.http.deps import INVALID, NOT_FOUND, Engine, _off_loop
from stanceline.interfaces.http.downloads import (
    FormatQuery,
    csv_response,
    csv_responses,
    wants_csv,
)
from stanceline.interfaces.http.problems import _usage, invalid
from stanceline.interfaces.http.where import WhereQuery
from stanceline.interfaces.http.writes import FactIdPath
from stanceline.projections.explain import Explanation

DAY_PATTERN = r"^(\d{4}-\d{2}-\d{2}|today)$"
# What the schema says of a day and a known-at time: what the server accepts, as closely as
# JSON Schema can say it (DAY_PATTERN is checked first; parse_day and parse_known_at after).
DAY: dict[str, Any] = {"anyOf": [{"type": "string", "format": "date"}, {"const": "today"}]}
KNOWN_AT: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "date"},
        # @N, N at most MAX_POSITION (2**53 - 1): up to 15 digits is always within it.
        {"type": "string", "pattern": "^@(0|[1-9][0-9]{0,14})$"},
    ]
}


def _day(value: str | None, name: str) -> date:
    try:
        return parse_day(value or "today")
    except InvalidDateError as error:
        raise invalid([FieldIssue(field=name, message=str(error))]) from None


def _known(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        known = parse_known_at(value)
    except InvalidKnownAtError as error:
        raise invalid([FieldIssue(field=name, message=str(error))]) from None
    if known.position is not None and known.position > MAX_POSITION:
        raise invalid([FieldIssue(field=name, message=f"@N is at most @{MAX_POSITION}")])
    return known.text


DayQuery = Annotated[
    str | None,
    Query(
        pattern=DAY_PATTERN,
        json_schema_extra=DAY,
        description="The day to answer for, YYYY-MM-DD or 'today' (default: today, UTC).",
        examples=["2025-07-04"],
    ),
]
KnownAtQuery = Annotated[
    str | None,
    Query(
        description="Answer as the engine would have at T: an ISO 8601 timestamp (UTC if no "
        "zone), a day (its end, UTC) or @N (every event at position N or before).",
        examples=["@10", "2025-07-05T12:00:00Z"],
        json_schema_extra=KNOWN_AT,
    ),
]

AccordingToQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=4000,
        description="Answer from the facts one source gives: its publisher (any case) or its "
        "url (exactly), whatever their rank (DESIGN §7).",
        examples=["Clash Report"],
    ),
]


def _json(report: BaseModel) -> Response:
    """The report's JSON, as FastAPI would send it for the route's response_model.

    The report was validated as it was made; returning the body ready skips FastAPI's
    second validation and serialisation of it (the bytes are the same).
    """
    return Response(report.model_dump_json(by_alias=True), media_type="application/json")


# Reads


router = APIRouter()


@router.get(
    "/actors/{actor}/stance",
    response_model=StanceReport,
    responses={**NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def stance(
    request: Request,
    engine: Engine,
    actor: str,
    on: DayQuery = None,
    known_at: KnownAtQuery = None,
    according_to: AccordingToQuery = None,
) -> Response:
    """One actor's stance on one day (the stance JSON of `stanceline stance --json`)."""
    day, known = _day(on, "on"), _known(known_at, "known_at")
    # The common question, as known now of an indexed actor, is one short read: answered
    # here on the event loop, without the trip to a worker thread. Anything more (a stale
    # index, the log ahead of the model, known_at, according_to, an unknown name) goes off
    # the loop.
    report = None
    if known is None and according_to is None:
        report = engine.stance_at_once(actor, day)
    if report is None:
        report = await _off_loop(request, lambda: engine.stance(actor, day, known, according_to))
    return _json(report)


@router.get("/status", response_model=StatusReport, tags=["reads"])
async def status(request: Request, engine: Engine) -> StatusReport:
    """What the store holds: its source, position, counts and first day (`status --json`).

    A client that follows /events/stream starts from `position` here instead of
    reading the whole log first.
    """
    return await _off_loop(request, engine.status)


@router.get(
    "/world",
    response_model=list[StanceReport],
    responses={**csv_responses(",".join(csv_text.WORLD_COLUMNS)), **INVALID},
    tags=["reads"],
)
async def world(
    request: Request,
    response: Response,
    engine: Engine,
    where: WhereQuery,
    on: DayQuery = None,
    known_at: KnownAtQuery = None,
    according_to: AccordingToQuery = None,
    format_: FormatQuery = None,
) -> Response | list[StanceReport]:
    """Every actor with any fact, as of one day, sorted by code (`world --json`, or
    `world --csv`); the filters keep only the actors whose parts have the values asked
    (`world --where`)."""
    day, known = _day(on, "on"), _known(known_at, "known_at")
    reports = await _off_loop(request, lambda: engine.world(day, known, according_to, where=where))
    if wants_csv(request, format_):
        return csv_response(csv_text.world_csv(reports), f"world-{day.isoformat()}.csv")
    response.headers["Vary"] = "Accept"
    return reports


@router.get(
    "/actors/{actor}/history",
    response_model=HistoryReport,
    responses={**csv_responses(",".join(csv_text.HISTORY_COLUMNS)), **NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def history(
    request: Request,
    response: Response,
    engine: Engine,
    actor: str,
    known_at: KnownAtQuery = None,
    according_to: AccordingToQuery = None,
    all_facts: Annotated[
        bool,
        Query(
            alias="all",
            description="Also the facts that no longer count (retracted), with their status.",
        ),
    ] = False,
    format_: FormatQuery = None,
) -> Response | HistoryReport:
    """Every fact of one actor in effective-date order, with what each changed (`history`)."""
    known = _known(known_at, "known_at")
    report = await _off_loop(
        request, lambda: engine.history(actor, known, according_to, all_facts=all_facts)
    )
    if wants_csv(request, format_):
        return csv_response(csv_text.history_csv(report), f"history-{report.actor}.csv")
    response.headers["Vary"] = "Accept"
    return report


@router.get(
    "/actors/{actor}/timeline",
    response_model=TimelineReport,
    responses={**csv_responses(",".join(csv_text.TIMELINE_COLUMNS)), **NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def timeline(
    request: Request,
    response: Response,
    engine: Engine,
    actor: str,
    from_: Annotated[
        str | None,
        Query(
            alias="from",
            pattern=DAY_PATTERN,
            json_schema_extra=DAY,
            description="The first day drawn (default: the actor's first fact).",
        ),
    ] = None,
    to: Annotated[
        str | None,
        Query(
            pattern=DAY_PATTERN,
            json_schema_extra=DAY,
            description="The last day drawn (default: today, UTC).",
        ),
    ] = None,
    known_at: KnownAtQuery = None,
    according_to: AccordingToQuery = None,
    part: Annotated[
        Part,
        Query(
            description="The part drawn: summary, or one of the six components (then `facts` "
            "holds the facts that move it).",
        ),
    ] = Part.SUMMARY,
    format_: FormatQuery = None,
) -> Response | TimelineReport:
    """One actor's summary (or one component) from one day to another, as bands of days, and
    the facts there."""
    start = _day(from_, "from") if from_ is not None else None
    end = _day(to, "to") if to is not None else None
    if start is not None and end is not None and end < start:
        raise _usage("to", f"to {end} is before from {start}")
    known = _known(known_at, "known_at")
    report = await _off_loop(
        request, lambda: engine.timeline(actor, start, end, known, according_to, part=part)
    )
    if wants_csv(request, format_):
        name = f"timeline-{report.actor}-{report.part}.csv"
        return csv_response(csv_text.timeline_csv([report]), name)
    response.headers["Vary"] = "Accept"
    return report


@router.get(
    "/actors/{actor}/explain",
    response_model=Explanation,
    responses={**NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def explain(
    request: Request,
    engine: Engine,
    actor: str,
    on: DayQuery = None,
    known_at: KnownAtQuery = None,
    according_to: AccordingToQuery = None,
) -> Explanation:
    """Why one actor's stance on one day is what it is: facts, sources, rules, and the
    claims that disagree."""
    day, known = _day(on, "on"), _known(known_at, "known_at")
    return await _off_loop(request, lambda: engine.explain(actor, day, known, according_to))


@router.get(
    "/diff",
    response_model=DateDiff | KnowledgeDiff,
    responses={**NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def diff(
    request: Request,
    engine: Engine,
    actor: Annotated[str | None, Query(description="One actor (or all=true).")] = None,
    all_actors: Annotated[bool, Query(alias="all", description="Every actor.")] = False,
    from_: Annotated[
        str | None,
        Query(
            alias="from", pattern=DAY_PATTERN, json_schema_extra=DAY, description="Changes after..."
        ),
    ] = None,
    to: Annotated[
        str | None,
        Query(pattern=DAY_PATTERN, json_schema_extra=DAY, description="...up to this day."),
    ] = None,
    known_at: KnownAtQuery = None,
    known_from: Annotated[
        str | None, Query(description="Learned after T1...", json_schema_extra=KNOWN_AT)
    ] = None,
    known_to: Annotated[
        str | None,
        Query(description="...up to T2 (default: now).", json_schema_extra=KNOWN_AT),
    ] = None,
    on: Annotated[
        str | None,
        Query(pattern=DAY_PATTERN, json_schema_extra=DAY, description="With known_from: one day."),
    ] = None,
    according_to: AccordingToQuery = None,
) -> DateDiff | KnowledgeDiff:
    """Changes between two days (from, to) or two audits (known_from, known_to)."""
    if (actor is not None) == all_actors:
        raise _usage("actor", "name one actor or give all=true")
    who = None if all_actors else actor
    by_dates = from_ is not None or to is not None
    if by_dates == (known_from is not None or known_to is not None):
        raise _usage("from", "give either from and to, or known_from (and known_to)")
    if by_dates:
        if from_ is None or to is None or on is not None:
            raise _usage("to", "from needs to (and on goes with known_from/known_to)")
        after, upto = _day(from_, "from"), _day(to, "to")
        if upto < after:
            raise _usage("to", f"to {upto} is before from {after}")
        known = _known(known_at, "known_at")
        return await _off_loop(
            request, lambda: engine.diff_dates(who, after, upto, known, according_to)
        )
    if known_from is None:
        raise _usage("known_from", "known_to needs known_from")
    if known_at is not None:
        raise _usage("known_at", "known_at goes with from and to, not known_from")
    start, end = _known(known_from, "known_from"), _known(known_to, "known_to")
    day = _day(on, "on") if on is not None else None
    return await _off_loop(
        request, lambda: engine.diff_knowledge(who, cast(str, start), end, day, according_to)
    )


@router.get("/facts/{fact_id}", response_model=FactReport, responses=NOT_FOUND, tags=["reads"])
async def fact(request: Request, engine: Engine, fact_id: FactIdPath) -> FactReport:
    """A fact's whole life: recorded, corrected, retracted, with times, reasons and who."""
    return await _off_loop(request, lambda: engine.fact(fact_id))
