"""Sources over HTTP: the sources the record cites, and for sources that disagree
(DESIGN §7) ranking a claim and reading a happening's claims."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from stanceline.application.disputes import ClaimsReport
from stanceline.application.sources import SourcesReport
from stanceline.domain.facts import Rank, Text
from stanceline.interfaces.csv_text import SOURCES_COLUMNS, sources_csv
from stanceline.interfaces.http.auth import Writer
from stanceline.interfaces.http.deps import INVALID, NOT_FOUND, Engine, _off_loop
from stanceline.interfaces.http.downloads import (
    FormatQuery,
    csv_response,
    csv_responses,
    wants_csv,
)
from stanceline.interfaces.http.reads import DayQuery, _day
from stanceline.interfaces.http.writes import (
    CHANGE_ERRORS,
    ChangeRecorded,
    FactIdPath,
    _change_body,
    _change_body_schema,
    _located,
    _recorded,
)

router = APIRouter()


class Ranking(BaseModel):
    """The rank a claim takes, and why (kept with it forever)."""

    model_config = ConfigDict(extra="forbid")

    rank: Rank = Field(description="preferred, normal or deprecated.")
    reason: Text = Field(description="Why the claim is ranked so: shown to auditors forever.")


@router.post(
    "/facts/{fact_id}/ranks",
    status_code=201,
    response_model=ChangeRecorded,
    responses=CHANGE_ERRORS,
    openapi_extra={"requestBody": _change_body_schema(Ranking)},
    tags=["writes"],
)
async def rank(
    request: Request, response: Response, engine: Engine, by: Writer, fact_id: FactIdPath
) -> ChangeRecorded:
    """Rank a claim preferred, normal or deprecated (`stanceline rank`)."""
    body = await _change_body(request, Ranking)

    def change() -> ChangeRecorded:
        return _recorded(engine, engine.rank(fact_id, body.rank.value, body.reason, by=by))

    return _located(response, await _off_loop(request, change))


@router.get(
    "/claims/{key}",
    response_model=ClaimsReport,
    responses={**NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def claims(
    request: Request, engine: Engine, key: FactIdPath, on: DayQuery = None
) -> Response:
    """Every claim of a happening (an event key, or a fact id for its event), which count,
    and the answer each alone gives on one day (`stanceline claims --json`)."""
    day = _day(on, "on")
    report = await _off_loop(request, lambda: engine.claims(key, day))
    return Response(report.model_dump_json(), media_type="application/json")


@router.get(
    "/sources",
    response_model=SourcesReport,
    responses={**csv_responses(",".join(SOURCES_COLUMNS)), **NOT_FOUND, **INVALID},
    tags=["reads"],
)
async def sources(
    request: Request,
    engine: Engine,
    actor: Annotated[
        str | None,
        Query(
            description="Only the sources of this actor's facts (code, name or alias).",
            min_length=1,
            max_length=200,
        ),
    ] = None,
    format_: FormatQuery = None,
) -> Response:
    """Every source the facts that count now cite, each with the facts that cite it
    (`stanceline sources --json`, or a row per source and citing fact: `sources --csv`)."""
    report = await _off_loop(request, lambda: engine.sources(actor))
    if wants_csv(request, format_):
        name = f"sources-{report.actor}.csv" if report.actor else "sources.csv"
        return csv_response(sources_csv(report), name)
    return Response(
        report.model_dump_json(), media_type="application/json", headers={"Vary": "Accept"}
    )
