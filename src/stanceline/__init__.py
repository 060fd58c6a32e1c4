"""stanceline: how states and organisations deal with the Taliban government, day by day.

The public Python API is what `__all__` lists (see stanceline.api and docs/python.md):

    from stanceline import Stanceline

    with Stanceline("sqlite:///stanceline.db") as engine:
        print(engine.stance("Russia").summary.value)

The names are imported when first used, so `import stanceline.domain...` (and the
command line's start) does not load the whole engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stanceline.api import (
        ClaimsReport,
        DateDiff,
        Explanation,
        FactReport,
        HistoryReport,
        KnowledgeDiff,
        LoadResult,
        SourcesReport,
        Stanceline,
        StanceReport,
        StatusReport,
        Subscription,
        TimelineReport,
        VerifyReport,
    )
    from stanceline.errors import StancelineError

__version__ = "0.1.0"
__all__ = [
    "ClaimsReport",
    "DateDiff",
    "Explanation",
    "FactReport",
    "HistoryReport",
    "KnowledgeDiff",
    "LoadResult",
    "SourcesReport",
    "StanceReport",
    "Stanceline",
    "StancelineError",
    "StatusReport",
    "Subscription",
    "TimelineReport",
    "VerifyReport",
    "__version__",
]
_HOMES = dict.fromkeys(__all__, "stanceline.api") | {
    "StancelineError": "stanceline.errors",
    "__version__": __name__,
}


def __getattr__(name: str) -> Any:
    """A public name, imported on first use."""
    home = _HOMES.get(name)
    if home is None or home == __name__:
        raise AttributeError(f"module 'stanceline' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
