"""The app: one Stanceline per process, its settings and lifespan, the OpenAPI schema, uvicorn."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
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

from stanceline.application import Stanceline
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.intake import FactInput
from stanceline.errors import StancelineError
from stanceline.interfaces.http import feed, page, reads, writes
from stanceline.interfaces.http.auth import BodyLimit, env_tokens
from stanceline.interfaces.http.deps import Settings
from stanceline.interfaces.http.problems import (
    PROBLEM_MEDIA_TYPE,
    Problem,
    ProblemError,
    _on_http_error,
    _on_problem,
    _on_stanceline_error,
    _on_store_error,
    _on_unexpected,
    _on_validation_error,
)

MAX_BODY_SIZE = 10 * 1024 * 1024
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 0.1
STORE_THREADS = 8  # below the SQLite connection pool (5 + 10 overflow)


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
            for model in (Problem, FactInput):
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
    poll: float = POLL_SECONDS,
    environ: Mapping[str, str] | None = None,
) -> FastAPI:
    """The API over one store; `tokens` (name -> token) default to $STANCELINE_API_TOKEN."""
    if tokens is None:
        tokens = env_tokens(os.environ if environ is None else environ)
    engine = Stanceline(store, catalogue or ActorCatalogue.with_extension(actors_file))
    settings = Settings(dict(tokens), max_body_size, heartbeat, poll)

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            settings.closing.set()
            engine.close()

    api = FastAPI(
        title="stanceline",
        version=version("stanceline"),
        description="How states and organisations deal with the Taliban government, day by "
        "day: stances, histories, explanations and diffs; the event log as CloudEvents "
        "(pages and Server-Sent Events); writes with a bearer token.",
        lifespan=lifespan,
    )
    api.state.stanceline = engine
    api.state.settings = settings
    api.state.limiter = anyio.CapacityLimiter(STORE_THREADS)
    api.add_middleware(BodyLimit, limit=max_body_size)
    api.add_exception_handler(ProblemError, _on_problem)
    api.add_exception_handler(StancelineError, _on_stanceline_error)
    api.add_exception_handler(RequestValidationError, _on_validation_error)
    api.add_exception_handler(HTTPException, _on_http_error)
    api.add_exception_handler(PersistenceError, _on_store_error)
    api.add_exception_handler(Exception, _on_unexpected)
    api.include_router(reads.router)
    api.include_router(feed.router)
    api.include_router(writes.router)
    api.include_router(page.router)
    api.openapi = _openapi(api)  # type: ignore[method-assign]
    return api


def stanceline_of(api: FastAPI) -> Stanceline:
    """The application an API serves."""
    return cast(Stanceline, api.state.stanceline)


def writers(api: FastAPI) -> list[str]:
    """The names of the writers whose tokens the API accepts, sorted."""
    return sorted(cast(Settings, api.state.settings).tokens)


def stop_streams(api: FastAPI) -> None:
    """End every open event stream at its next poll, so the server can shut down."""
    cast(Settings, api.state.settings).closing.set()


class _Server(uvicorn.Server):
    """uvicorn, ending the event streams first when asked to stop (they never end otherwise)."""

    def __init__(self, config: uvicorn.Config, api: FastAPI) -> None:
        super().__init__(config)
        self.api = api

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        stop_streams(self.api)
        super().handle_exit(sig, frame)


def run(api: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve `api` with uvicorn until Ctrl-C (returns) or SIGTERM (re-raised after shutdown)."""
    config = uvicorn.Config(api, host=host, port=port, timeout_graceful_shutdown=5)
    try:
        _Server(config, api).run()
    except KeyboardInterrupt:
        # uvicorn re-raises the Ctrl-C it handled, once shut down: that is the normal way out.
        return
