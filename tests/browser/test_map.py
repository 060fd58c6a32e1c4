"""The world map on the page, its chips, filter and downloads, and the page's accessibility
(axe-core, from tools/map's npm packages), in headless Chromium against a real server."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from stanceline.application.loading import files_of
from stanceline.interfaces.shapes import world_shapes
from tests.browser.conftest import REQUIRE_ENV, Visit, _unavailable

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:
    if os.environ.get(REQUIRE_ENV) == "1":
        raise
    pytest.skip("browser tests need Playwright: pip install -e '.[test]'", allow_module_level=True)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
RECORD = files_of(ROOT / "fixtures")
AXE = ROOT / "tools" / "map" / "node_modules" / "axe-core" / "axe.min.js"
# The page's colours (style.css, app.js): recognized, ambassador level, no relations, none.
RECOGNIZED, AMBASSADOR_LEVEL, NO_RELATIONS, NO_FACT = "#009e73", "#56b4e9", "#999999", "#f2f2f2"
PHONE = {"width": 375, "height": 740}
WIDE = {"width": 1400, "height": 900}


def shape(page: Page, actor: str) -> Locator:
    return page.locator(f'#world-map path[data-actor="{actor}"]')


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def a_point_on(page: Page, actor: str) -> dict[str, float]:
    """A point of the page where the pointer is over the actor's shape, not a neighbour's."""
    point: dict[str, float] | None = page.evaluate(
        """(code) => {
            const path = document.querySelector(`#world-map path[data-actor="${code}"]`);
            const box = path.getBoundingClientRect();
            for (let i = 1; i < 20; i += 1) for (let j = 1; j < 20; j += 1) {
                const x = box.left + (box.width * i) / 20, y = box.top + (box.height * j) / 20;
                if (document.elementFromPoint(x, y) === path) return { x, y };
            }
            return null;
        }""",
        actor,
    )
    assert point is not None, f"no point of {actor}'s shape is on screen"
    return point


def test_the_map_draws_every_state_once_with_its_code(visit: Visit) -> None:
    page = visit.open("?on=2025-07-04")
    codes: list[str] = page.eval_on_selector_all(
        "#world-map path[data-actor]", "paths => paths.map(p => p.dataset.actor)"
    )
    assert sorted(codes) == sorted(world_shapes().codes())
    assert len(codes) == len(set(codes)) >= 170
    assert {"AFG", "RUS", "CHN", "BRA", "USA", "XKX"} <= set(codes)
    visit.clean()


def test_on_4_july_2025_russia_china_and_brazil_have_three_fills(visit: Visit) -> None:
    page = visit.open("?on=2025-07-04")
    expect(shape(page, "RUS")).to_have_attribute("fill", RECOGNIZED)
    expect(shape(page, "CHN")).to_have_attribute("fill", AMBASSADOR_LEVEL)
    # Brazil: no fact recorded, drawn apart from a state with facts and no relations.
    expect(shape(page, "BRA")).to_have_attribute("fill", NO_FACT)
    expect(shape(page, "USA")).to_have_attribute("fill", NO_RELATIONS)
    fills = {shape(page, code).get_attribute("fill") for code in ("RUS", "CHN", "BRA", "USA")}
    assert len(fills) == 4
    expect(shape(page, "RUS")).to_have_attribute("role", "button")
    expect(shape(page, "RUS")).to_have_attribute("aria-label", "Russia: recognized")
    expect(shape(page, "BRA")).not_to_have_attribute("role", "button")
    visit.clean()


def test_moving_the_slider_recolours_the_map(visit: Visit) -> None:
    page = visit.open("?on=2025-07-02")
    expect(shape(page, "RUS")).to_have_attribute("fill", NO_RELATIONS)
    page.locator("#day-slider").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#day-field")).to_have_value("2025-07-03")
    expect(shape(page, "RUS")).to_have_attribute("fill", RECOGNIZED)
    # "Lifted in April 2025": on 10 April the designation may or may not still hold.
    page.locator("#day-field").fill("2025-04-10")
    expect(shape(page, "RUS")).to_have_attribute("fill", "url(#map-uncertain-designated)")
    expect(shape(page, "RUS")).to_have_attribute("data-certainty", "uncertain")
    visit.clean()


def test_pointing_at_a_state_names_it_and_clicking_selects_it(visit: Visit) -> None:
    page = visit.open("?on=2025-07-04")
    point = a_point_on(page, "RUS")
    page.mouse.move(point["x"], point["y"])
    expect(page.locator("#map-tip")).to_be_visible()
    expect(page.locator("#map-tip")).to_have_text("Russia: recognized")
    page.mouse.click(point["x"], point["y"])
    expect(page.locator("#actor-heading")).to_have_text("Russia (RUS)")
    assert query(page)["actor"] == ["RUS"]
    expect(shape(page, "RUS")).to_have_attribute("aria-pressed", "true")
    expect(page.locator('#world-rows tr[data-actor="RUS"]')).to_have_class("selected")
    # A state with no fact names itself too, and says so.
    brazil = a_point_on(page, "BRA")
    page.mouse.move(brazil["x"], brazil["y"])
    expect(page.locator("#map-tip")).to_have_text("Brazil: no fact recorded")
    visit.clean()


def test_the_keyboard_reaches_the_map_in_one_stop_and_enter_selects(visit: Visit) -> None:
    page = visit.open("?on=2025-07-04")
    stops = page.locator('#world-map path[tabindex="0"]')
    expect(stops).to_have_count(1)
    stops.first.focus()
    first = page.evaluate("() => document.activeElement.dataset.actor")
    page.keyboard.press("ArrowRight")
    second = page.evaluate("() => document.activeElement.dataset.actor")
    assert first < second
    expect(page.locator("#map-tip")).to_be_visible()
    page.keyboard.press("Enter")
    assert query(page)["actor"] == [second]
    expect(page.locator("#actor")).to_be_visible()
    expect(shape(page, second)).to_have_attribute("tabindex", "0")
    visit.clean()


@pytest.mark.parametrize("loaded", [RECORD])
def test_organisations_are_chips_beside_the_map_and_select_like_the_table(visit: Visit) -> None:
    page = visit.open("?on=2025-07-04")
    union = page.locator('#map-chips button[data-actor="EU"]')
    expect(union).to_contain_text("European Union")
    expect(page.locator('#map-chips button[data-actor="UNSC"]')).to_be_visible()
    # Every actor of the world answer is in the map or in the chips, none in both.
    on_map = set(
        page.eval_on_selector_all(
            "#world-map path[role=button]", "ps => ps.map(p => p.dataset.actor)"
        )
    )
    chips = set(
        page.eval_on_selector_all("#map-chips button", "bs => bs.map(b => b.dataset.actor)")
    )
    rows = set(
        page.eval_on_selector_all(
            "#world-rows tr[data-actor]", "rs => rs.map(r => r.dataset.actor)"
        )
    )
    assert on_map | chips == rows
    assert not on_map & chips
    union.click()
    assert query(page)["actor"] == ["EU"]
    expect(union).to_have_attribute("aria-pressed", "true")
    visit.clean()


@pytest.mark.parametrize("loaded", [RECORD])
def test_the_filter_keeps_one_stance_in_the_table_and_on_the_map(visit: Visit) -> None:
    page = visit.open("?on=2025-07-04")
    page.locator("#summary-filter").select_option("recognized")
    expect(page.locator("#world-rows tr[data-actor]:visible")).to_have_count(1)
    expect(page.locator('#world-rows tr[data-actor="RUS"]')).to_be_visible()
    expect(shape(page, "CHN")).to_have_class("state filtered-out")
    expect(shape(page, "RUS")).not_to_have_class("state filtered-out")
    assert query(page)["summary"] == ["recognized"]
    page.reload()
    page.wait_for_selector("body[data-live=open]")
    expect(page.locator("#summary-filter")).to_have_value("recognized")
    expect(page.locator("#world-rows tr[data-actor]:visible")).to_have_count(1)
    visit.clean()


@pytest.mark.parametrize("loaded", [RECORD])
def test_the_downloads_are_the_days_world_and_the_actors_history_as_csv(visit: Visit) -> None:
    page = visit.open("?on=2024-06-01&actor=KAZ")
    expect(page.locator("#actor-heading")).to_have_text("Kazakhstan (KAZ)")
    world = page.locator("#world-csv").get_attribute("href")
    assert world is not None
    assert parse_qs(urlsplit(world).query)["on"] == ["2024-06-01"]
    answer = httpx.get(world, timeout=10)
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {r["actor"] for r in rows} >= {"KAZ", "RUS", "CHN"}
    assert {r["on"] for r in rows} == {"2024-06-01"}
    history = page.locator("#history-csv").get_attribute("href")
    assert history is not None
    assert "/actors/KAZ/history" in history
    facts = list(csv.DictReader(io.StringIO(httpx.get(history, timeout=10).text)))
    assert "kaz-designation-lifted-2023-12" in {r["fact_id"] for r in facts}
    visit.clean()


@pytest.mark.parametrize("viewport", [PHONE])
def test_a_phone_shows_the_map_without_overflow(visit: Visit) -> None:
    page = visit.open("?on=2025-07-04&actor=RUS")
    expect(page.locator("#world-map")).to_be_visible()
    box = page.locator("#world-map").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 375
    assert box["height"] > 100
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert max(widths) <= 375
    visit.clean()


def _axe(page: Page) -> list[dict[str, Any]]:
    if not AXE.exists():
        _unavailable(f"no axe-core at {AXE.relative_to(ROOT)}: npm ci --prefix tools/map")
    # Evaluated, not added as a script tag: the page's policy rightly refuses inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, { runOnly: { type: 'tag', values: tags } })",
        tags,
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("loaded", [RECORD])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400px", "375px"])
@pytest.mark.parametrize("view", ["?on=2025-07-04", "?on=2024-09-04&actor=KGZ"])
def test_axe_finds_no_wcag_or_best_practice_violation(visit: Visit, view: str) -> None:
    page = visit.open(view)
    expect(shape(page, "RUS")).to_have_attribute("role", "button")
    if "actor=" in view:
        expect(page.locator("#explanation article").first).to_be_visible()
    assert _axe(page) == []
    visit.clean()


@pytest.mark.parametrize("loaded", [RECORD])
def test_the_actor_view_shows_each_part_under_the_summary(visit: Visit) -> None:
    page = visit.open("?on=2025-07-04&actor=RUS")
    rows = page.locator("#part-bands .part-row")
    expect(rows).to_have_count(6)
    parts = rows.evaluate_all("rows => rows.map(r => r.dataset.part)")
    assert parts == [
        "recognition",
        "designation",
        "taliban_envoy",
        "envoy_to_kabul",
        "sanctions",
        "assets",
    ]
    designation = page.locator('#part-bands .part-row[data-part="designation"] g.band')
    values = designation.evaluate_all("bands => bands.map(b => b.dataset.value)")
    # Russia: designated from 2003, lifted in 2025 (as the record tells it).
    assert "designated" in values
    assert values[-1] == "not_designated"
    recognition = page.locator('#part-bands .part-row[data-part="recognition"] g.band').last
    expect(recognition).to_have_attribute("data-value", "recognized")
    expect(page.locator('#band-list li[data-part="designation"]')).to_contain_text("designated")
    visit.clean()
