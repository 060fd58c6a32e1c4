"""The app: one Stanceline per process, its settings and lifespan, the OpenAPI schema, uvicorn."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from types import FrameType
from typing import Any, cast

import anyio
import uvicorn
from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from stanceline.application import Stanceline
from stanceline.application.relay_status import RelayStatus
from stanceline.config import STORE_ENV
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.intake import FactInput
from stanceline.errors import ProblemError, StancelineError
from stanceline.interfaces.http import claims, docs, feed, page, probes, reads, writes
from stanceline.interfaces.http.auth import BodyLimit, env_tokens, load_tokens
from stanceline.interfaces.http.bell import LoopBell
from stanceline.interfaces.http.deps import Settings
from stanceline.interfaces.http.logs import log_config
from stanceline.interfaces.http.metrics import MULTIPROC_ENV, Metrics, share_relays
from stanceline.interfaces.http.observe import Observe
from stanceline.interfaces.http.position import Positioned
from stanceline.interfaces.http.problems import (
    PROBLEM_MEDIA_TYPE,
    Problem,
    _on_client_gone,
    _on_http_error,
    _on_problem,
    _on_stanceline_error,
    _on_store_error,
    _on_unexpected,
    _on_validation_error,
)
from stanceline.interfaces.http.writes import Correction, Reason

MAX_BODY_SIZE = 10 * 1024 * 1024
HEARTBEAT_SECONDS = 15.0
STORE_THREADS = 8  # below the SQLite connection pool (5 + 10 overflow)
# What `serve --workers` passes to its workers, besides $STANCELINE_STORE and $STANCELINE_ACTORS.
TOKEN_FILE_ENV = "STANCELINE_TOKEN_FILE"
ACTORS_ENV = "STANCELINE_ACTORS"
READY_LAG_ENV = "STANCELINE_READY_LAG"
READ_ONLY_ENV = "STANCELINE_READ_ONLY"
TRUE_WORDS = ("1", "true", "yes", "on")  # what click reads as true for a flag's envvar
DEFAULT_READY_LAG = 1000
APP_FACTORY = "stanceline.interfaces.http:app_from_env"

Handler = Callable[[int, FrameType | None], Any]  # a signal handler


# OpenAPI


def _openapi(api: FastAPI) -> Callable[[], dict[str, Any]]:
    """The generated schema, with every error answer documented as problem+json."""

    def build() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=api.routes,
                tags=api.openapi_tags,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            # Ranking too: its route names it in openapi_extra, which FastAPI does not collect.
            for model in (Problem, FactInput, Correction, Reason, claims.Ranking):
                found = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(found.pop("$defs", {}))
                components[model.__name__] = found
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            for path in schema["paths"].values():
                for operation in path.values():
                    answers = operation["responses"]
                    answers.setdefault("500", {"description": "An unexpected error."})
                    for status, answer in answers.items():
                        if int(status) >= 400:
                            answer["content"] = problem
                            answer["description"] = answer.get("description") or "A problem."
            api.openapi_schema = schema
        return api.openapi_schema

    return build


# The app


def create_app(
    store: str | None = None,
    *,
    actors_file: str | Path | None = None,
    catalogue: ActorCatalogue | None = None,
    tokens: Mapping[str, str] | None = None,
    max_body_size: int = MAX_BODY_SIZE,
    heartbeat: float = HEARTBEAT_SECONDS,
    poll: float | None = None,
    environ: Mapping[str, str] | None = None,
    ready_lag: int = DEFAULT_READY_LAG,
    read_only: bool = False,
    relays: Sequence[RelayStatus] = (),
) -> FastAPI:
    """The API over one store; `tokens` (name -> token) default to $STANCELINE_API_TOKEN.

    `poll`: how long an idle event stream waits when nothing wakes it (default: the store's
    poll interval, 0.1 s on SQLite, 2 s on PostgreSQL, where NOTIFY wakes streams at once).
    `ready_lag`: how many positions the read model may be behind the log for /readyz.
    `relays`: the status of each relay running in this process, for /metrics.
    `read_only`: never write on any path (a server on a replica): writes answer 403, and
    every answer says the read model's position it was made at (Stanceline-Position).
    """
    if tokens is None:
        tokens = env_tokens(os.environ if environ is None else environ)
    catalogue = catalogue or ActorCatalogue.with_extension(actors_file)
    engine = Stanceline(store, catalogue, read_only=read_only)
    settings = Settings(
        dict(tokens),
        max_body_size,
        heartbeat,
        poll or engine.poll_interval,
        ready_lag,
        read_only=read_only,
    )
    metrics = Metrics(engine.view.behind, relays)

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        restore = _stop_streams_on_exit_signals(api)
        try:
            yield
        finally:
            restore()
            stop_streams(api)
            bell: LoopBell | None = getattr(api.state, "bell", None)
            if bell is not None:
                bell.close()
            metrics.close()
            engine.close()

    api = FastAPI(
        title="stanceline",
        version=version("stanceline"),
        description="How states and organisations deal with the Taliban government, day by "
        "day: stances, histories, explanations and diffs; the event log as CloudEvents "
        "(pages and Server-Sent Events); writes with a bearer token.",
        lifespan=lifespan,
        # Served from the package's files (docs.py), not FastAPI's CDN pages.
        docs_url=None,
        redoc_url=None,
    )
    api.state.stanceline = engine
    api.state.settings = settings
    api.state.limiter = anyio.CapacityLimiter(STORE_THREADS)
    api.state.metrics = metrics
    api.add_middleware(BodyLimit, limit=max_body_size)
    if read_only:
        api.add_middleware(Positioned, view=engine.view, limiter=api.state.limiter)
    api.add_exception_handler(ProblemError, _on_problem)
    api.add_exception_handler(StancelineError, _on_stanceline_error)
    api.add_exception_handler(RequestValidationError, _on_validation_error)
    api.add_exception_handler(HTTPException, _on_http_error)
    api.add_exception_handler(PersistenceError, _on_store_error)
    api.add_exception_handler(ClientDisconnect, _on_client_gone)
    api.add_exception_handler(Exception, _on_unexpected)
    api.include_router(reads.router)
    api.include_router(feed.router)
    api.include_router(writes.router)
    api.include_router(claims.router)
    api.include_router(page.router)
    api.include_router(docs.router)
    api.include_router(probes.router)
    api.openapi = _openapi(api)  # type: ignore[method-assign]
    _observe_outermost(api, metrics)
    return api


def _observe_outermost(api: FastAPI, metrics: Metrics) -> None:
    """Put Observe outside Starlette's error middleware, so it sees the 500s it answers."""
    build = api.build_middleware_stack

    def built() -> Any:
        return Observe(build(), metrics, api.router.routes)

    api.build_middleware_stack = built  # type: ignore[method-assign]


def stanceline_of(api: FastAPI) -> Stanceline:
    """The application an API serves."""
    return cast(Stanceline, api.state.stanceline)


def writers(api: FastAPI) -> list[str]:
    """The names of the writers whose tokens the API accepts, sorted."""
    return sorted(cast(Settings, api.state.settings).tokens)


def stop_streams(api: FastAPI) -> None:
    """End every open event stream now (from any thread), so the server can shut down."""
    cast(Settings, api.state.settings).closing.set()
    bell: LoopBell | None = getattr(api.state, "bell", None)
    if bell is not None:
        bell.ring()


def _stop_streams_on_exit_signals(api: FastAPI) -> Callable[[], None]:
    """Make the server's SIGINT and SIGTERM end the event streams first; returns the undo.

    Event streams never end by themselves, so a server told to stop would wait for them
    until its graceful-shutdown timeout. The lifespan runs after uvicorn has installed its
    handlers (in a worker process too, where we do not choose the server class), so it
    chains onto them. Signal handlers belong to the main thread: elsewhere (a test client,
    a server in a thread) whoever stops the server calls stop_streams itself.
    """
    if threading.current_thread() is not threading.main_thread():
        return _nothing
    installed: list[tuple[int, Handler, Handler]] = []  # (signal, ours, the one before)
    for number in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(number)
        if callable(previous):
            ours = _chained(api, previous)
            signal.signal(number, ours)
            installed.append((number, ours, previous))

    def restore() -> None:
        for number, ours, previous in installed:
            if signal.getsignal(number) is ours:
                signal.signal(number, previous)

    return restore


def _chained(api: FastAPI, previous: Handler) -> Handler:
    def handler(sig: int, frame: FrameType | None) -> Any:
        stop_streams(api)
        return previous(sig, frame)

    return handler


def _nothing() -> None:
    """Nothing to undo."""


def app_from_env() -> FastAPI:
    """The API as each `serve --workers` process makes it: configured by the environment.

    $STANCELINE_STORE, $STANCELINE_ACTORS, $STANCELINE_READY_LAG, and the writers' tokens
    from the file named by $STANCELINE_TOKEN_FILE, else $STANCELINE_API_TOKEN.
    """
    token_file = os.environ.get(TOKEN_FILE_ENV)
    api = create_app(
        os.environ.get(STORE_ENV),
        actors_file=os.environ.get(ACTORS_ENV) or None,
        tokens=load_tokens(token_file) if token_file else None,
        ready_lag=int(os.environ.get(READY_LAG_ENV) or DEFAULT_READY_LAG),
        read_only=os.environ.get(READ_ONLY_ENV, "") in TRUE_WORDS,
    )
    _settle_heap()
    return api


def _settle_heap() -> None:
    """Put what a server process has made before serving out of the cyclic collector's walk.

    The catalogue, pycountry's tables, the routes, pydantic's validators live as long as
    the process, and every full collection walked them all again: a pause of about 50 ms,
    once in a few hundred requests under load, which was the stance endpoint's p99. Frozen
    (gc.freeze), they are skipped; what is made afterwards is collected as before.
    """
    gc.collect()
    gc.freeze()


def run(api: FastAPI, host: str = "127.0.0.1", port: int = 8000, log_format: str = "text") -> None:
    """Serve `api` with uvicorn until Ctrl-C (returns) or SIGTERM (re-raised after shutdown)."""
    config = uvicorn.Config(
        api,
        host=host,
        port=port,
        timeout_graceful_shutdown=5,
        log_config=log_config(log_format),
        access_log=False,  # the access lines are Observe's, with the request id
    )
    _settle_heap()
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        # uvicorn re-raises the Ctrl-C it handled, once shut down: that is the normal way out.
        return


def run_workers(
    workers: int,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_format: str = "text",
    relays: Sequence[RelayStatus] = (),
) -> None:
    """Serve with `workers` processes on one port, each making its app with app_from_env.

    uvicorn's supervisor binds the port, starts the workers, restarts one that dies, and
    stops them all on Ctrl-C or SIGTERM. The workers share one new, empty folder for their
    metrics (prometheus-client's multiprocess mode), removed when the server stops; the
    gauges of `relays` (running in this process) are written there too.
    """
    folder = tempfile.mkdtemp(prefix="stanceline-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    unshare = share_relays(relays)  # the supervisor's relays, in the workers' /metrics
    try:
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_graceful_shutdown=5,
            log_config=log_config(log_format),
            access_log=False,
        )
    finally:
        unshare()
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)
