"""Commands that amend and audit the record: correct, retract, reinstate, fact, verify."""

from __future__ import annotations

from typing import Any

import click

from stanceline.application.verify import head_digest_line, verify
from stanceline.domain.facts import FactKind
from stanceline.errors import FieldError
from stanceline.interfaces import render
from stanceline.interfaces.cells import plural
from stanceline.interfaces.cli.base import (
    DetailType,
    _added_source_options,
    _app,
    _by_option,
    _echo_json,
    _field_errors,
    _source,
    _source_options,
    cli,
)


@cli.command()
@click.argument("fact_id")
@click.option("--reason", required=True, help="Why the fact is corrected (kept forever).")
@click.option("--kind", type=click.Choice([k.value for k in FactKind]), help="The right kind.")
@click.option("--date", "date_", metavar="EDTF", help="The right effective date.")
@click.option("--summary", help="The right summary.")
@click.option(
    "--detail",
    "details",
    multiple=True,
    type=DetailType(),
    help="The right details, all of them (repeatable KEY=VALUE).",
)
@click.option("--event", metavar="KEY", help="The happening the fact is a claim of.")
@_source_options
@_added_source_options
@_by_option
def correct(
    fact_id: str,
    reason: str,
    kind: str | None,
    date_: str | None,
    summary: str | None,
    details: tuple[tuple[str, str], ...],
    event: str | None,
    by: str | None,
    **options: str | None,
) -> None:
    """Record a correction of FACT_ID; the original stays in the log, readable forever."""
    fields = {"kind": kind, "date": date_, "summary": summary, "event": event}
    changes: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
    if details:
        changes["details"] = dict(details)
    added = {k.removeprefix("add_"): v for k, v in options.items() if k.startswith("add_")}
    source = {k: v for k, v in options.items() if not k.startswith("add_")}
    if new := _source(**added):
        changes["add_sources"] = [new]
    try:
        made = _app().correct(fact_id, reason, changes, source=_source(**source), by=by)
    except FieldError as error:
        raise _field_errors(error) from None
    click.echo(f"{fact_id}: corrected (version {made.originator_version})")


@cli.command()
@click.argument("fact_id")
@click.option("--reason", required=True, help="Why the fact no longer counts (kept forever).")
@_by_option
def retract(fact_id: str, reason: str, by: str | None) -> None:
    """Retract FACT_ID: from now on it no longer counts."""
    event = _app().retract(fact_id, reason, by=by)
    click.echo(f"{fact_id}: retracted (version {event.originator_version})")


@cli.command()
@click.argument("fact_id")
@click.option("--reason", required=True, help="Why the fact counts again (kept forever).")
@_by_option
def reinstate(fact_id: str, reason: str, by: str | None) -> None:
    """Undo the retraction of FACT_ID."""
    event = _app().reinstate(fact_id, reason, by=by)
    click.echo(f"{fact_id}: reinstated (version {event.originator_version})")


@cli.command()
@click.argument("fact_id")
@click.option("--json", "as_json", is_flag=True, help="Print the fact's life as JSON.")
def fact(fact_id: str, as_json: bool) -> None:
    """Show FACT_ID's whole life: recorded, corrected, retracted, with times, reasons and who."""
    report = _app().fact(fact_id)
    if as_json:
        _echo_json(report.model_dump(mode="json", by_alias=True))
    else:
        click.echo(render.fact_text(report))


@cli.command("verify")
@click.option(
    "--expect",
    metavar="DIGEST@N",
    help="A head digest kept elsewhere: prove that the events up to position N still produce it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def verify_command(expect: str | None, as_json: bool) -> None:
    """Check every stored event against its chain hash and print the head digest."""
    report = verify(_app(), expect)
    if not report.ok:
        raise click.ClickException(f"verify FAILED: {report.problem}")
    if as_json:
        _echo_json(
            {
                "ok": report.ok,
                "count": report.count,
                "position": report.position,
                "head_digest": head_digest_line(report),
                "sealed_from": report.sealed_from,
                "seals": report.seals,
                "expected": expect.strip().lower() if expect else None,
            }
        )
        return
    checked = ""
    if expect:
        digest, _, position = expect.strip().rpartition("@")
        checked = f"; the log up to position {position} still produces {digest}"
    click.echo(f"OK: {plural(report.count, 'event')} verified{checked}")
    # The head digest stays the last line: scripts keep it from there.
    click.echo(f"log order: {render.sealed_line(report)}")
    click.echo(f"head digest: {head_digest_line(report)}")
