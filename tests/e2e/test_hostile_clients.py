"""A client that leaves in the middle of its request leaves nothing in the server's log."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.serving import Server, serving

TOKEN = "hostile-writer-token-0123456789"


@pytest.fixture
def server(store_url: str, tmp_path: Path) -> Iterator[Server]:
    with serving(tmp_path, store_url, {"hostile": TOKEN}) as running:
        yield running


def test_a_client_that_leaves_mid_body_leaves_no_traceback(server: Server) -> None:
    where = urlsplit(server.url)
    head = (
        "POST /facts/rus-designation-2003/retractions HTTP/1.1\r\n"
        f"Host: {where.netloc}\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
    )
    for _ in range(3):
        with socket.create_connection((where.hostname, where.port)) as client:
            client.sendall(head.encode() + b'{"reason": "half a bo')
            time.sleep(0.2)
    # The server still answers, and said nothing of the clients that left.
    assert httpx.get(f"{server.url}/status", timeout=5).status_code == 200
    time.sleep(0.3)
    assert "Traceback" not in server.output()
    assert "Exception in ASGI application" not in server.output()
