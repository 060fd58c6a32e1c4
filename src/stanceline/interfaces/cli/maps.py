"""`stanceline map`: the world on one day, as a picture."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from stanceline.interfaces.cells import plural
from stanceline.interfaces.cli.base import (
    DAY,
    _according_to_option,
    _app,
    _known_at_option,
    cli,
    today,
)
from stanceline.interfaces.cli.pictures import _check_out, _known_line, _out_option, _writing


@cli.command("map")
@click.option("--on", type=DAY, help="The day to draw, YYYY-MM-DD (default: today, UTC).")
@_known_at_option
@_according_to_option
@_out_option
def map_(on: date | None, known_at: str | None, according_to: str | None, out: Path) -> None:
    """Draw the world on one day as a map, each state coloured by its summary (SVG or PNG)."""
    # Imported here: matplotlib costs every other command nothing.
    from stanceline.interfaces.worldmap import draw

    _check_out(out)
    day = on or today()
    app = _app()
    reports = app.world(day, known_at, according_to)
    title = f"Stance toward the Taliban government on {day.isoformat()}\n" + _known_line(
        app, known_at, according_to
    )
    with _writing(out):
        drawn = draw(reports, title, out)
    click.echo(
        f"{out}: {day.isoformat()}, {plural(drawn.coloured, 'state')} coloured, "
        f"{drawn.off_map} listed off the map"
    )
