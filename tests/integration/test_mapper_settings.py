"""The store honours eventsourcing's compressor and cipher settings, or refuses them in a line."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from stanceline.application import Stanceline
from stanceline.application.verify import verify
from stanceline.errors import StoreConfigError
from stanceline.interfaces.cli import cli
from tests.integration.conftest import FIXTURES

COMPRESSED = {"COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}
CIPHERED = {"CIPHER_TOPIC": "tests.ciphers:XorCipher", "CIPHER_KEY": "not a real key"}
BOTH = {**COMPRESSED, **CIPHERED}
JULY_4 = date(2025, 7, 4)
RECORDED_AT = datetime(2025, 7, 5, 9, 30, tzinfo=UTC)


def record(app: Stanceline) -> None:
    """The fixtures, and a correction of one of them."""
    app.load_file(FIXTURES, by="fixtures")
    app.correct(
        "rus-designation-lifted-2025-04", "stored as the facts are", {"date": "2025"}, by="me"
    )


def stored_states(app: Stanceline) -> list[bytes]:
    return [n.state for n in app.recorder.select_notifications(start=1, limit=100)]


def reading(state: bytes, settings: dict[str, str]) -> dict[str, object]:
    """A stored state read back by hand: deciphered, then decompressed, as settings say."""
    if "CIPHER_KEY" in settings:
        key = settings["CIPHER_KEY"].encode()
        state = bytes(b ^ key[i % len(key)] for i, b in enumerate(state))
    if "COMPRESSOR_TOPIC" in settings:
        state = zlib.decompress(state)
    found: dict[str, object] = json.loads(state)
    return found


@pytest.mark.parametrize("settings", [COMPRESSED, CIPHERED, BOTH], ids=["zlib", "cipher", "both"])
def test_events_are_stored_as_the_settings_say_and_answer_as_plain_ones(
    make_store: Callable[..., str], monkeypatch: pytest.MonkeyPatch, settings: dict[str, str]
) -> None:
    with Stanceline(make_store("plain.db"), clock=lambda: RECORDED_AT) as plain:
        record(plain)
        expected = [r.model_dump() for r in plain.world(JULY_4)]
        plain_states = stored_states(plain)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)

    with Stanceline(make_store("set.db"), clock=lambda: RECORDED_AT) as app:
        record(app)
        states = stored_states(app)
        report = verify(app)
    with Stanceline(make_store("set.db")) as reopened:
        reopened.rebuild()  # every event decoded again from the store

        assert report.ok, report.problem
        assert all(state not in plain_states for state in states)
        assert [reading(state, settings) for state in states] == [
            json.loads(state) for state in plain_states
        ]
        assert [r.model_dump() for r in reopened.world(JULY_4)] == expected
        assert reopened.fact("rus-designation-lifted-2025-04").current["date"] == "2025"


def test_settings_that_cannot_be_used_are_refused_in_one_line(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPHER_TOPIC", "tests.ciphers:NoSuchCipher")

    with pytest.raises(StoreConfigError, match="compressor or cipher settings cannot be used"):
        Stanceline(store_url)
    result = CliRunner().invoke(
        cli, ["--store", store_url, "status"], env={"STANCELINE_STORE": None}
    )

    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "cipher settings cannot be used" in result.output
    assert "Traceback" not in result.output
