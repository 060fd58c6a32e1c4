"""The web page at `/`: static files shipped in the package, a thin face over the public API.

The page is plain HTML, CSS and JavaScript with no build step. Its files are served
from the package (importlib.resources), with a Content-Security-Policy that lets the
browser load nothing but this server's own files and API, so nothing is fetched from
elsewhere at run time. The world map is drawn into the page here, as inline SVG, from
the shapes shipped in the package (interfaces/shapes.py); the script colours it. None of
these routes is in the OpenAPI document: they are not API.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files

from fastapi import APIRouter, Response

from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.stance import Summary
from stanceline.errors import ProblemError
from stanceline.interfaces.shapes import world_shapes

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


MAP_PLACE = "<!-- the world map -->"
NO_FACT = "#f2f2f2"  # the fill of a state with no fact recorded (app.js: NO_FACT)
SUMMARIES = tuple(summary.value for summary in Summary)


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


@cache
def _page() -> bytes:
    return _read("index.html").replace(MAP_PLACE.encode(), world_map_svg().encode())


def world_map_svg() -> str:
    """The map as inline SVG: a path per state with `data-actor` (its ISO alpha-3 code),
    drawn as "no fact recorded" until the script colours it, and the patterns it uses for
    uncertain (striped) and disputed (crossed) answers, one per summary colour."""
    world = world_shapes()
    names = ActorCatalogue.default()
    paths = []
    for shape in world.shapes:
        if shape.code is None:
            paths.append(f'<path class="state uncoded" fill="{NO_FACT}" d="{shape.d}"/>')
            continue
        found = names.find(shape.code)
        name = escape(found.name if found is not None else shape.name)
        paths.append(
            f'<path class="state" data-actor="{shape.code}" data-name="{name}"'
            f' fill="{NO_FACT}" d="{shape.d}"/>'
        )
    patterns = "".join(
        f'<pattern id="map-uncertain-{v}" class="s-{v}" width="6" height="6"'
        ' patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6"/><rect class="stripe" width="2.5" height="6"/></pattern>'
        f'<pattern id="map-disputed-{v}" class="s-{v}" width="6" height="6"'
        ' patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6"/><path class="cross" d="M0 0L6 6M6 0L0 6"/></pattern>'
        for v in SUMMARIES
    )
    return (
        f'<svg id="world-map" class="world-map" viewBox="0 0 {world.width:g} {world.height:g}"'
        ' role="group" aria-labelledby="map-label" aria-describedby="map-help">'
        f"<defs>{patterns}</defs>"
        f'<g class="states">{"".join(paths)}</g></svg>'
    )


@router.get("/")
async def page() -> Response:
    """The page, with the world map drawn into it."""
    return Response(_page(), media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    """One of the page's files (only those listed: no path ever reaches the file system)."""
    if name not in MEDIA_TYPES:
        raise ProblemError(404, "about:blank", "Not Found", f"no page file named {name!r}")
    return Response(_read(name), media_type=MEDIA_TYPES[name], headers=HEADERS)
