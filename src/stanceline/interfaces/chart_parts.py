"""One actor part by part (`chart --parts`): small multiples of the summary and the six
components, a panel each over one range, with the chart's marks (chart.py).

Each component has values of its own, so each has colours of its own, from the same
palette (Okabe and Ito's) and meaning the same where they can: a value that means no
step taken is grey as no_relations is, recognized and designated keep the summary's
colours, and an envoy's rank the colour of the summary level it gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from stanceline.application.reports import TimelineReport
from stanceline.domain.timeline import Part
from stanceline.interfaces.chart import (
    BLUISH_GREEN,
    COLOURS,
    DPI,
    GREY,
    SKY_BLUE,
    VERMILLION,
    WIDTH_INCHES,
    YELLOW,
    day_x,
    draw_bands,
    draw_facts,
    mark_handles,
    save,
)

ORANGE, REDDISH_PURPLE = "#E69F00", "#CC79A7"
_ENVOY = {"none": GREY, "charge_d_affaires": YELLOW, "ambassador": SKY_BLUE}
PART_COLOURS: dict[Part, dict[str, str]] = {
    Part.SUMMARY: COLOURS,
    Part.RECOGNITION: {"none": GREY, "recognized": BLUISH_GREEN},
    Part.DESIGNATION: {"not_designated": GREY, "designated": VERMILLION},
    Part.TALIBAN_ENVOY: _ENVOY,
    Part.ENVOY_TO_KABUL: _ENVOY,
    Part.SANCTIONS: {"none": GREY, "active": REDDISH_PURPLE},
    Part.ASSETS: {"not_frozen": GREY, "frozen": ORANGE},
}
PANEL_INCHES, FRAME_INCHES = 0.6, 2.4
_ONE_DAY = timedelta(days=1)


def draw_parts(reports: Sequence[TimelineReport], title: str, path: Path) -> None:
    """Draw one actor's timelines of several parts (all over one range), a panel each in the
    order given, and save them to `path` (.svg or .png)."""
    save(lambda: _figure(reports, title), path)


def _figure(reports: Sequence[TimelineReport], title: str) -> Figure:
    height = FRAME_INCHES + PANEL_INCHES * len(reports)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    panels = figure.subplots(len(reports), 1, sharex=True, squeeze=False)[:, 0]
    start, end = date.fromisoformat(reports[0].from_), date.fromisoformat(reports[0].to)
    for axes, report in zip(panels, reports, strict=True):
        part = Part(report.part)
        axes.set_gid(f"part-{part.value}")  # the panel's group in the SVG
        draw_bands(axes, report, 0, PART_COLOURS[part])
        draw_facts(axes, report, 0)
        axes.set_xlim(day_x(start), day_x(end + _ONE_DAY))
        axes.set_ylim(-0.6, 0.65)
        axes.set_yticks([0], [part.value])
        axes.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
    panels[-1].xaxis.axis_date()
    panels[0].set_title(title, loc="left")
    figure.legend(handles=legend(reports), loc="outside lower center", ncols=3, frameon=False)
    return figure


def legend(reports: Sequence[TimelineReport]) -> list[Patch | Line2D]:
    """A colour's entry names every value drawn in it ('ambassador_level / ambassador'),
    for the parts drawn, then the chart's marks."""
    named: dict[str, list[str]] = {}
    for report in reports:
        for value, colour in PART_COLOURS[Part(report.part)].items():
            if value not in (names := named.setdefault(colour, [])):
                names.append(value)
    patches: list[Patch | Line2D] = [
        Patch(facecolor=colour, label=" / ".join(names)) for colour, names in named.items()
    ]
    return patches + mark_handles()
