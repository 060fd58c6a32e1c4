"""The `cli` group, its lazily opened application, and what the command modules share."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click
from eventsourcing.persistence import PersistenceError

from stanceline.application import Stanceline
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.dates import parse_day
from stanceline.domain.knowledge import parse_known_at
from stanceline.errors import FieldError, InvalidDateError, InvalidKnownAtError, StancelineError

F = TypeVar("F", bound=Callable[..., Any])
ACTORS_ENV = "STANCELINE_ACTORS"


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
    help="Store URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB[?schema=NAME] "
    "(default: $STANCELINE_STORE or sqlite:///stanceline.db).",
)
@click.option(
    "--actors",
    "actors_file",
    envvar=ACTORS_ENV,
    type=click.Path(dir_okay=False),
    help="JSON file of extra organisations to add to the built-in catalogue.",
)
@click.option(
    "--read-only",
    is_flag=True,
    envvar="STANCELINE_READ_ONLY",
    help="Never write (a PostgreSQL replica, a store others write): answer from the read "
    "model as it stands; writing commands are refused.",
)
@click.version_option(package_name="stanceline")
@click.pass_context
def cli(ctx: click.Context, store: str | None, actors_file: str | None, read_only: bool) -> None:
    """stanceline: how states and organisations deal with the Taliban government, day by day."""
    _say_warnings()
    ctx.obj = _Lazy(store, actors_file, read_only)


class _Stderr(logging.Handler):
    """The project's warnings, one line each on stderr (where its errors go too)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


def _say_warnings() -> None:
    """Show the project's warnings (an index rebuilt on opening, say) once per process."""
    logger = logging.getLogger("stanceline")
    if not any(isinstance(handler, _Stderr) for handler in logger.handlers):
        logger.addHandler(_Stderr(logging.WARNING))


class _Lazy:
    """Opens the store only for commands that need it."""

    def __init__(self, store: str | None, actors_file: str | None, read_only: bool = False) -> None:
        self.store = store
        self.actors_file = actors_file
        self.read_only = read_only
        self._app: Stanceline | None = None

    @property
    def app(self) -> Stanceline:
        if self._app is None:
            catalogue = ActorCatalogue.with_extension(self.actors_file)
            self._app = Stanceline(self.store, catalogue, read_only=self.read_only)
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


def _according_to_option(func: F) -> F:
    return click.option(
        "--according-to",
        metavar="SOURCE",
        help="Answer from the facts one source gives (its publisher, any case, or its url "
        "exactly), whatever their rank.",
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


def _added_source_options(func: F) -> F:
    """The source a correction's new value comes from, added to the fact's sources."""
    options = [
        click.option("--add-source-title", help="Title of the source of the corrected value."),
        click.option("--add-source-url", help="Its address."),
        click.option("--add-source-publisher", help="Who published it."),
        click.option("--add-source-published", metavar="YYYY-MM-DD", help="When."),
        click.option("--add-quote", help="Its words that state the corrected value."),
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


def _option_name(field: str) -> str:
    """The option a fact field comes from, for error messages."""
    names = {
        "source.quote": "--quote",
        "add_sources.0.quote": "--add-quote",
        "date": "--date",
        "id": "--id",
        "corrects": "FACT_ID",
        "retracts": "FACT_ID",
        "reinstates": "FACT_ID",
        "ranks": "FACT_ID",
    }
    if field in names:
        return names[field]
    if field.startswith("details."):
        return f"--detail {field.removeprefix('details.')}"
    if field.startswith("add_sources.0."):
        return "--add-source-" + field.removeprefix("add_sources.0.").replace("_", "-")
    return "--" + field.replace(".", "-").replace("_", "-")
