"""`--json` on verify, load and record: one JSON object each; errors stay one line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import FIXTURES, STATEMENT, Run
from tests.cli.test_audit_cli import ok, ok_json, one_line_error, write_jsonl


def test_verify_json_is_one_object_with_the_head_digest_and_seals(amended: Run) -> None:
    text = ok(amended("verify")).splitlines()
    report = ok_json(amended("verify", "--json"))

    assert report == {
        "ok": True,
        "count": 17,
        "position": 17,
        "head_digest": text[-1].removeprefix("head digest: "),
        "sealed_from": 1,
        "seals": 4,
        "expected": None,
    }
    kept = ok_json(amended("verify", "--json", "--expect", report["head_digest"].upper()))
    assert kept["expected"] == report["head_digest"]


def test_verify_json_that_fails_is_one_error_line(amended: Run) -> None:
    result = amended("verify", "--json", "--expect", "sha256:" + "0" * 64 + "@3")

    assert one_line_error(result) == (
        "verify FAILED: the log up to position 3 does not produce the expected digest"
    )
    assert result.stdout == ""


def test_load_json_says_what_each_file_recorded(run: Run, tmp_path: Path) -> None:
    change = write_jsonl(tmp_path / "change.jsonl", [{"retracts": STATEMENT, "reason": "r"}])

    report = ok_json(run("load", "--json", FIXTURES, change))
    again = ok_json(run("load", FIXTURES, "--json"))

    ids = [json.loads(line)["id"] for line in FIXTURES.read_text().splitlines()]
    assert report == {
        "files": [
            {"file": str(FIXTURES), "recorded": 14, "already_present": 0, "fact_ids": ids},
            {"file": str(change), "recorded": 1, "already_present": 0, "fact_ids": [STATEMENT]},
        ]
    }
    assert again["files"] == [
        {"file": str(FIXTURES), "recorded": 0, "already_present": 14, "fact_ids": ids}
    ]


def test_load_json_with_a_bad_file_is_one_error_line(run: Run, tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"kind": "stance_stated"}])

    result = run("load", "--json", FIXTURES, bad)

    assert one_line_error(result).startswith(f"{bad}:1: ")
    assert result.stdout == ""
    assert ok_json(run("status", "--json"))["facts"] == 14  # the file before it stays recorded


RECORD = ("record", "--kind", "stance_stated", "--actor", "NOR", "--date", "2024")
RECORD += ("--summary", "Norway says so", "--source-title", "Example only", "--id", "nor-1")


def test_record_json_says_the_id_and_whether_it_was_recorded(run: Run) -> None:
    first = run(*RECORD, "--json")
    second = run(*RECORD, "--json")

    assert json.loads(ok(first)) == {"id": "nor-1", "recorded": True}
    assert json.loads(ok(second)) == {"id": "nor-1", "recorded": False}
    assert second.stderr == ""


def test_record_json_with_a_bad_field_is_one_error_line(run: Run) -> None:
    result = run(*RECORD[:-2], "--date", "2024-13", "--json")

    assert one_line_error(result).startswith("--date: '2024-13' is not an EDTF date")
