"""Commands that put facts in and take them out: load, record, schema, rebuild, export."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import Any

import click

from stanceline.application import json_input
from stanceline.application.loading import count_objects, files_of
from stanceline.domain.amending import ChangeInput
from stanceline.domain.facts import FactKind
from stanceline.domain.intake import import_schema
from stanceline.errors import FieldError
from stanceline.interfaces.cells import plural
from stanceline.interfaces.cli.base import (
    DetailType,
    _app,
    _by_option,
    _echo_json,
    _field_errors,
    _source,
    _source_options,
    cli,
)

PROGRESS_THRESHOLD = 10_000


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_by_option
@click.option(
    "--json", "as_json", is_flag=True, help="Print what each file recorded as one JSON object."
)
def load(paths: tuple[str, ...], by: str | None, as_json: bool) -> None:
    """Record the facts of JSON Lines (or JSON array) files; each file is all-or-nothing.

    A directory among PATHS stands for its .jsonl and .json files, in name order.
    """
    app = _app()
    loaded = []
    files = [str(file) for path in paths for file in files_of(path)]
    for path in files:
        total = count_objects(path)
        show = total > PROGRESS_THRESHOLD and sys.stderr.isatty()
        bar = (
            click.progressbar(length=total, label=f"checking {path}", file=sys.stderr)
            if show
            else nullcontext(None)
        )
        with bar as progress:
            result = app.load_file(path, by=by, progress=progress.update if progress else None)
        if as_json:
            loaded.append({"file": path, **result.model_dump(mode="json")})
        else:
            click.echo(
                f"{path}: {result.recorded} recorded, {result.already_present} already present"
            )
    if as_json:
        _echo_json({"files": loaded})


@cli.command()
@click.option(
    "--kind",
    required=True,
    type=click.Choice([k.value for k in FactKind]),
    help="What happened.",
)
@click.option("--actor", required=True, help="Code, name or alias of the state or organisation.")
@click.option(
    "--date",
    "date_",
    required=True,
    metavar="EDTF",
    help="When: 2025-07-03, 2025-04, 2003, ranges...",
)
@click.option("--summary", required=True, help="One sentence saying what happened.")
@_source_options
@click.option(
    "--detail",
    "details",
    multiple=True,
    type=DetailType(),
    help="A detail of the kind, e.g. level=ambassador or measure=officials (repeatable).",
)
@click.option(
    "--id", "fact_id", metavar="ID", help="A stable id (default: derived from the content)."
)
@click.option("--event", metavar="KEY", help="The happening the fact is a claim of.")
@click.option(
    "--rank",
    type=click.Choice(["preferred", "normal", "deprecated"]),
    help="The claim's rank (default: normal).",
)
@click.option("--rank-reason", help="Why it is preferred or deprecated (then required).")
@_by_option
@click.option(
    "--json", "as_json", is_flag=True, help="Print the id and whether it was recorded, as JSON."
)
def record(
    kind: str,
    actor: str,
    date_: str,
    summary: str,
    details: tuple[tuple[str, str], ...],
    fact_id: str | None,
    event: str | None,
    rank: str | None,
    rank_reason: str | None,
    by: str | None,
    as_json: bool,
    **source: str | None,
) -> None:
    """Record one fact and print its id."""
    if not source["source_title"]:
        raise click.UsageError("Missing option '--source-title'.")
    raw: dict[str, Any] = {
        "kind": kind,
        "actor": actor,
        "date": date_,
        "summary": summary,
        "source": _source(**source),
        "details": dict(details),
    }
    if fact_id:
        raw["id"] = fact_id
    claim = {"event": event, "rank": rank, "rank_reason": rank_reason}
    raw.update({key: value for key, value in claim.items() if value is not None})
    try:
        result = _app().record_fact(raw, by=by)
    except FieldError as error:
        raise _field_errors(error) from None
    if as_json:
        # The JSON says whether it was recorded: nothing on standard error.
        _echo_json({"id": result.fact_ids[0], "recorded": result.recorded > 0})
        return
    click.echo(result.fact_ids[0])
    if result.already_present:
        click.echo("already present: nothing new was recorded", err=True)


@cli.command()
@click.option("--change", is_flag=True, help="The schema of change lines (corrects/retracts/...).")
def schema(change: bool) -> None:
    """Print the JSON Schema of one fact line of the import format (or of a change line)."""
    _echo_json(ChangeInput.model_json_schema() if change else import_schema())


@cli.command()
def rebuild() -> None:
    """Rebuild the read model from the event log."""
    count = _app().rebuild()
    click.echo(f"read model rebuilt: {plural(count, 'fact')}")


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
def export(out: str | None) -> None:
    """Print every fact as import-format JSON Lines, in recording order."""
    lines = (json_input.json_line(fact) + "\n" for fact in _app().export())
    if out is None:
        for line in lines:
            click.echo(line, nl=False)
        return
    with open(out, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
