"""Shared test set-up: Hypothesis profiles and store fixtures."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.stores import STORE_PARAMS, Stores

# A shell without job control starts a background command (`make test &`, a CI runner's
# step) with SIGINT ignored, and every process it starts inherits that: the tests that end
# `events --follow` with Ctrl-C, as a user does, would wait for ever. The suite runs as a
# foreground command would, so its children see SIGINT as a terminal sends it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# CI: bounded example counts and no per-example deadline, so runs are bounded and not flaky.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(params=STORE_PARAMS)
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store a test runs on: each store-touching test runs on both."""
    return str(request.param)


@pytest.fixture
def make_store(store_kind: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Store URLs by name, of this test's kind: files in tmp_path or fresh schemas."""
    stores = Stores(store_kind, tmp_path)
    yield stores.url
    stores.close()


@pytest.fixture
def store_url(make_store: Callable[..., str]) -> str:
    """This test's store."""
    return make_store()


@pytest.fixture(params=STORE_PARAMS)
def target_kind(request: pytest.FixtureRequest) -> str:
    """A second store kind, for tests that need two stores that may differ (migrate)."""
    return str(request.param)


@pytest.fixture
def make_target(target_kind: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Store URLs by name, of the `target_kind`: files in tmp_path/target or fresh schemas."""
    folder = tmp_path / "target"
    folder.mkdir()
    stores = Stores(target_kind, folder)
    yield stores.url
    stores.close()
