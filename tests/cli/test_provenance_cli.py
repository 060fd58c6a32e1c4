"""Provenance for auditors: what each correction changed, and every fact's corrections and
status in a history (retracted facts too, with --all)."""

from __future__ import annotations

import re
from typing import Any

from tests.cli.conftest import LIFT, RULING, STATEMENT, Run
from tests.cli.test_audit_cli import ok, ok_json

CHINA_ENVOY = "chn-ambassador-in-kabul"
MOMENT = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z"


def entry(report: dict[str, Any], fact_id: str) -> dict[str, Any]:
    return next(e for e in report["entries"] if e["fact_id"] == fact_id)  # type: ignore[no-any-return]


# fact: field by field


def test_fact_json_lists_the_fields_each_version_changed(amended: Run) -> None:
    ok(amended("correct", CHINA_ENVOY, "--detail", "level=charge_d_affaires", "--reason", "r"))
    ok(amended("retract", LIFT, "--reason", "unsure"))
    ok(amended("reinstate", LIFT, "--reason", "sure"))

    versions = ok_json(amended("fact", LIFT, "--json"))["versions"]
    envoy = ok_json(amended("fact", CHINA_ENVOY, "--json"))["versions"]

    assert [(v["change"], v["reason"], v["changes"]) for v in versions] == [
        ("recorded", None, []),
        ("corrected", RULING, [{"field": "date", "from": "2025-04", "to": "2025-04-17"}]),
        (
            "corrected",
            "the ruling",
            [{"field": "source.url", "from": None, "to": "https://example.org/r"}],
        ),
        ("retracted", "unsure", []),
        ("reinstated", "sure", []),
    ]
    assert envoy[1]["changes"] == [
        {"field": "details.level", "from": "ambassador", "to": "charge_d_affaires"}
    ]


def test_fact_json_keeps_every_key_it_had(amended: Run) -> None:
    version = ok_json(amended("fact", LIFT, "--json"))["versions"][1]

    assert list(version) == [
        "version",
        "position",
        "change",
        "recorded_at",
        "recorded_by",
        "reason",
        "counts",
        "fact",
        "changes",
    ]


def test_fact_prints_each_changed_field_under_its_version(amended: Run) -> None:
    ok(amended("correct", LIFT, "--summary", "Russia lifts it", "--reason", "shorter"))

    lines = ok(amended("fact", LIFT)).splitlines()

    v2 = lines.index(next(line for line in lines if line.startswith("v2  ")))
    assert lines[v2 + 1 : v2 + 3] == [f"    reason: {RULING}", "    date: 2025-04 -> 2025-04-17"]
    assert "    source.url: (none) -> https://example.org/r" in lines
    assert (
        "    summary: Russia lifts its 2003 designation of the Taliban as a terrorist "
        "organisation -> Russia lifts it"
    ) in lines


# history: corrections and status


def test_history_marks_a_corrected_fact_with_each_correction(amended: Run) -> None:
    out = ok(amended("history", "RUS"))

    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if LIFT in line)
    assert lines[row].startswith("2025-04-17  ")
    assert lines[row + 1].startswith("    source: ")
    assert re.fullmatch(
        rf"    corrected \(version 2, by ann, {MOMENT}\): date 2025-04 -> 2025-04-17 — {RULING}",
        lines[row + 2],
    )
    assert re.fullmatch(
        rf"    corrected \(version 3, by cli-tests, {MOMENT}\): "
        r"source\.url \(none\) -> https://example\.org/r — the ruling",
        lines[row + 3],
    )
    assert STATEMENT not in out


def test_history_json_gives_who_recorded_and_each_correction(amended: Run) -> None:
    lift = entry(ok_json(amended("history", "RUS", "--json")), LIFT)
    versions = ok_json(amended("fact", LIFT, "--json"))["versions"]

    assert (lift["status"], lift["recorded_by"]) == ("counts", "cli-tests")
    assert lift["recorded_at"] == versions[0]["recorded_at"]
    assert lift["status_change"] is None
    assert lift["corrections"] == [
        {
            "version": v["version"],
            "change": "corrected",
            "recorded_at": v["recorded_at"],
            "recorded_by": v["recorded_by"],
            "reason": v["reason"],
            "changes": v["changes"],
        }
        for v in versions[1:]
    ]


def test_history_as_known_before_a_correction_shows_none(amended: Run) -> None:
    lift = entry(ok_json(amended("history", "RUS", "--json", "--known-at", "@15")), LIFT)

    assert [c["version"] for c in lift["corrections"]] == [2]
    assert (
        entry(ok_json(amended("history", "RUS", "--json", "--known-at", "@14")), LIFT)[
            "corrections"
        ]
        == []
    )


def test_history_all_shows_retracted_facts_in_date_order_moving_nothing(amended: Run) -> None:
    counting = ok_json(amended("history", "RUS", "--json"))
    every = ok_json(amended("history", "RUS", "--all", "--json"))

    statement = entry(every, STATEMENT)
    assert (statement["status"], statement["changed"]) == ("retracted", False)
    assert statement["status_change"]["change"] == "retracted"
    assert statement["status_change"]["recorded_by"] == "carol"
    assert statement["status_change"]["reason"] == "a paraphrase"
    assert [e for e in every["entries"] if e["fact_id"] != STATEMENT] == counting["entries"]
    assert every["entries"][0]["fact_id"] == STATEMENT  # ../2025-07-04 comes first
    assert {e["status"] for e in counting["entries"]} == {"counts"}


def test_a_retracted_fact_that_moved_a_component_shows_the_value_where_it_stands(
    amended: Run,
) -> None:
    ok(amended("retract", LIFT, "--reason", "unsure", "--by", "dave"))

    lift = entry(ok_json(amended("history", "RUS", "--all", "--json")), LIFT)
    out = ok(amended("history", "RUS", "--all"))

    assert (lift["from"], lift["to"], lift["changed"]) == ("designated", "designated", False)
    assert lift["status"] == "retracted"
    assert [c["version"] for c in lift["corrections"]] == [2, 3]
    assert out.splitlines()[0] == "History of Russia (RUS): 6 facts (2 retracted)"
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if LIFT in line)
    assert "  (retracted)  " in lines[row]
    assert re.fullmatch(rf"    retracted \(version 4, by dave, {MOMENT}\): unsure", lines[row + 4])


def test_a_reinstated_fact_counts_and_says_who_reinstated_it(amended: Run) -> None:
    ok(amended("reinstate", STATEMENT, "--reason", "the quote is right", "--by", "erin"))

    statement = entry(ok_json(amended("history", "RUS", "--json")), STATEMENT)
    out = ok(amended("history", "RUS"))

    assert statement["status"] == "counts"
    assert (statement["status_change"]["change"], statement["status_change"]["version"]) == (
        "reinstated",
        3,
    )
    assert re.search(rf"    reinstated \(version 3, by erin, {MOMENT}\): the quote is right", out)


def test_history_all_as_known_before_the_retraction_shows_the_fact_counting(
    amended: Run,
) -> None:
    before = entry(
        ok_json(amended("history", "RUS", "--all", "--json", "--known-at", "@16")), STATEMENT
    )

    assert (before["status"], before["status_change"]) == ("counts", None)
