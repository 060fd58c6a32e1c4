"""Sources that disagree on the command line: marks, --according-to, rank and claims."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.cli.test_chart_cli import CLAIMS
from tests.cli.test_cli import ok, ok_json, one_line_error, usage_error


@pytest.fixture
def disputed(run: Run, tmp_path: Path) -> Run:
    """`run`, on a store holding a ban and two claims of its lifting (2 and 6 September)."""
    claims = tmp_path / "claims.jsonl"
    claims.write_text(CLAIMS, encoding="utf-8")
    ok(run("load", claims))
    return run


def test_a_disputed_value_is_marked_apart_from_an_uncertain_one_and_a_default(
    disputed: Run,
) -> None:
    table = ok(disputed("stance", "KGZ", "--on", "2024-09-04"))
    assert table.splitlines()[0] == "Kyrgyzstan (KGZ) on 2024-09-04: no_relations! or designated"
    assert "designation     not_designated! or designated  2024-09-02" in table
    assert "recognition     (none)" in table
    assert "! = disputed on this day" in table
    assert "(...) = no fact recorded" in table
    assert "? = uncertain" not in table
    world = ok(disputed("world", "--on", "2024-09-04", "--csv")).splitlines()
    header = world[0].split(",")
    row = dict(zip(header, world[1].split(","), strict=True))
    assert header[:3] == ["actor", "actor_name", "on"]
    assert header.index("summary_disputed") > header.index("assets_alternatives")
    assert (row["summary_disputed"], row["designation_default"], row["assets_default"]) == (
        "true",
        "false",
        "true",
    )


def test_according_to_a_source_answers_what_it_says(disputed: Run) -> None:
    one = ok_json(
        disputed("stance", "KGZ", "--on", "2024-09-04", "--according-to", "outlet 1", "--json")
    )
    assert one["according_to"] == "outlet 1"
    assert one["components"]["designation"]["value"] == "not_designated"
    assert not one["summary"]["disputed"]
    two = ok(disputed("stance", "KGZ", "--on", "2024-09-04", "--according-to", "Outlet 2"))
    assert two.splitlines()[0] == (
        "Kyrgyzstan (KGZ) on 2024-09-04, according to Outlet 2: (no_relations)"
    )
    timeline = ok_json(
        disputed("timeline", "KGZ", "--from", "2024-09-01", "--to", "2024-09-30", "--json")
    )
    assert [b["disputed"] for b in timeline["bands"]] == [False, True, False]
    explained = ok(disputed("explain", "KGZ", "--on", "2024-09-04"))
    assert "disputed: sources disagree" in explained
    assert "kgz-delisting-1: terrorist_designation_lifted on 2024-09-02" in explained
    assert "alone it gives designated" in explained


def test_rank_records_a_change_that_decides_the_dispute(disputed: Run) -> None:
    printed = ok(
        disputed("rank", "kgz-delisting-2", "--preferred", "--reason", "the decree", "--by", "me")
    )
    assert printed.strip() == "kgz-delisting-2: ranked preferred (version 2)"
    after = ok_json(disputed("stance", "KGZ", "--on", "2024-09-04", "--json"))
    # The claim of 6 September alone counts: on the 4th the ban still held.
    assert (after["summary"]["value"], after["summary"]["disputed"]) == ("designated", False)
    life = ok_json(disputed("fact", "kgz-delisting-2", "--json"))
    assert [v["change"] for v in life["versions"]] == ["recorded", "ranked"]
    assert life["current"]["rank"] == "preferred"
    assert life["current"]["rank_reason"] == "the decree"
    assert life["status"] == "counts"
    assert ok_json(disputed("fact", "kgz-delisting-1", "--json"))["status"] == "outranked"
    claims = ok_json(disputed("claims", "kgz-delisting", "--on", "2024-09-04", "--json"))
    assert [(c["id"], c["status"]) for c in claims["claims"]] == [
        ("kgz-delisting-1", "outranked"),
        ("kgz-delisting-2", "counts"),
    ]
    again = disputed("rank", "kgz-delisting-2", "--preferred", "--reason", "again")
    assert one_line_error(again) == (
        "fact 'kgz-delisting-2' is preferred already: the rank changes nothing"
    )
    assert "give one of --preferred" in usage_error(
        disputed("rank", "kgz-delisting-2", "--reason", "x")
    )
    rank_json = ok_json(disputed("rank", "kgz-delisting-2", "--normal", "--reason", "x", "--json"))
    assert rank_json == {"id": "kgz-delisting-2", "rank": "normal", "reason": "x", "version": 3}


def test_claims_shows_every_account_and_what_each_alone_gives(disputed: Run) -> None:
    text = ok(disputed("claims", "kgz-delisting-1", "--on", "2024-09-04"))
    lines = text.splitlines()
    assert lines[0] == "event kgz-delisting: Kyrgyzstan (KGZ), designation"
    assert lines[1] == "  on 2024-09-04: not_designated! or designated"
    assert lines[2] == "  2 of 2 claims count"
    assert "  alone, on 2024-09-04: not_designated" in lines
    assert "  alone, on 2024-09-04: designated" in lines
    assert one_line_error(disputed("claims", "nope")) == "no event or fact with key 'nope'"


def test_a_correction_cites_the_source_of_its_new_value(disputed: Run) -> None:
    ok(
        disputed(
            "correct", "kgz-delisting-1", "--date", "2024-09-03", "--reason", "the decree",
            "--add-source-title", "Decree 12", "--add-source-publisher", "Ministry",
            "--add-quote", "on 3 September",
        )
    )  # fmt: skip
    now = ok_json(disputed("fact", "kgz-delisting-1", "--json"))["current"]
    assert now["date"] == "2024-09-03"
    assert [s["title"] for s in now["sources"]] == ["A report dating it 2024-09-02", "Decree 12"]
    assert now["sources"][1]["quote"] == "on 3 September"
    bad = disputed(
        "correct", "kgz-delisting-1", "--reason", "r", "--add-source-title", "t",
        "--add-source-url", "ftp://x",
    )  # fmt: skip
    assert one_line_error(bad).startswith("--add-source-url: String should match pattern")


def test_export_writes_every_claim_with_its_event_sources_and_rank(disputed: Run) -> None:
    ok(disputed("rank", "kgz-delisting-2", "--deprecated", "--reason", "a later report"))
    assert ok(disputed("fact", "kgz-delisting-2")).splitlines()[0].endswith(": deprecated")
    noted = ok(disputed("history", "KGZ", "--all"))
    assert "rank normal -> deprecated — a later report" in noted
    lines = [json.loads(line) for line in ok(disputed("export")).splitlines()]
    ranked = next(line for line in lines if line["id"] == "kgz-delisting-2")
    assert (ranked["event"], ranked["rank"], ranked["rank_reason"]) == (
        "kgz-delisting",
        "deprecated",
        "a later report",
    )
