"""The cyclic garbage collector, paused while a load builds a file's worth of objects.

A load keeps every fact of a file, its event and its stored form alive until
the file's one transaction commits: hundreds of thousands of objects that
live on. Each full collection walks them all again and frees nearly nothing,
which took a quarter to a half of a large load's time. Reference counting
still frees everything else as it goes; the collector runs again once the
last load in the process has finished.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_loads = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause cyclic garbage collection for the block (nested and concurrent blocks share one)."""
    global _loads, _was_enabled
    with _lock:
        if _loads == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _loads += 1
    try:
        yield
    finally:
        with _lock:
            _loads -= 1
            if _loads == 0 and _was_enabled:
                gc.enable()
