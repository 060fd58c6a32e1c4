"""Sources that disagree over HTTP (DESIGN §7): rank a claim, read a happening's claims."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from stanceline.application.disputes import ClaimsReport
from stanceline.domain.facts import Rank, Text
from stanceline.interfaces.http.auth import Writer
from stanceline.interfaces.http.deps import INVALID, NOT_FOUND, Engine, _off_loop
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
