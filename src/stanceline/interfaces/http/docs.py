"""/docs (Swagger UI) and /redoc (ReDoc) from the files the fastapi-offline package ships.

FastAPI's own pages load their scripts from a CDN; these load them from this server
(/docs/assets/NAME, only the files listed), so the documentation works with no way
out to the internet and the browser is never sent elsewhere. Each page has its own
Content-Security-Policy: what that viewer needs and nothing more (docs/http.md says
why each source is there). Not API: none of these is in the OpenAPI document.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

from stanceline.errors import ProblemError
from stanceline.interfaces.http.page import HEADERS

ASSETS = files("fastapi_offline") / "static"
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
ASSET_PATH = "/docs/assets"
OPENAPI_URL = "/openapi.json"
# Swagger UI: the page's one inline script (its set-up) by its hash, never 'unsafe-inline';
# its styles set inline; "Try it out" calls this server (connect-src 'self').
# ReDoc: styled-components writes <style> elements, and the search runs in a Web Worker
# made from a blob: URL.
_COMMON = (
    "default-src 'none'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)

router = APIRouter(include_in_schema=False)


@cache
def _asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


@cache
def _swagger() -> tuple[bytes, str]:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="stanceline - Swagger UI",
        swagger_js_url=f"{ASSET_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSET_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSET_PATH}/favicon.png",
        oauth2_redirect_url=None,
        # No badge fetched from the public validator.
        swagger_ui_parameters={"validatorUrl": None},
    ).body
    hashes = " ".join(f"'sha256-{_sha256(found)}'" for found in _INLINE_SCRIPT.findall(page))
    policy = f"{_COMMON}; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'"
    return bytes(page), policy


@cache
def _redoc() -> tuple[bytes, str]:
    page = get_redoc_html(
        openapi_url=OPENAPI_URL,
        title="stanceline - ReDoc",
        redoc_js_url=f"{ASSET_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSET_PATH}/favicon.png",
        with_google_fonts=False,
    ).body
    policy = f"{_COMMON}; script-src 'self'; style-src 'self' 'unsafe-inline'; worker-src blob:"
    return bytes(page), policy


def _sha256(script: bytes) -> str:
    return base64.b64encode(hashlib.sha256(script).digest()).decode()


def _headers(policy: str) -> dict[str, str]:
    """The page's headers (page.HEADERS), with this page's own policy."""
    return {**HEADERS, "Content-Security-Policy": policy}


@router.get("/docs")
async def swagger_ui(request: Request) -> Response:
    """Swagger UI over /openapi.json."""
    page, policy = _swagger()
    return Response(page, media_type="text/html; charset=utf-8", headers=_headers(policy))


@router.get("/redoc")
async def redoc(request: Request) -> Response:
    """ReDoc over /openapi.json."""
    page, policy = _redoc()
    return Response(page, media_type="text/html; charset=utf-8", headers=_headers(policy))


@router.get(ASSET_PATH + "/{name}")
async def asset(name: str) -> Response:
    """One of the viewers' files (only those listed: no path reaches the file system)."""
    if name not in ASSET_TYPES:
        raise ProblemError(404, "about:blank", "Not Found", f"no documentation file named {name!r}")
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"}
    return Response(_asset(name), media_type=ASSET_TYPES[name], headers=headers)
