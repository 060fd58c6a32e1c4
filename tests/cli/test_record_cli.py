"""The record on the command line: `load DIR` and `sources`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import FIXTURES, LIFT, Run
from tests.cli.test_cli import ok, ok_json, one_line_error

SEED_TITLE = "Clash Report article of 4 July 2025 on Russia's recognition of the Taliban government"
CORRECTION = {"corrects": LIFT, "reason": "the court ruled on 17 April", "date": "2025-04-17"}


def folder(tmp_path: Path) -> Path:
    """A folder whose second file corrects a fact of its first, with a note that is not loaded."""
    record = tmp_path / "record"
    record.mkdir()
    (record / "b-changes.jsonl").write_text(json.dumps(CORRECTION) + "\n", encoding="utf-8")
    (record / "a-seed.jsonl").write_bytes(FIXTURES.read_bytes())
    (record / "README.md").write_text("not a record file\n", encoding="utf-8")
    return record


def test_load_dir_reads_its_record_files_in_name_order(run: Run, tmp_path: Path) -> None:
    record = folder(tmp_path)

    printed = ok(run("load", record)).splitlines()

    assert printed == [
        f"{record / 'a-seed.jsonl'}: 14 recorded, 0 already present",
        f"{record / 'b-changes.jsonl'}: 1 recorded, 0 already present",
    ]
    assert ok_json(run("fact", LIFT, "--json"))["current"]["date"] == "2025-04-17"


def test_load_dir_again_finds_everything_already_present(run: Run, tmp_path: Path) -> None:
    record = folder(tmp_path)
    ok(run("load", record))

    again = ok(run("load", record)).splitlines()

    assert [line.split(": ", 1)[1] for line in again] == [
        "0 recorded, 14 already present",
        "0 recorded, 1 already present",
    ]


def test_each_file_of_a_folder_is_its_own_transaction(run: Run, tmp_path: Path) -> None:
    record = folder(tmp_path)
    (record / "c-bad.jsonl").write_text(
        '{"corrects": "no-such-fact", "reason": "x", "date": "2025"}\n'
    )

    result = run("load", record)

    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {record / 'c-bad.jsonl'}:1: corrects: no fact with id 'no-such-fact'"
    )
    assert ok_json(run("sources", "--json"))["facts"] == 14


def test_a_folder_without_record_files_is_one_clear_error(run: Run, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")

    assert one_line_error(run("load", tmp_path)) == (
        f"{tmp_path}: a directory with no .jsonl or .json file"
    )
    assert one_line_error(run("load", tmp_path / "nope")) == f"{tmp_path / 'nope'}: no such file"


def test_sources_lists_each_source_with_the_facts_citing_it(seeded: Run) -> None:
    printed = ok(seeded("sources")).splitlines()

    assert printed[0] == (
        "Clash Report, \"Clash Report article of 4 July 2025 on Russia's recognition of the"
        ' Taliban government", 2025-07-04'
    )
    assert "  rus-designation-2003 (RUS, terrorist_designation_imposed, 2003)" in printed
    assert len([line for line in printed if line.startswith("  ")]) == 14
    assert printed[-1] == "the record: 14 facts about 7 actors, citing 1 source"


def test_sources_of_one_actor_and_the_totals_alone(seeded: Run) -> None:
    report = ok_json(seeded("sources", "--actor", "Russia", "--json"))

    assert (report["actor"], report["facts"], report["actors"]) == ("RUS", 6, 1)
    assert {fact["actor"] for fact in report["sources"][0]["facts"]} == {"RUS"}
    assert (
        ok(seeded("sources", "--totals"))
        == "the record: 14 facts about 7 actors, citing 1 source\n"
    )


def test_sources_json_names_each_source_and_its_citing_facts(seeded: Run, tmp_path: Path) -> None:
    second = {
        "kind": "stance_stated",
        "actor": "KAZ",
        "date": "2024-06",
        "summary": "Kazakhstan speaks of the Taliban",
        "sources": [
            {
                "title": "A",
                "publisher": "Outlet",
                "url": "https://example.org/a",
                "published": "2024-06-03",
            },
            {
                "title": SEED_TITLE,
                "publisher": "Clash Report",
                "published": "2025-07-04",
            },
        ],
        "id": "kaz-example",
    }
    (tmp_path / "more.jsonl").write_text(json.dumps(second) + "\n", encoding="utf-8")
    ok(seeded("load", tmp_path / "more.jsonl"))

    report = ok_json(seeded("sources", "--json"))

    assert (report["facts"], report["actors"], len(report["sources"])) == (15, 8, 2)
    by_publisher = {source["publisher"]: source for source in report["sources"]}
    assert by_publisher["Outlet"]["url"] == "https://example.org/a"
    assert [fact["id"] for fact in by_publisher["Outlet"]["facts"]] == ["kaz-example"]
    assert len(by_publisher["Clash Report"]["facts"]) == 15
