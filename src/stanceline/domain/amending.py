"""Change lines (DESIGN §4, §7): correcting, retracting, reinstating and ranking a stored fact."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stanceline.domain.canonical import canonical_json
from stanceline.domain.changes import (
    CHANGES_BY_ACTION,
    CORRECTED_FIELDS,
    FactChanged,
    FactCorrected,
    FactRanked,
)
from stanceline.domain.dates import parse_effective_date
from stanceline.domain.facts import FactKind, Key, Rank, Source, Text
from stanceline.domain.intake import FactId, first_error
from stanceline.domain.lifecycle import CHANGE_CHECKS, FactState, corrected
from stanceline.errors import FieldError, InvalidDateError

CORRECTABLE = CORRECTED_FIELDS


class ChangeInput(BaseModel):
    """A line that changes a stored fact: it corrects, retracts, reinstates or ranks one."""

    model_config = ConfigDict(extra="forbid", title="stanceline change")

    corrects: FactId | None = Field(default=None, description="Id of the fact this corrects.")
    retracts: FactId | None = Field(default=None, description="Id of the fact this retracts.")
    reinstates: FactId | None = Field(default=None, description="Id of the fact this reinstates.")
    ranks: FactId | None = Field(default=None, description="Id of the fact this ranks.")
    reason: Text = Field(description="Why: shown to auditors forever.")
    rank: Rank | None = Field(default=None, description="The rank a `ranks` line gives.")
    kind: FactKind | None = None
    date: Text | None = None
    summary: Text | None = None
    source: Source | None = Field(
        default=None, description="Replaces the fact's source (its first, if it has several)."
    )
    details: dict[str, Any] | None = None
    sources: list[Source] | None = Field(
        default=None, min_length=1, description="Replace all of the fact's sources."
    )
    event: Key | None = Field(default=None, description="The happening the fact is a claim of.")
    add_sources: list[Source] | None = Field(
        default=None,
        min_length=1,
        description="Sources added to the fact's: the source of a corrected value.",
    )


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """A validated change line: which fact, what to do, why, and the corrected fields."""

    action: type[FactChanged]
    fact_id: str
    reason: str
    fields: dict[str, Any]

    def change_id(self, salt: str = "") -> str:
        """Stable id of this change, so loading the same line twice records it once."""
        canonical = canonical_json(
            [self.action.TOPIC, self.fact_id, self.reason, self.fields, salt], ensure_ascii=True
        )
        return "c" + hashlib.sha256(canonical).hexdigest()[:16]


def is_change(raw: Any) -> bool:
    """Whether an import object is a change line rather than a fact."""
    return isinstance(raw, dict) and any(key in raw for key in CHANGES_BY_ACTION)


def validate_change(raw: dict[str, Any]) -> ChangeRequest:
    """Check a change line's own fields (the fact's state is checked when it is applied)."""
    try:
        change = ChangeInput.model_validate(raw)
    except ValidationError as error:
        raise first_error(error) from None
    named = [key for key in CHANGES_BY_ACTION if getattr(change, key) is not None]
    if len(named) != 1:
        raise FieldError("corrects", "name exactly one of corrects, retracts, reinstates and ranks")
    action = CHANGES_BY_ACTION[named[0]]
    fields = change.model_dump(mode="json", include=set(CORRECTABLE), exclude_none=True)
    if (action is FactRanked) != (change.rank is not None):
        raise FieldError(
            "rank",
            "a ranks line names the rank: preferred, normal or deprecated"
            if action is FactRanked
            else f"only a ranks line gives a rank, not {named[0]}",
        )
    if action is FactCorrected and not fields:
        raise FieldError(
            "corrects", f"a correction changes at least one of {', '.join(CORRECTABLE)}"
        )
    if action is not FactCorrected and fields:
        raise FieldError(next(iter(fields)), f"only a correction changes fields, not {named[0]}")
    if "source" in fields and "sources" in fields:
        raise FieldError("sources", "give source or sources, not both")
    if change.rank is not None:
        fields["rank"] = change.rank.value
    if "date" in fields:
        try:
            fields["date"] = parse_effective_date(fields["date"]).text
        except InvalidDateError as error:
            raise FieldError("date", str(error)) from None
    return ChangeRequest(action, getattr(change, named[0]), change.reason, fields)


def change_event(
    request: ChangeRequest,
    state: FactState,
    *,
    change_id: str,
    recorded_at: datetime,
    recorded_by: str,
) -> FactChanged:
    """The event that applies `request` to a fact in `state` (guards checked first)."""
    CHANGE_CHECKS[request.action](state)
    event = request.action(
        originator_id=state.fact_id,
        originator_version=state.version + 1,
        timestamp=recorded_at,
        recorded_by=recorded_by,
        reason=request.reason,
        change_id=change_id,
        **request.fields,
    )
    if isinstance(event, FactCorrected):
        try:
            content = corrected(state.content, event)
        except ValidationError as error:
            raise first_error(error, "details") from None
        if content == state.content:
            raise FieldError(
                "corrects", f"the correction changes nothing in fact {state.fact_id!r}"
            )
    if isinstance(event, FactRanked) and event.rank is state.content.current_rank:
        raise FieldError(
            "rank",
            f"fact {state.fact_id!r} is {event.rank.value} already: the rank changes nothing",
        )
    return event.chained(state.chain)
