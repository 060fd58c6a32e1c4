"""The relay command: the record's events into a NATS JetStream stream, exactly once, in order."""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click

from stanceline.application.relay import Backoff, Relay, RelayThread, check_nats_url
from stanceline.application.relay_status import RelayStatus
from stanceline.interfaces.cli.base import F, _app, cli

DEFAULT_STREAM = "STANCELINE"
DEFAULT_PREFIX = "stanceline.events"
# JetStream's stream names: no whitespace, dots, wildcards or path separators.
_STREAM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SUBJECT = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


class NatsUrl(click.ParamType):  # type: ignore[type-arg]
    """A NATS server's address: nats://HOST:PORT."""

    name = "nats://HOST:PORT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if (why := check_nats_url(text)) is not None:
            self.fail(why, param, ctx)
        return text


class Pattern(click.ParamType):  # type: ignore[type-arg]
    """Text that must match a pattern (a stream name, a subject prefix)."""

    def __init__(self, name: str, pattern: re.Pattern[str], rule: str) -> None:
        self.name = name
        self.pattern = pattern
        self.rule = rule

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not self.pattern.fullmatch(text):
            self.fail(f"{text!r} is not {self.rule}", param, ctx)
        return text


def _to_option(*names: str, required: bool, help: str, **extra: Any) -> Callable[[F], F]:
    return click.option(
        *names, required=required, type=NatsUrl(), envvar="STANCELINE_RELAY_TO", help=help, **extra
    )


def _stream_option(*names: str, help: str, **extra: Any) -> Callable[[F], F]:
    return click.option(
        *names,
        default=DEFAULT_STREAM,
        show_default=True,
        envvar="STANCELINE_RELAY_STREAM",
        type=Pattern("NAME", _STREAM_NAME, "a stream name (1-64 of A-Z, a-z, 0-9, _ and -)"),
        help=help,
        **extra,
    )


def _subject_option(*names: str, help: str, **extra: Any) -> Callable[[F], F]:
    return click.option(
        *names,
        default=DEFAULT_PREFIX,
        show_default=True,
        envvar="STANCELINE_RELAY_SUBJECT",
        type=Pattern("PREFIX", _SUBJECT, "a subject prefix (dot-separated A-Z, a-z, 0-9, _, -)"),
        help=help,
        **extra,
    )


@cli.command()
@_to_option(
    "--to",
    "url",
    required=True,
    help="The NATS server (with JetStream): nats://HOST:PORT (default: $STANCELINE_RELAY_TO).",
)
@_stream_option(
    "--stream", help="The JetStream stream, created when missing (or $STANCELINE_RELAY_STREAM)."
)
@_subject_option(
    "--subject",
    "prefix",
    help="Subject prefix: each event goes on PREFIX.<actor code>, the stream takes PREFIX.> "
    "(or $STANCELINE_RELAY_SUBJECT).",
)
@click.option("--once", is_flag=True, help="Relay the events stored now, then exit.")
@click.option(
    "--give-up",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Fail when NATS has not answered for this long (default: keep retrying).",
)
def relay(url: str, stream: str, prefix: str, once: bool, give_up: float | None) -> None:
    """Publish every stored event into a NATS JetStream stream, in log order, exactly once.

    Each message is the event's CloudEvent in binary mode (ce-* headers, the fact's JSON as
    the payload). The stream's last message says where to resume, so a restart goes on
    exactly where the relay stopped. Without --once it follows new events until interrupted.
    """
    worker = _app().relay(
        url,
        stream=stream,
        prefix=prefix,
        say=lambda line: click.echo(line, err=True),
        backoff=Backoff(give_up=give_up),
    )
    try:
        with _stopped_by_signals(worker):
            report = worker.run(follow=not once)
    finally:
        worker.close()
    click.echo(report.summary())


@contextmanager
def _stopped_by_signals(worker: Relay) -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM end the relay after the page it is publishing."""

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.stop()

    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


# The relay beside `serve`: one relay on a thread of the serving process.


def relay_beside_options(command: F) -> F:
    """serve's --relay-to, --relay-stream and --relay-subject: relay's --to, --stream, --subject."""
    options = [
        _to_option(
            "--relay-to",
            required=False,
            show_envvar=True,
            help="Also relay every event into NATS JetStream at nats://HOST:PORT, on a thread "
            "of this process (with --workers, of the supervisor: one relay); its lag in /metrics.",
        ),
        _stream_option(
            "--relay-stream",
            show_envvar=True,
            help="With --relay-to: the JetStream stream, created when missing.",
        ),
        _subject_option(
            "--relay-subject",
            show_envvar=True,
            help="With --relay-to: each event goes on PREFIX.<actor code>.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@contextmanager
def relay_beside(
    url: str | None, stream: str, prefix: str, log_format: str
) -> Iterator[list[RelayStatus]]:
    """While the block runs, a relay following the log on a thread (none without `url`);
    the status of each, for /metrics. It retries NATS and restarts after failures by itself,
    so it never keeps the server from serving."""
    if url is None:
        yield []
        return
    from stanceline.interfaces.http.logs import json_line

    def say(line: str) -> None:
        click.echo(json_line(line, "stanceline.relay") if log_format == "json" else line, err=True)

    runner = RelayThread(_app().relay(url, stream=stream, prefix=prefix, say=say))
    runner.start()
    try:
        with _stopped_before_sigterm(runner):
            yield [runner.status]
    finally:
        runner.stop()


@contextmanager
def _stopped_before_sigterm(runner: RelayThread) -> Iterator[None]:
    """A SIGTERM that ends the process stops the relay first.

    uvicorn's single server handles SIGTERM while it runs, and once shut down raises it again
    with the handler it found, this one: the relay finishes its page, then the signal does
    what it did before (by default, end the process). uvicorn's supervisor of workers keeps
    its own handler and returns instead; the block's end stops the relay then.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        runner.stop()
        signal.signal(signum, previous)
        signal.raise_signal(signum)

    previous = signal.getsignal(signal.SIGTERM)
    if previous is None:  # a handler not installed from Python: take it as the default
        previous = signal.SIG_DFL
    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is stop:
            signal.signal(signal.SIGTERM, previous)
