"""Hostile request bodies: a problem answer naming the field (422 or 413), never a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stanceline.application.json_input import MAX_DEPTH, MAX_INT_DIGITS
from tests.factories import fact
from tests.http.conftest import ALICE, engine
from tests.http.test_api import assert_problem

DEEP_DETAILS = '{"reason": "r", "details": ' + "[" * 60 + "]" * 60 + "}"
NESTED = "[" * 1000 + "]" * 1000
CHANGES = ["/facts/rus-designation-2003/corrections", "/facts/rus-designation-2003/retractions"]


def post(client: TestClient, path: str, body: str, media: str = "application/json") -> Any:
    return client.post(path, content=body, headers={**ALICE, "Content-Type": media})


def first_error(response: httpx.Response) -> dict[str, Any]:
    problem = assert_problem(response, 422)
    error: dict[str, Any] = problem["errors"][0]
    return error


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (NESTED, "body", f"nested more than {MAX_DEPTH} levels deep"),
        (json.dumps(fact())[:-1] + ', "x": ' + "9" * 4301 + "}", "x", "an integer of more"),
        ('{"kind": "stance_stated", ' + json.dumps(fact())[1:], "kind", "duplicate key 'kind'"),
        ('{"kind": NaN}', "body", "NaN is not a JSON number"),
        (b"\xff".decode("latin-1"), "body", "invalid JSON"),
    ],
    ids=["nested", "integer", "duplicate", "nan", "latin-1"],
)
def test_a_hostile_fact_is_refused_with_the_field_named(
    seeded: TestClient, body: str, field: str, words: str
) -> None:
    before = list(engine(seeded).export())

    error = first_error(post(seeded, "/facts", body))

    assert (error["field"], words in error["message"]) == (field, True), error
    assert list(engine(seeded).export()) == before


def test_a_hostile_batch_names_the_line(seeded: TestClient) -> None:
    body = json.dumps(fact(summary="fine")) + "\n" + NESTED + "\n"

    error = first_error(post(seeded, "/facts", body, "application/x-ndjson"))

    assert (error["line"], error["message"]) == (2, f"nested more than {MAX_DEPTH} levels deep")


def test_invalid_utf8_in_a_batch_names_its_line(seeded: TestClient) -> None:
    body = json.dumps(fact()).encode() + b"\n" + b'{"summary": "\xe9"}\n'
    response = seeded.post(
        "/facts", content=body, headers={**ALICE, "Content-Type": "application/x-ndjson"}
    )

    assert "line 2: not UTF-8: byte 0xe9" in first_error(response)["message"]


@pytest.mark.parametrize("path", CHANGES)
@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ('{"reason": "r",', "body", "invalid JSON"),
        (NESTED, "body", f"nested more than {MAX_DEPTH} levels deep"),
        (DEEP_DETAILS, "details", f"nested more than {MAX_DEPTH} levels deep"),
        ('{"reason": "r", "reason": "s"}', "reason", "duplicate key 'reason'"),
        ('{"reason": ' + "1" * (MAX_INT_DIGITS + 1) + "}", "reason", "an integer of more"),
        ('["reason"]', "body", "expected the change as a JSON object"),
        ('{"reason": ""}', "reason", "at least 1 character"),
    ],
    ids=["malformed", "nested", "deep-details", "duplicate", "integer", "array", "empty"],
)
def test_a_hostile_change_is_refused_with_the_field_named(
    seeded: TestClient, path: str, body: str, field: str, words: str
) -> None:
    if "details" in body and path.endswith("retractions"):
        field = "details"
    error = first_error(post(seeded, path, body))

    assert error["field"] == field, error
    assert words in error["message"], error


def test_a_fact_id_the_store_could_never_hold_is_refused_by_its_pattern(
    seeded: TestClient,
) -> None:
    error = first_error(post(seeded, "/facts/not%20an%20id/retractions", '{"reason": "r"}'))

    assert error["field"] == "fact_id"


# The HTTP body parser's fuzz target: whatever bytes arrive at a write endpoint, the answer
# is the write or one problem, never a 5xx, and a refused body stores nothing.

WRITES = [
    ("/facts", "application/json"),
    ("/facts", "application/x-ndjson"),
    *((path, "application/json") for path in CHANGES),
    ("/facts/rus-designation-2003/reinstatements", "application/json"),
]
NEAR_JSON = st.text(alphabet='{}[]":,0123456789.-+eE \\\n\u2028\xffkindactorsummary', max_size=120)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    write=st.sampled_from(WRITES),
    body=st.one_of(st.binary(max_size=400), NEAR_JSON.map(lambda text: text.encode())),
)
def test_any_body_is_written_or_refused_in_one_problem(
    seeded: TestClient, write: tuple[str, str], body: bytes
) -> None:
    path, media = write
    before = engine(seeded).log.head()

    response = seeded.post(path, content=body, headers={**ALICE, "Content-Type": media})

    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        problem = assert_problem(response, response.status_code)
        assert "\n" not in problem["detail"]
        assert engine(seeded).log.head() == before
