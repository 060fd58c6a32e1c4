"""Shared test set-up: Hypothesis profiles and store fixtures."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
