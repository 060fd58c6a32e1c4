"""Commands about sources: the sources the record cites, and for sources that disagree
(DESIGN §7) ranking a claim and a happening's claims."""

from __future__ import annotations

from datetime import date

import click

from stanceline.domain.facts import Rank
from stanceline.errors import FieldError
from stanceline.interfaces.cli.base import (
    DAY,
    _app,
    _by_option,
    _echo_json,
    cli,
    today,
)
from stanceline.interfaces.csv_text import sources_csv
from stanceline.interfaces.disputes_text import claims_text, sources_text, totals_text


@cli.command()
@click.argument("fact_id")
@click.option(
    "--preferred",
    "rank",
    flag_value=Rank.PREFERRED.value,
    help="Count it over the others of its event.",
)
@click.option("--normal", "rank", flag_value=Rank.NORMAL.value, help="Count it as any other claim.")
@click.option(
    "--deprecated",
    "rank",
    flag_value=Rank.DEPRECATED.value,
    help="Never count it (it stays visible).",
)
@click.option("--reason", required=True, help="Why the claim is ranked so (kept forever).")
@_by_option
@click.option("--json", "as_json", is_flag=True, help="Print what was recorded as JSON.")
def rank(fact_id: str, rank: str | None, reason: str, by: str | None, as_json: bool) -> None:
    """Rank FACT_ID, a claim, preferred, normal or deprecated; the reason is kept with it."""
    if rank is None:
        raise click.UsageError("give one of --preferred, --normal and --deprecated")
    try:
        event = _app().rank(fact_id, rank, reason, by=by)
    except FieldError as error:
        # The rank and its reason are the command's own options: the message says enough.
        raise click.ClickException(error.message) from None
    if as_json:
        _echo_json(
            {"id": fact_id, "rank": rank, "reason": reason, "version": event.originator_version}
        )
    else:
        click.echo(f"{fact_id}: ranked {rank} (version {event.originator_version})")


@cli.command()
@click.argument("key")
@click.option("--on", type=DAY, help="The day to answer for, YYYY-MM-DD (default: today, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the claims as JSON.")
def claims(key: str, on: date | None, as_json: bool) -> None:
    """Show every claim of the happening KEY (an event key, or a fact id for its event)."""
    report = _app().claims(key, on or today())
    if as_json:
        _echo_json(report.model_dump(mode="json"))
    else:
        click.echo(claims_text(report))


@cli.command()
@click.option("--actor", help="Only the sources of this actor's facts (code, name or alias).")
@click.option("--totals", is_flag=True, help="Print only the line of totals.")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="Print CSV for a spreadsheet: a row per source and fact citing it.",
)
def sources(actor: str | None, totals: bool, as_json: bool, as_csv: bool) -> None:
    """List every source the facts that count now cite, each with the facts that cite it."""
    if as_csv and (as_json or totals):
        raise click.UsageError("--csv goes with neither --json nor --totals")
    report = _app().sources(actor)
    if as_json:
        _echo_json(report.model_dump(mode="json"))
    elif as_csv:
        click.echo(sources_csv(report), nl=False)
    else:
        click.echo(totals_text(report) if totals else sources_text(report))
