"""`world --where PART=VALUE` (issue 16): different parts ANDed, values of one part ORed, in
the table, the JSON and the CSV alike."""

from __future__ import annotations

import csv
import io

import pytest

from tests.cli.conftest import Run
from tests.cli.test_cli import ACTORS, ok, ok_json, usage_error

ON = ("--on", "2025-07-04")


def codes(run: Run, *conditions: str) -> list[str]:
    """The actors `world --where` keeps, from its JSON; the CSV and table keep the same."""
    where = [arg for condition in conditions for arg in ("--where", condition)]
    found = [r["actor"] for r in ok_json(run("world", *ON, *where, "--json"))]
    table = ok(run("world", *ON, *where)).splitlines()
    assert [line.split()[0] for line in table[3 : 3 + len(found)]] == found
    rows = csv.DictReader(io.StringIO(ok(run("world", *ON, *where, "--csv"))))
    assert [r["actor"] for r in rows] == found
    return found


@pytest.mark.parametrize(
    ("conditions", "kept"),
    [
        ((), ACTORS),
        (("summary=ambassador_level",), ["ARE", "CHN", "PAK", "UZB"]),
        # One part twice: either value.
        (("summary=ambassador_level", "summary=recognized"), ["ARE", "CHN", "PAK", "RUS", "UZB"]),
        (("summary=no_relations",), ["EU", "USA"]),
        # Two parts: both must hold.
        (("summary=no_relations", "assets=frozen"), ["USA"]),
        (("summary=no_relations", "sanctions=none"), ["EU"]),
        (("summary=recognized", "sanctions=active"), []),
        (("taliban_envoy=ambassador",), ["RUS"]),
        (
            ("envoy_to_kabul=ambassador", "envoy_to_kabul=none", "recognition=none"),
            ["ARE", "CHN", "EU", "PAK", "USA", "UZB"],
        ),
        (("designation=not_designated",), ACTORS),
    ],
)
def test_where_keeps_the_actors_whose_parts_have_the_values(
    seeded: Run, conditions: tuple[str, ...], kept: list[str]
) -> None:
    assert codes(seeded, *conditions) == kept


def test_where_matches_the_value_shown_on_the_day(seeded: Run) -> None:
    # Before 2025-07-04 China's ambassador may or may not be in Kabul: the value is none.
    found = ok_json(
        seeded("world", "--on", "2024-01-01", "--where", "summary=ambassador_level", "--json")
    )
    assert found == []
    uncertain = ok_json(
        seeded("world", "--on", "2024-01-01", "--where", "summary=no_relations", "--json")
    )
    china = next(r for r in uncertain if r["actor"] == "CHN")
    assert china["summary"]["alternatives"] == ["ambassador_level"]


def test_the_title_says_what_was_kept(seeded: Run) -> None:
    text = ok(
        seeded("world", *ON, "--where", "sanctions=active", "--where", "summary=no_relations")
    )
    assert text.splitlines()[0] == (
        "World on 2025-07-04, where summary is no_relations, and sanctions is active (1 actor)"
    )
    none = ok(seeded("world", *ON, "--where", "summary=designated", "--known-at", "@14"))
    assert (
        none.strip()
        == "World on 2025-07-04, as known at @14, where summary is designated: no actor."
    )
    header_only = ok(seeded("world", *ON, "--where", "summary=designated", "--csv"))
    assert header_only.count("\n") == 1


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            "sumary=recognized",
            "unknown part 'sumary'; the parts are summary, recognition, designation, "
            "taliban_envoy, envoy_to_kabul, sanctions, assets",
        ),
        (
            "summary=ambassador",
            "summary has no value 'ambassador'; its values are recognized, ambassador_level, "
            "charge_level, designated, no_relations",
        ),
        ("sanctions=frozen", "sanctions has no value 'frozen'; its values are none, active"),
        ("summary", "'summary' is not PART=VALUE (as in summary=ambassador_level)"),
    ],
)
def test_a_bad_condition_is_one_usage_error_naming_what_is_allowed(
    seeded: Run, condition: str, message: str
) -> None:
    output = usage_error(seeded("world", "--where", "summary=recognized", "--where", condition))
    error = output.strip().splitlines()[-1]
    assert error == f"Error: Invalid value for '--where': {message}"


def test_a_world_known_before_any_fact_says_so(seeded: Run) -> None:
    text = ok(seeded("world", *ON, "--known-at", "@0"))
    assert text.strip() == "World on 2025-07-04, as known at @0: no facts were known then."
