"""`stanceline map`: the world on one day drawn as SVG and PNG, checked in the files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from stanceline.domain.stance import Summary
from stanceline.interfaces.chart import COLOURS
from stanceline.interfaces.shapes import world_shapes
from tests.cli.conftest import FIXTURES, Run
from tests.cli.test_chart_cli import CLAIMS, png_size, svg_texts
from tests.cli.test_cli import ok, ok_json, one_line_error

SVG = "{http://www.w3.org/2000/svg}"
RECORD = FIXTURES.parent  # every file of the record, loaded in name order
DAY = "2025-07-04"
NO_FACT = "#f0f0f0"
KEY = [*(s.value for s in Summary), "uncertain", "disputed (sources disagree)", "no fact recorded"]


def by_id(path: Path) -> dict[str, ET.Element]:
    """The SVG's elements by id; every id must be unique."""
    elements = [e for e in ET.parse(path).iter() if e.get("id")]
    twice = [i for i, n in Counter(e.get("id") for e in elements).items() if n > 1]
    assert not twice
    return {str(e.get("id")): e for e in elements}


def fill(group: ET.Element) -> str:
    """The fill of a state's (or chip's) shape: a colour, or url(#id) of a hatch pattern."""
    style = next(group.iter(f"{SVG}path")).get("style") or ""
    return dict(p.strip().split(": ") for p in style.split(";") if p.strip())["fill"]


def hatch(elements: dict[str, ET.Element], group: ET.Element) -> tuple[str, set[str]]:
    """A hatched shape's colour under the hatch, and the directions of the hatch's lines."""
    pattern = elements[fill(group).removeprefix("url(#").removesuffix(")")]
    colour = next(pattern.iter(f"{SVG}rect")).get("fill") or ""
    directions = set()
    for line in next(pattern.iter(f"{SVG}path")).get("d", "").split("M")[1:]:
        (x0, y0), (x1, y1) = (map(float, p.split()) for p in line.split("L"))
        directions.add("/" if (x1 - x0) * (y1 - y0) < 0 else "\\")  # y grows downwards
    return colour, directions


def test_russia_china_and_brazil_have_three_fills(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "world.svg"
    printed = ok(seeded("map", "--on", DAY, "--out", out))
    assert printed.strip() == f"{out}: {DAY}, 6 states coloured, 1 listed off the map"
    elements = by_id(out)
    assert fill(elements["RUS"]) == COLOURS[Summary.RECOGNIZED.value].lower()
    assert fill(elements["CHN"]) == COLOURS[Summary.AMBASSADOR_LEVEL.value].lower()
    assert fill(elements["BRA"]) == NO_FACT  # no fact about Brazil in the record
    assert fill(elements["chip-EU"]) == NO_FACT  # the seed holds only a statement of the EU
    texts = svg_texts(out)
    for label in [*KEY, "Not on the map:", "European Union (EU)"]:
        assert label in texts
    assert f"Stance toward the Taliban government on {DAY}" in texts
    assert any(t.startswith("as known at @14 (") for t in texts)


def test_every_shape_with_a_code_has_it_as_its_id(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "world.svg"
    ok(seeded("map", "--on", DAY, "--out", out))
    groups = {i for i, e in by_id(out).items() if e.tag == f"{SVG}g"}
    assert world_shapes().codes() <= groups
    assert len(world_shapes().codes()) > 170


def test_the_whole_record_leaves_no_actor_out(run: Run, tmp_path: Path) -> None:
    ok(run("load", RECORD))
    out = tmp_path / "world.svg"
    printed = ok(run("map", "--on", DAY, "--out", out))
    world = ok_json(run("world", "--on", DAY, "--json"))
    codes = world_shapes().codes()
    off_map = [w["actor"] for w in world if w["actor"] not in codes]
    assert {"EU", "UN", "UNSC", "NATO", "BHR"} <= set(off_map)
    # A default is "no fact recorded", unless a fact may have moved it by then (uncertain).
    coloured = [
        w
        for w in world
        if w["actor"] in codes
        and (not w["summary"]["default"] or w["summary"]["certainty"] == "uncertain")
    ]
    assert printed.strip().endswith(
        f"{len(coloured)} states coloured, {len(off_map)} listed off the map"
    )
    elements = by_id(out)
    for code in off_map:
        assert f"chip-{code}" in elements
    assert fill(elements["chip-EU"]) == COLOURS[Summary.CHARGE_LEVEL.value].lower()
    assert fill(elements["RUS"]) != fill(elements["CHN"]) != fill(elements["BRA"])
    assert fill(elements["BRA"]) != fill(elements["USA"])  # no fact, not no_relations
    assert fill(elements["USA"]) == COLOURS[Summary.NO_RELATIONS.value].lower()


def test_an_uncertain_day_hatches_only_the_uncertain_states(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "takeover.svg"
    ok(seeded("map", "--on", "2021-08-16", "--out", out))
    elements = by_id(out)
    # China's embassy may or may not have counted yet: no_relations or ambassador_level.
    assert hatch(elements, elements["CHN"]) == (COLOURS[Summary.NO_RELATIONS.value].lower(), {"/"})
    assert fill(elements["RUS"]) == COLOURS[Summary.DESIGNATED.value].lower()


def test_a_disputed_day_is_crossed(run: Run, tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text(CLAIMS, encoding="utf-8")
    ok(run("load", claims))
    out = tmp_path / "disputed.svg"
    ok(run("map", "--on", "2024-09-04", "--out", out))
    elements = by_id(out)
    assert hatch(elements, elements["KGZ"]) == (
        COLOURS[Summary.NO_RELATIONS.value].lower(),
        {"/", "\\"},
    )


def test_known_at_and_according_to_are_in_the_title(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "early.svg"
    printed = ok(seeded("map", "--on", DAY, "--known-at", "@2", "--out", out))
    assert printed.strip().endswith("1 state coloured, 0 listed off the map")
    texts = svg_texts(out)
    assert any(t.startswith("as known at @2 (") for t in texts)
    assert fill(by_id(out)["CHN"]) == NO_FACT  # only Russia had facts by position 2
    ok(seeded("map", "--on", DAY, "--according-to", "clash report", "--out", out))
    assert any(t.endswith(", according to clash report") for t in svg_texts(out))


def test_the_png_is_a_png_1500_pixels_wide(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "world.PNG"
    ok(seeded("map", "--on", DAY, "--out", out))
    width, height = png_size(out)
    assert (width, 500 < height < width) == (1500, True)


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_the_same_data_gives_the_same_file(seeded: Run, tmp_path: Path, suffix: str) -> None:
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    ok(seeded("map", "--on", DAY, "--out", first))
    ok(seeded("map", "--on", DAY, "--out", second))
    assert first.read_bytes() == second.read_bytes()


def test_an_empty_store_draws_a_pale_world(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "empty.svg"
    assert (
        ok(run("map", "--on", DAY, "--out", out))
        .strip()
        .endswith("0 states coloured, 0 listed off the map")
    )
    assert {fill(by_id(out)[code]) for code in world_shapes().codes()} == {NO_FACT}


@pytest.mark.parametrize("name", ["world.pdf", "world", "world.svg.txt"])
def test_an_unknown_format_is_one_usage_error(seeded: Run, tmp_path: Path, name: str) -> None:
    result = seeded("map", "--on", DAY, "--out", tmp_path / name)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1
    assert "--out" in errors[0]
    assert ".svg or .png" in errors[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / name).exists()


def test_a_folder_that_does_not_exist_is_one_line(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "world.svg"
    assert f"cannot write {out}" in one_line_error(seeded("map", "--on", DAY, "--out", out))
