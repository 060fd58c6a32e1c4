"""The HTTP API: a thin face over the application. Only this package imports FastAPI and uvicorn.

One Stanceline per process, opened by `create_app` (in each worker of `serve
--workers`, by `app_from_env`) and closed on shutdown. Every
store call runs in a worker thread (a bounded pool: the SQLite connection pool
is small), so the event loop only moves bytes. Errors leave as RFC 9457 problem
details; reads answer the same JSON as the CLI's --json, from the same models.
"""

from stanceline.errors import ProblemError, TokenFileError
from stanceline.interfaces.http.app import (
    DEFAULT_READY_LAG,
    READ_ONLY_ENV,
    READY_LAG_ENV,
    TOKEN_FILE_ENV,
    app_from_env,
    create_app,
    run,
    run_workers,
    stanceline_of,
    stop_streams,
    writers,
)
from stanceline.interfaces.http.auth import env_tokens, load_tokens
from stanceline.interfaces.http.deps import Settings
from stanceline.interfaces.http.problems import FieldProblem, Problem, problem_of

__all__ = [
    "DEFAULT_READY_LAG",
    "READY_LAG_ENV",
    "READ_ONLY_ENV",
    "TOKEN_FILE_ENV",
    "FieldProblem",
    "Problem",
    "ProblemError",
    "Settings",
    "TokenFileError",
    "app_from_env",
    "create_app",
    "env_tokens",
    "load_tokens",
    "problem_of",
    "run",
    "run_workers",
    "stanceline_of",
    "stop_streams",
    "writers",
]
