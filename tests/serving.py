"""`stanceline serve` as a real process, for the end-to-end and browser suites."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

START_TIMEOUT = 30.0


def stanceline_command() -> list[str]:
    """The console script next to this Python, else on PATH, else the module through Python."""
    script = Path(sys.executable).parent / "stanceline"
    found = str(script) if script.exists() else shutil.which("stanceline")
    if found:
        return [found]
    return [sys.executable, "-c", "from stanceline.interfaces.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCELINE_")}
    return {**env, "STANCELINE_USER": "e2e", **extra}


@dataclass
class Server:
    """A `stanceline serve` process."""

    url: str
    store: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def stop(
    process: subprocess.Popen[Any], timeout: float = 10, how: signal.Signals = signal.SIGTERM
) -> int:
    """Send `how` (SIGTERM), then SIGKILL after `timeout` seconds; the exit code."""
    if process.poll() is None:
        process.send_signal(how)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(timeout=timeout)


@contextmanager
def serving(folder: Path, store: str, tokens: dict[str, str], *options: str) -> Iterator[Server]:
    """`stanceline --store STORE serve --port P --token-file F OPTIONS...`, ready to answer;
    always stopped (several may share a folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    token_file = folder / "tokens"
    token_file.write_text("# writers\n" + "".join(f"{n} {t}\n" for n, t in tokens.items()))
    port = free_port()
    log = folder / f"server-{port}.log"
    command = [*stanceline_command(), "--store", store, "serve", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--token-file", str(token_file), *options],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=clean_env(),
        )
    running = Server(f"http://127.0.0.1:{port}", store, process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"the server exited:\n{running.output()}"
            assert time.monotonic() < deadline, f"the server did not start:\n{running.output()}"
            try:
                if httpx.get(f"{running.url}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield running
    finally:
        stop(process)
