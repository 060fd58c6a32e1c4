"""Side by side: this tree against an earlier commit, alternating, on one record.

    python -m bench.ab REV [ROUNDS] [SIZE]

Makes a worktree of REV under bench/.data, then for each round loads the record
of SIZE lines (default 100,000) into a fresh SQLite store with each tree and asks
the same questions of it: the load rate, one actor's stance (p50 over 3,000
questions), the world (p50 over 55) and a new subscriber's catch-up (events/s).
Who goes first swaps each round, and each process is pinned to one core where
`taskset` exists, so neither tree is favoured by the page cache or the other
core. Prints each round and the medians. Only the public Stanceline API is used,
so any commit since the temporal index can be measured.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench import generate

ROOT = Path(__file__).resolve().parent.parent
MEASURES = ("load_rate", "stance_p50_ms", "world_p50_ms", "catchup_rate")
# One process a step, run with the tree's own sources on PYTHONPATH.
STEP = r"""
import json, random, statistics, sys, time
from datetime import date, timedelta
from stanceline.application import Stanceline

step, store, files = sys.argv[1], sys.argv[2], sys.argv[3:]
app = Stanceline(store)
if step == "load":
    lines, started = 0, time.perf_counter()
    for path in files:
        result = app.load_file(path, by="bench")
        lines += result.recorded + result.already_present
    found = {"load_rate": lines / (time.perf_counter() - started)}
else:
    app.build_index()
    actors, rng = app.view.actors(), random.Random("queries-v1")
    asked = [(rng.choice(actors), date(2001, 1, 1) + timedelta(days=rng.randrange(9490)))
             for _ in range(3000)]
    def p50(call, questions):
        times = []
        for actor, day in questions:
            begin = time.perf_counter(); call(actor, day); times.append(time.perf_counter() - begin)
        return statistics.median(times) * 1000
    p50(app.stance, asked[:200])  # warm
    found = {"stance_p50_ms": p50(app.stance, asked),
             "world_p50_ms": p50(lambda actor, day: app.world(day), asked[:55])}
    limit, count, started = min(200_000, app.catch_up()), 0, time.perf_counter()
    with app.subscribe(0) as subscription:
        for _ in subscription:
            count += 1
            if count >= limit or time.perf_counter() - started > 15:
                break
    found["catchup_rate"] = count / (time.perf_counter() - started)
app.close()
print(json.dumps(found))
"""


def main() -> None:
    rev = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    files = [str(f) for f in generate.record(size).files]
    other = generate.DATA / f"ab-{rev}"
    if not other.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(other), rev], cwd=ROOT, check=True
        )
    trees = {rev: other / "src", "this": ROOT / "src"}
    seen: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") else []
    try:
        for number in range(rounds):
            order = list(trees) if number % 2 == 0 else list(reversed(trees))
            for name in order:
                store = generate.DATA / f"ab-{name}.db"
                for path in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
                    path.unlink(missing_ok=True)
                env = {**os.environ, "PYTHONPATH": str(trees[name])}
                found: dict[str, float] = {}
                for step, extra in (("load", files), ("queries", [])):
                    subprocess.run(["sync"], check=False)
                    ran = subprocess.run(
                        [*pin, sys.executable, "-c", STEP, step, f"sqlite:///{store}", *extra],
                        env=env,
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    found.update(json.loads(ran.stdout.splitlines()[-1]))
                seen[name].append(found)
                print(number + 1, name, json.dumps({k: round(v, 3) for k, v in found.items()}))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False)
    for measure in MEASURES:
        medians = {name: statistics.median(r[measure] for r in seen[name]) for name in trees}
        ratio = medians["this"] / medians[rev]
        print(f"{measure}: {rev} {medians[rev]:.3f}, this {medians['this']:.3f} ({ratio:.3f}x)")


if __name__ == "__main__":
    main()
