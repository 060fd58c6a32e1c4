"""The page at `/`: served from the package, kept out of the API's schema, using only the API."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from stanceline.domain.changes import EVENT_TYPES
from stanceline.domain.events import TYPE_PREFIX
from tests.http.conftest import TestClient
from tests.http.test_api import assert_problem

STATIC = files("stanceline.interfaces.http") / "static"


def app_js() -> str:
    return (STATIC / "app.js").read_text(encoding="utf-8")


def test_the_page_and_its_files_are_served_with_a_strict_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    # The browser may load nothing but this server's own files and answers.
    assert "default-src 'none'" in policy
    for directive in ("script-src", "style-src", "connect-src"):
        assert f"{directive} 'self'" in policy
    linked = re.findall(r'(?:src|href)="(static/[^"]+)"', page.text)
    assert sorted(linked) == ["static/app.js", "static/style.css"]
    types = {"static/app.js": "text/javascript", "static/style.css": "text/css"}
    for path in linked:
        answer = client.get(f"/{path}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(types[path])
        assert answer.content == (STATIC / path.removeprefix("static/")).read_bytes()


@pytest.mark.parametrize("name", ["index.html", "nope.js", "..%2Fpage.py", "%2E%2E"])
def test_only_the_page_files_are_served(client: TestClient, name: str) -> None:
    assert_problem(client.get(f"/static/{name}"), 404)


def test_the_page_is_not_part_of_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not any(path.startswith("/static") for path in paths)


def test_the_page_asks_only_for_documented_api_paths(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in paths}
    asked = re.findall(r"(?:getJSON|apiUrl)\(\s*[`\"]([^`\"]+)[`\"]", app_js())
    assert asked, "the page asks the API nothing?"
    for path in asked:
        assert "/" + re.sub(r"\$\{[^}]+\}", "{}", path) in documented, path


def test_the_page_listens_for_every_event_type_the_server_sends() -> None:
    # EventSource hands a named event only to a listener of that name.
    block = re.search(r"const EVENT_TYPES = \[(.*?)\]", app_js(), re.DOTALL)
    assert block is not None
    listed = {TYPE_PREFIX + name for name in re.findall(r'"([^"]+)"', block.group(1))}
    sent = {f"{TYPE_PREFIX}{cls.__name__}.v{cls.class_version}" for cls in EVENT_TYPES.values()}
    assert listed == sent
