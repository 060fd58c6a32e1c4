"""A server started to read only (serve --read-only): its header, its refusals, its /readyz.

On both stores, beside a writer that stores events without projecting them (as a
primary whose projector has not run yet): the reader answers as the model stands
and says so in every answer, never catches up, and refuses every write.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from stanceline.application import Stanceline
from stanceline.interfaces.cli import cli
from tests.factories import fact
from tests.http.conftest import ALICE, CLEAN_ENV, FIXTURES, TOKENS, ClientFactory, TestClient
from tests.integration.test_read_only import behind

PROBLEM = "application/problem+json"
STANCE = "/actors/RUS/stance?on=2025-07-04"


@pytest.fixture
def writer(store: str) -> Stanceline:
    app = Stanceline(store)
    for path in FIXTURES:
        app.load_file(path, by="fixtures")
    app.project()
    return app


@pytest.fixture
def reader(writer: Stanceline, make_client: ClientFactory) -> TestClient:
    return make_client(read_only=True)


def test_every_answer_says_the_position_it_was_made_at(
    writer: Stanceline, reader: TestClient
) -> None:
    position = writer.status().position
    for path in (STANCE, "/world?on=2025-07-04", "/actors/RUS/history", "/status", "/readyz"):
        answer = reader.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Stanceline-Position"] == str(position), path
    unknown = reader.get("/actors/Atlantis/stance")
    assert unknown.status_code == 404
    assert unknown.headers["Stanceline-Position"] == str(position)

    stance = reader.get(STANCE).json()
    behind(writer, ["logged, not yet projected"], actor="RUS")
    # The reader answers as before, at the position before, and does not catch up.
    again = reader.get(STANCE)
    assert again.headers["Stanceline-Position"] == str(position)
    assert again.json() == stance
    assert writer.view.position() == position

    late = reader.get("/actors/RUS/stance", params={"known_at": f"@{position + 1}"})
    assert late.status_code == 503
    assert late.headers["content-type"] == PROBLEM
    assert late.headers["Retry-After"] == "1"
    assert late.json()["type"] == "urn:stanceline:problem:store-behind"

    writer.project()
    moved = reader.get("/actors/RUS/history")
    assert moved.headers["Stanceline-Position"] == str(position + 1)
    assert "logged, not yet projected" in [e["summary"] for e in moved.json()["entries"]]
    writer.close()


def test_writes_are_refused_with_a_problem_and_nothing_is_written(
    writer: Stanceline, reader: TestClient
) -> None:
    head = writer.log.head()
    fact_id = writer.history("RUS").entries[0].fact_id
    for path, body in (
        ("/facts", fact(summary="refused")),
        (f"/facts/{fact_id}/corrections", {"reason": "r", "date": "2001"}),
        (f"/facts/{fact_id}/retractions", {"reason": "r"}),
        (f"/facts/{fact_id}/ranks", {"reason": "r", "rank": "preferred"}),
    ):
        for headers in (ALICE, {}):
            answer = reader.post(path, json=body, headers=headers)
            assert answer.status_code == 403, (path, answer.text)
            assert answer.headers["content-type"] == PROBLEM
            problem = answer.json()
            assert problem["type"] == "urn:stanceline:problem:read-only"
            assert "send writes to the primary" in problem["detail"]
    assert writer.log.head() == head
    writer.close()


def test_ready_says_it_only_reads_and_how_far_behind_it_is(
    writer: Stanceline, make_client: ClientFactory
) -> None:
    reader = make_client(read_only=True, ready_lag=0)
    body = reader.get("/readyz").json()
    assert body["read_only"] is True
    assert body["replica"] is None  # neither SQLite nor a PostgreSQL primary is a standby
    assert body["lag"] == 0

    behind(writer, ["one", "two"])
    lagging = reader.get("/readyz")
    assert lagging.status_code == 503
    assert lagging.json()["lag"] == 2
    assert lagging.json()["read_only"] is True
    writer.project()
    assert reader.get("/readyz").status_code == 200
    writer.close()


def test_a_server_that_writes_says_no_position_and_no_read_only(
    writer: Stanceline, make_client: ClientFactory
) -> None:
    primary = make_client(tokens=TOKENS)
    answer = primary.get(STANCE)
    assert "Stanceline-Position" not in answer.headers
    assert "read_only" not in primary.get("/readyz").json()
    writer.close()


def test_a_read_only_server_runs_no_relay(store: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["--store", store, "serve", "--read-only", "--relay-to", "nats://127.0.0.1:4222"],
        env=CLEAN_ENV,
    )
    assert result.exit_code == 2
    assert "--relay-to goes with a server on the primary, not with --read-only" in result.output
