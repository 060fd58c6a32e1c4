"""A NATS JetStream stream as the relay's broker (application/relay.py); the one nats import.

nats-py is asyncio: the stream runs its own event loop on a thread of its own
and the relay calls it as plain functions. Publishes are pipelined: a page of
messages goes out at once, each with `Nats-Expected-Last-Sequence` set to the
sequence the one before it will get, and the acks are read in order. The
client's own publish_async is not used: it leaves the future of a refused
publish unresolved (nats-py turns the error into an exception inside its
callback), and a refusal is exactly what the relay must see.

The connection never reconnects by itself: when it is lost the relay connects
again, says so, and reads the stream's end before it goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

import nats
import nats.errors
import nats.js.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig

from stanceline.errors import BrokerUnavailableError, RelayError, StreamMovedError
from stanceline.stream.broker import Outgoing, Published, StreamEnd

T = TypeVar("T")

DUPLICATE_WINDOW = 120.0  # seconds: JetStream drops a repeated Nats-Msg-Id within it
ACK_TIMEOUT = 10  # seconds for a page's last ack
CONNECT_TIMEOUT = 2
WRONG_LAST_SEQUENCE = 10071  # JetStream's error code (servers before 2.10 send none)
# Raised by nats-py when the server cannot be reached or the connection breaks.
_GONE = (
    OSError,
    asyncio.TimeoutError,
    nats.errors.Error,
)


class JetStream:
    """One JetStream stream taking `PREFIX.>`, each event on `PREFIX.<actor code>`."""

    def __init__(self, url: str, name: str, prefix: str) -> None:
        self.url = url
        self.name = name
        self.prefix = prefix
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="stanceline-jetstream", daemon=True
        )
        self._thread.start()
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._inbox = ""
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._next = 0
        self._sending = asyncio.Lock()

    # The relay's calls, from its thread.

    def connect(self) -> None:
        """One attempt to connect (and to drop the connection held before, if any)."""
        self._run(self._connect())

    def end(self) -> StreamEnd:
        """The stream's last sequence and last message, creating the stream when missing."""
        return self._run(self._end())

    def send(self, messages: Sequence[Outgoing], after: int) -> Future[Published]:
        """Append `messages` right after sequence `after`, pipelined; the acks, read in order."""
        return asyncio.run_coroutine_threadsafe(self._publish(messages, after), self._loop)

    def delete(self) -> None:
        """Delete the stream (for tests and tools)."""
        self._run(self._delete())

    def close(self) -> None:
        """Drop the connection and stop the loop's thread."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(BrokerUnavailableError):
            self._run(self._drop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    # On the loop's thread.

    async def _connect(self) -> None:
        await self._drop()
        seen: list[Exception] = []

        async def note(error: Exception) -> None:
            # nats-py's error callback: the relay reports failures itself, once, as one line.
            seen.append(error)

        try:
            # nats-py tries a first connection again and again, whatever allow_reconnect says,
            # up to max_reconnect_attempts: one more try at once, then the relay's own backoff.
            nc = await nats.connect(
                self.url,
                name="stanceline relay",
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0,
                connect_timeout=CONNECT_TIMEOUT,
                error_cb=note,
            )
        except _GONE as error:
            cause = _why(seen[-1] if seen else error)
            raise BrokerUnavailableError(f"cannot reach NATS at {self.url}: {cause}") from None
        if not nc._server_info.get("headers"):
            await nc.close()
            raise RelayError(f"NATS at {self.url} takes no headers: the relay needs NATS 2.2+")
        self._nc, self._js = nc, nc.jetstream(timeout=ACK_TIMEOUT)
        self._inbox = nc.new_inbox()
        await nc.subscribe(f"{self._inbox}.*", cb=self._on_ack)

    async def _drop(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        for ack in self._acks.values():
            ack.cancel()
        self._acks.clear()
        if nc is not None:
            with contextlib.suppress(*_GONE):
                await nc.close()

    async def _end(self) -> StreamEnd:
        js = self._jetstream()
        try:
            try:
                info = await js.stream_info(self.name)
            except nats.js.errors.NotFoundError:
                info = await js.add_stream(
                    StreamConfig(
                        name=self.name,
                        subjects=[f"{self.prefix}.>"],
                        storage=StorageType.FILE,
                        duplicate_window=DUPLICATE_WINDOW,
                        description="stanceline's events as CloudEvents (stanceline relay)",
                    )
                )
            subjects = (info.config.subjects if info.config else None) or []
            if f"{self.prefix}.>" not in subjects:
                raise RelayError(
                    f"stream {self.name} takes {', '.join(subjects) or 'no subjects'}, "
                    f"not {self.prefix}.>: choose another --stream or --subject"
                )
            last = info.state.last_seq if info.state else 0
            if not last:
                return StreamEnd(0, None)
            try:
                message = await js.get_msg(self.name, seq=last)
            except nats.js.errors.NotFoundError:
                return StreamEnd(last, None)
            return StreamEnd(last, dict(message.headers or {}))
        except nats.js.errors.APIError as error:
            if isinstance(error, nats.js.errors.ServiceUnavailableError):
                raise BrokerUnavailableError(f"JetStream at {self.url}: {_why(error)}") from None
            raise RelayError(f"stream {self.name}: {error.description or error}") from None
        except _GONE as error:
            raise BrokerUnavailableError(f"lost NATS at {self.url}: {_why(error)}") from None

    async def _publish(self, messages: Sequence[Outgoing], after: int) -> Published:
        acks: list[asyncio.Future[dict[str, Any]]] = []
        try:
            # Pages go out whole and in the order they were sent (a publish may wait for room).
            async with self._sending:
                await self._send(messages, after, acks)
            return await self._read_acks(acks, after)
        except _GONE as error:
            raise BrokerUnavailableError(f"lost NATS at {self.url}: {_why(error)}") from None
        finally:
            for ack in acks:
                ack.cancel()

    async def _send(
        self, messages: Sequence[Outgoing], after: int, acks: list[asyncio.Future[dict[str, Any]]]
    ) -> None:
        nc = self._client()
        guard = f"Nats-Expected-Stream: {self.name}\r\nNats-Expected-Last-Sequence: "
        for offset, message in enumerate(messages):
            token = str(self._next)
            self._next += 1
            acks.append(self._loop.create_future())
            self._acks[token] = acks[-1]
            lines = "".join(f"{name}: {value}\r\n" for name, value in message.headers.items())
            block = (
                f"NATS/1.0\r\n{lines}Nats-Msg-Id: {message.id}\r\n{guard}{after + offset}\r\n\r\n"
            )
            subject = f"{self.prefix}.{message.actor}"
            await _publish_raw(nc, subject, f"{self._inbox}.{token}", block.encode(), message.body)

    async def _read_acks(self, acks: list[asyncio.Future[dict[str, Any]]], after: int) -> Published:
        stored = duplicates = 0
        async with asyncio.timeout(ACK_TIMEOUT):
            for offset, ack in enumerate(acks):
                answer = await ack
                error = answer.get("error")
                if error is not None:
                    if _wrong_last_sequence(error):
                        raise StreamMovedError(stored, f"stream {self.name}: {error}")
                    raise RelayError(f"stream {self.name} refused an event: {_text(error)}")
                if answer.get("seq") != after + offset + 1:
                    # Stored before, elsewhere (a duplicate id): the stream is not as expected.
                    raise StreamMovedError(stored, f"stream {self.name} is at {answer}")
                if answer.get("duplicate"):
                    duplicates += 1
                else:
                    stored += 1
        return Published(after + len(acks), stored, duplicates)

    async def _on_ack(self, msg: Msg) -> None:
        ack = self._acks.pop(msg.subject.rpartition(".")[2], None)
        if ack is None or ack.done():
            return
        if not msg.data:  # a status message: 503, no stream takes the subject
            status = (msg.headers or {}).get("Status", "")
            ack.set_result({"error": {"code": status, "description": "no stream took it"}})
            return
        try:
            ack.set_result(orjson.loads(msg.data))
        except orjson.JSONDecodeError:
            ack.set_result({"error": {"code": 0, "description": "an ack that is not JSON"}})

    async def _delete(self) -> None:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await self._jetstream().delete_stream(self.name)

    def _client(self) -> Client:
        if self._nc is None or self._nc.is_closed:
            raise BrokerUnavailableError(f"not connected to NATS at {self.url}")
        return self._nc

    def _jetstream(self) -> JetStreamContext:
        self._client()
        assert self._js is not None
        return self._js


async def _publish_raw(nc: Client, subject: str, reply: str, block: bytes, body: bytes) -> None:
    """Publish with a header block made here: what Client.publish does, without its checks.

    Why: Client.publish validates and re-encodes every header of every message (a regular
    expression per name, strip and translate per value): for the 14 headers of an event,
    half of the relay's event-loop time. Ours are made safe where they are made (binary.py
    percent-encodes values; the names are fixed), so the block is joined once. Touch: the
    client's private `_send_command`, `_flush_queue` and `_flush_pending`, and the HPUB
    line of the NATS protocol. Upgrade: compare with Client.publish and _send_publish of
    the nats-py version pyproject.toml pins.
    """
    if nc.is_closed:
        raise nats.errors.ConnectionClosedError
    if len(body) + len(block) > nc.max_payload:
        raise nats.errors.MaxPayloadError
    total = len(block) + len(body)
    await nc._send_command(
        b"HPUB %b %b %d %d\r\n%b%b\r\n"
        % (subject.encode(), reply.encode(), len(block), total, block, body)
    )
    if nc._flush_queue is not None and nc._flush_queue.empty():
        await nc._flush_pending()


def _wrong_last_sequence(error: dict[str, Any]) -> bool:
    return error.get("err_code") == WRONG_LAST_SEQUENCE or str(
        error.get("description", "")
    ).startswith("wrong last sequence")


def _text(error: dict[str, Any]) -> str:
    return str(error.get("description") or error)


def _why(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, asyncio.TimeoutError | nats.errors.TimeoutError):
        return "no answer in time"
    text = str(error).strip()
    name = type(error).__name__
    return f"{name}: {text}" if text and text != name else name
