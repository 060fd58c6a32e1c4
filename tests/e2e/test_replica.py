"""The replica layout as processes: on the primary `stanceline project --follow`, on the
hot standby `stanceline serve --read-only`.

Events stored on the primary reach the replica's answers once the projector has
projected them; a projector killed with SIGKILL leaves the replica's server
answering the last projected position, saying so in its header and its /readyz.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from stanceline.application import Stanceline
from tests.e2e.faults import command
from tests.integration.test_read_only import behind
from tests.replicas import replica_url, seeded_primary, wait_replayed
from tests.serving import clean_env, serving, stop

pytestmark = pytest.mark.postgres

STANCE = "/actors/KAZ/stance?on=2025-07-04"


@pytest.fixture
def primary(tmp_path: Path) -> Iterator[Stanceline]:
    with seeded_primary(tmp_path) as app:
        yield app


def projector(store: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            command(store, "project", "--follow"),
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=clean_env(),
        )


def eventually(check: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def position_of(answer: httpx.Response) -> int:
    assert answer.status_code == 200, answer.text
    return int(answer.headers["Stanceline-Position"])


def test_killing_the_projector_leaves_the_replica_answering(
    primary: Stanceline, tmp_path: Path
) -> None:
    log = tmp_path / "projector.log"
    running = projector(primary.store.url, log)
    try:
        # The projector's first pass indexes every actor; the load projected the log.
        eventually(lambda: "following" in log.read_text(), "the projector follows")
        wait_replayed()
        with serving(
            tmp_path / "replica",
            replica_url(primary.store.url),
            {},
            "--read-only",
            "--ready-lag",
            "0",
        ) as server:
            loaded = primary.status().position
            assert position_of(httpx.get(server.url + STANCE)) == loaded

            # Stored without projecting, as a writer elsewhere: the projector projects it.
            behind(primary, ["projected by the projector"])
            eventually(
                lambda: position_of(httpx.get(server.url + STANCE)) == loaded + 1,
                "the replica answers the projected event",
            )
            history = httpx.get(f"{server.url}/actors/KAZ/history").json()
            assert "projected by the projector" in [e["summary"] for e in history["entries"]]
            assert primary.view.stale_actors() == []  # re-indexed too, not left to readers
            assert httpx.get(f"{server.url}/readyz").status_code == 200

            running.send_signal(signal.SIGKILL)
            running.wait(timeout=10)
            answer = httpx.get(server.url + STANCE)
            behind(primary, ["never projected"])
            wait_replayed()

            # The replica goes on answering, as of the last projected position.
            again = httpx.get(server.url + STANCE)
            assert position_of(again) == loaded + 1
            assert again.json() == answer.json()
            ready = httpx.get(f"{server.url}/readyz")
            assert ready.status_code == 503
            assert ready.json()["lag"] == 1
            assert ready.json()["read_only"] is True
            refused = httpx.post(f"{server.url}/facts", json={})
            assert refused.status_code == 403
            assert refused.json()["type"] == "urn:stanceline:problem:read-only"

            # A projector started again takes up where the killed one stopped.
            running = projector(primary.store.url, tmp_path / "projector-2.log")
            eventually(
                lambda: position_of(httpx.get(server.url + STANCE)) == loaded + 2,
                "the restarted projector's pass reaches the replica",
            )
            assert httpx.get(f"{server.url}/readyz").status_code == 200
    finally:
        stop(running)
