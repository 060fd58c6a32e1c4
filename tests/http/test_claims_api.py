"""Sources that disagree over HTTP: ranks, a happening's claims, according_to on the reads."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.http.conftest import ALICE, LIFT, cli_json
from tests.http.test_api import assert_problem

EXAMPLE = {
    "id": "rus-lifting-example",
    "kind": "terrorist_designation_lifted",
    "actor": "RUS",
    "date": "2025-04-17",
    "summary": "Example only: the lifting dated to the day",
    "source": {"title": "Example only: an invented report", "publisher": "Example Outlet"},
    "event": "rus-lifting",
}


def disputed(seeded: TestClient) -> TestClient:
    """The fixtures, with the lifting of April 2025 and an invented claim of 17 April."""
    correction = {"reason": "the same happening", "event": "rus-lifting"}
    assert (
        seeded.post(f"/facts/{LIFT}/corrections", json=correction, headers=ALICE).status_code == 201
    )
    assert seeded.post("/facts", json=EXAMPLE, headers=ALICE).status_code == 201
    return seeded


def stance(client: TestClient, query: str) -> dict[str, Any]:
    answer = client.get(f"/actors/RUS/stance?on=2025-04-10{query}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_dispute_shows_in_the_stance_and_according_to_each_source(seeded: TestClient) -> None:
    client = disputed(seeded)
    body = stance(client, "")
    assert (body["summary"]["disputed"], body["components"]["designation"]["disputed"]) == (
        True,
        True,
    )
    assert body["according_to"] is None
    invented = stance(client, "&according_to=example%20outlet")
    assert invented["according_to"] == "example outlet"
    assert invented["components"]["designation"]["default"] is True  # it tells of no ban
    clash = stance(client, "&according_to=Clash%20Report")
    assert clash["components"]["designation"]["disputed"] is False
    world = client.get("/world?on=2025-04-10&according_to=Example%20Outlet").json()
    assert [r["actor"] for r in world] == [r["actor"] for r in client.get("/world").json()]
    assert_problem(client.get("/world?according_to="), 422)


def test_a_rank_is_a_change_of_its_own_and_decides_the_dispute(seeded: TestClient) -> None:
    client = disputed(seeded)
    made = client.post(
        f"/facts/{LIFT}/ranks", json={"rank": "preferred", "reason": "the seed's own words"},
        headers=ALICE,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert (made.json()["change"], made.headers["location"]) == ("ranked", f"/facts/{LIFT}")
    assert made.json()["fact"]["rank"] == "preferred"
    assert stance(client, "")["summary"]["disputed"] is False
    again = client.post(
        f"/facts/{LIFT}/ranks", json={"rank": "preferred", "reason": "again"}, headers=ALICE
    )
    assert "changes nothing" in assert_problem(again, 422)["detail"]
    assert_problem(client.post(f"/facts/{LIFT}/ranks", json={"rank": "normal", "reason": "x"}), 401)
    assert_problem(
        client.post("/facts/nope/ranks", json={"rank": "normal", "reason": "x"}, headers=ALICE),
        404,
    )
    assert_problem(
        client.post(f"/facts/{LIFT}/ranks", json={"rank": "best", "reason": "x"}, headers=ALICE),
        422,
    )
    events = client.get("/events?after=0&limit=100").json()
    assert events[-1]["type"] == "org.stanceline.FactRanked.v1"


def test_the_claims_of_a_happening(seeded: TestClient) -> None:
    client = disputed(seeded)
    body = client.get("/claims/rus-lifting?on=2025-04-10").json()
    assert (body["event"], body["part"], body["answer"]["disputed"]) == (
        "rus-lifting",
        "designation",
        True,
    )
    assert [(c["id"], c["status"]) for c in body["claims"]] == [
        (LIFT, "counts"),
        ("rus-lifting-example", "counts"),
    ]
    assert [c["alone"]["alternatives"] for c in body["claims"]] == [["not_designated"], []]
    assert client.get(f"/claims/{LIFT}?on=2025-04-10").json() == body
    assert_problem(client.get("/claims/nope"), 404)


def test_sources_lists_every_cited_source_as_the_cli_does(seeded: TestClient, store: str) -> None:
    answer = seeded.get("/sources")
    of_russia = seeded.get("/sources?actor=Russia").json()

    assert answer.status_code == 200
    assert answer.json() == cli_json(store, "sources", "--json")
    assert (answer.json()["facts"], answer.json()["actors"]) == (14, 7)
    assert (of_russia["actor"], of_russia["facts"]) == ("RUS", 6)
    assert {fact["actor"] for s in of_russia["sources"] for fact in s["facts"]} == {"RUS"}


def test_sources_of_an_unknown_actor_is_a_problem(seeded: TestClient) -> None:
    problem = assert_problem(seeded.get("/sources?actor=Atlantis"), 404)

    assert "Atlantis" in problem["detail"]
