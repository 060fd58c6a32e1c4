"""`stanceline map`: the world on one day, as a picture."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from stanceline.errors import ChartFormatError
from stanceline.interfaces.cells import plural
from stanceline.interfaces.cli.base import (
    DAY,
    _according_to_option,
    _app,
    _known_at_option,
    cli,
    today,
)


@cli.command("map")
@click.option("--on", type=DAY, help="The day to draw, YYYY-MM-DD (default: today, UTC).")
@_known_at_option
@_according_to_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write: FILE.svg or FILE.png.",
)
def map_(on: date | None, known_at: str | None, according_to: str | None, out: Path) -> None:
    """Draw the world on one day as a map, each state coloured by its summary (SVG or PNG)."""
    # Imported here: matplotlib costs every other command nothing.
    from stanceline.interfaces.worldmap import check_format, draw

    try:
        check_format(out)
    except ChartFormatError as error:
        raise click.BadParameter(str(error), param_hint="'--out'") from None
    day = on or today()
    app = _app()
    reports = app.world(day, known_at, according_to)
    title = (
        f"Stance toward the Taliban government on {day.isoformat()}\n"
        f"as known at {app.knowledge_label(known_at)}"
        + (f", according to {according_to}" if according_to else "")
    )
    try:
        drawn = draw(reports, title, out)
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from None
    click.echo(
        f"{out}: {day.isoformat()}, {plural(drawn.coloured, 'state')} coloured, "
        f"{drawn.off_map} listed off the map"
    )
