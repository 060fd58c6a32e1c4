"""Large loads as real processes: stored whole, and a writer killed mid-load leaves all or none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.e2e.faults import committed_events, parse_load, run_cli, with_app, write_file
from tests.factories import event_count, fact

LONG = 3900  # characters: near the import format's limit for one text field


def fat_facts(count: int) -> list[dict[str, object]]:
    """Facts of about 12 kB each, so a few thousand make tens of megabytes."""
    filler = "The ministry's statement, quoted at length. " * (LONG // 45)
    return [
        fact(
            summary=f"Statement {n}: {filler}"[:LONG],
            source={"title": f"Source {n}: {filler}"[:LONG], "quote": filler[:LONG]},
        )
        for n in range(count)
    ]


def test_a_load_of_tens_of_megabytes_is_stored_whole(
    make_store: Callable[..., str], store_kind: str, tmp_path: Path
) -> None:
    # One transaction sends all of it: more than 16 MB once hung PostgreSQL loads for ever.
    count = 2000
    path = write_file(tmp_path / "fat.jsonl", fat_facts(count))
    store = make_store()

    output = run_cli(store, "load", path)

    assert parse_load(output) == {str(path): (count, 0)}
    assert committed_events(store_kind, store) == count
    assert with_app(store, event_count) == count
