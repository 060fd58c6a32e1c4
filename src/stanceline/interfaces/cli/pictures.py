"""What the commands that draw pictures (`chart`, `map`) share: --out, its check, the title's
known-at line and one line for a file that cannot be written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from stanceline.application import Stanceline
from stanceline.errors import ChartFormatError
from stanceline.interfaces.cli.base import F


def _out_option(func: F) -> F:
    return click.option(
        "--out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The file to write: FILE.svg or FILE.png.",
    )(func)


def _check_out(out: Path) -> None:
    """--out names an SVG or PNG file; one usage line otherwise."""
    # Imported here: matplotlib costs every other command nothing.
    from stanceline.interfaces.chart import check_format

    try:
        check_format(out)
    except ChartFormatError as error:
        raise click.BadParameter(str(error), param_hint="'--out'") from None


def _known_line(app: Stanceline, known_at: str | None, according_to: str | None) -> str:
    """The title's second line: what the picture is as known at, and according to whom."""
    seen = f"as known at {app.knowledge_label(known_at)}"
    return seen + (f", according to {according_to}" if according_to else "")


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """A file that cannot be written is one error line, not a traceback."""
    try:
        yield
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from None
