"""The world's filters as query parameters: `summary=`, `recognition=`, ... (repeatable).

Values of one part are alternatives, parts are all required (application/filters.py);
a value the part does not have is a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from stanceline.application.filters import PART_VALUES, WorldFilter, parse_value
from stanceline.domain.timeline import Part


def _values(part: Part) -> Any:
    """The query parameter of one part: its values, repeatable, each one the part has."""
    return Query(
        default_factory=list,
        description=f"Only the actors whose {part.value} is this value (repeat it for any of "
        "several); with other parts, every part given must hold.",
        json_schema_extra={"items": {"type": "string", "enum": list(PART_VALUES[part])}},
    )


def _where(
    summary: Annotated[list[str], _values(Part.SUMMARY)],
    recognition: Annotated[list[str], _values(Part.RECOGNITION)],
    designation: Annotated[list[str], _values(Part.DESIGNATION)],
    taliban_envoy: Annotated[list[str], _values(Part.TALIBAN_ENVOY)],
    envoy_to_kabul: Annotated[list[str], _values(Part.ENVOY_TO_KABUL)],
    sanctions: Annotated[list[str], _values(Part.SANCTIONS)],
    assets: Annotated[list[str], _values(Part.ASSETS)],
) -> WorldFilter:
    """The filter the query asks for (none: every actor)."""
    given = (summary, recognition, designation, taliban_envoy, envoy_to_kabul, sanctions, assets)
    return WorldFilter.of(
        (part, parse_value(part, value))
        for part, values in zip(Part, given, strict=True)
        for value in values
    )


WhereQuery = Annotated[WorldFilter, Depends(_where)]
