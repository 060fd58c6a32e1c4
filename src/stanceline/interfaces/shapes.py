"""The world map's shapes: one per state, named by ISO 3166-1 alpha-3, ready to draw.

They come from Natural Earth's public-domain 1:110m borders through the npm package
world-atlas, read with topojson-client and projected (Equal Earth) by tools/map/build.py,
which writes stanceline/data/world-shapes.json; that file ships in the package, so the
page and `stanceline map` draw the world without fetching anything. Each shape's path
data uses only absolute M, L and Z commands in a frame `width` x `height` pixels with y
downwards, so SVG takes it as it is and matplotlib reads it back as rings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Shape:
    """One state's outline; `code` is None for the few shapes ISO 3166 gives no code."""

    code: str | None
    name: str
    d: str  # SVG path data: "M x yL x y...Z" per ring

    def rings(self) -> list[Ring]:
        """The closed rings of the path, as (x, y) points, y downwards."""
        return [
            tuple(_point(pair) for pair in ring.split("L"))
            for ring in self.d.removeprefix("M").removesuffix("Z").split("ZM")
        ]


@dataclass(frozen=True, slots=True)
class WorldShapes:
    """Every shape, with where they come from and the frame they are drawn in."""

    source: str
    projection: str
    width: float
    height: float
    shapes: tuple[Shape, ...]

    def codes(self) -> frozenset[str]:
        """The ISO alpha-3 codes the map can colour."""
        return frozenset(s.code for s in self.shapes if s.code is not None)


def _point(pair: str) -> tuple[float, float]:
    x, y = pair.split(" ")
    return float(x), float(y)


@cache
def world_shapes() -> WorldShapes:
    """The shapes shipped in the package (read once)."""
    data = json.loads((files("stanceline") / "data" / "world-shapes.json").read_text("utf-8"))
    return WorldShapes(
        source=data["source"],
        projection=data["projection"],
        width=float(data["width"]),
        height=float(data["height"]),
        shapes=tuple(Shape(s["code"], s["name"], s["d"]) for s in data["shapes"]),
    )
