"""Subscription on its own: order, batching, buffering, position, close, wake-ups (issues 4, 5).

The fetch function here is a fake over an in-memory log, so every call can be seen.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.stream.subscription import Subscription
from stanceline.stream.wakeup import Wakeup

Item = tuple[int, str]


class FakeLog:
    """A log of (position, item) with the fetch a Subscription calls; records every call."""

    def __init__(self, positions: Sequence[int] = ()) -> None:
        self.entries: list[Item] = []
        self.calls: list[tuple[int, int]] = []
        self.lock = threading.Lock()
        for position in positions:
            self.append(position)

    def append(self, position: int) -> None:
        with self.lock:
            assert not self.entries or position > self.entries[-1][0]
            self.entries.append((position, f"item-{position}"))

    def fetch(self, after: int, limit: int) -> list[Item]:
        with self.lock:
            self.calls.append((after, limit))
            return [e for e in self.entries if e[0] > after][:limit]


class EndingLog(FakeLog):
    """A fake log that closes its subscription the first time it has nothing more to give."""

    subscription: Subscription[str] | None = None

    def fetch(self, after: int, limit: int) -> list[Item]:
        found = super().fetch(after, limit)
        if not found and self.subscription is not None:
            self.subscription.close()
        return found


def ending(log: EndingLog, after: int = 0, batch: int = 500) -> Subscription[str]:
    subscription = Subscription(log.fetch, after=after, poll=0.01, batch=batch)
    log.subscription = subscription
    return subscription


def take(subscription: Subscription[str], count: int) -> list[Item]:
    return [next(subscription) for _ in range(count)]


# Order, batching and position


def test_yields_the_catch_up_in_position_order_then_ends_when_closed() -> None:
    log = EndingLog([1, 2, 3, 5, 8])

    assert list(ending(log)) == [(p, f"item-{p}") for p in (1, 2, 3, 5, 8)]


def test_starts_after_the_given_position() -> None:
    log = EndingLog([1, 2, 3, 4, 5])

    assert [p for p, _ in ending(log, after=3)] == [4, 5]
    assert log.calls[0] == (3, 500)


def test_position_is_the_last_delivered_position() -> None:
    log = FakeLog([2, 4, 6])
    subscription = Subscription(log.fetch, after=1, poll=0.01)
    assert subscription.position == 1

    for expected in (2, 4, 6):
        position, _ = next(subscription)
        assert position == subscription.position == expected


def test_fetches_in_batches_of_the_batch_size_from_the_last_delivered_position() -> None:
    log = EndingLog(range(1, 8))

    delivered = [p for p, _ in ending(log, batch=3)]

    assert delivered == list(range(1, 8))
    assert log.calls[:4] == [(0, 3), (3, 3), (6, 3), (7, 3)]


def test_buffers_a_batch_and_fetches_again_only_when_it_is_used_up() -> None:
    log = FakeLog([1, 2, 3])
    subscription = Subscription(log.fetch, poll=0.01, batch=10)

    assert take(subscription, 1) == [(1, "item-1")]
    log.append(4)  # Stored after the batch was fetched: comes with the next fetch.
    assert take(subscription, 2) == [(2, "item-2"), (3, "item-3")]
    assert log.calls == [(0, 10)]

    assert take(subscription, 1) == [(4, "item-4")]
    assert log.calls == [(0, 10), (3, 10)]


def test_waits_and_polls_again_when_there_is_nothing_new() -> None:
    log = FakeLog([1])
    subscription = Subscription(log.fetch, poll=0.01)
    take(subscription, 1)
    writer = threading.Timer(0.1, log.append, args=(2,))
    writer.start()

    started = time.monotonic()
    assert take(subscription, 1) == [(2, "item-2")]
    writer.join()

    assert time.monotonic() - started < 2
    assert len(log.calls) > 2, "it polled again while nothing was new"
    assert all(after == 1 for after, _ in log.calls[1:])


def test_an_error_from_fetch_propagates_and_the_next_call_resumes_without_a_skip() -> None:
    log = FakeLog([1, 2, 3])
    failures = [RuntimeError("store unavailable")]

    def flaky(after: int, limit: int) -> list[Item]:
        if after == 1 and failures:
            raise failures.pop()
        return log.fetch(after, limit)

    subscription = Subscription(flaky, poll=0.01, batch=1)
    assert take(subscription, 1) == [(1, "item-1")]

    with pytest.raises(RuntimeError, match="store unavailable"):
        next(subscription)

    assert subscription.position == 1
    assert take(subscription, 2) == [(2, "item-2"), (3, "item-3")]


@given(
    positions=st.lists(st.integers(1, 60), unique=True, max_size=25).map(sorted),
    after=st.integers(0, 60),
    batch=st.integers(1, 7),
    stop_at=st.integers(0, 25),
)
def test_law_a_resumed_subscription_delivers_the_rest_exactly_once_in_order(
    positions: list[int], after: int, batch: int, stop_at: int
) -> None:
    log = FakeLog(positions)
    expected = [p for p in positions if p > after]

    taken = min(stop_at, len(expected))
    first = Subscription(log.fetch, after=after, poll=0.01, batch=batch)
    seen = [p for p, _ in take(first, taken)]
    first.close()
    assert first.position == (seen[-1] if seen else after)

    rest = EndingLog(positions)
    seen += [p for p, _ in ending(rest, after=first.position, batch=batch)]

    assert seen == expected


# Close


def test_close_before_iterating_ends_at_once_without_fetching() -> None:
    log = FakeLog([1, 2])
    subscription = Subscription(log.fetch)

    subscription.close()

    assert subscription.closed
    assert list(subscription) == []
    assert log.calls == []


def test_close_from_another_thread_ends_a_waiting_iteration_promptly() -> None:
    log = FakeLog([1, 2])
    # A long poll: only close() can end the wait in time.
    subscription = Subscription(log.fetch, poll=60)
    seen: list[Item] = []
    follower = threading.Thread(target=lambda: seen.extend(subscription))
    follower.start()
    deadline = time.monotonic() + 5
    while len(log.calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # until it has caught up and is waiting

    started = time.monotonic()
    subscription.close()
    follower.join(timeout=5)

    assert not follower.is_alive()
    assert time.monotonic() - started < 2
    assert seen == [(1, "item-1"), (2, "item-2")]
    assert subscription.position == 2


def test_after_close_it_fetches_no_more() -> None:
    log = FakeLog([1, 2, 3])
    subscription = Subscription(log.fetch, poll=0.01, batch=1)
    take(subscription, 1)

    subscription.close()
    log.append(4)

    assert list(subscription) == []
    assert log.calls == [(0, 1)]
    assert subscription.position == 1


def test_as_a_context_manager_it_closes_on_exit_even_on_error() -> None:
    sub = Subscription(FakeLog([1]).fetch)

    def consume() -> None:
        with sub:
            next(sub)
            raise ValueError("consumer failed")

    with pytest.raises(ValueError, match="consumer failed"):
        consume()

    assert sub.closed
    assert list(sub) == []


def test_iter_returns_the_subscription_itself() -> None:
    subscription = Subscription(FakeLog().fetch)

    assert iter(subscription) is subscription
    subscription.close()


# Woken: a ring ends the wait at once; rings never change what is delivered


def waiting(subscription: Subscription[str], log: FakeLog, fetches: int) -> list[Item]:
    """Follow in a thread; returns once `fetches` fetches were made (so it is waiting)."""
    seen: list[Item] = []
    threading.Thread(target=lambda: seen.extend(subscription), daemon=True).start()
    deadline = time.monotonic() + 5
    while len(log.calls) < fetches:
        assert time.monotonic() < deadline, "the subscription never fetched"
        time.sleep(0.005)
    time.sleep(0.05)  # now in its wait
    return seen


def arrived(seen: list[Item], count: int, timeout: float = 5) -> float:
    """Seconds until `seen` holds `count` items."""
    started = time.monotonic()
    while len(seen) < count:
        assert time.monotonic() - started < timeout, f"{len(seen)} of {count} arrived"
        time.sleep(0.001)
    return time.monotonic() - started


def test_a_ring_ends_the_wait_at_once_and_the_new_item_is_read() -> None:
    log, wakeup = FakeLog([1]), Wakeup()
    # A long poll: only the ring can explain a quick delivery.
    subscription = Subscription(log.fetch, poll=60, wakeup=wakeup)
    seen = waiting(subscription, log, 2)

    log.append(2)
    wakeup.ring()

    assert arrived(seen, 2) < 2
    assert seen == [(1, "item-1"), (2, "item-2")]
    subscription.close()


def test_a_ring_that_comes_while_fetching_is_not_lost() -> None:
    log, wakeup = FakeLog([1]), Wakeup()
    stored_during_read: list[int] = []

    def fetch(after: int, limit: int) -> list[Item]:
        found = log.fetch(after, limit)
        if after == 1 and not stored_during_read:
            # Stored and rung after this read looked: the ring must make it read again.
            stored_during_read.append(2)
            log.append(2)
            wakeup.ring()
        return found

    subscription = Subscription(fetch, poll=60, wakeup=wakeup)
    seen: list[Item] = []
    threading.Thread(target=lambda: seen.extend(subscription), daemon=True).start()

    assert arrived(seen, 2) < 2
    assert seen == [(1, "item-1"), (2, "item-2")]
    subscription.close()


def test_without_a_ring_a_new_item_waits_for_the_poll() -> None:
    log, wakeup = FakeLog([1]), Wakeup()
    subscription = Subscription(log.fetch, poll=1.0, wakeup=wakeup)
    seen = waiting(subscription, log, 2)

    log.append(2)  # stored, but nobody rang

    assert arrived(seen, 2) > 0.3
    subscription.close()


def test_close_stops_watching_and_so_does_a_dropped_subscription() -> None:
    wakeup = Wakeup()
    kept = Subscription(FakeLog().fetch, wakeup=wakeup)
    dropped = Subscription(FakeLog().fetch, wakeup=wakeup)
    assert wakeup.watchers == 2

    kept.close()
    del dropped
    gc.collect()

    assert wakeup.watchers == 0


@given(
    positions=st.lists(st.integers(1, 40), unique=True, max_size=15).map(sorted),
    rings=st.lists(st.booleans(), max_size=30),
)
def test_law_rings_at_any_moment_never_repeat_or_skip_an_item(
    positions: list[int], rings: list[bool]
) -> None:
    log, wakeup = FakeLog(), Wakeup()
    pending = iter(rings)

    def fetch(after: int, limit: int) -> list[Item]:
        # Each read may store the next position and ring, before or after looking.
        before = next(pending, False)
        if before and len(log.entries) < len(positions):
            log.append(positions[len(log.entries)])
            wakeup.ring()
        found = log.fetch(after, limit)
        if len(log.entries) < len(positions):
            log.append(positions[len(log.entries)])
            wakeup.ring()
        return found

    subscription = Subscription(fetch, poll=0.001, batch=2, wakeup=wakeup)
    seen = [p for p, _ in take(subscription, len(positions))]
    subscription.close()

    assert seen == positions
