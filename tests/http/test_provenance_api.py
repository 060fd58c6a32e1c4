"""Provenance over HTTP: the same JSON as the CLI's, field changes, and retracted facts in a
history."""

from __future__ import annotations

from typing import Any

import pytest

from tests.http.conftest import ALICE, LIFT, STATEMENT, TestClient, cli_json
from tests.http.test_api import assert_problem


def posted(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(path, json=body, headers=ALICE)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_correction_answers_the_fields_it_changed(seeded: TestClient) -> None:
    body = {"reason": "its link", "source": {"url": "https://example.org/a"}, "date": "2003-02"}

    change = posted(seeded, "/facts/rus-designation-2003/corrections", body)
    retraction = posted(seeded, "/facts/rus-designation-2003/retractions", {"reason": "r"})

    assert change["changes"] == [
        {"field": "date", "from": "2003", "to": "2003-02"},
        {"field": "source.url", "from": None, "to": "https://example.org/a"},
    ]
    assert (retraction["changes"], retraction["reason"]) == ([], "r")


@pytest.mark.parametrize(
    ("path", "command"),
    [
        (f"/facts/{LIFT}", f"fact {LIFT}"),
        ("/actors/RUS/history", "history RUS"),
        ("/actors/RUS/history?all=true", "history RUS --all"),
        ("/actors/RUS/history?all=true&known_at=@15", "history RUS --all --known-at @15"),
    ],
)
def test_provenance_answers_what_the_cli_prints(
    amended: TestClient, store: str, path: str, command: str
) -> None:
    answer = amended.get(path)

    assert answer.status_code == 200, answer.text
    assert answer.json() == cli_json(store, *command.split(), "--json")


def test_fact_versions_list_their_field_changes(amended: TestClient) -> None:
    versions = amended.get(f"/facts/{LIFT}").json()["versions"]

    assert [v["changes"] for v in versions] == [
        [],
        [{"field": "date", "from": "2025-04", "to": "2025-04-17"}],
    ]


def test_history_all_adds_the_retracted_fact_with_its_status(amended: TestClient) -> None:
    counting = amended.get("/actors/RUS/history").json()["entries"]
    every = amended.get("/actors/RUS/history", params={"all": "true"}).json()["entries"]

    assert STATEMENT not in {e["fact_id"] for e in counting}
    statement = next(e for e in every if e["fact_id"] == STATEMENT)
    assert (statement["status"], statement["changed"]) == ("retracted", False)
    assert statement["status_change"]["reason"] == "a paraphrase"
    assert statement["status_change"]["recorded_by"] == "alice"
    lift = next(e for e in counting if e["fact_id"] == LIFT)
    assert [(c["version"], c["recorded_by"], c["reason"]) for c in lift["corrections"]] == [
        (2, "alice", "the ruling")
    ]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/actors/RUS/history?all=maybe", "all"),
        ("/actors/RUS/history?all=true&known_at=@x", "known_at"),
    ],
)
def test_bad_history_queries_are_422_naming_the_field(
    amended: TestClient, path: str, field: str
) -> None:
    problem = assert_problem(amended.get(path), 422)

    assert field in {e["field"] for e in problem["errors"]}
