"""`stanceline timeline`: an actor's summary as bands of days, as text or JSON."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Run
from tests.cli.test_cli import ok, ok_json, one_line_error, usage_error


def test_russia_s_timeline_as_text(seeded: Run) -> None:
    text = ok(seeded("timeline", "Russia", "--from", "2025-03-01", "--to", "2025-07-31"))
    lines = text.splitlines()
    assert lines[0] == "Timeline of Russia (RUS), 2025-03-01 to 2025-07-31"
    assert lines[2].split() == ["FROM", "TO", "SUMMARY"]
    bands = [line.split(maxsplit=2) for line in lines[3:7]]
    assert bands == [
        ["2025-03-01", "2025-03-31", "designated"],
        ["2025-04-01", "2025-04-29", "designated? or no_relations"],
        ["2025-04-30", "2025-07-02", "no_relations"],
        ["2025-07-03", "2025-07-31", "recognized"],
    ]
    assert "rus-designation-lifted-2025-04" in text
    assert "? = uncertain on these days" in text


def test_the_json_matches_the_text(seeded: Run) -> None:
    body = ok_json(
        seeded("timeline", "RUS", "--from", "2025-03-01", "--to", "2025-07-31", "--json")
    )
    text = ok(seeded("timeline", "RUS", "--from", "2025-03-01", "--to", "2025-07-31"))
    assert (body["from"], body["to"], body["known_at"]) == ("2025-03-01", "2025-07-31", None)
    for band in body["bands"]:
        assert f"{band['start']}  {band['end']}  {band['value']}" in text
    assert [f["fact_id"] for f in body["facts"] if f["fact_id"] not in text] == []


def test_known_at_shows_what_was_known(seeded: Run) -> None:
    early = ok_json(seeded("timeline", "RUS", "--to", "2025-07-31", "--known-at", "@2", "--json"))
    assert early["known_at"] == "@2"
    # Only the 2003 designation and its lifting in April 2025 were recorded by position 2.
    assert [(b["value"], b["certainty"]) for b in early["bands"]] == [
        ("no_relations", "uncertain"),
        ("designated", "certain"),
        ("designated", "uncertain"),
        ("no_relations", "certain"),
    ]
    text = ok(seeded("timeline", "RUS", "--to", "2025-07-31", "--known-at", "@2"))
    assert text.splitlines()[0].endswith("as known at @2")


def test_an_actor_with_nothing_in_range_says_so(seeded: Run) -> None:
    text = ok(seeded("timeline", "IRN", "--to", "2025-01-01"))
    assert "2025-01-01  2025-01-01  no_relations" in text
    assert "No facts in this range." in text


def test_a_backwards_range_is_one_error(seeded: Run) -> None:
    assert "--to 2025-01-01 is before --from 2025-02-01" in usage_error(
        seeded("timeline", "RUS", "--from", "2025-02-01", "--to", "2025-01-01")
    )
    # With `to` left to today, a `from` in the future is caught once the defaults are known.
    assert "is after to" in one_line_error(seeded("timeline", "RUS", "--from", "2999-01-01"))


@pytest.mark.parametrize("option", ["--from", "--to"])
def test_a_bad_day_is_a_usage_error(seeded: Run, option: str) -> None:
    assert option in usage_error(seeded("timeline", "RUS", option, "2025-02-30"))


def test_an_unknown_actor_is_one_line(seeded: Run) -> None:
    assert "unknown actor 'Atlantis'" in one_line_error(seeded("timeline", "Atlantis"))


# Every part over time (issue 16): --part draws one component by the summary's rules.

PART_CASES = {
    # part: (actor, from, to, bands as (start, end, value, possible, default), its facts)
    "recognition": (
        "RUS",
        "2025-06-01",
        "2025-07-31",
        [
            ("2025-06-01", "2025-07-02", "none", ["none"], True),
            ("2025-07-03", "2025-07-31", "recognized", ["recognized"], False),
        ],
        ["rus-recognition-2025-07-03"],
    ),
    "designation": (
        "RUS",
        "2025-03-01",
        "2025-07-31",
        [
            ("2025-03-01", "2025-03-31", "designated", ["designated"], False),
            ("2025-04-01", "2025-04-29", "designated", ["designated", "not_designated"], False),
            ("2025-04-30", "2025-07-31", "not_designated", ["not_designated"], False),
        ],
        ["rus-designation-lifted-2025-04"],
    ),
    "taliban_envoy": (
        "RUS",
        "2025-06-01",
        "2025-07-31",
        [
            ("2025-06-01", "2025-07-02", "none", ["none"], True),
            ("2025-07-03", "2025-07-31", "ambassador", ["ambassador"], False),
        ],
        ["rus-ambassador-credentials-2025-07-03"],
    ),
    "envoy_to_kabul": (
        "CHN",
        "2021-08-01",
        "2025-07-31",
        [
            ("2021-08-01", "2021-08-14", "none", ["none"], True),
            ("2021-08-15", "2025-07-03", "none", ["ambassador", "none"], False),
            ("2025-07-04", "2025-07-31", "ambassador", ["ambassador"], False),
        ],
        ["chn-ambassador-in-kabul"],
    ),
    "sanctions": (
        "USA",
        "2025-01-01",
        "2025-12-31",
        [
            ("2025-01-01", "2025-07-03", "none", ["active", "none"], False),
            ("2025-07-04", "2025-12-31", "active", ["active"], False),
        ],
        ["usa-sanctions-taliban-officials"],
    ),
    "assets": (
        "USA",
        "2021-01-01",
        "2025-12-31",
        [
            ("2021-01-01", "2021-08-14", "not_frozen", ["not_frozen"], True),
            ("2021-08-15", "2025-07-03", "not_frozen", ["frozen", "not_frozen"], False),
            ("2025-07-04", "2025-12-31", "frozen", ["frozen"], False),
        ],
        ["usa-central-bank-assets-frozen"],
    ),
}


@pytest.mark.parametrize("part", list(PART_CASES))
def test_each_component_over_time_as_json_and_text(seeded: Run, part: str) -> None:
    actor, start, end, bands, facts = PART_CASES[part]
    span = ("--from", start, "--to", end)
    body = ok_json(seeded("timeline", actor, "--part", part, *span, "--json"))
    assert body["part"] == part
    assert (body["actor"], body["from"], body["to"]) == (actor, start, end)
    assert [
        (b["start"], b["end"], b["value"], b["possible"], b["default"]) for b in body["bands"]
    ] == bands
    assert all(
        b["certainty"] == ("certain" if len(b["possible"]) == 1 else "uncertain")
        for b in body["bands"]
    )
    # Only the facts that move this component: no statement, no other component.
    assert [f["fact_id"] for f in body["facts"]] == facts
    assert {f["component"] for f in body["facts"]} == {part}
    lines = ok(seeded("timeline", actor, "--part", part, *span)).splitlines()
    assert lines[2].split() == ["FROM", "TO", part.upper()]
    for start_day, end_day, value, possible, _ in bands:
        others = [v for v in possible if v != value]
        cell = value if not others else f"{value}? or {' or '.join(others)}"
        assert f"{start_day}  {end_day}  {cell}" in lines


def test_the_summary_is_the_default_part_and_keeps_every_fact(seeded: Run) -> None:
    span = ("--from", "2003-01-01", "--to", "2025-12-31")
    default = ok_json(seeded("timeline", "RUS", *span, "--json"))
    summary = ok_json(seeded("timeline", "RUS", *span, "--part", "summary", "--json"))
    assert default == summary
    assert default["part"] == "summary"
    # The summary's facts are all of them, the statements too.
    assert None in {f["component"] for f in default["facts"]}
    assert len(default["facts"]) == 6


def test_a_component_without_facts_in_range_says_so(seeded: Run) -> None:
    text = ok(
        seeded("timeline", "RUS", "--part", "assets", "--from", "2025-01-01", "--to", "2025-01-31")
    )
    assert "2025-01-01  2025-01-31  not_frozen" in text
    assert "No facts moving assets in this range." in text


def test_an_unknown_part_is_a_usage_error_naming_the_parts(seeded: Run) -> None:
    output = usage_error(seeded("timeline", "RUS", "--part", "embassy"))
    assert "'--part'" in output
    assert "'summary', 'recognition', 'designation'" in output
