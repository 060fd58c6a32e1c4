"""The hot standby the replica tests read from (tests/replicas.py), on its own.

A row written in a fresh schema on the primary is there on the standby once it has
replayed, and the standby refuses writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.replicas import REPLICA_URL, connect, replica_url, require_replica, wait_replayed
from tests.stores import POSTGRES, Stores

pytestmark = pytest.mark.postgres


@pytest.fixture
def primary_store(tmp_path: Path) -> Iterator[str]:
    """A fresh schema on the primary (the standby checked first), dropped afterwards."""
    require_replica()
    stores = Stores(POSTGRES, tmp_path)
    yield stores.url()
    stores.close()


def test_a_row_written_on_the_primary_is_read_on_the_standby(primary_store: str) -> None:
    with connect(primary_store) as primary:
        primary.execute("CREATE TABLE facts (id int PRIMARY KEY, said text NOT NULL)")
        primary.execute("INSERT INTO facts VALUES (1, 'designation lifted')")

    wait_replayed()

    with connect(replica_url(primary_store)) as replica:
        assert replica.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        assert replica.execute("SELECT id, said FROM facts").fetchall() == [
            (1, "designation lifted")
        ]


def test_the_standby_refuses_writes(primary_store: str) -> None:
    with connect(primary_store) as primary:
        primary.execute("CREATE TABLE facts (id int PRIMARY KEY)")
    wait_replayed()

    with (
        connect(replica_url(primary_store)) as replica,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        replica.execute("INSERT INTO facts VALUES (2)")


def test_a_store_url_names_the_same_store_on_the_standby() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test?schema=t_0123&application_name=x"
    standby = urlsplit(REPLICA_URL).netloc
    assert replica_url(url) == f"postgresql://{standby}/test?schema=t_0123&application_name=x"
