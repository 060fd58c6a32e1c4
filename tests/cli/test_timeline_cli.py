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
