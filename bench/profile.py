"""`make bench-profile`: where the load path and the stance query spend their time.

Profiles, with pyinstrument (the `bench` extra), the load of a generated record
into a fresh SQLite store, then a few hundred stance queries, three world
queries and a subscriber's catch-up on it, and prints each call tree (also
written to bench/.data/profile-*.txt).
The size is $BENCH_PROFILE_SIZE (default 100000).
"""

from __future__ import annotations

import os
import sys

from pyinstrument import Profiler

from bench import generate
from bench.measure import query_samples
from bench.run import CATCH_UP, QUERY_SEED, WORK, _remove_store
from stanceline.application import Stanceline


def main() -> None:
    size = int(os.environ.get("BENCH_PROFILE_SIZE", "100000"))
    record = generate.record(size)
    WORK.mkdir(parents=True, exist_ok=True)
    store = WORK / f"profile-{size}.db"
    _remove_store(store)
    app = Stanceline(f"sqlite:///{store}")

    profiler = Profiler(interval=0.001)
    with profiler:
        for path in record.files:
            app.load_file(path, by="bench")
    _show(profiler, f"load-{size}")

    queries = query_samples(QUERY_SEED, record.actors, 300, app.catch_up())
    profiler = Profiler(interval=0.0005)
    with profiler:
        for query in queries:
            app.stance(query.actor, query.on)
    _show(profiler, f"stance-{size}")

    profiler = Profiler(interval=0.001)
    with profiler:
        for query in queries[:3]:
            app.world(query.on)
    _show(profiler, f"world-{size}")

    limit = min(CATCH_UP["limit"], app.catch_up())
    profiler = Profiler(interval=0.001)
    with profiler, app.subscribe(0) as subscription:
        for count, _ in enumerate(subscription, start=1):
            if count >= limit:
                break
    _show(profiler, f"catchup-{size}")
    _remove_store(store)


def _show(profiler: Profiler, name: str) -> None:
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    (WORK.parent / f"profile-{name}.txt").write_text(text)
    sys.stdout.write(f"==== {name}\n{text}\n")


if __name__ == "__main__":
    main()
