"""Build src/stanceline/data/world-shapes.json, the shapes of the world map, from npm packages.

    python tools/map/build.py        (or: make map-data)

Installs the pinned packages of tools/map/package.json (`npm ci`), has project.mjs read
world-atlas's 1:110m countries with topojson-client and project them (Equal Earth), then
names each shape by its ISO 3166-1 alpha-3 code (pycountry, from world-atlas's numeric
code) and writes SVG path data in a 960-pixel-wide frame. Antarctica is left out (no
actor of the record is there, and it would take a fifth of the picture). Kosovo takes
the code XKX (as stanceline's actors do); the two shapes with no code at all (N. Cyprus,
Somaliland) are kept without one: they are drawn, never coloured. The output is the same
for the same packages: run it again and git sees no change.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pycountry

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "src" / "stanceline" / "data" / "world-shapes.json"
WIDTH = 960.0
LEFT_OUT = {"010"}  # Antarctica
# Shapes world-atlas gives no numeric code. Kosovo has no ISO 3166-1 code either; XKX is the
# user-assigned code the EU uses, and stanceline's actor catalogue knows it by that code.
UNCODED = {"Kosovo": "XKX"}


def _project() -> dict[str, Any]:
    if not (HERE / "node_modules" / "world-atlas").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    done = subprocess.run(
        ["node", "project.mjs"], cwd=HERE, check=True, capture_output=True, text=True
    )
    projected: dict[str, Any] = json.loads(done.stdout)
    return projected


def _code(numeric: str | None, name: str) -> str | None:
    if numeric is None:
        return UNCODED.get(name)
    country = pycountry.countries.get(numeric=numeric)
    if country is None:
        raise SystemExit(f"world-atlas numeric code {numeric} is not in ISO 3166-1")
    return str(country.alpha_3)


def _path(rings: list[list[list[float]]], scale: float, top: float) -> str:
    pieces = []
    for ring in rings:
        points: list[tuple[float, float]] = []
        for x, y in ring:
            point = (round((x * scale) + WIDTH / 2, 1), round(top - y * scale, 1))
            if not points or point != points[-1]:
                points.append(point)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            continue
        coordinates = "L".join(f"{_number(x)} {_number(y)}" for x, y in points)
        pieces.append(f"M{coordinates}Z")
    return "".join(pieces)


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def main() -> None:
    projected = _project()
    shapes = [s for s in projected["shapes"] if s["numeric"] not in LEFT_OUT]
    xs = [p[0] for s in shapes for ring in s["rings"] for p in ring]
    ys = [p[1] for s in shapes for ring in s["rings"] for p in ring]
    scale = WIDTH / (max(xs) - min(xs))
    top = max(ys) * scale
    height = round((max(ys) - min(ys)) * scale, 1)
    named = sorted(
        (
            {
                "code": _code(s["numeric"], s["name"]),
                "name": s["name"],
                "d": _path(s["rings"], scale, top),
            }
            for s in shapes
        ),
        key=lambda s: (s["code"] is None, s["code"] or "", s["name"]),
    )
    data = {
        "source": f"{projected['atlas']} (countries-110m.json: Natural Earth 1:110m, public domain)"
        f", read with {projected['client']}",
        "projection": "Equal Earth",
        "width": WIDTH,
        "height": height,
        "shapes": named,
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(HERE.parents[1])}: {len(named)} shapes, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    sys.exit(main())
