"""The HTTP API on a real SQLite file: reads match the CLI, the feed, writes, auth and problems."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

import httpx
import pytest
from cloudevents.core.formats.json import JSONFormat

from stanceline.application import Stanceline
from tests.factories import event_count, fact
from tests.http.conftest import (
    ALICE,
    BOB,
    TOKENS,
    ClientFactory,
    LiveServer,
    SSEReader,
    TestClient,
    cli_json,
    engine,
    sse_headers,
)

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and no trace of the code behind it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert set(problem) >= PROBLEM_KEYS
    assert problem["status"] == status
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    return problem


def post_jsonl(client: TestClient, lines: list[Any], headers: dict[str, str]) -> httpx.Response:
    body = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    return client.post(
        "/facts", content=body, headers={**headers, "Content-Type": "application/x-ndjson"}
    )


# Reads: the same JSON as the CLI's --json


@pytest.mark.parametrize("on", ["2025-05-01", "2025-07-04"])
@pytest.mark.parametrize("known_at", [None, "@3"])
def test_stance_world_and_history_answer_what_the_cli_prints(
    seeded: TestClient, store: str, on: str, known_at: str | None
) -> None:
    params = {"on": on, **({"known_at": known_at} if known_at else {})}
    known = ["--known-at", known_at] if known_at else []
    for actor in ("RUS", "Russia", "USA", "EU"):
        answer = seeded.get(f"/actors/{actor}/stance", params=params)
        assert answer.status_code == 200
        assert answer.json() == cli_json(store, "stance", actor, "--on", on, "--json", *known)
    answer = seeded.get("/world", params=params)
    assert answer.json() == cli_json(store, "world", "--on", on, "--json", *known)
    answer = seeded.get("/actors/RUS/history", params={"known_at": known_at} if known_at else {})
    assert answer.json() == cli_json(store, "history", "RUS", "--json", *known)


def test_stance_sends_the_report_s_json_bytes_whichever_way_it_is_answered(
    seeded: TestClient,
) -> None:
    july_4 = date(2025, 7, 4)
    # First asked: Russia's index is behind the load, rebuilt off the event loop; then
    # asked again: answered on the loop from the index (on SQLite); then as known at @3.
    for known_at in (None, None, "@3"):
        params = {"on": "2025-07-04", **({"known_at": known_at} if known_at else {})}
        answer = seeded.get("/actors/Russia/stance", params=params)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        report = engine(seeded).stance("RUS", july_4, known_at)
        assert answer.content == report.model_dump_json(by_alias=True).encode()
        assert answer.headers["content-length"] == str(len(answer.content))


def test_status_answers_what_the_cli_prints_and_follows_writes(
    seeded: TestClient, store: str
) -> None:
    answer = seeded.get("/status")
    assert answer.status_code == 200
    assert answer.json() == cli_json(store, "status", "--json")
    assert answer.json()["position"] == 14
    posted = post_jsonl(seeded, [fact(actor="KAZ", date="2001-05")], ALICE)
    assert posted.status_code == 201, posted.text
    after = seeded.get("/status").json()
    assert (after["position"], after["actors"], after["first_day"]) == (15, 8, "2001-05-01")


def test_explain_diff_and_fact_answer_what_the_cli_prints(seeded: TestClient, store: str) -> None:
    pairs = [
        ("/actors/RUS/explain?on=2025-07-04", "explain RUS --on 2025-07-04"),
        (
            "/diff?actor=RUS&from=2025-01-01&to=2025-07-04",
            "diff RUS --from 2025-01-01 --to 2025-07-04",
        ),
        (
            "/diff?all=true&from=2025-01-01&to=2025-07-04&known_at=@10",
            "diff --all --from 2025-01-01 --to 2025-07-04 --known-at @10",
        ),
        (
            "/diff?all=true&known_from=@5&known_to=@14&on=2025-07-04",
            "diff --all --known-from @5 --known-to @14 --on 2025-07-04",
        ),
        ("/facts/rus-designation-2003", "fact rus-designation-2003"),
    ]
    for path, command in pairs:
        answer = seeded.get(path)
        assert answer.status_code == 200, answer.text
        assert answer.json() == cli_json(store, *command.split(), "--json")


def test_on_defaults_to_today_in_utc(seeded: TestClient) -> None:
    today = datetime.now(UTC).date().isoformat()
    assert seeded.get("/actors/RUS/stance").json()["on"] == today
    assert seeded.get("/actors/RUS/explain").json()["on"] == today
    assert {r["on"] for r in seeded.get("/world").json()} == {today}


def test_known_at_answers_as_the_engine_would_have(seeded: TestClient) -> None:
    before = seeded.get("/actors/RUS/stance?on=2025-07-04").json()
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    answer = seeded.post(
        "/facts/rus-recognition-2025-07-03/retractions", json={"reason": "test"}, headers=ALICE
    )
    assert answer.status_code == 201
    now = seeded.get("/actors/RUS/stance?on=2025-07-04").json()
    assert now["components"]["recognition"]["value"] == "none"
    for known_at in ("@14", moment):
        then = seeded.get("/actors/RUS/stance", params={"on": "2025-07-04", "known_at": known_at})
        assert then.json()["components"] == before["components"]
        assert then.json()["known_at"] is not None
    history = seeded.get("/actors/RUS/history", params={"known_at": "@14"}).json()
    assert "rus-recognition-2025-07-03" in {e["fact_id"] for e in history["entries"]}


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/actors/{actor}/stance", "/events", "/events/stream", "/facts"} <= set(schema["paths"])
    assert "StanceReport" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200


# Problems


def test_unknown_actor_is_404_with_suggestions(seeded: TestClient) -> None:
    for path in ("/actors/Rusia/stance", "/actors/Rusia/history", "/actors/Rusia/explain"):
        problem = assert_problem(seeded.get(path), 404)
        assert problem["type"].endswith("unknown-actor")
        assert "RUS" in problem["detail"]
        assert problem["instance"] == path
        assert any("RUS" in s for s in problem["suggestions"])
    assert_problem(seeded.get("/events?actor=Rusia"), 404)
    assert_problem(seeded.get("/events/stream?actor=Rusia"), 404)


def test_unknown_fact_is_404(seeded: TestClient) -> None:
    problem = assert_problem(seeded.get("/facts/no-such-fact"), 404)
    assert problem["type"].endswith("unknown-fact")
    retract = seeded.post("/facts/no-such-fact/retractions", json={"reason": "x"}, headers=ALICE)
    assert_problem(retract, 404)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/actors/RUS/stance?on=2025-02-30", "on"),
        ("/actors/RUS/stance?on=yesterday", "on"),
        ("/actors/RUS/stance?known_at=last-tuesday", "known_at"),
        ("/world?known_at=2025-13-01", "known_at"),
        ("/events?limit=0", "limit"),
        ("/events?limit=1001", "limit"),
        ("/events?after=-1", "after"),
        ("/events?kind=rumour", "kind"),
        ("/changes?limit=5000", "limit"),
        ("/diff?from=2025-01-01&to=2025-02-01", "actor"),
        ("/diff?actor=RUS&all=true&from=2025-01-01&to=2025-02-01", "actor"),
        ("/diff?actor=RUS&from=2025-01-01&known_from=@1&known_to=@2", "from"),
        ("/diff?actor=RUS&from=2025-03-01&to=2025-02-01", "to"),
        ("/diff?actor=RUS&known_from=@1&known_to=nope", "known_to"),
    ],
)
def test_bad_query_parameters_are_422_naming_the_field(
    seeded: TestClient, path: str, field: str
) -> None:
    problem = assert_problem(seeded.get(path), 422)
    assert field in {e["field"] for e in problem["errors"]}


def test_a_bad_last_event_id_is_422(seeded: TestClient) -> None:
    problem = assert_problem(seeded.get("/events/stream", headers={"Last-Event-ID": "x"}), 422)
    assert problem["errors"][0]["field"] == "last-event-id"


def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    assert_problem(client.get("/nowhere"), 404)
    assert_problem(client.delete("/facts/x"), 405)


def test_an_unexpected_error_is_a_500_problem_without_internals(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(raise_server_exceptions=False)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail of /srv/internal.py")

    monkeypatch.setattr(engine(client), "world", broken)
    problem = assert_problem(client.get("/world"), 500)
    assert "secret" not in json.dumps(problem)
    assert "RuntimeError" not in json.dumps(problem)


# The feed


def record_changes(client: TestClient) -> None:
    """Add a correction, a retraction and a reinstatement to the seeded log (17 events)."""
    fact_id = "rus-designation-lifted-2025-04"
    for path, body in [
        ("corrections", {"reason": "the ministry's decree", "date": "2025-04-17"}),
        ("retractions", {"reason": "doubtful source"}),
        ("reinstatements", {"reason": "confirmed"}),
    ]:
        answer = client.post(f"/facts/{fact_id}/{path}", json=body, headers=ALICE)
        assert answer.status_code == 201, answer.text


def walk(client: TestClient, url: str) -> Iterator[list[dict[str, Any]]]:
    """Follow the Link headers from `url` until a page comes back empty."""
    for _ in range(100):
        page = client.get(url)
        assert page.status_code == 200
        assert page.headers["content-type"] == "application/cloudevents-batch+json"
        link = page.headers["link"]
        assert link.endswith('>; rel="next"')
        url = link[1 : link.index(">")]
        if not page.json():
            return
        yield page.json()
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("limit", [1, 4, 100])
def test_following_the_link_header_walks_the_whole_log_exactly_once(
    seeded: TestClient, limit: int
) -> None:
    record_changes(seeded)
    pages = list(walk(seeded, f"/events?limit={limit}"))
    positions = [event["position"] for page in pages for event in page]
    assert positions == list(range(1, 18))
    assert all(len(page) <= limit for page in pages)
    assert len({event["id"] for page in pages for event in page}) == 17


def test_the_link_header_keeps_the_filters(seeded: TestClient) -> None:
    first = seeded.get("/events?limit=2&actor=Russia&kind=stance_stated")
    assert [e["subject"] for e in first.json()] == ["RUS", "RUS"]
    assert {e["data"]["kind"] for e in first.json()} == {"stance_stated"}
    last = first.json()[-1]["position"]
    assert first.headers["link"] == (
        f'</events?after={last}&limit=2&actor=Russia&kind=stance_stated>; rel="next"'
    )
    pages = list(walk(seeded, "/events?limit=1&actor=USA"))
    assert [p[0]["subject"] for p in pages] == ["USA", "USA", "USA"]


def test_changes_share_the_event_positions(seeded: TestClient) -> None:
    record_changes(seeded)
    changes = seeded.get("/changes?after=10&limit=100")
    assert changes.status_code == 200
    assert [c["position"] for c in changes.json()] == list(range(11, 18))
    assert changes.headers["link"] == '</changes?after=17&limit=100>; rel="next"'
    correction = changes.json()[-3]
    assert (correction["change"], correction["actor"]) == ("corrected", "RUS")
    events = seeded.get("/events?after=10").json()
    assert [e["id"] for e in events] == [c["event"] for c in changes.json()]


# CloudEvents: every kind, validated with the cloudevents SDK

# DESIGN §4: kind -> stored event class (the CloudEvent type names it).
EVENT_CLASSES = {
    "terrorist_designation_imposed": "TerroristDesignationImposed",
    "terrorist_designation_lifted": "TerroristDesignationLifted",
    "taliban_envoy_accepted": "TalibanEnvoyAccepted",
    "ambassador_credentials_accepted": "AmbassadorCredentialsAccepted",
    "taliban_mission_closed": "TalibanMissionClosed",
    "envoy_posted_to_kabul": "EnvoyPostedToKabul",
    "kabul_mission_closed": "KabulMissionClosed",
    "formal_recognition_granted": "FormalRecognitionGranted",
    "recognition_withdrawn": "RecognitionWithdrawn",
    "sanctions_imposed": "SanctionsImposed",
    "sanctions_lifted": "SanctionsLifted",
    "assets_frozen": "AssetsFrozen",
    "assets_unfrozen": "AssetsUnfrozen",
    "stance_stated": "StanceStated",
}
# (EDTF date, first day, last day): each kind gets one, so every form of date is on the wire.
DATES = [
    ("2003", "2003-01-01", "2003-12-31"),
    ("2025-04", "2025-04-01", "2025-04-30"),
    ("2021-08-15", "2021-08-15", "2021-08-15"),
    ("2024-09-02/2024-09-06", "2024-09-02", "2024-09-06"),
    ("../2020-07-04", "0001-01-01", "2020-07-04"),
    ("2025-04~", "2025-03-01", "2025-05-31"),
    ("2022?", "2022-01-01", "2022-12-31"),
]
DETAILS = {
    "taliban_envoy_accepted": {"level": "charge_d_affaires"},
    "envoy_posted_to_kabul": {"level": "ambassador"},
    "sanctions_imposed": {"measure": "travel_ban"},
    "sanctions_lifted": {"measure": "travel_ban"},
}


def test_every_kind_and_change_is_a_valid_cloudevent(client: TestClient) -> None:
    expected: dict[str, tuple[str, str, str, str]] = {}
    for number, kind in enumerate(EVENT_CLASSES):
        edtf, first, last = DATES[number % len(DATES)]
        raw = fact(
            kind=kind,
            actor="KAZ",
            date=edtf,
            summary=f"fact {number}",
            details=DETAILS.get(kind, {}),
            id=f"k{number}",
        )
        answer = client.post("/facts", json=raw, headers=ALICE)
        assert answer.status_code == 201, answer.text
        expected[f"k{number}/v1"] = (EVENT_CLASSES[kind], edtf, first, last)
    changes = [
        ("corrections", {"reason": "a better date", "date": "2021-08"}, "FactCorrected"),
        ("retractions", {"reason": "no source"}, "FactRetracted"),
        ("reinstatements", {"reason": "source found"}, "FactReinstated"),
    ]
    for version, (path, body, name) in enumerate(changes, start=2):
        answer = client.post(f"/facts/k0/{path}", json=body, headers=BOB)
        assert answer.status_code == 201, answer.text
        assert answer.json()["version"] == version
        expected[f"k0/v{version}"] = (name, "2021-08", "2021-08-01", "2021-08-31")

    events = client.get("/events?limit=1000").json()
    assert len(events) == 17
    sources = set()
    for position, event in enumerate(events, start=1):
        cloudevent = JSONFormat().read(None, json.dumps(event).encode())
        name, edtf, first, last = expected[cloudevent.get_id()]
        assert cloudevent.get_specversion() == "1.0"
        assert cloudevent.get_type() == f"org.stanceline.{name}.v1"
        assert cloudevent.get_subject() == "KAZ"
        assert cloudevent.get_datacontenttype() == "application/json"
        time_ = cloudevent.get_time()
        assert time_ is not None
        assert time_.utcoffset() is not None
        sources.add(cloudevent.get_source())
        assert cloudevent.get_extension("position") == position
        assert cloudevent.get_extension("effective") == edtf
        assert cloudevent.get_extension("effectivestart") == first
        assert cloudevent.get_extension("effectiveend") == last
        data = cloudevent.get_data()
        assert isinstance(data, dict)
        assert data["id"] == cloudevent.get_id().split("/")[0]
        if name.startswith("Fact"):
            assert data["change"]["action"] in {"corrected", "retracted", "reinstated"}
            assert data["counts"] is (name != "FactRetracted")
            assert cloudevent.get_extension("recordedby") == "bob"
        else:
            assert data["kind"] in EVENT_CLASSES
            assert EVENT_CLASSES[data["kind"]] == name
    assert len(sources) == 1
    assert next(iter(sources)).startswith("urn:stanceline:store:")


# Writes: auth


def test_writes_answer_403_without_a_configured_token(make_client: ClientFactory) -> None:
    client = make_client(tokens={})
    for headers in ({}, ALICE):
        problem = assert_problem(client.post("/facts", json=fact(), headers=headers), 403)
        assert "STANCELINE_API_TOKEN" in problem["detail"]
    assert event_count(engine(client)) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": f"Bearer {TOKENS['alice'][:-1]}"},
        {"Authorization": f"Basic {TOKENS['alice']}"},
        {"Authorization": "Bearer"},
    ],
)
def test_a_missing_or_wrong_token_is_401(client: TestClient, headers: dict[str, str]) -> None:
    for path, body in [
        ("/facts", fact()),
        ("/facts/x/corrections", {"reason": "r", "summary": "s"}),
        ("/facts/x/retractions", {"reason": "r"}),
        ("/facts/x/reinstatements", {"reason": "r"}),
    ]:
        answer = client.post(path, json=body, headers=headers)
        assert_problem(answer, 401)
        assert answer.headers["www-authenticate"] == "Bearer"
    assert event_count(engine(client)) == 0


def test_each_writer_is_recorded_by_its_token_name(client: TestClient) -> None:
    first = client.post("/facts", json=fact(id="one"), headers=ALICE)
    second = client.post("/facts", json=fact(id="two", summary="other"), headers=BOB)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == {"recorded": 1, "already_present": 0, "fact_ids": ["one"]}
    assert first.headers["location"] == "/facts/one"
    assert client.get("/facts/one").json()["versions"][0]["recorded_by"] == "alice"
    assert client.get("/facts/two").json()["versions"][0]["recorded_by"] == "bob"
    retracted = client.post("/facts/one/retractions", json={"reason": "r"}, headers=BOB)
    assert retracted.json()["recorded_by"] == "bob"
    assert retracted.headers["location"] == "/facts/one"


def test_the_environment_token_writes_as_api(make_client: ClientFactory) -> None:
    token = "env-token-0123456789abc"
    client = make_client(tokens=None, environ={"STANCELINE_API_TOKEN": token})
    answer = client.post("/facts", json=fact(id="e"), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201
    assert client.get("/facts/e").json()["versions"][0]["recorded_by"] == "api"


# Writes: facts and changes


def test_recording_the_same_fact_twice_records_it_once(client: TestClient) -> None:
    first = client.post("/facts", json=fact(), headers=ALICE)
    again = client.post("/facts", json=fact(), headers=ALICE)
    assert first.json()["recorded"] == 1
    assert again.status_code == 201
    assert again.json() == {**first.json(), "recorded": 0, "already_present": 1}


def test_a_jsonl_batch_is_recorded_in_one_transaction(client: TestClient) -> None:
    lines = [fact(id="a"), "", fact(id="b", actor="China"), {"retracts": "a", "reason": "wrong"}]
    for media in ("application/x-ndjson", "application/jsonl; charset=utf-8"):
        body = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines)
        answer = client.post("/facts", content=body, headers={**ALICE, "Content-Type": media})
        assert answer.status_code == 201, answer.text
        assert answer.json()["fact_ids"] == ["a", "b", "a"]
    assert event_count(engine(client)) == 3
    times = {e["time"] for e in client.get("/events").json()}
    assert len(times) == 1


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (fact(summary=""), "summary"),
        (fact(date="2023-02-29"), "date"),
        (fact(actor="Atlantis"), "actor"),
        (fact(colour="red"), "colour"),
        (fact(kind="envoy_posted_to_kabul"), "details.level"),
        ({**fact(), "source": {}}, "source.title"),
        ([fact()], "body"),
    ],
)
def test_a_bad_fact_is_422_naming_the_field_and_nothing_is_written(
    client: TestClient, raw: Any, field: str
) -> None:
    problem = assert_problem(client.post("/facts", json=raw, headers=ALICE), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert "line" not in problem["errors"][0]
    assert event_count(engine(client)) == 0


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (fact(date="2025-13"), "date"),
        ("{not json", "body"),
        ({"retracts": "nothing-here", "reason": "r"}, "retracts"),
        (fact(id="first", summary="changed"), "id"),
    ],
)
def test_a_bad_line_fails_the_whole_batch_naming_the_line(
    client: TestClient, bad: Any, field: str
) -> None:
    lines = [fact(id="first"), fact(id="second", actor="CHN"), bad]
    problem = assert_problem(post_jsonl(client, lines, ALICE), 422)
    assert problem["errors"][0]["line"] == 3
    assert problem["errors"][0]["field"] == field
    assert problem["detail"].startswith("line 3: ")
    assert event_count(engine(client)) == 0


def test_bodies_that_are_not_facts_are_refused(client: TestClient) -> None:
    for content, media, status in [
        (b"{not json", "application/json", 422),
        (b"\xff\xfe{}", "application/json", 422),
        (b"\n\n", "application/x-ndjson", 422),
        (b"kind=stance_stated", "application/x-www-form-urlencoded", 415),
        (b"{}", "", 415),
    ]:
        headers = {**ALICE, "Content-Type": media}
        assert_problem(client.post("/facts", content=content, headers=headers), status)
    assert event_count(engine(client)) == 0


def test_bad_changes_are_422_and_state_errors_409(seeded: TestClient) -> None:
    before = event_count(engine(seeded))
    fact_id = "rus-designation-2003"
    for body, field in [
        ({"reason": "nothing to change"}, "body"),
        ({"reason": "r", "colour": "red"}, "colour"),
        ({"reason": "", "summary": "s"}, "reason"),
        ({"reason": "r", "date": "2003-02-30"}, "date"),
        ({"reason": "r", "source": {"url": "not a url"}}, "source.url"),
        ({"reason": "r", "kind": "envoy_posted_to_kabul"}, "details.level"),
    ]:
        answer = seeded.post(f"/facts/{fact_id}/corrections", json=body, headers=ALICE)
        problem = assert_problem(answer, 422)
        assert problem["errors"][0]["field"] == field, problem
    answer = seeded.post(f"/facts/{fact_id}/retractions", json={}, headers=ALICE)
    assert assert_problem(answer, 422)["errors"][0]["field"] == "reason"
    problem = assert_problem(
        seeded.post(f"/facts/{fact_id}/reinstatements", json={"reason": "r"}, headers=ALICE), 409
    )
    assert "not retracted" in problem["detail"]
    assert event_count(engine(seeded)) == before
    ok = seeded.post(f"/facts/{fact_id}/retractions", json={"reason": "r"}, headers=ALICE)
    assert ok.status_code == 201
    twice = seeded.post(f"/facts/{fact_id}/retractions", json={"reason": "r"}, headers=ALICE)
    assert assert_problem(twice, 409)["type"].endswith("fact-state")
    assert event_count(engine(seeded)) == before + 1


def test_a_correction_answers_the_version_it_made(seeded: TestClient) -> None:
    body = {"reason": "a copy with its link", "source": {"url": "https://example.org/a"}}
    answer = seeded.post("/facts/rus-designation-2003/corrections", json=body, headers=ALICE)
    assert answer.status_code == 201
    change = answer.json()
    assert (change["fact_id"], change["version"], change["change"]) == (
        "rus-designation-2003",
        2,
        "corrected",
    )
    assert change["position"] == 15
    assert change["reason"] == "a copy with its link"
    assert change["fact"]["source"]["url"] == "https://example.org/a"
    assert change["fact"]["source"]["publisher"] == "Clash Report"


def test_a_body_over_the_limit_is_413_and_nothing_is_written(
    make_client: ClientFactory,
) -> None:
    client = make_client(max_body_size=2000)
    big = fact(summary="x" * 3000)
    assert_problem(client.post("/facts", json=big, headers=ALICE), 413)
    assert_problem(post_jsonl(client, [fact(id=f"f{n}") for n in range(40)], ALICE), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        for n in range(40):
            yield (json.dumps(fact(id=f"c{n}")) + "\n").encode()

    headers = {**ALICE, "Content-Type": "application/x-ndjson"}
    problem = assert_problem(client.post("/facts", content=chunks(), headers=headers), 413)
    assert problem["type"].endswith("too-large")
    correction = {"reason": "r" * 3000, "summary": "s"}
    assert_problem(client.post("/facts/x/corrections", json=correction, headers=ALICE), 413)
    assert event_count(engine(client)) == 0
    assert client.post("/facts", json=fact(), headers=ALICE).status_code == 201


# Live: Server-Sent Events (a real server in a thread)


def stream(http: httpx.Client, url: str, last_event_id: int | None = None) -> Any:
    return http.stream("GET", url, headers=sse_headers(last_event_id))


def test_the_stream_sends_the_catch_up_then_live_events_quickly(live: LiveServer) -> None:
    for number in range(3):
        live.engine.record_fact(fact(id=f"s{number}"), by="tests")
    with (
        httpx.Client(base_url=live.url, timeout=5) as http,
        stream(http, "/events/stream") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = SSEReader(response)
        caught_up = reader.events(3)
        assert [e["id"] for e in caught_up] == ["1", "2", "3"]
        started = time.monotonic()
        posted = http.post("/facts", json=fact(id="live"), headers=ALICE)
        assert posted.status_code == 201
        (live_event,) = reader.events(1)
        assert time.monotonic() - started < 1.0
    event = json.loads(live_event["data"])
    assert live_event["id"] == "4" == str(event["position"])
    assert live_event["event"] == event["type"] == "org.stanceline.StanceStated.v1"
    assert event["data"]["id"] == "live"


def test_a_reconnecting_client_gets_every_later_event_exactly_once(live: LiveServer) -> None:
    for number in range(5):
        live.engine.record_fact(fact(id=f"r{number}"), by="tests")
    with httpx.Client(base_url=live.url, timeout=5) as http:
        with stream(http, "/events/stream") as response:
            seen = SSEReader(response).events(3)
        for number in range(5, 8):
            http.post("/facts", json=fact(id=f"r{number}"), headers=ALICE)
        last = int(seen[-1]["id"])
        # The header wins over ?after=: a browser reconnects to the same URL with Last-Event-ID.
        with stream(http, "/events/stream?after=1", last_event_id=last) as response:
            seen += SSEReader(response).events(5)
        with stream(http, "/events/stream?after=6") as response:
            tail = SSEReader(response).events(2)
    assert [int(e["id"]) for e in seen] == list(range(1, 9))
    assert [json.loads(e["data"])["data"]["id"] for e in seen] == [f"r{n}" for n in range(8)]
    assert [e["id"] for e in tail] == ["7", "8"]


def test_an_idle_stream_sends_keepalive_comments(live: LiveServer) -> None:
    with (
        httpx.Client(base_url=live.url, timeout=5) as http,
        stream(http, "/events/stream") as response,
    ):
        reader = SSEReader(response)
        started = time.monotonic()
        assert reader.wait_comment() == ": keepalive"
        assert reader.wait_comment() == ": keepalive"
        assert 0.4 < time.monotonic() - started < 3


def test_the_stream_can_follow_one_actor_or_kind(live: LiveServer) -> None:
    live.engine.record_fact(fact(id="x1", actor="CHN"), by="tests")
    live.engine.record_fact(fact(id="x2", actor="RUS"), by="tests")
    live.engine.record_fact(fact(id="x3", actor="CHN", kind="assets_frozen"), by="tests")
    with httpx.Client(base_url=live.url, timeout=5) as http:
        with stream(http, "/events/stream?actor=China") as response:
            assert [e["id"] for e in SSEReader(response).events(2)] == ["1", "3"]
        with stream(http, "/events/stream?kind=assets_frozen") as response:
            assert [e["id"] for e in SSEReader(response).events(1)] == ["3"]


def test_the_stream_stops_polling_when_the_client_disconnects(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    read_events = live.engine.read_events

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(time.monotonic())
        return read_events(*args, **kwargs)

    monkeypatch.setattr(live.engine, "read_events", counted)
    with httpx.Client(base_url=live.url, timeout=5) as http:
        with stream(http, "/events/stream") as response:
            SSEReader(response).wait_comment()
        assert calls, "the stream never polled"
        time.sleep(0.5)
        settled = len(calls)
        time.sleep(0.5)
        assert len(calls) == settled, "the stream kept polling after the client left"
        assert http.get("/world").status_code == 200


def test_stopping_the_streams_ends_open_responses(live: LiveServer) -> None:
    from stanceline.interfaces.http import stop_streams

    with (
        httpx.Client(base_url=live.url, timeout=5) as http,
        stream(http, "/events/stream") as response,
    ):
        reader = SSEReader(response)
        reader.wait_comment()
        stop_streams(live.api)
        started = time.monotonic()
        reader.rest()
        assert time.monotonic() - started < 2


# Concurrency: writers posting at once while subscribers follow


def follow_python_api(store: str, count: int, seen: list[tuple[int, str]]) -> None:
    """Follow app.subscribe() on an app of its own until `count` events arrived (20 s at most)."""
    follower = Stanceline(store)
    deadline = time.monotonic() + 20
    try:
        with follower.subscribe(0, poll=0.02) as subscription:
            for position, event in subscription:
                seen.append((position, event["id"]))
                if len(seen) >= count or time.monotonic() > deadline:
                    break
    finally:
        follower.close()


def test_concurrent_writers_and_subscribers_agree_on_the_log(live: LiveServer, store: str) -> None:
    writers, per_writer = 4, 6
    total = writers * (per_writer + 1) + 5  # facts, a correction each, and a batch of five
    errors: list[BaseException] = []
    from_python: list[tuple[int, str]] = []
    from_sse: list[tuple[int, str]] = []

    def write(number: int) -> None:
        headers = ALICE if number % 2 else BOB
        try:
            with httpx.Client(base_url=live.url, timeout=30) as http:
                for n in range(per_writer):
                    raw = fact(id=f"w{number}-{n}", summary=f"writer {number}, fact {n}")
                    answer = http.post("/facts", json=raw, headers=headers)
                    assert answer.status_code == 201, answer.text
                correction = {"reason": "the day was wrong", "date": "2024-05-02"}
                answer = http.post(
                    f"/facts/w{number}-0/corrections", json=correction, headers=headers
                )
                assert answer.status_code == 201, answer.text
                if number == 0:  # one transaction, five positions
                    batch = "\n".join(json.dumps(fact(id=f"b{n}", actor="CHN")) for n in range(5))
                    media = {**headers, "Content-Type": "application/x-ndjson"}
                    answer = http.post("/facts", content=batch, headers=media)
                    assert answer.status_code == 201, answer.text
        except BaseException as error:  # reported below
            errors.append(error)

    def follow_sse() -> None:
        try:
            with (
                httpx.Client(base_url=live.url, timeout=10) as http,
                http.stream("GET", "/events/stream", headers=sse_headers()) as response,
            ):
                for event in SSEReader(response).events(total, timeout=20):
                    from_sse.append((int(event["id"]), json.loads(event["data"])["id"]))
        except BaseException as error:  # reported below
            errors.append(error)

    crashes: list[int] = []
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    threads.append(threading.Thread(target=follow_sse))
    threads.append(
        threading.Thread(
            target=lambda: crashes.append(follow_python_api(store, total, from_python))
        )
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=40)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    stored = [(p, e["id"]) for p, e in live.engine.read_events(0, 1000)]
    assert len(stored) == total
    for seen in (from_python, from_sse):
        positions = [p for p, _ in seen]
        assert all(a < b for a, b in pairwise(positions))
        assert seen == stored
