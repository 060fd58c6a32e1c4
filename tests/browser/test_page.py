"""The page at `/` in headless Chromium, against a real server holding the fixtures."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import REQUIRE_ENV, Visit
from tests.factories import fact

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:
    if os.environ.get(REQUIRE_ENV) == "1":
        raise
    pytest.skip("browser tests need Playwright: pip install -e '.[test]'", allow_module_level=True)

pytestmark = pytest.mark.browser

CREDENTIALS = "rus-ambassador-credentials-2025-07-03"
CREDENTIALS_SUMMARY = (
    "Russia accepts the credentials of the Taliban-appointed ambassador of Afghanistan"
)
SOURCE_TITLE = (
    "Clash Report article of 4 July 2025 on Russia's recognition of the Taliban government"
)


def cell(page: Page, actor: str) -> Locator:
    return page.locator(f'#world-rows tr[data-actor="{actor}"] td.cell')


def actor_button(page: Page, actor: str) -> Locator:
    return page.locator(f'#world-rows button[data-actor="{actor}"]')


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_the_slider_moves_the_world_to_a_day_and_russia_turns_recognized(visit: Visit) -> None:
    page = visit.open("?on=2025-07-02")
    expect(cell(page, "RUS")).to_have_attribute("data-summary", "no_relations")
    slider = page.locator("#day-slider")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#day-field")).to_have_value("2025-07-03")
    expect(slider).to_have_attribute("aria-valuetext", "3 July 2025")
    expect(cell(page, "RUS")).to_have_attribute("data-summary", "recognized")
    expect(cell(page, "RUS")).to_have_text("recognized")
    expect(page.locator("#world-heading")).to_have_text("The world on 3 July 2025")
    assert query(page)["on"] == ["2025-07-03"]
    visit.clean()


def test_the_slider_can_be_set_and_spans_the_earliest_fact_to_today(visit: Visit) -> None:
    page = visit.open()
    slider = page.locator("#day-slider")
    # The fixtures' earliest fact is Russia's designation "2003": from 2003-01-01.
    expect(page.locator("#day-min")).to_have_text("2003-01-01")
    offset = page.evaluate("() => (Date.UTC(2025, 6, 3) - Date.UTC(2003, 0, 1)) / 86400000")
    slider.evaluate(
        "(slider, value) => { slider.value = String(value);"
        " slider.dispatchEvent(new Event('input', { bubbles: true })); }",
        offset,
    )
    expect(page.locator("#day-field")).to_have_value("2025-07-03")
    expect(cell(page, "RUS")).to_have_attribute("data-summary", "recognized")
    visit.clean()


def test_the_date_field_moves_the_slider_and_uncertain_cells_are_marked(visit: Visit) -> None:
    page = visit.open("?on=2025-07-03")
    page.locator("#day-field").fill("2025-04-10")
    russia = cell(page, "RUS")
    # "Lifted in April 2025": on 10 April the designation may or may not still hold.
    expect(russia).to_have_attribute("data-certainty", "uncertain")
    expect(russia).to_have_class(re.compile(r"\buncertain\b"))
    expect(russia).to_contain_text("uncertain: maybe no relations")
    stripes = russia.evaluate("cell => getComputedStyle(cell).backgroundImage")
    assert "repeating-linear-gradient" in stripes
    offset = int(page.locator("#day-slider").input_value())
    assert offset == page.evaluate("() => (Date.UTC(2025, 3, 10) - Date.UTC(2003, 0, 1)) / 864e5")
    expect(cell(page, "USA")).to_have_attribute("data-certainty", "certain")
    visit.clean()


def test_selecting_russia_shows_its_timeline_the_credentials_fact_and_its_source(
    visit: Visit,
) -> None:
    page = visit.open("?on=2025-07-03")
    actor_button(page, "RUS").click()
    expect(page.locator("#actor-heading")).to_have_text("Russia (RUS)")
    credentials = page.locator(f'#explanation li.fact[data-fact="{CREDENTIALS}"]')
    expect(credentials).to_contain_text(CREDENTIALS_SUMMARY)
    expect(credentials.locator(".source")).to_contain_text(SOURCE_TITLE)
    expect(credentials.locator(".source")).to_contain_text("Clash Report, 2025-07-04")
    expect(credentials.locator("time")).to_have_text("2025-07-03")
    # The timeline: the same bands as GET /actors/RUS/timeline, uncertain ones striped.
    bands = page.locator("#timeline-chart svg g.band")
    expect(bands.last).to_have_attribute("data-value", "recognized")
    uncertain = page.locator("#timeline-chart svg g.band.uncertain")
    assert uncertain.count() >= 1
    assert uncertain.first.locator('rect[fill="url(#hatch)"]').count() == 1
    mark = page.locator(f'#timeline-chart svg g.fact-mark[data-fact="{CREDENTIALS}"]')
    expect(mark).to_have_count(1)
    expect(page.locator(f'#fact-list li[data-fact="{CREDENTIALS}"]')).to_contain_text("2025-07-03")
    expect(page.locator("#band-list li").first).to_contain_text("uncertain")
    assert query(page) == {"on": ["2025-07-03"], "actor": ["RUS"]}
    # The URL is the view: reloading it (or sharing it) shows the same.
    page.reload()
    page.wait_for_selector("body[data-live=open]")
    expect(actor_button(page, "RUS")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#day-field")).to_have_value("2025-07-03")
    expect(page.locator(f'#explanation li.fact[data-fact="{CREDENTIALS}"]')).to_be_visible()
    visit.clean()


def test_a_fact_recorded_elsewhere_appears_without_a_reload(visit: Visit) -> None:
    page = visit.open("?on=2025-07-03&actor=RUS")
    expect(page.locator(f'#fact-list li[data-fact="{CREDENTIALS}"]')).to_be_visible()
    expect(page.locator('#world-rows tr[data-actor="KAZ"]')).to_have_count(0)
    page.evaluate("() => { window.notReloaded = true; }")
    visit.record(
        fact(
            id="kaz-ambassador-2024",
            kind="envoy_posted_to_kabul",
            actor="Kazakhstan",
            date="2024-07-01",
            summary="Kazakhstan posts an ambassador to Kabul",
            source={"title": "Astana's announcement", "url": "https://example.org/kaz"},
            details={"level": "ambassador"},
        )
    )
    visit.record(
        fact(
            id="rus-statement-2025-07-03-late",
            actor="RUS",
            date="2025-07-03",
            summary="Moscow says more about Kabul",
        )
    )
    expect(cell(page, "KAZ")).to_have_attribute("data-summary", "ambassador_level")
    statement = page.locator('#fact-list li[data-fact="rus-statement-2025-07-03-late"]')
    expect(statement).to_contain_text("Moscow says more about Kabul")
    expect(page.locator("#announcer")).to_contain_text("Updated from the live record")
    assert page.evaluate("() => window.notReloaded") is True
    # The new actor's source is a link, since it has a url.
    actor_button(page, "KAZ").click()
    link = page.locator('#explanation li.fact[data-fact="kaz-ambassador-2024"] .source a')
    expect(link).to_have_attribute("href", "https://example.org/kaz")
    expect(link).to_have_text("Astana's announcement")
    visit.clean()


def test_the_keyboard_alone_reaches_and_selects_an_actor(visit: Visit) -> None:
    page = visit.open("?on=2025-07-03")
    expect(cell(page, "RUS")).to_have_attribute("data-summary", "recognized")
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement.id || document.activeElement.dataset.actor || ''"
        )
        reached.append(focused)
        if focused == "RUS":
            break
    assert "day-slider" in reached
    assert "day-field" in reached
    assert reached[-1] == "RUS", reached
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    expect(actor_button(page, "RUS")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'#explanation li.fact[data-fact="{CREDENTIALS}"]')).to_be_visible()
    expect(page.locator("#announcer")).to_contain_text("Russia")
    # Shift+Tab back to the row above, and Space selects it.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    above = page.evaluate("() => document.activeElement.dataset.actor")
    expect(actor_button(page, above)).to_have_attribute("aria-pressed", "true")
    expect(actor_button(page, "RUS")).to_have_attribute("aria-pressed", "false")
    assert query(page)["actor"] == [above]
    visit.clean()


def test_the_page_names_its_controls_and_regions(visit: Visit) -> None:
    page = visit.open("?on=2025-07-03")
    expect(page.get_by_label("Day", exact=True)).to_have_attribute("type", "range")
    expect(page.get_by_label("Date", exact=True)).to_have_attribute("type", "date")
    expect(page.get_by_role("status")).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("button", name="Russia RUS")).to_be_visible()
    expect(page.get_by_role("table")).to_be_visible()
    visit.clean()


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 740}])
def test_the_page_fits_a_phone(visit: Visit) -> None:
    page = visit.open("?on=2025-04-10&actor=RUS")
    expect(page.locator('#explanation article[data-component="designation"]')).to_be_visible()
    expect(page.locator("#timeline-chart svg")).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth,"
        " document.documentElement.clientWidth]"
    )
    assert widths[0] <= 375
    assert widths[1] <= 375
    assert widths[2] == 375
    box = cell(page, "RUS").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 375
    visit.clean()


def test_known_at_answers_as_the_record_stood(visit: Visit) -> None:
    # @2: only the first two events, Russia's designation and its lifting.
    page = visit.open("?on=2025-07-03&known_at=@2")
    expect(cell(page, "RUS")).to_have_attribute("data-summary", "no_relations")
    expect(page.locator('#world-rows tr[data-actor="CHN"]')).to_have_count(0)
    expect(page.locator("#known-at")).to_contain_text("@2")
    assert query(page)["known_at"] == ["@2"]
    visit.clean()


def test_disputed_values_and_defaults_are_marked_apart_from_uncertain_ones(visit: Visit) -> None:
    for day, fact_id in (
        ("2024-09-02", "kgz-delisting-2-sep"),
        ("2024-09-06", "kgz-delisting-6-sep"),
    ):
        visit.record(
            {
                "id": fact_id,
                "kind": "terrorist_designation_lifted",
                "actor": "KGZ",
                "date": day,
                "summary": "Kyrgyzstan removes the Taliban from its banned list",
                "source": {"title": f"A report dating it {day}", "publisher": f"Outlet {day}"},
                "event": "kgz-delisting",
            }
        )
    visit.record(
        {
            "kind": "terrorist_designation_imposed",
            "actor": "KGZ",
            "date": "2006",
            "summary": "Kyrgyzstan bans the Taliban",
            "source": {"title": "A report of the ban"},
        }
    )
    page = visit.open("?on=2024-09-04")
    kyrgyzstan = cell(page, "KGZ")
    expect(kyrgyzstan).to_have_attribute("data-disputed", "true")
    expect(kyrgyzstan).to_have_class(re.compile(r"\bdisputed\b"))
    expect(kyrgyzstan).to_contain_text("disputed: sources disagree; maybe")
    # The EU has stated a stance, and no fact moves any part of it: no fact recorded.
    europe = cell(page, "EU")
    expect(europe).to_have_attribute("data-default", "true")
    expect(europe).to_contain_text("no fact recorded")
    expect(cell(page, "RUS")).to_have_attribute("data-default", "false")
    actor_button(page, "KGZ").click()
    expect(page.locator("#explanation")).to_contain_text("Sources disagree")
    expect(page.locator("#timeline-chart svg g.band.disputed")).to_have_count(1)
    visit.clean()
