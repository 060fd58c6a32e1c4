"""The world on one day as a picture: every state's shape coloured by its summary.

Like the chart (whose palette, hatches, style and formats it shares), matplotlib is
imported here only, and this module only by `stanceline map`. In SVG, each state's
shape is a group whose id is its ISO 3166-1 alpha-3 code (`<g id="RUS">`); actors the
map has no shape for (organisations, states too small for the 1:110m borders) are a
row of chips under it, each `<g id="chip-CODE">`, so nothing in the world answer is
left out of the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from stanceline.application.reports import StanceReport
from stanceline.domain.answer import Certainty
from stanceline.interfaces.chart import (
    COLOURS,
    DISPUTED_HATCH,
    DPI,
    UNCERTAIN_HATCH,
    WIDTH_INCHES,
    save,
)
from stanceline.interfaces.shapes import Shape, WorldShapes, world_shapes

__all__ = ["Drawn", "draw"]

# No fact recorded: drawn apart from no_relations (grey), which is a finding.
NO_FACT, NO_FACT_EDGE = "#f0f0f0", "#c4c4c4"
EDGE, EDGE_WIDTH = "#ffffff", 0.3  # borders between coloured states
BOX_EDGE = "#666666"  # a coloured chip's or key's box, against the white page
CHIP_COLUMNS = 3
MARGIN = 2.0
CHIP_ROW_INCHES, FRAME_INCHES = 0.2, 0.8


@dataclass(frozen=True, slots=True)
class Drawn:
    """What a map shows: states coloured by a fact, and actors listed off the map."""

    coloured: int
    off_map: int


@dataclass(frozen=True, slots=True)
class _Look:
    colour: str
    hatch: str | None = None


def draw(reports: Sequence[StanceReport], title: str, path: Path) -> Drawn:
    """Draw the world answer `reports` on the map and save it to `path` (.svg or .png)."""
    world = world_shapes()
    codes = world.codes()
    by_code = {r.actor: r for r in reports}
    off_map = [r for r in reports if r.actor not in codes]
    save(lambda: _figure(world, by_code, off_map, title), path)
    coloured = sum(s.code in by_code and _has_fact(by_code[s.code]) for s in world.shapes if s.code)
    return Drawn(coloured=coloured, off_map=len(off_map))


def _figure(
    world: WorldShapes,
    by_code: dict[str, StanceReport],
    off_map: Sequence[StanceReport],
    title: str,
) -> Figure:
    map_inches = WIDTH_INCHES * world.height / world.width
    chip_rows = -(-len(off_map) // CHIP_COLUMNS)  # ceiling
    height = map_inches + FRAME_INCHES + CHIP_ROW_INCHES * (chip_rows + 1 if off_map else 0)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for shape in world.shapes:
        _shape(axes, shape, by_code.get(shape.code) if shape.code else None)
    # A margin, so that the edges of the shapes at the frame's border are drawn whole.
    axes.set_xlim(-MARGIN, world.width + MARGIN)
    axes.set_ylim(world.height + MARGIN, -MARGIN)  # the shapes' frame has y downwards
    axes.set_aspect("equal", anchor="N")  # spare height goes under the map, not over it
    axes.set_axis_off()
    axes.set_title(title, loc="left")
    if off_map:
        _chips(axes, off_map)
    figure.legend(handles=_legend(), loc="outside lower center", ncols=4, frameon=False)
    return figure


def _shape(axes: Axes, shape: Shape, report: StanceReport | None) -> None:
    rings = shape.rings()  # already cut at the antimeridian (tools/map/project.mjs)
    # closed=True: each ring's last vertex (its first again) only closes it.
    outline = MplPath.make_compound_path(*(MplPath([*r, r[0]], closed=True) for r in rings))
    look = _look(report)
    patch = PathPatch(
        outline,
        facecolor=look.colour,
        edgecolor=NO_FACT_EDGE if look.colour == NO_FACT else EDGE,
        hatch=look.hatch,
        linewidth=EDGE_WIDTH,
        joinstyle="round",  # thin borders, no spikes at the sharp corners of small shapes
    )
    patch.set_gid(shape.code)  # None (no ISO code): matplotlib's own numbered id
    axes.add_patch(patch)


def _has_fact(report: StanceReport) -> bool:
    """Whether a fact bears on the summary: not a default (unless a fact may have moved it)."""
    summary = report.summary
    return not summary.default or summary.certainty is Certainty.UNCERTAIN


def _look(report: StanceReport | None) -> _Look:
    if report is None or not _has_fact(report):
        return _Look(NO_FACT)
    summary = report.summary
    uncertain = summary.certainty is Certainty.UNCERTAIN
    hatch = DISPUTED_HATCH if summary.disputed else UNCERTAIN_HATCH if uncertain else None
    return _Look(COLOURS.get(summary.value, NO_FACT), hatch)


def _chips(axes: Axes, off_map: Sequence[StanceReport]) -> None:
    """The actors with no shape, as labelled boxes in their colours, under the map."""
    chips = [_patch(_look(r), f"{r.actor_name} ({r.actor})") for r in off_map]
    legend = axes.legend(
        handles=chips,
        title="Not on the map:",
        alignment="left",
        loc="upper left",
        bbox_to_anchor=(0, 0),
        ncols=CHIP_COLUMNS,
        frameon=False,
        fontsize="small",
        borderaxespad=0,
    )
    legend.set_gid("not-on-the-map")
    for report, handle in zip(off_map, legend.legend_handles, strict=True):
        if handle is not None:
            handle.set_gid(f"chip-{report.actor}")


def _patch(look: _Look, label: str) -> Patch:
    edge = NO_FACT_EDGE if look.colour == NO_FACT else BOX_EDGE
    return Patch(facecolor=look.colour, edgecolor=edge, hatch=look.hatch, label=label)


def _legend() -> list[Patch]:
    handles = [_patch(_Look(colour), value) for value, colour in COLOURS.items()]
    handles += [
        _patch(_Look("white", UNCERTAIN_HATCH), "uncertain"),
        _patch(_Look("white", DISPUTED_HATCH), "disputed (sources disagree)"),
        _patch(_Look(NO_FACT), "no fact recorded"),
    ]
    return handles
