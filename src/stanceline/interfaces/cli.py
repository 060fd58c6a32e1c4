"""The command line: a thin face over the application. Only this module imports click."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from eventsourcing.persistence import PersistenceError

from stanceline.application import Stanceline
from stanceline.application.loading import count_objects
from stanceline.application.reports import StanceReport
from stanceline.application.verify import head_digest_line, verify
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.dates import parse_day
from stanceline.domain.facts import FactKind
from stanceline.domain.intake import ChangeInput, FieldError, import_schema
from stanceline.domain.knowledge import MAX_POSITION, InvalidKnownAtError, parse_known_at
from stanceline.errors import InvalidDateError, StancelineError
from stanceline.interfaces import render
from stanceline.stream.subscription import Subscription

PROGRESS_THRESHOLD = 10_000
F = TypeVar("F", bound=Callable[..., Any])


class DayType(click.ParamType):  # type: ignore[type-arg]
    """A calendar day, YYYY-MM-DD (or 'today')."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value))
        except InvalidDateError as error:
            self.fail(str(error), param, ctx)


class DetailType(click.ParamType):  # type: ignore[type-arg]
    """A `key=value` pair for a fact's details."""

    name = "KEY=VALUE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        key, sep, text = str(value).partition("=")
        if not sep or not key.strip():
            self.fail(f"{value!r} is not KEY=VALUE", param, ctx)
        return key.strip(), text.strip()


class KnownAtType(click.ParamType):  # type: ignore[type-arg]
    """A knowledge time: ISO 8601 timestamp, a day, or @N (checked here, resolved later)."""

    name = "T"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_known_at(str(value)).text
        except InvalidKnownAtError as error:
            self.fail(str(error), param, ctx)


DAY = DayType()
KNOWN_AT = KnownAtType()


class Group(click.Group):
    """Turns the project's errors and store failures into one line and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StancelineError as error:
            raise click.ClickException(str(error)) from None
        except PersistenceError as error:
            raise click.ClickException(f"store error: {error}") from None


def today() -> date:
    """Today in UTC, the default day of a query."""
    return datetime.now(UTC).date()


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    envvar="STANCELINE_STORE",
    metavar="URL",
    help="Store URL, sqlite:///PATH (default: $STANCELINE_STORE or sqlite:///stanceline.db).",
)
@click.option(
    "--actors",
    "actors_file",
    envvar="STANCELINE_ACTORS",
    type=click.Path(dir_okay=False),
    help="JSON file of extra organisations to add to the built-in catalogue.",
)
@click.version_option(package_name="stanceline")
@click.pass_context
def cli(ctx: click.Context, store: str | None, actors_file: str | None) -> None:
    """stanceline: how states and organisations deal with the Taliban government, day by day."""
    ctx.obj = _Lazy(store, actors_file)


class _Lazy:
    """Opens the store only for commands that need it."""

    def __init__(self, store: str | None, actors_file: str | None) -> None:
        self.store = store
        self.actors_file = actors_file
        self._app: Stanceline | None = None

    @property
    def app(self) -> Stanceline:
        if self._app is None:
            catalogue = ActorCatalogue.with_extension(self.actors_file)
            self._app = Stanceline(self.store, catalogue)
            click.get_current_context().call_on_close(self._app.close)
        return self._app


def _app() -> Stanceline:
    lazy: _Lazy = click.get_current_context().find_object(_Lazy)  # type: ignore[assignment]
    return lazy.app


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _known_at_option(func: F) -> F:
    return click.option(
        "--known-at",
        type=KNOWN_AT,
        help="Answer as the engine would have at T: an ISO 8601 timestamp (UTC if no zone), "
        "a day (its end, UTC) or @N (every event at position N or before).",
    )(func)


def _by_option(func: F) -> F:
    return click.option(
        "--by",
        metavar="NAME",
        help="Who records this (default: $STANCELINE_USER, else the OS user).",
    )(func)


def _source_options(func: F) -> F:
    options = [
        click.option("--source-title", help="Title of the source."),
        click.option("--source-url", help="Address of the source."),
        click.option("--source-publisher", help="Who published the source."),
        click.option(
            "--source-published", metavar="YYYY-MM-DD", help="When the source was published."
        ),
        click.option("--quote", help="The words of the source that state the fact."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _source(**options: str | None) -> dict[str, str]:
    fields = {
        "title": options["source_title"],
        "url": options["source_url"],
        "publisher": options["source_publisher"],
        "published": options["source_published"],
        "quote": options["quote"],
    }
    return {k: v for k, v in fields.items() if v is not None}


def _field_errors(error: FieldError) -> click.ClickException:
    return click.ClickException(f"{_option_name(error.field)}: {error.message}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_by_option
def load(files: tuple[str, ...], by: str | None) -> None:
    """Record the facts of JSON Lines (or JSON array) FILES; each file is all-or-nothing."""
    app = _app()
    for path in files:
        if not Path(path).is_file():
            raise click.ClickException(f"{path}: no such file")
        total = count_objects(path)
        show = total > PROGRESS_THRESHOLD and sys.stderr.isatty()
        bar = (
            click.progressbar(length=total, label=f"checking {path}", file=sys.stderr)
            if show
            else nullcontext(None)
        )
        with bar as progress:
            result = app.load_file(path, by=by, progress=progress.update if progress else None)
        click.echo(f"{path}: {result.recorded} recorded, {result.already_present} already present")


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
@_by_option
def record(
    kind: str,
    actor: str,
    date_: str,
    summary: str,
    details: tuple[tuple[str, str], ...],
    fact_id: str | None,
    by: str | None,
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
    try:
        result = _app().record_fact(raw, by=by)
    except FieldError as error:
        raise _field_errors(error) from None
    click.echo(result.fact_ids[0])
    if result.already_present:
        click.echo("already present: nothing new was recorded", err=True)


def _option_name(field: str) -> str:
    """The option a fact field comes from, for error messages."""
    names = {
        "source.quote": "--quote",
        "date": "--date",
        "id": "--id",
        "corrects": "FACT_ID",
        "retracts": "FACT_ID",
        "reinstates": "FACT_ID",
    }
    if field in names:
        return names[field]
    if field.startswith("details."):
        return f"--detail {field.removeprefix('details.')}"
    return "--" + field.replace(".", "-").replace("_", "-")


@cli.command()
@click.argument("actor")
@click.option("--on", type=DAY, help="The day to answer for, YYYY-MM-DD (default: today, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the stance JSON.")
@_known_at_option
def stance(actor: str, on: date | None, as_json: bool, known_at: str | None) -> None:
    """Show ACTOR's stance toward the Taliban government on one day."""
    report = _app().stance(actor, on or today(), known_at)
    if as_json:
        _echo_json(report.model_dump(mode="json"))
    else:
        click.echo(render.stance_text(report))


@cli.command()
@click.option("--on", type=DAY, help="The day to answer for, YYYY-MM-DD (default: today, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print a list of stance JSON objects.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV for a spreadsheet.")
@_known_at_option
def world(on: date | None, as_json: bool, as_csv: bool, known_at: str | None) -> None:
    """Show every actor with any fact, as of one day, sorted by code."""
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    day = on or today()
    reports = _app().world(day, known_at)
    if as_json:
        _echo_json([r.model_dump(mode="json") for r in reports])
    elif as_csv:
        click.echo(render.world_csv(reports), nl=False)
    else:
        click.echo(render.world_text(reports, day.isoformat(), known_at=_known_text(reports)))


@cli.command()
@click.argument("actor")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@_known_at_option
def history(actor: str, as_json: bool, known_at: str | None) -> None:
    """Show every fact of ACTOR in effective-date order, with what each changed."""
    report = _app().history(actor, known_at)
    if as_json:
        _echo_json(report.model_dump(mode="json", by_alias=True))
    else:
        click.echo(render.history_text(report))


@cli.command()
@click.option("--change", is_flag=True, help="The schema of change lines (corrects/retracts/...).")
def schema(change: bool) -> None:
    """Print the JSON Schema of one fact line of the import format (or of a change line)."""
    _echo_json(ChangeInput.model_json_schema() if change else import_schema())


@cli.command()
def rebuild() -> None:
    """Rebuild the read model from the event log."""
    count = _app().rebuild()
    click.echo(f"read model rebuilt: {render.plural(count, 'fact')}")


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
def export(out: str | None) -> None:
    """Print every fact as import-format JSON Lines, in recording order."""
    lines = (json.dumps(fact, ensure_ascii=False) + "\n" for fact in _app().export())
    if out is None:
        for line in lines:
            click.echo(line, nl=False)
        return
    with open(out, "w", encoding="utf-8") as handle:
        handle.writelines(lines)


def _known_text(reports: list[StanceReport]) -> str | None:
    return reports[0].known_at if reports else None


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
@_source_options
@_by_option
def correct(
    fact_id: str,
    reason: str,
    kind: str | None,
    date_: str | None,
    summary: str | None,
    details: tuple[tuple[str, str], ...],
    by: str | None,
    **source: str | None,
) -> None:
    """Record a correction of FACT_ID; the original stays in the log, readable forever."""
    fields = {"kind": kind, "date": date_, "summary": summary}
    changes: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
    if details:
        changes["details"] = dict(details)
    try:
        event = _app().correct(fact_id, reason, changes, source=_source(**source), by=by)
    except FieldError as error:
        raise _field_errors(error) from None
    click.echo(f"{fact_id}: corrected (version {event.originator_version})")


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
@click.argument("actor")
@click.option("--on", type=DAY, help="The day to explain, YYYY-MM-DD (default: today, UTC).")
@_known_at_option
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain(actor: str, on: date | None, known_at: str | None, as_json: bool) -> None:
    """Explain ACTOR's stance on one day: the facts, sources and rules behind each part."""
    report = _app().explain(actor, on or today(), known_at)
    if as_json:
        _echo_json(report.model_dump(mode="json"))
    else:
        click.echo(render.explanation_text(report))


@cli.command()
@click.argument("fact_id")
@click.option("--json", "as_json", is_flag=True, help="Print the fact's life as JSON.")
def fact(fact_id: str, as_json: bool) -> None:
    """Show FACT_ID's whole life: recorded, corrected, retracted, with times, reasons and who."""
    report = _app().fact(fact_id)
    if as_json:
        _echo_json(report.model_dump(mode="json"))
    else:
        click.echo(render.fact_text(report))


@cli.command()
@click.argument("actor", required=False)
@click.option("--all", "all_actors", is_flag=True, help="Every actor instead of one.")
@click.option("--from", "from_", type=DAY, help="Changes on days after this one...")
@click.option("--to", type=DAY, help="...up to and including this one.")
@click.option("--known-from", type=KNOWN_AT, help="What the record learned after T1...")
@click.option("--known-to", type=KNOWN_AT, help="...up to T2 (ISO timestamp, day or @N).")
@click.option("--on", type=DAY, help="With --known-from/--known-to: only answers on this day.")
@_known_at_option
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
    as_json: bool,
) -> None:
    """What changed between two days (--from/--to) or two audits (--known-from/--known-to)."""
    if (actor is not None) == all_actors:
        raise click.UsageError("name one ACTOR or give --all")
    by_dates = from_ is not None or to is not None
    by_knowledge = known_from is not None or known_to is not None
    if by_dates == by_knowledge:
        raise click.UsageError("give either --from and --to, or --known-from and --known-to")
    if by_dates:
        if from_ is None or to is None or on is not None:
            raise click.UsageError("--from needs --to (and --on goes with --known-from/--known-to)")
        if to < from_:
            raise click.UsageError(f"--to {to} is before --from {from_}")
        report = _app().diff_dates(actor, from_, to, known_at)
        output = report.model_dump(mode="json", by_alias=True) if as_json else None
        text = render.date_diff_text(report)
    else:
        if known_from is None or known_to is None or known_at is not None:
            raise click.UsageError("--known-from needs --known-to (and no --known-at)")
        knowledge = _app().diff_knowledge(actor, known_from, known_to, on)
        output = knowledge.model_dump(mode="json") if as_json else None
        text = render.knowledge_diff_text(knowledge)
    if as_json:
        _echo_json(output)
    else:
        click.echo(text)


@cli.command()
@click.option(
    "--after",
    type=click.IntRange(min=0, max=MAX_POSITION),
    default=0,
    help="Start after this position.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Print at most this many events.")
@click.option("--actor", help="Only events about this actor.")
@click.option("--kind", type=click.Choice([k.value for k in FactKind]), help="Only this kind.")
@click.option("--follow", is_flag=True, help="Keep printing new events until interrupted.")
def events(
    after: int, limit: int | None, actor: str | None, kind: str | None, follow: bool
) -> None:
    """Print stored events as CloudEvents, one JSON object a line, in position order."""
    app = _app()
    if follow:
        _follow(app.subscribe(after, actor=actor, kind=kind), limit)
        return
    for _, event in app.read_events(after, limit or 1_000_000_000, actor=actor, kind=kind):
        click.echo(json.dumps(event, ensure_ascii=False))


@cli.command()
@click.option(
    "--after",
    type=click.IntRange(min=0, max=MAX_POSITION),
    default=0,
    help="Start after this position.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Print at most this many entries.")
@click.option("--follow", is_flag=True, help="Keep printing new entries until interrupted.")
def changes(after: int, limit: int | None, follow: bool) -> None:
    """Print, for each stored event, which actor's answers it changed and over which days."""
    app = _app()
    if follow:
        _follow(app.subscribe_changes(after), limit)
        return
    for _, change in app.stance_changes(after, limit or 1_000_000_000):
        click.echo(json.dumps(change, ensure_ascii=False))


def _follow(subscription: Subscription[dict[str, Any]], limit: int | None) -> None:
    """Print until interrupted (Ctrl-C ends cleanly) or `limit` items were printed."""
    printed = 0
    try:
        with subscription:
            for _, item in subscription:
                click.echo(json.dumps(item, ensure_ascii=False))
                printed += 1
                if limit is not None and printed >= limit:
                    return
    except KeyboardInterrupt:
        return


@cli.command("verify")
@click.option(
    "--expect",
    metavar="DIGEST@N",
    help="A head digest kept elsewhere: prove that the events up to position N still produce it.",
)
def verify_command(expect: str | None) -> None:
    """Check every stored event against its chain hash and print the head digest."""
    report = verify(_app(), expect)
    if not report.ok:
        raise click.ClickException(f"verify FAILED: {report.problem}")
    checked = ""
    if expect:
        digest, _, position = expect.strip().rpartition("@")
        checked = f"; the log up to position {position} still produces {digest}"
    click.echo(f"OK: {render.plural(report.count, 'event')} verified{checked}")
    click.echo(f"head digest: {head_digest_line(report)}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port."
)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Writers' tokens, one `name token` pair a line (default: $STANCELINE_API_TOKEN, "
    "recorded as writer 'api'; with neither, writes answer 403).",
)
def serve(host: str, port: int, token_file: str | None) -> None:
    """Serve the HTTP API until interrupted (OpenAPI at /openapi.json, docs at /docs)."""
    # Imported here so that the other commands do not pay for loading FastAPI and uvicorn.
    from stanceline.interfaces import http

    lazy: _Lazy = click.get_current_context().find_object(_Lazy)  # type: ignore[assignment]
    tokens = http.load_tokens(token_file) if token_file else None
    api = http.create_app(lazy.store, actors_file=lazy.actors_file, tokens=tokens)
    writers = http.writers(api)
    click.echo(
        f"writers: {', '.join(writers)}" if writers else "writes disabled: no token", err=True
    )
    http.run(api, host=host, port=port)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="stanceline")
