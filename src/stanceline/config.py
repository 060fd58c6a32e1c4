"""The store URL -> the eventsourcing environment that opens it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from stanceline.errors import StoreConfigError

DEFAULT_STORE = "sqlite:///stanceline.db"
STORE_ENV = "STANCELINE_STORE"


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """A parsed store URL."""

    url: str
    env: dict[str, str]

    @property
    def description(self) -> str:
        """What to call the store in messages."""
        return self.url


def store_url(explicit: str | None = None) -> str:
    """The store to use: the explicit URL, else $STANCELINE_STORE, else ./stanceline.db."""
    return explicit or os.environ.get(STORE_ENV) or DEFAULT_STORE


def parse_store_url(url: str) -> StoreConfig:
    """Turn `sqlite:///relative.db` or `sqlite:////absolute.db` into settings."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        raise StoreConfigError(
            f"unsupported store {url!r}: use sqlite:///PATH (PostgreSQL is not supported yet)"
        )
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
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(Path(path).expanduser()),
            "ORIGINATOR_ID_TYPE": "text",
            "SQLITE_LOCK_TIMEOUT": "30",
        },
    )
