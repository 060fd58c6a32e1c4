"""Commands that answer questions: status, stance, world, history, explain, diff, timeline."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from stanceline.application.filters import WorldFilter, parse_condition
from stanceline.application.reports import StanceReport
from stanceline.domain.timeline import Part
from stanceline.errors import QueryError
from stanceline.interfaces import csv_text, render
from stanceline.interfaces.cells import plural
from stanceline.interfaces.cli.base import (
    DAY,
    KNOWN_AT,
    F,
    _according_to_option,
    _app,
    _echo_json,
    _known_at_option,
    cli,
    today,
)
from stanceline.interfaces.cli.pictures import _check_out, _known_line, _out_option, _writing


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status JSON.")
def status(as_json: bool) -> None:
    """Show what the store holds: facts, actors, the first day, the position and the source."""
    report = _app().status()
    if as_json:
        _echo_json(report.model_dump(mode="json"))
        return
    click.echo(f"facts: {report.facts} about {report.actors} actors")
    click.echo(f"first day: {report.first_day or 'none'}")
    click.echo(f"position: {report.position}")
    click.echo(f"source: {report.source}")


@cli.command()
@click.argument("actor")
@click.option("--on", type=DAY, help="The day to answer for, YYYY-MM-DD (default: today, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the stance JSON.")
@_known_at_option
@_according_to_option
def stance(
    actor: str, on: date | None, as_json: bool, known_at: str | None, according_to: str | None
) -> None:
    """Show ACTOR's stance toward the Taliban government on one day."""
    report = _app().stance(actor, on or today(), known_at, according_to)
    if as_json:
        _echo_json(report.model_dump(mode="json"))
    else:
        click.echo(render.stance_text(report))


class ConditionType(click.ParamType):  # type: ignore[type-arg]
    """A world filter's condition, PART=VALUE: a part of the stance and one of its values."""

    name = "PART=VALUE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[Part, str]:
        if isinstance(value, tuple):
            return value
        try:
            return parse_condition(str(value))
        except QueryError as error:
            self.fail(error.message, param, ctx)


def _exclusive(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")


def _csv_option(func: F) -> F:
    return click.option(
        "--csv", "as_csv", is_flag=True, help="Print CSV for a spreadsheet (docs/cli.md, CSV)."
    )(func)


@cli.command()
@click.option("--on", type=DAY, help="The day to answer for, YYYY-MM-DD (default: today, UTC).")
@click.option(
    "--where",
    "conditions",
    type=ConditionType(),
    multiple=True,
    help="Only the actors whose PART has VALUE (summary=ambassador_level, sanctions=active); "
    "repeat it: different parts must all hold, values of one part are alternatives.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a list of stance JSON objects.")
@_csv_option
@_known_at_option
@_according_to_option
def world(
    on: date | None,
    conditions: tuple[tuple[Part, str], ...],
    as_json: bool,
    as_csv: bool,
    known_at: str | None,
    according_to: str | None,
) -> None:
    """Show every actor with any fact, as of one day, sorted by code."""
    _exclusive(as_json, as_csv)
    day = on or today()
    where = WorldFilter.of(conditions)
    reports = _app().world(day, known_at, according_to, where=where)
    if as_json:
        _echo_json([r.model_dump(mode="json") for r in reports])
    elif as_csv:
        click.echo(csv_text.world_csv(reports), nl=False)
    else:
        known = _known_text(reports) or known_at
        text = where.text() or None
        click.echo(render.world_text(reports, day.isoformat(), known, according_to, text))


def _known_text(reports: list[StanceReport]) -> str | None:
    return reports[0].known_at if reports else None


@cli.command()
@click.argument("actor")
@click.option(
    "--all",
    "all_facts",
    is_flag=True,
    help="Also the facts that no longer count (retracted), marked with why and by whom.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@_csv_option
@_known_at_option
@_according_to_option
def history(
    actor: str,
    all_facts: bool,
    as_json: bool,
    as_csv: bool,
    known_at: str | None,
    according_to: str | None,
) -> None:
    """Show every fact of ACTOR in effective-date order, with what each changed."""
    _exclusive(as_json, as_csv)
    report = _app().history(actor, known_at, according_to, all_facts=all_facts)
    if as_json:
        _echo_json(report.model_dump(mode="json", by_alias=True))
    elif as_csv:
        click.echo(csv_text.history_csv(report), nl=False)
    else:
        click.echo(render.history_text(report))


@cli.command()
@click.argument("actor")
@click.option("--on", type=DAY, help="The day to explain, YYYY-MM-DD (default: today, UTC).")
@_known_at_option
@_according_to_option
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain(
    actor: str, on: date | None, known_at: str | None, according_to: str | None, as_json: bool
) -> None:
    """Explain ACTOR's stance on one day: the facts, sources and rules behind each part."""
    report = _app().explain(actor, on or today(), known_at, according_to)
    if as_json:
        _echo_json(report.model_dump(mode="json"))
    else:
        click.echo(render.explanation_text(report))


@cli.command()
@click.argument("actor", required=False)
@click.option("--all", "all_actors", is_flag=True, help="Every actor instead of one.")
@click.option("--from", "from_", type=DAY, help="Changes on days after this one...")
@click.option("--to", type=DAY, help="...up to and including this one.")
@click.option("--known-from", type=KNOWN_AT, help="What the record learned after T1...")
@click.option(
    "--known-to", type=KNOWN_AT, help="...up to T2 (ISO timestamp, day or @N; default: now)."
)
@click.option("--on", type=DAY, help="With --known-from/--known-to: only answers on this day.")
@_known_at_option
@_according_to_option
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
def diff(
    actor: str | None,
    all_actors: bool,
    from_: date | None,
    to: date | None,
    known_from: str | None,
    known_to: str | None,
    on: date | None,
    known_at: str | None,
    according_to: str | None,
    as_json: bool,
) -> None:
    """What changed between two days (--from/--to) or two audits (--known-from[/--known-to])."""
    if (actor is not None) == all_actors:
        raise click.UsageError("name one ACTOR or give --all")
    by_dates = from_ is not None or to is not None
    by_knowledge = known_from is not None or known_to is not None
    if by_dates == by_knowledge:
        raise click.UsageError("give either --from and --to, or --known-from (and --known-to)")
    if by_dates:
        if from_ is None or to is None or on is not None:
            raise click.UsageError("--from needs --to (and --on goes with --known-from/--known-to)")
        if to < from_:
            raise click.UsageError(f"--to {to} is before --from {from_}")
        report = _app().diff_dates(actor, from_, to, known_at, according_to)
        output = report.model_dump(mode="json", by_alias=True) if as_json else None
        text = render.date_diff_text(report)
    else:
        if known_from is None:
            raise click.UsageError("--known-to needs --known-from")
        if known_at is not None:
            raise click.UsageError("--known-at goes with --from/--to, not --known-from")
        knowledge = _app().diff_knowledge(actor, known_from, known_to, on, according_to)
        output = knowledge.model_dump(mode="json") if as_json else None
        text = render.knowledge_diff_text(knowledge)
    if as_json:
        _echo_json(output)
    else:
        click.echo(text)


@cli.command()
@click.argument("actor")
@click.option("--from", "from_", type=DAY, help="The first day (default: the actor's first fact).")
@click.option("--to", type=DAY, help="The last day (default: today, UTC).")
@click.option(
    "--part",
    type=click.Choice([part.value for part in Part]),
    default=Part.SUMMARY.value,
    show_default=True,
    help="The part drawn: the summary or one of the six components.",
)
@_known_at_option
@_according_to_option
@click.option("--json", "as_json", is_flag=True, help="Print the timeline JSON.")
@_csv_option
def timeline(
    actor: str,
    from_: date | None,
    to: date | None,
    part: str,
    known_at: str | None,
    according_to: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Show ACTOR's summary (or one component) from one day to another, as bands of days with
    one answer each."""
    _exclusive(as_json, as_csv)
    _check_range(from_, to)
    report = _app().timeline(actor, from_, to, known_at, according_to, part=part)
    if as_json:
        _echo_json(report.model_dump(mode="json", by_alias=True))
    elif as_csv:
        click.echo(csv_text.timeline_csv([report]), nl=False)
    else:
        click.echo(render.timeline_text(report))


def _check_range(from_: date | None, to: date | None) -> None:
    if from_ is not None and to is not None and to < from_:
        raise click.UsageError(f"--to {to} is before --from {from_}")


@cli.command()
@click.argument("actors", nargs=-1)
@click.option("--from", "from_", type=DAY, help="The first day (default: the first fact drawn).")
@click.option("--to", type=DAY, help="The last day (default: today, UTC).")
@_known_at_option
@_according_to_option
@click.option(
    "--parts",
    is_flag=True,
    help="Draw one ACTOR part by part: the summary, then each of the six components, a row each.",
)
@_out_option
def chart(
    actors: tuple[str, ...],
    from_: date | None,
    to: date | None,
    known_at: str | None,
    according_to: str | None,
    parts: bool,
    out: Path,
) -> None:
    """Draw ACTORS' timelines (default: every actor with a fact) as an SVG or PNG picture."""
    _check_out(out)
    _check_range(from_, to)
    if parts:
        if len(actors) != 1:
            raise click.UsageError("--parts draws one actor: name exactly one ACTOR")
        _chart_parts(actors[0], from_, to, known_at, according_to, out)
        return
    # Imported here: matplotlib costs every other command nothing.
    from stanceline.interfaces.chart import draw

    app = _app()
    reports = app.timelines(actors, from_, to, known_at, according_to)
    if not reports:
        raise click.ClickException("no facts recorded (as known then): nothing to draw")
    title = (
        f"Stance toward the Taliban government, {reports[0].from_} to {reports[0].to}\n"
        + _known_line(app, known_at, according_to)
    )
    with _writing(out):
        draw(reports, title, out)
    click.echo(f"{out}: {plural(len(reports), 'actor')}, {reports[0].from_} to {reports[0].to}")


def _chart_parts(
    actor: str,
    from_: date | None,
    to: date | None,
    known_at: str | None,
    according_to: str | None,
    out: Path,
) -> None:
    """`chart --parts`: one actor's summary and components, a row each."""
    from stanceline.interfaces.chart_parts import draw_parts

    app = _app()
    reports = app.timeline_parts(actor, from_, to, known_at, according_to)
    first = reports[0]
    title = (
        f"{first.actor_name} ({first.actor}) toward the Taliban government, part by part, "
        f"{first.from_} to {first.to}\n" + _known_line(app, known_at, according_to)
    )
    with _writing(out):
        draw_parts(reports, title, out)
    click.echo(f"{out}: {first.actor} in {len(reports)} parts, {first.from_} to {first.to}")
