"""Who may write: writers' tokens (a token file or the environment), and the body-size limit."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stanceline.errors import ProblemError, TokenFileError
from stanceline.interfaces.http.deps import _settings
from stanceline.interfaces.http.problems import problem_response

TOKEN_ENV = "STANCELINE_API_TOKEN"
ENV_WRITER = "api"
MIN_TOKEN_LENGTH = 16


# Tokens


def load_tokens(path: str | Path) -> dict[str, str]:
    """Writers' tokens from a file of `name token` lines (blank lines and # comments skipped)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TokenFileError(f"{path}: cannot read: {error}") from None
    tokens: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise TokenFileError(f"{path}:{number}: expected `name token`")
        name, token = parts
        if name in tokens:
            raise TokenFileError(f"{path}:{number}: writer {name!r} is named twice")
        if token in tokens.values():
            raise TokenFileError(f"{path}:{number}: two writers share one token")
        tokens[name] = _checked_token(token, f"{path}:{number}")
    return tokens


def env_tokens(environ: Mapping[str, str]) -> dict[str, str]:
    """The one writer of $STANCELINE_API_TOKEN, named "api" (none when unset)."""
    token = environ.get(TOKEN_ENV, "").strip()
    return {ENV_WRITER: _checked_token(token, TOKEN_ENV)} if token else {}


def _checked_token(token: str, where: str) -> str:
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenFileError(f"{where}: a token needs at least {MIN_TOKEN_LENGTH} characters")
    return token


# Request size


class BodyLimit:
    """Refuses request bodies above `limit` bytes with 413, before or while reading them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            response = problem_response(_too_large(self.limit), scope.get("path", ""))
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                # An HTTPException, so FastAPI's body parsing lets it through to the handler.
                raise HTTPException(413, _too_large(self.limit).detail)
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        413, "too-large", "Request body too large", f"the request body is over {limit} bytes"
    )


# Dependencies


bearer = HTTPBearer(
    auto_error=False,
    description="A writer's token: $STANCELINE_API_TOKEN (writer 'api') or a --token-file line.",
)


async def writer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The name of the writer whose token the request carries (403 with none configured,
    or on a server that only reads)."""
    settings = _settings(request)
    if settings.read_only:
        raise ProblemError(
            403,
            "read-only",
            "This server only reads",
            "this server was started to read only (serve --read-only, on a replica): "
            "send writes to the primary; nothing was recorded",
        )
    tokens = settings.tokens
    if not tokens:
        raise ProblemError(
            403,
            "writes-disabled",
            "Writes are disabled",
            f"this server has no writer tokens: set ${TOKEN_ENV} or start it with --token-file",
        )
    given = _digest(credentials.credentials if credentials else "")
    found = None
    for name, token in tokens.items():
        # Every token is compared, whichever matches; digests of one length, in constant time.
        if hmac.compare_digest(given, _digest(token)) and found is None:
            found = name
    if found is None:
        detail = "wrong token" if credentials else "missing token: send Authorization: Bearer"
        raise ProblemError(
            401,
            "unauthorized",
            "Missing or wrong token",
            detail,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


Writer = Annotated[str, Depends(writer)]
