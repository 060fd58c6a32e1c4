"""CSV answers: which format a read is asked in (`format=`, else `Accept`), and the download.

A read that offers CSV answers it when `format=csv` is given, or when no `format` is and
the Accept header ranks text/csv above application/json (by quality, then by how
exactly the range names it; a tie, or no Accept at all, is JSON). The CSV is what the
command line's `--csv` prints (interfaces/csv_text.py), as an attachment with a name.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from fastapi import Query, Request, Response

from stanceline.interfaces.http.deps import Responses

CSV = "text/csv"
JSON = "application/json"
CSV_MEDIA_TYPE = f"{CSV}; charset=utf-8"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class Format(StrEnum):
    """The format of a read's answer."""

    JSON = "json"
    CSV = "csv"


FormatQuery = Annotated[
    Format | None,
    Query(
        alias="format",
        description="The answer's format: json, or csv (text/csv, the command line's --csv). "
        "Without it, the Accept header chooses (text/csv, else JSON).",
    ),
]


def csv_responses(example: str) -> Responses:
    """The OpenAPI description of a read's 200 answer that may also be CSV."""
    return {
        200: {
            "description": "The answer: JSON, or CSV with `format=csv` or `Accept: text/csv`.",
            "content": {CSV: {"schema": {"type": "string"}, "example": example}},
            "headers": {
                "Content-Disposition": {
                    "description": 'With CSV: `attachment; filename="..."`.',
                    "schema": {"type": "string"},
                },
                "Vary": {"description": "Accept", "schema": {"type": "string"}},
            },
        }
    }


def wants_csv(request: Request, given: Format | None) -> bool:
    """Whether the read is to answer CSV: `format` if given, else the Accept header."""
    if given is not None:
        return given is Format.CSV
    accept = request.headers.get("accept")
    if not accept:
        return False
    quality, exact = _rank(accept, CSV)
    return quality > 0 and (quality, exact) > _rank(accept, JSON)


def csv_response(text: str, filename: str) -> Response:
    """The CSV `text` as a download named `filename` (characters outside A-Z, a-z, 0-9, '.',
    '_' and '-' replaced by '_')."""
    safe = _UNSAFE.sub("_", filename)
    headers = {"Content-Disposition": f'attachment; filename="{safe}"', "Vary": "Accept"}
    return Response(text.encode(), media_type=CSV_MEDIA_TYPE, headers=headers)


def _rank(accept: str, media: str) -> tuple[float, int]:
    """How an Accept header ranks a media type: the quality of the most specific range that
    matches it, and how specific that is (2: the type itself, 1: type/*, 0: */*)."""
    kind = media.partition("/")[0]
    best = (0.0, -1)
    for item in accept.split(","):
        name, *params = (piece.strip() for piece in item.split(";"))
        name = name.lower()
        exact = {media: 2, f"{kind}/*": 1, "*/*": 0}.get(name, -1)
        if exact > best[1]:
            best = (_quality(params), exact)
    return best


def _quality(params: list[str]) -> float:
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0
