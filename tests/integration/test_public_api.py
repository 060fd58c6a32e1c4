"""The public Python API (`from stanceline import Stanceline`), on both stores: it answers
as the command line does, writes as it does, follows the log, and says what is public."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import stanceline
from stanceline import Stanceline, StancelineError, StanceReport
from stanceline.interfaces.cli import cli
from tests.factories import fact
from tests.integration.conftest import FIXTURES, RECORD

DOCS = Path(__file__).resolve().parents[2] / "docs" / "python.md"
ON = date(2025, 7, 4)


@pytest.fixture
def engine(store_url: str) -> Iterator[Stanceline]:
    with Stanceline(store_url) as opened:
        yield opened


def cli_json(store: str, *args: str) -> object:
    result = CliRunner().invoke(cli, ["--store", store, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_importing_the_package_does_not_load_the_engine_until_a_name_is_used() -> None:
    code = (
        "import sys, stanceline; before = 'stanceline.application' in sys.modules;"
        " from stanceline import Stanceline; print(before, 'stanceline.application' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_the_public_names_are_those_the_docs_list() -> None:
    text = DOCS.read_text(encoding="utf-8")
    public = text[text.index("## What is public") : text.index("## Inside")]
    listed = set(re.findall(r"^\| `(\w+)\(", public, flags=re.MULTILINE))
    methods = {name for name in dir(Stanceline) if not name.startswith("_")}
    assert methods == listed
    for name in stanceline.__all__:
        assert getattr(stanceline, name) is not None
        assert f"`{name}`" in text, f"docs/python.md does not name {name}"
    with pytest.raises(AttributeError):
        _ = stanceline.Application


def test_load_takes_a_folder_and_the_answers_are_the_clis(
    engine: Stanceline, store_url: str
) -> None:
    results = engine.load(RECORD, by="curator")
    assert len(results) == len(list(RECORD.glob("*.jsonl")))
    assert sum(r.recorded for r in results) == 263
    # Loading again stores nothing: the record is already there.
    assert sum(r.recorded for r in engine.load(RECORD)) == 0

    stance = engine.stance("Russia", ON)
    assert isinstance(stance, StanceReport)
    assert stance.summary.value == "recognized"
    assert stance.model_dump(mode="json") == cli_json(
        store_url, "stance", "RUS", "--on", "2025-07-04", "--json"
    )
    world = engine.world(ON, where={"summary": "recognized"})
    assert [r.actor for r in world] == ["RUS"]
    history = engine.history("KAZ")
    assert history.model_dump(mode="json", by_alias=True) == cli_json(
        store_url, "history", "KAZ", "--json"
    )
    assert engine.sources().facts == 257
    assert engine.claims("kgz-designation-lifted", date(2024, 9, 4)).model_dump(
        mode="json"
    ) == cli_json(store_url, "claims", "kgz-designation-lifted", "--on", "2024-09-04", "--json")
    parts = engine.timeline("RUS", part="designation")
    assert parts.part == "designation"
    assert parts.bands[-1].value == "not_designated"
    assert engine.verify().ok


def test_writes_return_the_facts_life_and_known_at_still_sees_the_past(
    engine: Stanceline,
) -> None:
    engine.load(FIXTURES, by="curator")
    before = engine.status().position
    life = engine.correct(
        "rus-ambassador-credentials-2025-07-03",
        "the ceremony was a day earlier (example)",
        {"date": "2025-07-02"},
        by="auditor",
    )
    assert [v.change for v in life.versions] == ["recorded", "corrected"]
    assert engine.stance("RUS", date(2025, 7, 2)).summary.value == "ambassador_level"
    assert engine.stance("RUS", date(2025, 7, 2), f"@{before}").summary.value == "no_relations"
    assert engine.retract("rus-ambassador-credentials-2025-07-03", "example", by="a").status == (
        "retracted"
    )
    assert engine.reinstate("rus-ambassador-credentials-2025-07-03", "ex", by="a").status == (
        "counts"
    )
    learned = engine.diff("RUS", known_from=f"@{before}")
    assert learned.from_position == before
    assert [e.change for e in learned.learned] == ["corrected", "retracted", "reinstated"]
    dates = engine.diff("RUS", start=date(2025, 7, 1), end=date(2025, 7, 4))
    assert dates.from_ == "2025-07-01"
    assert dates.changes


def test_bad_input_raises_the_projects_error_with_the_clis_line(engine: Stanceline) -> None:
    with pytest.raises(StancelineError, match="Narnia"):
        engine.stance("Narnia", ON)
    with pytest.raises(StancelineError):
        engine.world(ON, where={"summary": "friendly"})


def test_a_subscriber_gets_the_catch_up_then_each_new_event(engine: Stanceline) -> None:
    engine.load(FIXTURES, by="curator")
    got: list[int] = []
    with engine.subscribe(after=10) as subscription:
        done = threading.Event()

        def read() -> None:
            for position, event in subscription:
                got.append(position)
                assert event["specversion"] == "1.0"
                if position == 15:
                    done.set()
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        engine.record(fact(id="later-fact", summary="a fact stored while following"))
        assert done.wait(timeout=30), f"the subscriber saw {got}"
        reader.join(timeout=10)
    assert got == [11, 12, 13, 14, 15]
    assert [p for p, _ in engine.events(after=14)] == [15]
    assert engine.changes(after=0)
