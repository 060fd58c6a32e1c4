"""A knowledge diff over HTTP without known_to: what the record learned up to now."""

from __future__ import annotations

import pytest

from tests.http.conftest import TestClient, cli_json
from tests.http.test_api import assert_problem


def test_a_knowledge_diff_without_known_to_is_up_to_now(amended: TestClient) -> None:
    alone = amended.get("/diff", params={"actor": "RUS", "known_from": "@14"}).json()
    explicit = amended.get(
        "/diff", params={"actor": "RUS", "known_from": "@14", "known_to": "@16"}
    ).json()

    assert alone == explicit
    assert (alone["known_to"], alone["to_position"]) == ("@16", 16)


@pytest.mark.parametrize(
    ("path", "command"),
    [
        ("/diff?actor=RUS&known_from=@14", "diff RUS --known-from @14"),
        (
            "/diff?all=true&known_from=@15&on=2025-07-04",
            "diff --all --known-from @15 --on 2025-07-04",
        ),
    ],
)
def test_a_knowledge_diff_to_now_answers_what_the_cli_prints(
    amended: TestClient, store: str, path: str, command: str
) -> None:
    answer = amended.get(path)

    assert answer.status_code == 200, answer.text
    assert answer.json() == cli_json(store, *command.split(), "--json")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/diff?actor=RUS&known_to=@2", "known_from"),
        ("/diff?actor=RUS&known_from=@1&known_at=@2", "known_at"),
    ],
)
def test_a_knowledge_diff_s_usage_errors_are_422_naming_the_field(
    amended: TestClient, path: str, field: str
) -> None:
    problem = assert_problem(amended.get(path), 422)

    assert field in {e["field"] for e in problem["errors"]}
