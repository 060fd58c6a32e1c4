"""Schemathesis against the app's own /openapi.json: no 5xx, and every answer as documented."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from stanceline.interfaces.http import create_app, stanceline_of
from tests.http.conftest import ALICE, FIXTURES, TOKENS

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@schemathesis.serializer("application/x-ndjson", "application/jsonl")
def _jsonl(ctx: object, value: object) -> bytes:
    """A JSON Lines body as sent: generated text, or bytes as they are."""
    return value if isinstance(value, bytes) else str(value).encode()


@pytest.fixture
def api_schema(store: str) -> Iterator[schemathesis.BaseSchema]:
    """The schema of an app on a seeded store (schemathesis ends ASGI lifespans after each test)."""
    api = create_app(store, tokens=TOKENS)
    for path in FIXTURES:
        stanceline_of(api).load_file(path, by="fixtures")
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", api)
    finally:
        asgi.shutdown_lifespans()
        stanceline_of(api).close()  # in case no request started the lifespan


OPERATIONS = [
    ("GET", "/actors/{actor}/stance"),
    ("GET", "/actors/{actor}/history"),
    ("GET", "/actors/{actor}/explain"),
    ("GET", "/actors/{actor}/timeline"),
    ("GET", "/world"),
    ("GET", "/status"),
    ("GET", "/diff"),
    ("GET", "/facts/{fact_id}"),
    ("GET", "/events"),
    ("GET", "/changes"),
    ("POST", "/facts"),
    ("POST", "/facts/{fact_id}/corrections"),
    ("POST", "/facts/{fact_id}/retractions"),
    ("POST", "/facts/{fact_id}/reinstatements"),
    ("POST", "/facts/{fact_id}/ranks"),
    ("GET", "/claims/{key}"),
    ("GET", "/sources"),
]


def test_the_schema_documents_every_endpoint(api_schema: schemathesis.BaseSchema) -> None:
    documented = {
        (method.upper(), path)
        for path, item in api_schema.raw_schema["paths"].items()
        for method in item
    }
    # The stream never ends by itself: it has tests of its own in test_api.py.
    assert documented == {*OPERATIONS, ("GET", "/events/stream")}


# schemathesis.pytest.from_fixture needs pytest's private Function._nodeid, gone in pytest 9:
# each operation's Hypothesis strategy is driven directly instead.
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_answer_is_documented_and_none_is_a_server_error(
    api_schema: schemathesis.BaseSchema, method: str, path: str
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: Case) -> None:
        case.call_and_validate(headers=dict(ALICE), checks=CHECKS)

    check()
