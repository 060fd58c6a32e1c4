"""The NATS server the relay tests publish to, and what they read back from its streams.

NATS is found at $STANCELINE_TEST_NATS (default nats://127.0.0.1:4222). When it
does not answer, the relay tests skip with one line, unless
STANCELINE_REQUIRE_NATS=1 (CI), when they fail. Each test has a stream and a
subject prefix of its own, deleted afterwards.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

NATS_URL = os.environ.get("STANCELINE_TEST_NATS", "nats://127.0.0.1:4222")
REQUIRE_ENV = "STANCELINE_REQUIRE_NATS"


def require_nats() -> str:
    """The server's URL (skips or fails when nothing answers there)."""
    parts = urlsplit(NATS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 4222), timeout=2):
            return NATS_URL
    except OSError as error:
        reason = f"NATS not reachable at {NATS_URL}: {error}"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Message:
    """One message read back from a stream."""

    sequence: int
    subject: str
    headers: dict[str, str]
    data: bytes


@dataclass(frozen=True)
class Stream:
    """A test's own stream and subject prefix on the server at `url`."""

    url: str
    name: str
    prefix: str

    def options(self) -> list[str]:
        """The relay command's options for this stream."""
        return ["--to", self.url, "--stream", self.name, "--subject", self.prefix]

    def last_sequence(self) -> int:
        """The stream's last sequence (0 when empty or missing)."""
        return asyncio.run(self._last_sequence())

    def messages(self) -> list[Message]:
        """Every message of the stream, in sequence order."""
        return asyncio.run(self._messages())

    def delete(self) -> None:
        asyncio.run(self._delete())

    def delete_consumer(self, name: str) -> None:
        asyncio.run(self._delete_consumer(name))

    async def _delete_consumer(self, name: str) -> None:
        nc = await nats.connect(self.url)
        try:
            await nc.jetstream().delete_consumer(self.name, name)
        finally:
            await nc.close()

    def create(self, duplicate_window: float) -> None:
        """Make the stream as the relay would, but with this duplicate window (seconds)."""
        asyncio.run(self._create(duplicate_window))

    async def _create(self, duplicate_window: float) -> None:
        nc = await nats.connect(self.url)
        try:
            await nc.jetstream().add_stream(
                name=self.name, subjects=[f"{self.prefix}.>"], duplicate_window=duplicate_window
            )
        finally:
            await nc.close()

    async def _last_sequence(self) -> int:
        nc = await nats.connect(self.url)
        try:
            info = await nc.jetstream().stream_info(self.name)
            return int(info.state.last_seq)
        except nats.js.errors.NotFoundError:
            return 0
        finally:
            await nc.close()

    async def _messages(self) -> list[Message]:
        nc = await nats.connect(self.url)
        try:
            js = nc.jetstream()
            total = (await js.stream_info(self.name)).state.messages
            # Never acked: the consumer is gone before the ack wait would resend a message.
            config = ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, max_ack_pending=-1
            )
            pull = await js.pull_subscribe(f"{self.prefix}.>", stream=self.name, config=config)
            found: list[Message] = []
            while len(found) < total:
                for msg in await pull.fetch(1000, timeout=10):
                    found.append(
                        Message(
                            msg.metadata.sequence.stream,
                            msg.subject,
                            dict(msg.headers or {}),
                            msg.data,
                        )
                    )
            await pull.unsubscribe()
            return found
        finally:
            await nc.close()

    async def _delete(self) -> None:
        nc = await nats.connect(self.url)
        try:
            await nc.jetstream().delete_stream(self.name)
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await nc.close()


def unique_stream(url: str) -> Stream:
    """A stream name and subject prefix no other test uses."""
    tag = uuid.uuid4().hex[:12]
    return Stream(url, f"TEST_{tag.upper()}", f"test.{tag}.events")


def own_stream() -> Iterator[Stream]:
    """A test's stream on the NATS server, deleted at the end (a fixture's body)."""
    made = unique_stream(require_nats())
    yield made
    made.delete()


def ce_attributes(message: Message) -> dict[str, Any]:
    """A message's CloudEvent attributes, read with the cloudevents SDK's binary-mode reader."""
    from cloudevents.core.bindings.http import HTTPMessage, from_binary
    from cloudevents.core.formats.json import JSONFormat

    event = from_binary(HTTPMessage(message.headers, message.data), JSONFormat())
    return {**event.get_attributes(), "data": event.get_data()}
