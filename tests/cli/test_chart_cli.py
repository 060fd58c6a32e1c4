"""`stanceline chart`: the fixtures drawn as SVG and PNG, checked in the files themselves;
`chart --parts`, one actor's summary and components as small multiples."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stanceline.domain.facts import VALUES
from stanceline.domain.stance import Summary
from stanceline.domain.timeline import Part
from stanceline.interfaces.chart_parts import PART_COLOURS
from tests.cli.conftest import Run
from tests.cli.test_cli import ok, one_line_error, usage_error

FIXTURE_ACTORS = {
    "ARE": "United Arab Emirates",
    "CHN": "China",
    "EU": "European Union",
    "PAK": "Pakistan",
    "RUS": "Russia",
    "USA": "United States",
    "UZB": "Uzbekistan",
}
LEGEND = [*(s.value for s in Summary), "uncertain", "fact (line: its date range)", "statement"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RANGE = ("--from", "2003-01-01", "--to", "2025-12-31")


def svg_texts(path: Path) -> list[str]:
    """Every piece of text in an SVG file (it must be well-formed XML)."""
    root = ET.parse(path).getroot()
    return [
        "".join(element.itertext()) for element in root.iter("{http://www.w3.org/2000/svg}text")
    ]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG file's header (the IHDR chunk comes first)."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_fixtures_as_svg_name_every_actor_and_legend_label(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "chart.svg"
    printed = ok(seeded("chart", *RANGE, "--out", out))
    assert printed.strip() == f"{out}: 7 actors, 2003-01-01 to 2025-12-31"
    assert out.stat().st_size > 10_000
    texts = svg_texts(out)
    for label in LEGEND:
        assert label in texts
    for code, name in FIXTURE_ACTORS.items():
        assert f"{name} ({code})" in texts
    title = next(t for t in texts if t.startswith("Stance toward"))
    assert "2003-01-01 to 2025-12-31" in title
    assert next(t for t in texts if t.startswith("as known at @14 ("))


def test_the_png_is_as_wide_as_promised_and_grows_with_the_rows(
    seeded: Run, tmp_path: Path
) -> None:
    every, one = tmp_path / "every.png", tmp_path / "one.PNG"
    ok(seeded("chart", *RANGE, "--out", every))
    ok(seeded("chart", "Russia", *RANGE, "--out", one))
    assert every.stat().st_size > 10_000
    (width, height), (one_width, one_height) = png_size(every), png_size(one)
    assert width == one_width == 1500  # 10 inches at 150 dots an inch
    assert height > one_height > 300


def test_only_the_actors_named_are_drawn_in_the_order_named(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "two.svg"
    ok(seeded("chart", "USA", "Russia", *RANGE, "--out", out))
    texts = svg_texts(out)
    rows = [t for t in texts if t in {f"{n} ({c})" for c, n in FIXTURE_ACTORS.items()}]
    # The first actor is drawn on top: its tick label is written last (ticks go bottom-up).
    assert rows == ["Russia (RUS)", "United States (USA)"]


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_the_same_data_gives_the_same_file(seeded: Run, tmp_path: Path, suffix: str) -> None:
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    ok(seeded("chart", *RANGE, "--out", first))
    ok(seeded("chart", *RANGE, "--out", second))
    assert first.read_bytes() == second.read_bytes()


def test_known_at_is_in_the_title(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "early.svg"
    ok(seeded("chart", "--known-at", "@2", "--to", "2025-12-31", "--out", out))
    texts = svg_texts(out)
    assert any(t.startswith("as known at @2 (") for t in texts)
    # Only Russia had facts by position 2.
    assert "Russia (RUS)" in texts
    assert "China (CHN)" not in texts


@pytest.mark.parametrize("name", ["chart.pdf", "chart", "chart.svg.txt"])
def test_an_unknown_format_is_one_usage_error(seeded: Run, tmp_path: Path, name: str) -> None:
    output = usage_error(seeded("chart", "--out", tmp_path / name))
    assert "--out" in output
    assert ".svg or .png" in output
    assert not (tmp_path / name).exists()


def test_a_folder_that_does_not_exist_is_one_line(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "chart.svg"
    assert f"cannot write {out}" in one_line_error(seeded("chart", "--out", out))


def test_nothing_to_draw_is_one_line(run: Run, tmp_path: Path) -> None:
    assert "nothing to draw" in one_line_error(run("chart", "--out", tmp_path / "c.svg"))


def test_bad_ranges_and_actors_are_one_error(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "c.svg"
    backwards = seeded("chart", "--from", "2025-02-01", "--to", "2025-01-01", "--out", out)
    assert "--to 2025-01-01 is before --from 2025-02-01" in usage_error(backwards)
    assert "unknown actor 'Atlantis'" in one_line_error(seeded("chart", "Atlantis", "--out", out))
    assert not out.exists()


def test_other_commands_do_not_import_matplotlib(seeded: Run, store: str) -> None:
    program = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from stanceline.interfaces.cli import cli\n"
        f"result = CliRunner().invoke(cli, ['--store', {store!r}, 'timeline', 'RUS'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCELINE_")}
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"


def test_disputed_bands_and_defaults_are_drawn_apart(run: Run, tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text(CLAIMS, encoding="utf-8")
    ok(run("load", claims))
    out = tmp_path / "chart.svg"
    ok(run("chart", "KGZ", "--from", "2024-08-01", "--to", "2024-10-01", "--out", out))
    ids = [e.get("id") or "" for e in ET.parse(out).iter()]
    assert sum(i.startswith("disputed") for i in ids) == 1
    texts = svg_texts(out)
    assert "disputed (sources disagree)" in texts
    assert "no fact recorded" in texts


CLAIMS = "".join(
    json.dumps(line) + "\n"
    for line in (
        {
            "kind": "terrorist_designation_imposed",
            "actor": "KGZ",
            "date": "2006",
            "summary": "Kyrgyzstan bans the Taliban",
            "source": {"title": "A report of the ban"},
        },
        *(
            {
                "kind": "terrorist_designation_lifted",
                "actor": "KGZ",
                "date": day,
                "summary": "Kyrgyzstan removes the Taliban from its banned list",
                "source": {"title": f"A report dating it {day}", "publisher": f"Outlet {n}"},
                "event": "kgz-delisting",
                "id": f"kgz-delisting-{n}",
            }
            for n, day in ((1, "2024-09-02"), (2, "2024-09-06"))
        ),
    )
)


# One actor part by part (issue 16): --parts.

PARTS = [
    "summary",
    "recognition",
    "designation",
    "taliban_envoy",
    "envoy_to_kabul",
    "sanctions",
    "assets",
]
SVG = "{http://www.w3.org/2000/svg}"


def panels(path: Path) -> list[ET.Element]:
    """The SVG's panel groups, in the order drawn (top first)."""
    return [e for e in ET.parse(path).iter(f"{SVG}g") if (e.get("id") or "").startswith("part-")]


def test_parts_draw_a_panel_per_part_with_its_name(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "usa.svg"
    printed = ok(seeded("chart", "United States", "--parts", *RANGE, "--out", out))
    assert printed.strip() == f"{out}: USA in 7 parts, 2003-01-01 to 2025-12-31"
    found = panels(out)
    assert [e.get("id") for e in found] == [f"part-{part}" for part in PARTS]
    for element, part in zip(found, PARTS, strict=True):
        # Each panel's one row is labelled with its part.
        assert part in ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]
    texts = svg_texts(out)
    title = next(t for t in texts if t.startswith("United States (USA) toward"))
    assert "part by part, 2003-01-01 to 2025-12-31" in title
    assert any(t.startswith("as known at @14 (") for t in texts)


def test_the_parts_legend_names_every_value_of_every_part(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "rus.svg"
    ok(seeded("chart", "RUS", "--parts", *RANGE, "--out", out))
    named = {value for text in svg_texts(out) for value in text.split(" / ")}
    values = {s.value for s in Summary} | {v for vs in VALUES.values() for v in vs}
    assert values <= named
    assert {"uncertain", "disputed (sources disagree)", "no fact recorded"} <= named
    # The colours are distinct for distinct meanings, and shared where the meaning is.
    colours = {part: dict(PART_COLOURS[part]) for part in Part}
    assert colours[Part.TALIBAN_ENVOY] == colours[Part.ENVOY_TO_KABUL]
    assert colours[Part.SANCTIONS]["active"] not in colours[Part.SUMMARY].values()
    assert colours[Part.ASSETS]["frozen"] not in colours[Part.SUMMARY].values()
    assert colours[Part.RECOGNITION]["recognized"] == colours[Part.SUMMARY]["recognized"]


def test_each_part_s_bands_are_drawn_in_its_own_colours(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "usa.svg"
    ok(
        seeded(
            "chart", "USA", "--parts", "--from", "2025-07-04", "--to", "2025-12-31", "--out", out
        )
    )
    fills = {
        element.get("id"): {
            style.split("fill: ")[1].split(";")[0].upper()
            for path in element.iter(f"{SVG}path")
            if "fill: #" in (style := path.get("style") or "")
        }
        for element in panels(out)
    }
    # On these days the USA's sanctions are certainly active and its assets frozen.
    assert PART_COLOURS[Part.SANCTIONS]["active"] in fills["part-sanctions"]
    assert PART_COLOURS[Part.ASSETS]["frozen"] in fills["part-assets"]
    assert PART_COLOURS[Part.SUMMARY]["no_relations"] in fills["part-summary"]


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_the_parts_of_the_same_data_give_the_same_file(
    seeded: Run, tmp_path: Path, suffix: str
) -> None:
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    ok(seeded("chart", "RUS", "--parts", *RANGE, "--out", first))
    ok(seeded("chart", "RUS", "--parts", *RANGE, "--out", second))
    assert first.read_bytes() == second.read_bytes()
    if suffix == ".png":
        width, height = png_size(first)
        assert width == 1500
        assert height > 7 * 60


@pytest.mark.parametrize("actors", [(), ("RUS", "USA")])
def test_parts_take_exactly_one_actor(seeded: Run, tmp_path: Path, actors: tuple[str, ...]) -> None:
    out = tmp_path / "c.svg"
    assert "--parts draws one actor" in usage_error(
        seeded("chart", *actors, "--parts", "--out", out)
    )
    assert not out.exists()


def test_parts_say_who_and_when_as_known_and_according_to(seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "early.svg"
    ok(
        seeded(
            "chart",
            "RUS",
            "--parts",
            "--known-at",
            "@2",
            "--according-to",
            "clash report",
            "--to",
            "2025-12-31",
            "--out",
            out,
        )
    )
    texts = svg_texts(out)
    assert any(
        t.startswith("Russia (RUS) toward the Taliban government, part by part") for t in texts
    )
    assert any(
        t.startswith("as known at @2 (") and t.endswith("according to clash report") for t in texts
    )
    assert "unknown actor 'Atlantis'" in one_line_error(
        seeded("chart", "Atlantis", "--parts", "--out", out)
    )


def test_a_disputed_component_is_crossed_in_its_own_panel(run: Run, tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text(CLAIMS, encoding="utf-8")
    ok(run("load", claims))
    out = tmp_path / "kgz.svg"
    ok(run("chart", "KGZ", "--parts", "--from", "2024-08-01", "--to", "2024-10-01", "--out", out))
    disputed = {
        panel.get("id")
        for panel in panels(out)
        for element in panel.iter()
        if (element.get("id") or "").startswith("disputed")
    }
    # The delisting's two dates disagree: the designation, and so the summary, are disputed.
    assert disputed == {"part-designation", "part-summary"}
