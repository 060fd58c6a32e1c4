"""Commands that look after the store itself: migrate, project."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from stanceline.application import Stanceline
from stanceline.application.migrate import Migration, migrate
from stanceline.application.projector import Projected
from stanceline.config import SQLITE
from stanceline.interfaces.cells import plural
from stanceline.interfaces.cli.base import _app, cli

PROGRESS_EVERY = 1.0  # seconds between progress lines


@cli.command("migrate")
@click.option(
    "--to",
    "to",
    required=True,
    metavar="URL",
    help="The empty store to copy the log into: sqlite:///PATH or postgresql://...",
)
@click.option(
    "--positions-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write each event's old and new position if positions change "
    "(default for a SQLite target: its file name plus .positions.tsv).",
)
@click.option(
    "--new-store-id",
    is_flag=True,
    help="Give the copy its own CloudEvents source instead of keeping the source store's "
    "(for a copy that will live on beside the original).",
)
def migrate_command(to: str, positions_file: Path | None, new_store_id: bool) -> None:
    """Copy the whole event log of --store into the empty store --to, in one transaction."""
    source = _app()
    target = Stanceline(to, source.catalogue)
    click.get_current_context().call_on_close(target.close)
    if positions_file is None and target.store.kind == SQLITE:
        positions_file = Path(target.store.env["SQLITE_DBNAME"] + ".positions.tsv")
    started = time.monotonic()
    done = migrate(
        source,
        target,
        positions_file=positions_file,
        keep_store_id=not new_store_id,
        progress=_progress(),
        stage=_note,
    )
    _report(done, target)
    click.echo(
        f"migrated {plural(done.copied, 'event')} from {source.store.description} "
        f"to {target.store.description} in {time.monotonic() - started:.2f} s"
    )


def _progress() -> Callable[[int, int], None]:
    last = time.monotonic()

    def show(copied: int, through: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY:
            last = time.monotonic()
            _note(f"{copied} events copied (the last to copy is at position {through})")

    return show


def _report(done: Migration, target: Stanceline) -> None:
    if done.renumbered:
        click.echo(
            "positions renumbered: the source's positions have gaps and a SQLite store numbers "
            f"its events 1..N; each event's old and new position is in {done.positions_file}"
        )
        click.echo(
            "a subscriber that saved position P (or asks known-at @P) resumes from the new "
            "position on the last line whose old position is at most P (0 if none)"
        )
    else:
        click.echo("positions kept: a saved position, or @N, names the same event in both stores")
    if done.store_id is not None:
        click.echo(f"CloudEvents source kept: {target.source}")
    else:
        click.echo(f"CloudEvents source new (as asked): {target.source}")
    click.echo(f"verified: head digest {done.digest}")
    if done.source_grew:
        click.echo(
            f"warning: events were stored in the source after position {done.through} while "
            "copying and are not in the target; stop the writers and migrate again into an "
            "empty store",
            err=True,
        )


def _note(text: str) -> None:
    click.echo(f"migrate: {text}", err=True)


@cli.command("project")
@click.option(
    "--follow",
    is_flag=True,
    help="Keep projecting as events come, until interrupted (Ctrl-C or SIGTERM).",
)
def project_command(follow: bool) -> None:
    """Bring the read model up to the log and rebuild every stale actor's index.

    Run it on the primary, where servers that only read (serve --read-only, on
    replicas) answer from what it projects; with --follow, as the one process that
    keeps it up to date.
    """
    app = _app()
    if not follow:
        done = app.project()
        click.echo(_projected(done))
        return
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    first = app.project()
    click.echo(f"{_projected(first)}; following", err=True)
    try:
        app.project_following(stop, lambda done: click.echo(_projected(done), err=True))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(f"stopped at position {app.view.position()}", err=True)


def _projected(done: Projected) -> str:
    return (
        f"read model at position {done.position}: {plural(done.events, 'position')} "
        f"projected, {plural(done.indexed, 'actor')} re-indexed"
    )
