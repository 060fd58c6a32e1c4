"""The cyclic collector is paused during loads and comes back after the last one."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from stanceline.adapters.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_back_after() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_after_a_failure() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="a bad line"), collector_paused():
        raise ValueError("a bad line")
    assert gc.isenabled()


def test_nested_blocks_resume_at_the_outermost_end() -> None:
    gc.enable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_paused_by_someone_else_stays_paused() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_loads_in_threads_resume_after_the_last() -> None:
    gc.enable()
    first_inside, second_done = threading.Event(), threading.Event()

    def second() -> None:
        first_inside.wait()
        with collector_paused():
            pass
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with collector_paused():
        first_inside.set()
        second_done.wait()
        assert not gc.isenabled()  # the second load ended first: still paused for this one
    thread.join()
    assert gc.isenabled()
