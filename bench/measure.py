"""What the steps share: timing samples, percentiles, peak memory, query samples."""

from __future__ import annotations

import datetime
import json
import math
import random
import resource
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH-RESULT "
QUERY_FIRST_DAY = datetime.date(2000, 1, 1)
QUERY_LAST_DAY = datetime.date(2026, 6, 30)
WARM_UP = 3


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server the step starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_hwm_mb(pid: int) -> float | None:
    """A running process's peak resident set size, in MB (None once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def emit(result: dict[str, Any]) -> None:
    """Hand a step's result to the runner: one JSON line, with this process's peak RSS."""
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, Any]:
    """p50, p99, mean and max in milliseconds, and how many samples."""
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 3),
        "p99_ms": round(percentile(seconds, 99) * 1000, 3),
        "mean_ms": round(sum(seconds) / len(seconds) * 1000, 3),
        "max_ms": round(max(seconds) * 1000, 3),
    }


@dataclass(frozen=True, slots=True)
class Query:
    """One sampled question: an actor, a day, and a log position for known-at queries."""

    actor: str
    on: datetime.date
    position: int


def query_samples(seed: str, actors: Sequence[str], count: int, last: int = 1) -> list[Query]:
    """`count` questions over uniformly drawn actors, days and positions (1..last), seeded."""
    rng = random.Random(seed)
    span = (QUERY_LAST_DAY - QUERY_FIRST_DAY).days
    return [
        Query(
            rng.choice(actors),
            QUERY_FIRST_DAY + datetime.timedelta(days=rng.randint(0, span)),
            rng.randint(1, max(1, last)),
        )
        for _ in range(count)
    ]


def time_calls(
    call: Callable[[Query], object], queries: Sequence[Query], *, least: int, budget: float
) -> list[float]:
    """Seconds per call over `queries` (after a few warm-up calls), stopping early once
    `budget` seconds have passed and at least `least` calls were timed.

    Warm-up calls repeat the first questions, so every question is timed at most once.
    """
    begin = time.perf_counter()
    call(queries[0])
    first = time.perf_counter() - begin
    timings: list[float] = []
    if first > budget / 10:
        # A call this slow is its own warm-up (a first call's one-off costs are lost in it),
        # and counting it saves a call that may take many seconds.
        timings.append(first)
    else:
        for query in queries[1:WARM_UP]:
            call(query)
    started = time.perf_counter()
    for query in queries[len(timings) :]:
        begin = time.perf_counter()
        call(query)
        timings.append(time.perf_counter() - begin)
        if len(timings) >= least and time.perf_counter() - started > budget:
            break
    return timings
