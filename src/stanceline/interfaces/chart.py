"""Pictures of timelines: one row per actor, a band per summary value, a mark per fact.

chart_parts.py draws one actor part by part with the pieces here (draw_bands, draw_facts).

matplotlib is imported here only, and this module only by `stanceline chart`,
so no other command pays the half second its import costs. It draws on the
Agg canvas (no display, no GUI toolkit) and writes SVG with its text kept as
text and without a date or random ids, so the same data gives the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.typing import RcKeyType

from stanceline.application.reports import TimelineReport
from stanceline.domain.stance import Summary
from stanceline.errors import ChartFormatError

FORMATS = (".svg", ".png")
# Okabe and Ito's palette, told apart by every common colour-vision deficiency.
BLUISH_GREEN, SKY_BLUE, YELLOW, VERMILLION, GREY = (
    "#009E73",
    "#56B4E9",
    "#F0E442",
    "#D55E00",
    "#999999",
)
COLOURS = {
    Summary.RECOGNIZED.value: BLUISH_GREEN,
    Summary.AMBASSADOR_LEVEL.value: SKY_BLUE,
    Summary.CHARGE_LEVEL.value: YELLOW,
    Summary.DESIGNATED.value: VERMILLION,
    Summary.NO_RELATIONS.value: GREY,
}
UNCERTAIN_HATCH = "///"
DISPUTED_HATCH = "xxx"  # sources disagree: crossed, where uncertainty is only striped
DEFAULT_ALPHA = 0.35  # no fact recorded: the colour of the default, washed out
WIDTH_INCHES, DPI = 10.0, 150
ROW_INCHES, FRAME_INCHES = 0.55, 2.2
BAND_HEIGHT = 0.5
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: searchable, and labels can be found
    "svg.hashsalt": "stanceline",  # ids of hatches and clips do not change between runs
    "date.epoch": "1970-01-01T00:00:00",  # x is days since EPOCH (see day_x)
    "date.converter": "concise",
    "font.size": 9,
    "hatch.color": "#333333",
    "hatch.linewidth": 0.6,
}
_ONE_DAY = timedelta(days=1)
EPOCH = date(1970, 1, 1)


def check_format(path: Path) -> str:
    """The output format the file name asks for ('svg' or 'png')."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ChartFormatError(f"{path.name}: the file name must end in .svg or .png")
    return suffix.removeprefix(".")


def draw(reports: Sequence[TimelineReport], title: str, path: Path) -> None:
    """Draw the timelines (all over the same range) and save them to `path` (.svg or .png)."""
    save(lambda: _figure(reports, title), path)


def save(make: Callable[[], Figure], path: Path) -> None:
    """Draw the figure `make` makes in the chart's style and save it to `path` (.svg, .png)."""
    fmt = check_format(path)
    with mpl.rc_context(STYLE):
        figure = make()
        # The date would change the file on every run; nothing else in the metadata does.
        metadata = {"Date": None} if fmt == "svg" else None
        figure.savefig(path, format=fmt, dpi=DPI, metadata=metadata)


def _figure(reports: Sequence[TimelineReport], title: str) -> Figure:
    height = FRAME_INCHES + ROW_INCHES * len(reports)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = len(reports)
    for index, report in enumerate(reports):
        y = rows - 1 - index  # the first actor on top
        draw_bands(axes, report, y)
        draw_facts(axes, report, y)
    start, end = (date.fromisoformat(reports[0].from_), date.fromisoformat(reports[0].to))
    axes.set_xlim(day_x(start), day_x(end + _ONE_DAY))
    axes.set_ylim(-0.6, rows - 0.35)
    axes.set_yticks(range(rows), [f"{r.actor_name} ({r.actor})" for r in reversed(reports)])
    axes.xaxis.axis_date()
    axes.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.set_title(title, loc="left")
    figure.legend(handles=_legend(), loc="outside lower center", ncols=4, frameon=False)
    return figure


def draw_bands(
    axes: Axes, report: TimelineReport, y: int, colours: Mapping[str, str] = COLOURS
) -> None:
    """The report's bands as one row at `y`, each in its value's colour."""
    for band in report.bands:
        first = day_x(date.fromisoformat(band.start))
        after = day_x(date.fromisoformat(band.end) + _ONE_DAY)
        uncertain = len(band.possible) > 1
        hatch = DISPUTED_HATCH if band.disputed else UNCERTAIN_HATCH if uncertain else None
        bars = axes.broken_barh(
            [(first, after - first)],
            (y - BAND_HEIGHT / 2, BAND_HEIGHT),
            facecolors=colours.get(band.value, "white"),
            edgecolor="none",
            hatch=hatch,
            alpha=DEFAULT_ALPHA if band.default and not uncertain else None,
        )
        bars.set_gid("disputed" if band.disputed else "no-fact" if band.default else None)


def draw_facts(axes: Axes, report: TimelineReport, y: int) -> None:
    """A mark per fact of the report about the row at `y`: above it, statements below."""
    start, end = date.fromisoformat(report.from_), date.fromisoformat(report.to)
    # Facts that move the stance above the band, statements below: same-day marks stay apart.
    above, below = y + BAND_HEIGHT / 2 + 0.12, y - BAND_HEIGHT / 2 - 0.12
    for fact in report.facts:
        # A fact's range, cut to the range drawn; the mark sits where it becomes certain.
        first = max(date.fromisoformat(fact.earliest), start)
        last = min(date.fromisoformat(fact.latest), end)
        statement = fact.component is None
        level = below if statement else above
        colour = "#555555" if statement else "black"
        if first < last:
            axes.plot(
                [day_x(first), day_x(last + _ONE_DAY)],
                [level, level],
                color=colour,
                linewidth=0.8,
                linestyle=":" if statement else "-",
                solid_capstyle="butt",
            )
        axes.plot(
            [day_x(last) + 0.5],
            [level],
            marker="o" if statement else "v",
            markersize=5,
            markerfacecolor="white" if statement else "black",
            markeredgecolor=colour,
            linestyle="none",
        )


def day_x(day: date) -> float:
    """A day as matplotlib's date axis places it: days since the epoch set in STYLE."""
    return float((day - EPOCH).days)


def _legend() -> list[Patch | Line2D]:
    values: list[Patch | Line2D] = [
        Patch(facecolor=colour, label=value) for value, colour in COLOURS.items()
    ]
    return values + mark_handles()


def mark_handles() -> list[Patch | Line2D]:
    """The legend's entries for what is drawn over the colours: hatching, washes, facts."""
    return [
        Patch(facecolor="white", edgecolor="#333333", hatch=UNCERTAIN_HATCH, label="uncertain"),
        Patch(
            facecolor="white",
            edgecolor="#333333",
            hatch=DISPUTED_HATCH,
            label="disputed (sources disagree)",
        ),
        Patch(
            facecolor=COLOURS[Summary.NO_RELATIONS.value],
            alpha=DEFAULT_ALPHA,
            label="no fact recorded",
        ),
        Line2D(
            [], [], marker="v", color="black", linewidth=0.8, label="fact (line: its date range)"
        ),
        Line2D(
            [],
            [],
            marker="o",
            color="#555555",
            linestyle=":",
            markerfacecolor="white",
            label="statement",
        ),
    ]
