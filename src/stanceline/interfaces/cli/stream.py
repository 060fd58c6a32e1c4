"""Commands that follow or serve the record: events, changes, serve."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from stanceline.application import Stanceline, json_input
from stanceline.config import STORE_ENV, store_url
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.facts import FactKind
from stanceline.domain.knowledge import MAX_POSITION
from stanceline.interfaces.cli.base import ACTORS_ENV, _app, _Lazy, cli
from stanceline.interfaces.cli.relay import relay_beside, relay_beside_options
from stanceline.stream.subscription import Subscription

# What the workers of `serve --workers` read (interfaces/http/app.py: app_from_env).
READY_LAG_ENV = "STANCELINE_READY_LAG"
DEFAULT_READY_LAG = 1000  # the same as create_app's


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
        click.echo(json_input.json_line(event))


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
        click.echo(json_input.json_line(change))


def _follow(subscription: Subscription[dict[str, Any]], limit: int | None) -> None:
    """Print until interrupted (Ctrl-C ends cleanly) or `limit` items were printed."""
    printed = 0
    try:
        with subscription:
            for _, item in subscription:
                click.echo(json_input.json_line(item))
                printed += 1
                if limit is not None and printed >= limit:
                    return
    except KeyboardInterrupt:
        return


class _ServeCommand(click.Command):
    """A bad value from the environment is one line naming the variable, exit 1."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.BadParameter as error:
            param = error.param
            if (
                param is not None
                and param.name is not None
                and isinstance(param.envvar, str)
                and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT
            ):
                raise click.ClickException(f"${param.envvar}: {error.message}") from None
            raise


@cli.command(cls=_ServeCommand)
@click.option(
    "--host",
    default="127.0.0.1",
    envvar="STANCELINE_HOST",
    show_default=True,
    show_envvar=True,
    help="Address to listen on.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    envvar="STANCELINE_PORT",
    show_default=True,
    show_envvar=True,
    help="Port.",
)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False),
    envvar="STANCELINE_TOKEN_FILE",
    show_envvar=True,
    help="Writers' tokens, one `name token` pair a line (default: $STANCELINE_TOKEN_FILE, "
    "else $STANCELINE_API_TOKEN, recorded as writer 'api'; with neither, writes answer 403).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=1,
    envvar="STANCELINE_WORKERS",
    show_default=True,
    show_envvar=True,
    help="Worker processes sharing the port, each with its own connections; "
    "PostgreSQL is the store meant for more than one.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    envvar="STANCELINE_LOG_FORMAT",
    show_default=True,
    show_envvar=True,
    help="Access and error logs as uvicorn's text lines, or one JSON object a line "
    "(with the request id).",
)
@click.option(
    "--ready-lag",
    type=click.IntRange(min=0),
    default=DEFAULT_READY_LAG,
    envvar=READY_LAG_ENV,
    show_default=True,
    show_envvar=True,
    help="/readyz answers 503 when the read model is more than this many positions behind the log.",
)
@click.option(
    "--read-only",
    is_flag=True,
    envvar="STANCELINE_READ_ONLY",
    show_envvar=True,
    help="Never write on any path (a server on a PostgreSQL replica): answer from the read "
    "model as it stands, say its position in a Stanceline-Position header, refuse writes "
    "(403); `stanceline project --follow` on the primary keeps the model up to date.",
)
@relay_beside_options
def serve(
    host: str,
    port: int,
    token_file: str | None,
    workers: int,
    log_format: str,
    ready_lag: int,
    read_only: bool,
    relay_to: str | None,
    relay_stream: str,
    relay_subject: str,
) -> None:
    """Serve the HTTP API until interrupted (OpenAPI at /openapi.json, docs at /docs;
    /healthz, /readyz and /metrics for the platform)."""
    # Imported here so that the other commands do not pay for loading FastAPI and uvicorn.
    from stanceline.interfaces import http

    lazy: _Lazy = click.get_current_context().find_object(_Lazy)  # type: ignore[assignment]
    read_only = read_only or lazy.read_only
    if read_only and relay_to:
        # A standby has no NOTIFY and cannot be the source of truth's relay: one per store.
        raise click.UsageError(
            "--relay-to goes with a server on the primary, not with --read-only: run the "
            "relay where the log is written"
        )
    tokens = http.load_tokens(token_file) if token_file else None
    # One relay, stopped when the command ends: in this process (with workers, the supervisor).
    relays = click.get_current_context().with_resource(
        relay_beside(relay_to, relay_stream, relay_subject, log_format)
    )
    if workers == 1:
        api = http.create_app(
            lazy.store,
            actors_file=lazy.actors_file,
            tokens=tokens,
            ready_lag=ready_lag,
            read_only=read_only,
            relays=relays,
        )
        _say_writers(http.writers(api), log_format, read_only)
        http.run(api, host=host, port=port, log_format=log_format)
        return
    # Open the store here once: a bad store or catalogue is one line now, not a crash in
    # every worker; and the tables exist before the workers race to use them.
    Stanceline(
        lazy.store, ActorCatalogue.with_extension(lazy.actors_file), read_only=read_only
    ).close()
    named = sorted(tokens if tokens is not None else http.env_tokens(os.environ))
    _say_writers(named, log_format, read_only)
    # The workers are new processes: they read their settings from the environment.
    os.environ[STORE_ENV] = store_url(lazy.store)
    if lazy.actors_file:
        os.environ[ACTORS_ENV] = str(Path(lazy.actors_file).resolve())
    if token_file:
        os.environ[http.TOKEN_FILE_ENV] = str(Path(token_file).resolve())
    os.environ[READY_LAG_ENV] = str(ready_lag)
    os.environ[http.READ_ONLY_ENV] = "1" if read_only else ""
    http.run_workers(workers, host=host, port=port, log_format=log_format, relays=relays)


def _say_writers(writers: list[str], log_format: str, read_only: bool = False) -> None:
    from stanceline.interfaces.http.logs import json_line

    if read_only:
        line = "read-only: writes are refused, answers come from the read model as it stands"
    else:
        line = f"writers: {', '.join(writers)}" if writers else "writes disabled: no token"
    click.echo(json_line(line) if log_format == "json" else line, err=True)
