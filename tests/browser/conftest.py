"""The page in a real browser: Debian's Chromium driven by Playwright, never a downloaded browser.

Chromium is found at $STANCELINE_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH.
Without it (or without Playwright) every test here skips with one line, unless
STANCELINE_REQUIRE_BROWSER=1 (CI), when they fail. The network is closed here: the flags
keep Chromium from trying to reach anything but the test's own server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from stanceline.application import Stanceline
from tests.http.conftest import FIXTURES
from tests.serving import Server, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request

REQUIRE_ENV = "STANCELINE_REQUIRE_BROWSER"
TOKEN = "browser-writer-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    """The system's Chromium, if there is one."""
    wanted = os.environ.get("STANCELINE_CHROMIUM")
    if wanted:
        return wanted if Path(wanted).exists() else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


# Module-scoped, not session-scoped: Playwright's sync API keeps an event loop of its own,
# which should be gone before the other suites run.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("browser tests need Playwright: pip install -e '.[test]'")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium with a fresh profile (Playwright makes a temporary one per launch)."""
    executable = chromium_path()
    if executable is None:
        looked = os.environ.get("STANCELINE_CHROMIUM") or "/usr/bin/chromium or on PATH"
        _unavailable(f"no Chromium at {looked}: apt-get install chromium")
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    launched = playwright.chromium.launch(executable_path=executable, args=FLAGS, timeout=60_000)
    yield launched
    launched.close()


@pytest.fixture
def loaded() -> list[Path]:
    """The files the server's store holds (the first article); a test may override it."""
    return FIXTURES


@pytest.fixture
def server(tmp_path: Path, loaded: list[Path]) -> Iterator[Server]:
    """A real `stanceline serve` on a store holding `loaded`, with one writer's token."""
    store = f"sqlite:///{tmp_path / 's.db'}"
    seeding = Stanceline(store)
    try:
        for path in loaded:
            seeding.load_file(path, by="fixtures")
    finally:
        seeding.close()
    with serving(tmp_path, store, {"browser": TOKEN}) as running:
        yield running


@dataclass
class Visit:
    """A browser tab on the server, with what it logged and asked for along the way."""

    page: Page
    server: Server
    errors: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)

    def open(self, query: str = "") -> Page:
        """Load the page (with `?query`) and wait until it follows the live record."""
        self.page.goto(f"{self.server.url}/{query}")
        self.page.wait_for_selector("body[data-live=open]", timeout=TIMEOUT_MS)
        return self.page

    def record(self, fact: dict[str, Any]) -> None:
        """Record a fact through the API, as another writer would."""
        answer = httpx.post(f"{self.server.url}/facts", json=fact, headers=AUTH, timeout=10)
        assert answer.status_code == 201, answer.text

    def clean(self) -> None:
        """Nothing went wrong in the page, and it asked nobody but its own server."""
        assert self.errors == []
        assert self.elsewhere == []


def _console(errors: list[str]) -> Any:
    def seen(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} at {message.location.get('url')}")

    return seen


def _request(origin: str, elsewhere: list[str]) -> Any:
    def seen(request: Request) -> None:
        if not request.url.startswith((origin + "/", "data:")):
            elsewhere.append(request.url)

    return seen


@pytest.fixture
def viewport() -> dict[str, int]:
    """The window's size; a test that needs another overrides it."""
    return {"width": 1200, "height": 900}


@pytest.fixture
def visit(
    browser: Browser,
    server: Server,
    viewport: dict[str, int],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Visit]:
    """A fresh browser context on the server; a screenshot under tmp_path when the test fails."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    visiting = Visit(page, server)
    page.on("console", _console(visiting.errors))
    page.on("pageerror", lambda error: visiting.errors.append(str(error)))
    page.on("request", _request(server.url, visiting.elsewhere))
    try:
        yield visiting
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}\nserver log:\n{server.output()}")
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can see that the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
