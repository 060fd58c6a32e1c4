"""Schemathesis's own command line against a served store: every check, no failure.

`st run <served>/openapi.json --checks all`, with a writer's token, as an outside tester
runs it, bounded (ten cases an operation and phase, a fixed seed) so that CI runs it each
time. schemathesis.toml beside the project says which rules the schema cannot state.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.faults import run_cli
from tests.integration.conftest import FIXTURES
from tests.serving import clean_env, serving

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "schemathesis-writer-token-0123456789"


@pytest.fixture
def store_kind() -> str:
    return "sqlite"


def schemathesis_command() -> list[str]:
    script = Path(sys.executable).parent / "st"
    found = str(script) if script.exists() else shutil.which("st")
    assert found, "schemathesis's `st` is not installed (pip install -e '.[test]')"
    return [found]


def test_schemathesis_finds_no_failure_with_every_check(store_url: str, tmp_path: Path) -> None:
    run_cli(store_url, "load", FIXTURES)
    with serving(tmp_path, store_url, {"tester": TOKEN}) as server:
        done = subprocess.run(
            [
                *schemathesis_command(),
                "--config-file",
                str(ROOT / "schemathesis.toml"),
                "--no-color",
                "run",
                f"{server.url}/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--max-examples",
                "10",
                "--seed",
                "1",
                "--generation-database",
                "none",
            ],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=600,
            cwd=tmp_path,
        )
        server_log = server.output()

    assert done.returncode == 0, done.stdout[-6000:]
    assert " passed" in done.stdout
    # No answer was a 5xx, and the server logged no traceback.
    assert "Traceback" not in server_log
