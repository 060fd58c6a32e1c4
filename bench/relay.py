"""The relay row: `stanceline relay` into NATS JetStream, beside the log's own subscriber.

Two steps, each in a fresh process (bench/steps.py): `relay` times a Relay in
process relaying a whole store into a fresh stream, as `stanceline relay --once`
does; `relay_lag` starts `stanceline relay` (following) as a process of its own,
has the writer step commit facts one at a time, and measures for each the time
from its commit returning (in the writer) to its message reaching a JetStream
consumer on the stream, and to its delivery by `Stanceline.subscribe()`, in the
same run. Both clocks are `time.time()` on the one machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.errors
import nats.js.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from bench.measure import RESULT_PREFIX, emit, free_port, latency_summary, vm_hwm_mb
from stanceline.application import Stanceline
from stanceline.application.relay import Backoff

NATS_URL = os.environ.get("BENCH_NATS", "nats://127.0.0.1:4222")
GIVE_UP = 10.0  # seconds without NATS before a relay fails (the default is never)
CAUGHT_UP = 30.0  # seconds for the following relay to reach the store's end


def about(largest: str, count: int, interval: float, poll_ms: float) -> str:
    """The paragraph of docs/performance.md that says what the relay rows measure."""
    text = f"""
        **The relay rows.** *relay catch-up into JetStream* is events per second
        of one `Relay.run(follow=False)` in process (what `stanceline relay
        --once` runs: connecting, making the stream, then publishing) relaying
        the whole store, N events, into a fresh stream, on each SQLite store of
        up to {largest} events and on the PostgreSQL one; the step then checks that
        the stream holds every event. *relay / subscriber catch-up* sets it
        beside a new subscriber's catch-up of the same store. *relay live lag*
        starts `stanceline relay` following, as a process of its own, on the
        stream just filled; a writer process records {count} facts, one
        `record_fact` every {interval * 1000:.0f} ms, and for each the lag is the
        time from that call returning to a JetStream consumer on the stream
        (nats-py, an ordered push consumer) receiving its message. *beside it:
        subscriber lag* is the time to the same facts' delivery by
        `Stanceline.subscribe()` in the same process and run, and *SSE lag* to
        their arrival at a client of `stanceline serve`'s `GET /events/stream`
        (a server process of its own on the store), from the same moment (the
        *live lag* rows above count from the recorded time, taken before the
        commit). Both clocks are `time.time()` on one machine. On
        SQLite a relay sees another process's write at its next poll (every
        {poll_ms:.0f} ms), hence the target of that interval plus 50 ms;
        PostgreSQL wakes it with NOTIFY. Each store's stream is deleted after
        its rows; without NATS with JetStream at `BENCH_NATS` (default
        `{NATS_URL}`) the rows are skipped with a note."""
    return textwrap.fill(textwrap.dedent(text).strip(), width=78)


def unavailable(url: str) -> str | None:
    """Why the relay row cannot run against `url` (no server, no JetStream), or None."""

    async def probe() -> None:
        nc = await connect(url)
        try:
            await nc.jetstream().account_info()
        finally:
            await nc.close()

    try:
        asyncio.run(probe())
    except nats.js.errors.ServiceUnavailableError:
        return f"NATS at {url} has no JetStream (nats-server -js)"
    except (OSError, TimeoutError, nats.errors.Error) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        return f"NATS with JetStream not reachable at {url}: {reason}"
    return None


async def connect(url: str) -> Client:
    """One attempt to connect, quietly (nats-py would retry and log each failure)."""

    async def quiet(error: Exception) -> None:
        pass

    return await nats.connect(
        url,
        allow_reconnect=False,
        max_reconnect_attempts=1,
        reconnect_time_wait=0,
        connect_timeout=2,
        error_cb=quiet,
    )


def delete_stream(url: str, name: str) -> None:
    """Delete the stream `name` (nothing when it is missing)."""

    async def delete() -> None:
        nc = await connect(url)
        try:
            await nc.jetstream().delete_stream(name)
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(delete())


def catchup(args: dict[str, Any]) -> None:
    """Every stored event into a fresh stream by one Relay.run(follow=False): events/s."""
    app = Stanceline(args["store"])
    app.catch_up()
    worker = app.relay(
        args["nats"],
        stream=args["stream"],
        prefix=args["subject"],
        say=lambda _: None,
        backoff=Backoff(give_up=GIVE_UP),
    )
    started, cpu = time.perf_counter(), time.process_time()
    try:
        report = worker.run(follow=False)
    finally:
        worker.close()
    seconds = time.perf_counter() - started
    messages, size = asyncio.run(_stream_state(args["nats"], args["stream"]))
    emit(
        {
            "events": report.stored,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3),
            "rate": round(report.stored / seconds, 1),
            "stream_messages": messages,
            "stream_mb": round(size / 1e6, 1),
        }
    )


async def _stream_state(url: str, name: str) -> tuple[int, int]:
    nc = await connect(url)
    try:
        info = await nc.jetstream().stream_info(name)
        return info.state.messages, info.state.bytes
    finally:
        await nc.close()


def lag(args: dict[str, Any]) -> None:
    """Live lag through the relay beside a subscriber's: for each fact the writer commits,
    commit returned -> message on the stream, and commit returned -> subscribe() delivery."""
    app = Stanceline(args["store"])
    start = app.catch_up()
    count, prefix = args["count"], args["prefix"]
    delivered: dict[str, float] = {}
    subscription = app.subscribe(start)

    def follow() -> None:
        with subscription:
            for _, event in subscription:
                now = time.time()
                if event["data"]["id"].startswith(prefix):
                    delivered[event["data"]["id"]] = now
                    if len(delivered) >= count:
                        return

    follower = threading.Thread(target=follow, name="bench-subscriber", daemon=True)
    follower.start()
    sse: dict[str, float] = {}
    server, sse_reader = _sse_follower(args["store"], start, prefix, count, sse)
    relay_log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed below)
    relay = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("stanceline")),
            *("--store", args["store"], "relay", "--to", args["nats"]),
            *("--stream", args["stream"], "--subject", args["subject"]),
            *("--give-up", f"{GIVE_UP:g}"),
        ],
        stdout=relay_log,
        stderr=relay_log,
    )
    try:
        stored, writer = asyncio.run(_consume(args, start))
        relay_peak = vm_hwm_mb(relay.pid)
    finally:
        relay.send_signal(signal.SIGTERM)
        try:
            relay_exit = relay.wait(timeout=20)
        except subprocess.TimeoutExpired:
            relay.kill()
            relay_exit = relay.wait()
        subscription.close()
        follower.join(timeout=10)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        sse_reader.join(timeout=10)
    relay_log.seek(0)
    said = relay_log.read().strip().splitlines()
    relay_log.close()
    committed: dict[str, float] = writer.get("committed", {})
    emit(
        {
            **latency_summary([stored[k] - t for k, t in committed.items() if k in stored]),
            "expected": count,
            "writer_exit": writer.get("exit", 0),
            "subscriber": latency_summary(
                [delivered[k] - t for k, t in committed.items() if k in delivered]
            ),
            # A client of `serve`'s GET /events/stream, in this process, over HTTP.
            "sse": latency_summary([sse[k] - t for k, t in committed.items() if k in sse]),
            "poll_interval_ms": round(app.poll_interval * 1000, 1),
            # The relay's own process: its peak memory, exit status and last line.
            "relay": {"peak_rss_mb": relay_peak, "exit": relay_exit, "said": said[-1:]},
        }
    )


def _sse_follower(
    store: str, start: int, prefix: str, count: int, arrived: dict[str, float]
) -> tuple[subprocess.Popen[bytes], threading.Thread]:
    """`stanceline serve` on the store, and a thread reading its event stream from `start`:
    when each of the live facts' events arrived (time.time()), into `arrived`."""
    port = free_port()
    script = str(Path(sys.executable).with_name("stanceline"))
    server = subprocess.Popen(
        [script, "--store", store, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + CAUGHT_UP
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    connected = threading.Event()

    def read() -> None:
        try:
            with httpx.stream(
                "GET", f"{url}/events/stream", params={"after": start}, timeout=None
            ) as answer:
                connected.set()
                for line in answer.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    now = time.time()
                    fact = orjson.loads(line[5:])["data"]["id"]
                    if fact.startswith(prefix):
                        arrived[fact] = now
                        if len(arrived) >= count:
                            return
        except httpx.HTTPError:
            return  # the server stopped: what arrived is reported
        finally:
            connected.set()

    reader = threading.Thread(target=read, name="bench-sse", daemon=True)
    reader.start()
    connected.wait(CAUGHT_UP)
    return server, reader


async def _consume(args: dict[str, Any], start: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Once the relay has reached position `start`, a consumer of new messages and the
    writer: when each live fact's message came, and what the writer reports."""
    count, prefix = args["count"], args["prefix"]
    stored: dict[str, float] = {}
    done = asyncio.Event()

    async def on_message(msg: Msg) -> None:
        now = time.time()
        fact = orjson.loads(msg.data).get("id", "")
        if fact.startswith(prefix):
            stored[fact] = now
            if len(stored) >= count:
                done.set()

    nc = await connect(args["nats"])
    try:
        js = nc.jetstream()
        await _caught_up(js, args["stream"], start)
        await js.subscribe(
            f"{args['subject']}.>",
            stream=args["stream"],
            cb=on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
        )
        writer = subprocess.Popen(
            [sys.executable, "-m", "bench.steps", "writer", json.dumps({**args, "emit": True})],
            stdout=subprocess.PIPE,
            text=True,
        )
        with contextlib.suppress(TimeoutError):  # reported as fewer than `expected`
            await asyncio.wait_for(done.wait(), args["timeout"])
        output, _ = await asyncio.to_thread(writer.communicate, timeout=60)
        found = [x for x in output.splitlines() if x.startswith(RESULT_PREFIX)]
        report = json.loads(found[-1].removeprefix(RESULT_PREFIX)) if found else {}
        return stored, {**report, "exit": writer.returncode}
    finally:
        await nc.close()


async def last_position(js: JetStreamContext, stream: str) -> int:
    """The ce-position of the stream's last message (0: none, or no stream yet)."""
    try:
        info = await js.stream_info(stream)
        if not info.state.last_seq:
            return 0
        last = await js.get_msg(stream, info.state.last_seq)
    except nats.js.errors.NotFoundError:
        return 0  # the relay has not made it yet
    return int((last.headers or {}).get("ce-position", 0))


async def _caught_up(js: JetStreamContext, stream: str, position: int) -> None:
    """Wait until the stream's last message holds the event at `position` (or later)."""
    deadline = time.monotonic() + CAUGHT_UP
    while time.monotonic() < deadline:
        if await last_position(js, stream) >= position:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"the relay did not reach position {position} in {CAUGHT_UP:g} s")
