"""Reads from a real PostgreSQL streaming replica (a hot standby on 127.0.0.1:5433).

The primary records and projects; the standby replays the log and the read model
alike; a Stanceline opened on it to read only answers as the primary does, as of
the position replayed, and never writes (the standby would refuse it anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from stanceline.application import Stanceline
from stanceline.errors import StoreReadOnlyError
from stanceline.interfaces.http import create_app
from tests.factories import fact
from tests.http.conftest import TestClient
from tests.integration.test_read_only import behind
from tests.replicas import replica_url, seeded_primary, wait_replayed

pytestmark = pytest.mark.postgres

DAY = date(2025, 7, 4)
TOKEN = "replica-test-token-0123456789"


@pytest.fixture
def primary(tmp_path: Path) -> Iterator[Stanceline]:
    with seeded_primary(tmp_path) as app:
        app.project()
        yield app


@pytest.fixture
def replica(primary: Stanceline) -> Iterator[Stanceline]:
    wait_replayed()
    app = Stanceline(replica_url(primary.store.url), read_only=True)
    yield app
    app.close()


def test_the_replica_answers_as_the_primary(primary: Stanceline, replica: Stanceline) -> None:
    assert replica.status() == primary.status()
    assert replica.world(DAY) == primary.world(DAY)
    for code in ("KAZ", "CHN", "RUS", "USA", "UNSC"):
        assert replica.history(code) == primary.history(code)
        assert replica.explain(code, DAY) == primary.explain(code, DAY)
    replication = replica.replication()
    assert replication is not None
    assert replication.replay_lag_bytes >= 0
    assert primary.replication() is None  # the primary is not a standby


def test_writes_on_the_primary_appear_on_the_replica(
    primary: Stanceline, replica: Stanceline
) -> None:
    before = replica.stance("UZB", DAY)
    recorded = primary.record_fact(
        fact(actor="UZB", kind="formal_recognition_granted", date="2025-01-02", summary="test")
    )
    wait_replayed()
    assert replica.status().position == primary.status().position
    assert replica.history("UZB") == primary.history("UZB")
    assert recorded.fact_ids[0] in [e.fact_id for e in replica.history("UZB").entries]
    after = replica.stance("UZB", DAY)
    assert after == primary.stance("UZB", DAY)
    assert before.components["recognition"].value != "recognized"
    assert after.components["recognition"].value == "recognized"

    # Events stored without being projected reach the replica's log, not its answers,
    # until the primary's projector has projected them.
    position = primary.status().position
    behind(primary, ["logged, not projected"], actor="UZB")
    wait_replayed()
    assert replica.log.head() == position + 1
    assert replica.status().position == position
    primary.project()
    wait_replayed()
    assert replica.status().position == position + 1
    assert replica.history("UZB") == primary.history("UZB")


def test_opened_to_write_the_replica_is_refused_in_one_line(primary: Stanceline) -> None:
    wait_replayed()
    with pytest.raises(StoreReadOnlyError, match="hot standby"):
        Stanceline(replica_url(primary.store.url))


def test_a_read_only_server_on_the_replica(primary: Stanceline) -> None:
    wait_replayed()
    api = create_app(replica_url(primary.store.url), read_only=True, tokens={"w": TOKEN})
    position = primary.status().position
    with TestClient(api) as client:
        answer = client.get("/actors/KAZ/stance", params={"on": DAY.isoformat()})
        assert answer.status_code == 200
        assert answer.headers["Stanceline-Position"] == str(position)
        assert answer.json() == primary.stance("KAZ", DAY).model_dump(mode="json")

        refused = client.post(
            "/facts", json=fact(summary="refused"), headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "urn:stanceline:problem:read-only"
        assert "send writes to the primary" in refused.json()["detail"]

        ready = client.get("/readyz")
        assert ready.status_code == 200
        body = ready.json()
        assert body["read_only"] is True
        assert body["lag"] == 0
        assert set(body["replica"]) == {"replay_lag_seconds", "replay_lag_bytes"}
    assert primary.status().position == position
