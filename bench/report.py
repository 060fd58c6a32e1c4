"""The one table of a run: every figure by size, with the issue's targets and a verdict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stanceline.adapters.sqlite_store import SQLiteKind

Results = dict[str, Any]  # one size's results, by step
Getter = Callable[[Results, Results], float | None]  # (this size, the smallest size)


@dataclass(frozen=True)
class Row:
    """One figure: how to read it, how to show it, and its target (if the issue sets one)."""

    label: str
    get: Getter
    unit: str
    target: str = ""
    holds: Callable[[float], bool] | None = None


def _at(*path: str) -> Getter:
    def get(results: Results, _: Results) -> float | None:
        value: Any = results
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value if isinstance(value, int | float) else None

    return get


def _ratio(top: Getter, bottom: Getter) -> Getter:
    def get(results: Results, smallest: Results) -> float | None:
        a, b = top(results, smallest), bottom(results, smallest)
        return a / b if a is not None and b else None

    return get


def _growth(path: tuple[str, ...]) -> Getter:
    def get(results: Results, smallest: Results) -> float | None:
        now, first = _at(*path)(results, smallest), _at(*path)(smallest, smallest)
        return now / first if now is not None and first else None

    return get


def _rss(step: str, label: str, *inner: str) -> Row:
    return Row(
        f"peak RSS: {label}",
        _at(step, *inner, "peak_rss_mb"),
        "MB",
        "<= 500 MB at 1M",
        lambda v: v <= 500,
    )


# A relay follows SQLite by polling (writes of other processes wake nothing), so its lag's
# floor is the store's poll interval (Stanceline(url).poll_interval) and 50 ms more.
SQLITE_POLL_MS = SQLiteKind.poll_interval * 1000
SQLITE_RELAY_LAG_MS = SQLITE_POLL_MS + 50
RELAY_RATE = 10_000
PG_RELAY_LAG_MS = 100


def _relay(
    key: str, catchup: str, store: str, lag_target: str, lag_holds: Callable[[float], bool]
) -> list[Row]:
    """The relay's catch-up and live lag on one store, beside a subscriber's."""
    return [
        Row(
            f"relay catch-up into JetStream, {store}",
            _at(key, "rate"),
            "/s",
            f">= {RELAY_RATE:,}/s",
            lambda v: v >= RELAY_RATE,
        ),
        Row(
            f"relay catch-up / subscriber catch-up, {store}",
            _ratio(_at(key, "rate"), _at(catchup, "rate")),
            "x",
        ),
        Row(f"relay live lag p50, {store}", _at(key, "lag_p50_ms"), "ms"),
        Row(f"relay live lag p99, {store}", _at(key, "lag_p99_ms"), "ms", lag_target, lag_holds),
        Row(f"beside it: subscriber lag p50, {store}", _at(key, "subscriber_lag_p50_ms"), "ms"),
        Row(f"beside it: subscriber lag p99, {store}", _at(key, "subscriber_lag_p99_ms"), "ms"),
        Row(f"beside it: SSE lag p50, {store}", _at(key, "sse_lag_p50_ms"), "ms"),
        Row(f"beside it: SSE lag p99, {store}", _at(key, "sse_lag_p99_ms"), "ms"),
    ]


ROWS = [
    Row(
        "load: `stanceline load` path",
        _at("load", "rate"),
        "/s",
        ">= 20,000/s",
        lambda v: v >= 20_000,
    ),
    Row("load: raw sqlite3 executemany", _at("raw", "rate"), "/s"),
    Row("load: eventsourcing Application.save", _at("save", "rate"), "/s"),
    Row("load: raw / load", _ratio(_at("raw", "rate"), _at("load", "rate")), "x"),
    Row("load: save / load", _ratio(_at("save", "rate"), _at("load", "rate")), "x"),
    Row("load: wall time", _at("load", "seconds"), "s"),
    Row(
        "load: share of time in cyclic GC",
        _ratio(_at("load", "parts", "gc"), _at("load", "seconds")),
        "%",
    ),
    Row("index build after the load, all actors", _at("index", "seconds"), "s"),
    Row("stance p50", _at("stance", "p50_ms"), "ms", "<= 1 ms at 1M", lambda v: v <= 1),
    Row("stance p99", _at("stance", "p99_ms"), "ms"),
    Row("naive fold p50", _at("naive", "p50_ms"), "ms"),
    Row("naive fold p99", _at("naive", "p99_ms"), "ms"),
    Row(
        "stance speed-up over naive (p50)",
        _ratio(_at("naive", "p50_ms"), _at("stance", "p50_ms")),
        "x",
        ">= 100x at 1M",
        lambda v: v >= 100,
    ),
    Row(
        "stance p50 growth over smallest size",
        _growth(("stance", "p50_ms")),
        "x",
        "<= 2x (1M vs 10k)",
        lambda v: v <= 2,
    ),
    Row("world p50", _at("world", "p50_ms"), "ms", "<= 25 ms at 1M", lambda v: v <= 25),
    Row("world p99", _at("world", "p99_ms"), "ms"),
    Row("claims (5% of happenings told 2-3 ways): load", _at("claims_load", "rate"), "/s"),
    Row("claims: index build, all actors", _at("claims_index", "seconds"), "s"),
    Row("claims: stance p50", _at("claims_stance", "p50_ms"), "ms"),
    Row(
        "claims: stance p50 / stance p50",
        _ratio(_at("claims_stance", "p50_ms"), _at("stance", "p50_ms")),
        "x",
    ),
    Row("claims: world p50", _at("claims_world", "p50_ms"), "ms"),
    Row(
        "claims: world p50 / world p50",
        _ratio(_at("claims_world", "p50_ms"), _at("world", "p50_ms")),
        "x",
    ),
    Row("known-at (@N) p50", _at("known_at", "p50_ms"), "ms"),
    Row("known-at (@N) p99", _at("known_at", "p99_ms"), "ms"),
    Row(
        "catch-up, SQLite",
        _at("catchup", "rate"),
        "/s",
        ">= 50,000/s",
        lambda v: v >= 50_000,
    ),
    Row("live lag p50, SQLite", _at("lag", "p50_ms"), "ms"),
    Row("live lag p99, SQLite", _at("lag", "p99_ms"), "ms", "<= 250 ms", lambda v: v <= 250),
    Row("load, PostgreSQL", _at("pg_load", "rate"), "/s"),
    Row("stance p50, PostgreSQL", _at("pg_stance", "p50_ms"), "ms"),
    Row("stance p99, PostgreSQL", _at("pg_stance", "p99_ms"), "ms"),
    Row(
        "stance p50, PostgreSQL / SQLite",
        _ratio(_at("pg_stance", "p50_ms"), _at("stance", "p50_ms")),
        "x",
        "<= 2x",
        lambda v: v <= 2,
    ),
    Row("known-at (@N) p50, PostgreSQL", _at("pg_known_at", "p50_ms"), "ms"),
    Row(
        "known-at p50 / stance p50, PostgreSQL",
        _ratio(_at("pg_known_at", "p50_ms"), _at("pg_stance", "p50_ms")),
        "x",
        "<= 2x",
        lambda v: v <= 2,
    ),
    Row("world p50, PostgreSQL", _at("pg_world", "p50_ms"), "ms"),
    Row(
        "world p50, PostgreSQL / SQLite",
        _ratio(_at("pg_world", "p50_ms"), _at("world", "p50_ms")),
        "x",
    ),
    Row(
        "catch-up, PostgreSQL",
        _at("pg_catchup", "rate"),
        "/s",
        ">= 50,000/s",
        lambda v: v >= 50_000,
    ),
    Row("live lag p50, PostgreSQL", _at("pg_lag", "p50_ms"), "ms"),
    Row("live lag p99, PostgreSQL", _at("pg_lag", "p99_ms"), "ms", "<= 50 ms", lambda v: v <= 50),
    *_relay(
        "relay",
        "catchup",
        "SQLite",
        f"<= {SQLITE_RELAY_LAG_MS:.0f} ms (poll + 50)",
        lambda v: v <= SQLITE_RELAY_LAG_MS,
    ),
    *_relay(
        "pg_relay",
        "pg_catchup",
        "PostgreSQL",
        f"< {PG_RELAY_LAG_MS} ms",
        lambda v: v < PG_RELAY_LAG_MS,
    ),
    Row(
        "HTTP stance, 16 clients",
        _at("http", "requests_per_s"),
        "req/s",
        ">= 1,000 req/s",
        lambda v: v >= 1_000,
    ),
    Row("HTTP stance p50", _at("http", "p50_ms"), "ms"),
    Row("HTTP stance p99", _at("http", "p99_ms"), "ms", "<= 50 ms", lambda v: v <= 50),
    Row("HTTP stance, 16 clients, PostgreSQL", _at("pg_http", "requests_per_s"), "req/s"),
    Row(
        "HTTP stance, PostgreSQL / SQLite",
        _ratio(_at("pg_http", "requests_per_s"), _at("http", "requests_per_s")),
        "x",
        ">= 0.5x",
        lambda v: v >= 0.5,
    ),
    Row("HTTP stance p99, PostgreSQL", _at("pg_http", "p99_ms"), "ms"),
    _rss("load", "load"),
    _rss("index", "index build"),
    _rss("raw", "raw executemany"),
    _rss("save", "Application.save"),
    _rss("stance", "stance"),
    _rss("naive", "naive fold"),
    _rss("known_at", "known-at"),
    _rss("world", "world"),
    _rss("catchup", "catch-up"),
    _rss("lag", "live lag (subscriber)"),
    _rss("http", "HTTP server"),
    _rss("pg_load", "PostgreSQL load"),
    _rss("pg_catchup", "PostgreSQL catch-up"),
    _rss("pg_lag", "PostgreSQL live lag"),
    _rss("relay", "relay catch-up", "catchup"),
    _rss("relay", "relay (following)", "live", "relay"),
    _rss("pg_relay", "PostgreSQL relay catch-up", "catchup"),
    _rss("pg_relay", "PostgreSQL relay (following)", "live", "relay"),
]


def size_name(size: int) -> str:
    """10000 -> 10k, 1000000 -> 1M."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def show(value: float | None, unit: str) -> str:
    """A figure with its unit, to a sensible precision."""
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:,.1f}x" if value < 100 else f"{value:,.0f}x"
    if unit in ("/s", "req/s"):
        return f"{value:,.0f} {unit}" if unit == "req/s" else f"{value:,.0f}/s"
    if unit == "ms":
        if value < 10:
            return f"{value:.2f} ms"
        return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"
    if unit == "%":
        return f"{value * 100:.0f}%"
    if unit == "s":
        return f"{value:,.1f} s"
    return f"{value:,.0f} {unit}"


def verdicts(
    sizes: list[int], by_size: dict[int, Results]
) -> list[tuple[Row, list[float | None], str]]:
    """Each row's values by size, and its verdict at the largest size that has a value."""
    smallest = by_size[sizes[0]]
    lines = []
    for row in ROWS:
        values = [row.get(by_size[size], smallest) for size in sizes]
        verdict = ""
        if row.holds is not None:
            judged = [(size, v) for size, v in zip(sizes, values, strict=True) if v is not None]
            if judged:
                size, value = judged[-1]
                verdict = "ok" if row.holds(value) else "MISS"
                if "1M" in row.target and size != 1_000_000:
                    verdict += f" (at {size_name(size)})"
            else:
                verdict = "not run"
        lines.append((row, values, verdict))
    return lines


def table(sizes: list[int], by_size: dict[int, Results]) -> str:
    """The run's figures as one Markdown table."""
    header = ["figure", *(size_name(s) for s in sizes), "target", "verdict"]
    body = [
        [row.label, *(show(v, row.unit) for v in values), row.target or "-", verdict or "-"]
        for row, values, verdict in verdicts(sizes, by_size)
        if any(v is not None for v in values)
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in body)])
