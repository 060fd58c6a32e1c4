"""The store URL -> the eventsourcing environment that opens it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from stanceline.errors import StoreConfigError

DEFAULT_STORE = "sqlite:///stanceline.db"
STORE_ENV = "STANCELINE_STORE"
SQLITE = "sqlite"
POSTGRES = "postgresql"
POSTGRES_SCHEMES = ("postgresql", "postgres")
# Per process: a CLI command needs one or two connections, a server worker a few more.
POOL_SIZE = "2"
MAX_OVERFLOW = "8"
CONNECT_TIMEOUT = "10"
# How the store's connections show in pg_stat_activity (the LISTEN connection's too).
APPLICATION_NAME = "stanceline"
APPLICATION_NAME_KEY = "POSTGRES_APPLICATION_NAME"  # ours: eventsourcing does not read it
_QUERY_KEYS = {"schema", "pool_size", "max_overflow", "connect_timeout", "application_name"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_POSTGRES_FORM = "postgresql://USER@HOST:PORT/DB"


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """A parsed store URL: which kind of store, and the eventsourcing settings that open it."""

    url: str
    kind: str
    env: dict[str, str]

    @property
    def description(self) -> str:
        """What to call the store in messages (never with its password)."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()


def store_url(explicit: str | None = None) -> str:
    """The store to use: the explicit URL, else $STANCELINE_STORE, else ./stanceline.db."""
    return explicit or os.environ.get(STORE_ENV) or DEFAULT_STORE


def parse_store_url(url: str) -> StoreConfig:
    """Turn `sqlite:///PATH` or `postgresql://USER@HOST:PORT/DB[?schema=NAME]` into settings."""
    parts = urlsplit(url)
    if parts.scheme == SQLITE:
        return _sqlite(url, parts)
    if parts.scheme in POSTGRES_SCHEMES:
        return _postgres(url, parts)
    raise StoreConfigError(
        f"unsupported store {_safe(url)!r}: use sqlite:///PATH or {_POSTGRES_FORM}"
    )


def _sqlite(url: str, parts: SplitResult) -> StoreConfig:
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not path or parts.netloc:
        raise StoreConfigError(f"store {url!r} names no file: use sqlite:///PATH")
    if path == ":memory:" or "mode=memory" in parts.query:
        raise StoreConfigError(f"store {url!r}: an in-memory store would vanish; name a file")
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        raise StoreConfigError(f"store {url!r}: folder {folder} does not exist")
    return StoreConfig(
        url=url,
        kind=SQLITE,
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(Path(path).expanduser()),
            "ORIGINATOR_ID_TYPE": "text",
            "SQLITE_LOCK_TIMEOUT": "30",
        },
    )


def _postgres(url: str, parts: SplitResult) -> StoreConfig:
    shown = _safe(url)
    try:
        port = parts.port or 5432
    except ValueError:
        raise StoreConfigError(f"store {shown!r}: the port is not a number") from None
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not parts.username or not database or "/" in database:
        raise StoreConfigError(f"store {shown!r}: use {_POSTGRES_FORM}")
    query = _query(shown, parts.query)
    schema = query.get("schema", "")
    if schema and not _IDENTIFIER.fullmatch(schema):
        raise StoreConfigError(f"store {shown!r}: schema {schema!r} is not a plain SQL name")
    for key in ("pool_size", "max_overflow", "connect_timeout"):
        if key in query and not query[key].isdigit():
            raise StoreConfigError(f"store {shown!r}: {key} must be a whole number")
    application_name = query.get("application_name", APPLICATION_NAME)
    if not application_name.isprintable() or not 0 < len(application_name) < 64:
        raise StoreConfigError(
            f"store {shown!r}: application_name must be 1 to 63 printable characters"
        )
    password = unquote(parts.password) if parts.password is not None else None
    return StoreConfig(
        url=url,
        kind=POSTGRES,
        env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": database,
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": unquote(parts.username),
            # Empty: libpq then reads $PGPASSWORD (or ~/.pgpass) itself.
            "POSTGRES_PASSWORD": password or os.environ.get("PGPASSWORD", ""),
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_POOL_SIZE": query.get("pool_size", POOL_SIZE),
            "POSTGRES_MAX_OVERFLOW": query.get("max_overflow", MAX_OVERFLOW),
            "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", CONNECT_TIMEOUT),
            # A pooled connection is checked before use (one empty query), so one that the
            # server dropped is replaced instead of failing a request.
            "POSTGRES_PRE_PING": "y",
            APPLICATION_NAME_KEY: application_name,
            "ORIGINATOR_ID_TYPE": "text",
        },
    )


def _query(shown: str, text: str) -> dict[str, str]:
    try:
        values = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        raise StoreConfigError(f"store {shown!r}: cannot read the query {text!r}") from None
    unknown = sorted(set(values) - _QUERY_KEYS)
    if unknown:
        raise StoreConfigError(
            f"store {shown!r}: unknown setting {unknown[0]!r} "
            f"(known: {', '.join(sorted(_QUERY_KEYS))})"
        )
    return {key: found[-1] for key, found in values.items()}


def _safe(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return StoreConfig(url, "", {}).description
    except ValueError:
        return url
