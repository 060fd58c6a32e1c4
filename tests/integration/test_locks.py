"""A writer's locks hold back other writers only: opening the store and reading never wait."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from stanceline.application import Stanceline
from tests.integration.conftest import FIXTURES
from tests.stores import SQLITE

WAIT = 10.0  # seconds: far more than opening a store takes, far less than a long load


@contextmanager
def held_like_a_writer(kind: str, url: str) -> Iterator[None]:
    """Take the locks a load holds while it stores events and projects them."""
    if kind == SQLITE:
        connection = sqlite3.connect(urlsplit(url).path[1:], isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
        finally:
            connection.close()
        return
    schema = parse_qs(urlsplit(url).query)["schema"][0]
    plain = urlsplit(url)._replace(query="").geturl()
    with psycopg.connect(plain, autocommit=True) as connection, connection.transaction():
        for table in ("stanceline_events", "stance_versions"):
            connection.execute(f'LOCK TABLE "{schema}"."{table}" IN EXCLUSIVE MODE')
        yield


def in_time(work: Callable[[], Any]) -> Any:
    """Run `work` in a thread; its result, or a failure if it is still waiting after WAIT s."""
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(WAIT)
    assert done, f"still waiting after {WAIT:.0f} s: blocked behind the writer's locks"
    return done[0]


def test_a_new_process_opens_the_store_and_answers_while_a_writer_holds_its_locks(
    make_store: Callable[..., str], store_kind: str
) -> None:
    url = make_store()
    with Stanceline(url) as app:
        app.load_file(FIXTURES)

    def open_and_ask() -> list[Any]:
        with Stanceline(url) as app:
            day = date(2025, 7, 4)
            return [
                *(r.model_dump(mode="json") for r in app.world(day)),
                app.stance("RUS", date(2025, 4, 10)).model_dump(mode="json"),
            ]

    # The index is behind the facts just loaded, and the writer holds the lock that
    # rebuilding it takes: the answers come from the facts, without waiting.
    with held_like_a_writer(store_kind, url):
        while_held = in_time(open_and_ask)
        with Stanceline(url) as app:
            assert app.view.stale_actors(), "the index was rebuilt: nothing was answered by facts"

    assert any(r["summary"]["value"] == "recognized" for r in while_held)
    # The same answers, byte for byte, as the index gives once it can be rebuilt.
    assert open_and_ask() == while_held
    with Stanceline(url) as app:
        assert app.view.stale_actors() == []
