"""The web page at `/`: static files shipped in the package, a thin face over the public API.

The page is plain HTML, CSS and JavaScript with no build step. Its files are served
from the package (importlib.resources), with a Content-Security-Policy that lets the
browser load nothing but this server's own files and API, so nothing is fetched from
elsewhere at run time. None of these routes is in the OpenAPI document: they are not API.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Response

from stanceline.errors import ProblemError

STATIC = files("stanceline.interfaces.http") / "static"
MEDIA_TYPES = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Small files that change with the package: the browser asks again, cheaply.
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


@router.get("/")
async def page() -> Response:
    """The page."""
    return Response(_read("index.html"), media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    """One of the page's files (only those listed: no path ever reaches the file system)."""
    if name not in MEDIA_TYPES:
        raise ProblemError(404, "about:blank", "Not Found", f"no page file named {name!r}")
    return Response(_read(name), media_type=MEDIA_TYPES[name], headers=HEADERS)
