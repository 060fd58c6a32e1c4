"""The HTTP API: a thin face over the application. Only this package imports FastAPI and uvicorn.

One Stanceline per process, opened by `create_app` and closed on shutdown. Every
store call runs in a worker thread (a bounded pool: the SQLite connection pool
is small), so the event loop only moves bytes. Errors leave as RFC 9457 problem
details; reads answer the same JSON as the CLI's --json, from the same models.
"""

from stanceline.interfaces.http.app import create_app, run, stanceline_of, stop_streams, writers
from stanceline.interfaces.http.auth import TokenFileError, env_tokens, load_tokens
from stanceline.interfaces.http.deps import Settings
from stanceline.interfaces.http.problems import FieldProblem, Problem, ProblemError, problem_of

__all__ = [
    "FieldProblem",
    "Problem",
    "ProblemError",
    "Settings",
    "TokenFileError",
    "create_app",
    "env_tokens",
    "load_tokens",
    "problem_of",
    "run",
    "stanceline_of",
    "stop_streams",
    "writers",
]
