"""The event stream on a real store (DESIGN §5, issue 4 "The stream").

Every stored event is a CloudEvents 1.0 object, checked with the `cloudevents`
SDK; positions start at 1, only grow and have no gaps; reads resume exactly;
the derived stream of stance changes has one entry per event and says which
days' answers changed; subscriptions catch up, then follow live writers
without skipping or repeating an event.
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlparse

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.formats.json import JSONFormat
from hypothesis import given

from stanceline.application import Stanceline
from stanceline.domain.changes import FactChanged, FactCorrected, FactReinstated, FactRetracted
from stanceline.domain.dates import parse_effective_date
from stanceline.domain.events import FACT_EVENTS, DomainEvent, fact_event
from stanceline.domain.facts import FactKind
from stanceline.domain.intake import validate_fact
from stanceline.errors import UnknownActorError
from stanceline.stream.subscription import Subscription
from tests.factories import event_count, fact
from tests.integration.conftest import FIXTURES, AppFactory, FileWriter
from tests.integration.test_known_at import fresh_store, run_script
from tests.stores import STORE_PARAMS, law_settings
from tests.strategies import CHANGE_ACTORS, CHANGE_QUERY_DAYS, Operation, change_scripts

DESIGNATION = "rus-designation-2003"
LIFT = "rus-designation-lifted-2025-04"
EU_STATEMENT = "eu-statement-recognition-conditions"
CloudEvent = dict[str, Any]
Positioned = list[tuple[int, CloudEvent]]

ATTRIBUTES = {
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "data",
    "position",
    "effective",
    "effectivestart",
    "effectiveend",
    "recordedby",
}
CONTEXT_ATTRIBUTES = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype"}
EXTENSION_NAME = re.compile(r"[a-z0-9]+")
CHANGE_ACTIONS = {
    FactCorrected: "corrected",
    FactRetracted: "retracted",
    FactReinstated: "reinstated",
}
RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")

# One fact of every kind, with every detail and source field its kind allows.
KIND_DETAILS: dict[str, dict[str, str]] = {
    "taliban_envoy_accepted": {"level": "charge_d_affaires"},
    "envoy_posted_to_kabul": {"level": "ambassador"},
    "sanctions_imposed": {"measure": "travel_ban"},
    "sanctions_lifted": {"measure": "travel_ban"},
}
KIND_ACTORS = ("CHN", "PAK", "IRN", "TUR", "UN")


def kind_fact(number: int, kind: str) -> dict[str, Any]:
    return fact(
        id=f"kind-{number:02d}-{kind}",
        kind=kind,
        actor=KIND_ACTORS[number % len(KIND_ACTORS)],
        date=["2022-03-04", "2023-05", "2019", "2021-08-15/2025-07-04", "2024-01~"][number % 5],
        summary=f"A {kind.replace('_', ' ')} fact",
        source={
            "title": f"Source {number}",
            "publisher": "Tests",
            "url": f"https://example.org/{number}",
            "published": "2025-07-04",
            "quote": "a quote",
        },
        details=KIND_DETAILS.get(kind, {}),
    )


KIND_FACTS = [kind_fact(n, kind.value) for n, kind in enumerate(FactKind)]


def full_store(app: Stanceline, write_file: FileWriter) -> None:
    """Facts of all 14 kinds and every kind of change, by several recorders."""
    app.load_file(FIXTURES, by="fixtures")
    app.load_file(write_file("kinds.jsonl", KIND_FACTS), by="loader")
    app.correct(DESIGNATION, "the designation was in 2001", {"date": "2001"}, by="auditor")
    app.correct(
        KIND_FACTS[-1]["id"],
        "it was a sanction, not a statement",
        {"kind": "sanctions_imposed", "details": {"measure": "travel_ban"}},
        by="auditor",
    )
    app.correct(
        KIND_FACTS[0]["id"],
        "better summary and link",
        {"summary": "A corrected summary"},
        source={"url": "https://example.org/corrected"},
        by="auditor",
    )
    app.retract(EU_STATEMENT, "a paraphrase, not a statement", by="auditor")
    app.reinstate(EU_STATEMENT, "the EU said it after all", by="auditor")
    app.retract(LIFT, "not in the article", by="auditor")
    # A change line in a file is a stored event like any other.
    change = {"corrects": KIND_FACTS[1]["id"], "reason": "the month was wrong", "date": "2023-06"}
    app.load_file(write_file("changes.jsonl", [change]), by="loader")


@pytest.fixture
def full_app(app: Stanceline, write_file: FileWriter) -> Stanceline:
    full_store(app, write_file)
    return app


def read_all(app: Stanceline, after: int = 0) -> Positioned:
    return app.read_events(after, 1_000_000)


def parse(event: CloudEvent) -> BaseCloudEvent:
    """The event as the CloudEvents SDK reads it from its JSON form (raises if invalid)."""
    return JSONFormat().read(None, json.dumps(event).encode())


def split_id(event: CloudEvent) -> tuple[str, int]:
    fact_id, _, version = event["id"].rpartition("/v")
    return fact_id, int(version)


def stored_event(app: Stanceline, event: CloudEvent) -> DomainEvent:
    """The domain event a CloudEvent was made from, read from its fact's own stream."""
    fact_id, version = split_id(event)
    found = app.fact_events(fact_id)[version - 1]
    assert (found.originator_id, found.originator_version) == (fact_id, version)
    return found


def import_part(data: dict[str, Any]) -> dict[str, Any]:
    """A CloudEvent's data without what a change event adds: the fact in the import format."""
    return {k: v for k, v in data.items() if k not in ("change", "counts")}


def check_cloudevent(app: Stanceline, position: int, event: CloudEvent) -> None:
    """Everything DESIGN §5 and issue 4 say about one event on the wire."""
    parsed = parse(event)
    stored = stored_event(app, event)
    fact_id, version = split_id(event)
    data = event["data"]

    assert set(event) == ATTRIBUTES
    extensions = set(event) - CONTEXT_ATTRIBUTES - {"data"}
    assert all(EXTENSION_NAME.fullmatch(name) for name in extensions)
    assert parsed.get_specversion() == "1.0"
    assert parsed.get_id() == f"{stored.originator_id}/v{stored.originator_version}"
    assert parsed.get_type() == f"org.stanceline.{type(stored).__name__}.v1"
    assert parsed.get_datacontenttype() == "application/json"
    assert urlparse(parsed.get_source()).scheme
    # time is the recorded time: the stored event's own timestamp, in RFC 3339 UTC.
    assert RFC3339_UTC.fullmatch(event["time"])
    assert parsed.get_time() == stored.timestamp
    assert parsed.get_extension("recordedby") == stored.recorded_by
    assert parsed.get_extension("position") == position
    assert isinstance(event["position"], int)
    assert not isinstance(event["position"], bool)
    # data: the fact in the import format, with its id, as it reads after this event.
    assert parsed.get_data() == data
    assert data["id"] == fact_id
    assert parsed.get_subject() == data["actor"]
    fact_now = import_part(data)
    assert validate_fact(fact_now, app.catalogue).fact_id == fact_id
    assert fact_now == app.fact(fact_id).versions[version - 1].fact
    # The effective date of the fact as it reads after this event, and its days.
    effective = parse_effective_date(data["date"])
    assert parsed.get_extension("effective") == data["date"]
    assert parsed.get_extension("effectivestart") == effective.earliest.isoformat()
    assert parsed.get_extension("effectiveend") == effective.latest.isoformat()
    if version == 1:
        assert set(data) == set(fact_now)
        assert type(stored) is FACT_EVENTS[FactKind(data["kind"])]
    else:
        assert isinstance(stored, FactChanged)
        assert set(data) - set(fact_now) == {"change", "counts"}
        assert data["counts"] is app.fact(fact_id).versions[version - 1].counts
        change = data["change"]
        assert change["action"] == CHANGE_ACTIONS[type(stored)]
        assert change["reason"] == stored.reason
        if isinstance(stored, FactCorrected):
            # The corrected fields, as given, and the fact after the event reads them.
            assert change["fields"] == stored.changes()
            assert change["fields"]
            assert all(fact_now[name] == value for name, value in change["fields"].items())
        else:
            assert set(change) == {"action", "reason"}


# Every event is a valid CloudEvent


def test_every_stored_event_is_a_valid_cloudevents_object(full_app: Stanceline) -> None:
    events = read_all(full_app)

    assert [p for p, _ in events] == list(range(1, event_count(full_app) + 1))
    for position, event in events:
        check_cloudevent(full_app, position, event)


def test_every_fact_kind_and_every_change_has_its_own_versioned_type(
    full_app: Stanceline,
) -> None:
    types = {event["type"] for _, event in read_all(full_app)}

    expected = {f"org.stanceline.{cls.__name__}.v1" for cls in FACT_EVENTS.values()}
    expected |= {
        f"org.stanceline.{cls.__name__}.v1"
        for cls in (FactCorrected, FactRetracted, FactReinstated)
    }
    assert len(FACT_EVENTS) == 14
    assert types == expected


def test_a_recorded_fact_is_its_import_line_with_the_actor_code(full_app: Stanceline) -> None:
    first = {e["data"]["id"]: e["data"] for _, e in read_all(full_app) if e["id"].endswith("/v1")}
    lines = [json.loads(line) for line in FIXTURES.read_text().splitlines() if line.strip()]

    for line in [*lines, *KIND_FACTS]:
        actor = full_app.resolve(line["actor"]).code
        assert first[line["id"]] == {**line, "actor": actor}


def test_ids_are_fact_and_version_unique_and_the_same_on_every_read(
    full_app: Stanceline, make_app: AppFactory
) -> None:
    events = read_all(full_app)
    ids = [e["id"] for _, e in events]
    notifications = full_app.recorder.select_notifications(start=1, limit=1000)

    assert len(set(ids)) == len(ids)
    assert ids == [f"{n.originator_id}/v{n.originator_version}" for n in notifications]
    assert read_all(full_app) == events
    # Another application on the same file reads the very same events.
    assert read_all(make_app()) == events


def test_the_source_is_the_same_for_a_store_and_different_between_stores(
    full_app: Stanceline, make_app: AppFactory
) -> None:
    other_store = make_app("other.db")
    other_store.record_fact(fact())
    sources = {e["source"] for _, e in read_all(full_app)}

    assert sources == {full_app.source}
    assert make_app().source == full_app.source
    assert {e["source"] for _, e in read_all(other_store)} == {other_store.source}
    assert other_store.source != full_app.source


def test_a_rebuild_of_the_read_model_changes_no_event(full_app: Stanceline) -> None:
    before = read_all(full_app)

    full_app.rebuild()

    assert read_all(full_app) == before


def test_a_date_correction_shows_the_corrected_date_and_its_days(full_app: Stanceline) -> None:
    versions = [e for _, e in read_all(full_app) if e["data"]["id"] == DESIGNATION]
    recorded, corrected = versions

    assert (recorded["effective"], recorded["effectivestart"], recorded["effectiveend"]) == (
        "2003",
        "2003-01-01",
        "2003-12-31",
    )
    assert corrected["type"] == "org.stanceline.FactCorrected.v1"
    assert (corrected["effective"], corrected["effectivestart"], corrected["effectiveend"]) == (
        "2001",
        "2001-01-01",
        "2001-12-31",
    )
    assert corrected["data"]["date"] == "2001"
    assert corrected["data"]["change"] == {
        "action": "corrected",
        "reason": "the designation was in 2001",
        "fields": {"date": "2001"},
    }
    assert corrected["data"]["counts"] is True
    assert corrected["recordedby"] == "auditor"
    assert recorded["recordedby"] == "fixtures"
    assert corrected["subject"] == recorded["subject"] == "RUS"


def test_a_correction_reports_exactly_the_fields_it_replaced(full_app: Stanceline) -> None:
    corrections = {
        e["data"]["id"]: e["data"]
        for _, e in read_all(full_app)
        if e["type"] == "org.stanceline.FactCorrected.v1"
    }

    kind_change = corrections[KIND_FACTS[-1]["id"]]
    assert kind_change["change"]["fields"] == {
        "kind": "sanctions_imposed",
        "details": {"measure": "travel_ban"},
    }
    assert (kind_change["kind"], kind_change["details"]) == (
        "sanctions_imposed",
        {"measure": "travel_ban"},
    )
    source_change = corrections[KIND_FACTS[0]["id"]]
    assert set(source_change["change"]["fields"]) == {"summary", "source"}
    assert source_change["change"]["fields"]["source"] == source_change["source"]
    assert source_change["source"]["url"] == "https://example.org/corrected"
    assert source_change["source"]["quote"] == "a quote"
    from_file = corrections[KIND_FACTS[1]["id"]]
    assert from_file["change"] == {
        "action": "corrected",
        "reason": "the month was wrong",
        "fields": {"date": "2023-06"},
    }


def test_retraction_and_reinstatement_carry_the_fact_and_whether_it_counts(
    full_app: Stanceline,
) -> None:
    events = [e for _, e in read_all(full_app) if e["data"]["id"] == EU_STATEMENT]

    assert [e["type"].split(".")[2] for e in events] == [
        "StanceStated",
        "FactRetracted",
        "FactReinstated",
    ]
    recorded, retracted, reinstated = (e["data"] for e in events)
    assert import_part(retracted) == import_part(reinstated) == recorded
    assert retracted["change"] == {"action": "retracted", "reason": "a paraphrase, not a statement"}
    assert retracted["counts"] is False
    assert reinstated["change"] == {"action": "reinstated", "reason": "the EU said it after all"}
    assert reinstated["counts"] is True
    assert all(e["effective"] == "../2025-07-04" for e in events)


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_every_event_of_any_history_is_a_valid_cloudevent(kind: str) -> None:
    @law_settings(kind)
    @given(script=change_scripts(max_size=8))
    def law(script: list[Operation]) -> None:
        with fresh_store(kind) as app:
            run_script(app, script)
            events = read_all(app)

            assert [p for p, _ in events] == list(range(1, event_count(app) + 1))
            assert len({e["id"] for _, e in events}) == len(events)
            for position, event in events:
                check_cloudevent(app, position, event)

    law()


# Positions and reading from a position


def test_positions_start_at_one_and_have_no_gaps_even_after_a_refused_load(
    app: Stanceline, write_file: FileWriter
) -> None:
    app.record_fact(fact(summary="one"))
    bad = write_file("bad.jsonl", [fact(summary="two"), fact(date="not a date")])
    with pytest.raises(Exception, match="date"):
        app.load_file(bad)
    app.record_fact(fact(summary="three"))
    app.load_file(write_file("good.jsonl", [fact(summary="four"), fact(summary="five")]))

    events = read_all(app)

    assert [p for p, _ in events] == [1, 2, 3, 4]
    assert [e["data"]["summary"] for _, e in events] == ["one", "three", "four", "five"]


def test_an_empty_store_has_no_events(app: Stanceline) -> None:
    assert read_all(app) == []
    assert app.stance_changes() == []


def test_reading_after_n_resumes_exactly_after_n(full_app: Stanceline) -> None:
    events = read_all(full_app)
    last = events[-1][0]

    for after in range(last + 2):
        assert read_all(full_app, after) == events[after:]


def test_limit_pages_through_the_log_without_a_gap_or_repeat(full_app: Stanceline) -> None:
    events = read_all(full_app)

    for limit in (1, 2, 5, 100):
        pages: Positioned = []
        while page := full_app.read_events(pages[-1][0] if pages else 0, limit):
            assert len(page) <= limit
            pages += page
        assert pages == events
    assert full_app.read_events(3, 4) == events[3:7]


def test_the_actor_filter_takes_names_and_keeps_positions(full_app: Stanceline) -> None:
    events = read_all(full_app)
    russian = [(p, e) for p, e in events if e["subject"] == "RUS"]

    assert full_app.read_events(0, 1000, actor="Russia") == russian
    assert full_app.read_events(0, 1000, actor="rus") == russian
    assert full_app.read_events(0, 2, actor="Russia") == russian[:2]
    after = russian[2][0]
    assert full_app.read_events(after, 1000, actor="Russia") == russian[3:]
    emirates = full_app.read_events(0, 1000, actor="UAE")
    assert [e["subject"] for _, e in emirates] == ["ARE"]
    with pytest.raises(UnknownActorError):
        full_app.read_events(0, 10, actor="Narnia")


def test_the_kind_filter_reads_the_kind_the_fact_has_after_each_event(
    full_app: Stanceline,
) -> None:
    events = read_all(full_app)

    statements = full_app.read_events(0, 1000, kind="stance_stated")
    assert statements == [(p, e) for p, e in events if e["data"]["kind"] == "stance_stated"]
    assert {e["data"]["id"] for _, e in statements} >= {EU_STATEMENT, KIND_FACTS[-1]["id"]}
    # The statement corrected into a sanction is a sanction from its correction on.
    sanctions = full_app.read_events(0, 1000, kind="sanctions_imposed")
    assert f"{KIND_FACTS[-1]['id']}/v2" in {e["id"] for _, e in sanctions}
    assert full_app.read_events(0, 1000, actor="USA", kind="stance_stated") == [
        (p, e) for p, e in statements if e["subject"] == "USA"
    ]
    assert full_app.read_events(0, 1, kind="stance_stated") == statements[:1]


def test_filtered_reads_find_matches_far_behind_many_other_events(
    app: Stanceline, write_file: FileWriter
) -> None:
    # More non-matching events than one internal batch holds.
    app.load_file(write_file("many.jsonl", [fact(summary=f"s{i}") for i in range(250)]))
    app.record_fact(fact(actor="CHN", summary="the one Chinese fact"))

    found = app.read_events(0, 10, actor="China")

    assert [(p, e["data"]["summary"]) for p, e in found] == [(251, "the one Chinese fact")]


# The derived stream of stance changes


def test_one_stance_change_entry_per_event_with_the_same_positions(full_app: Stanceline) -> None:
    events = read_all(full_app)
    changes = full_app.stance_changes(0, 1000)

    assert [p for p, _ in changes] == [p for p, _ in events]
    for (position, change), (_, event) in zip(changes, events, strict=True):
        assert change["position"] == position
        assert change["event"] == event["id"]
        assert change["fact_id"] == event["data"]["id"]
        assert change["actor"] == event["subject"]
    assert full_app.stance_changes(10, 5) == changes[10:15]
    assert full_app.stance_changes(len(changes), 10) == []


def test_correcting_a_2003_designation_to_2001_reports_answers_changed_back_to_2001(
    full_app: Stanceline,
) -> None:
    change = next(
        c
        for _, c in full_app.stance_changes(0, 1000)
        if c["fact_id"] == DESIGNATION and c["change"] == "corrected"
    )

    assert change["actor"] == "RUS"
    assert date.fromisoformat(change["first_day"]).year == 2001
    assert date.fromisoformat(change["last_day"]).year == 2003
    assert "designation" in change["parts"]


def test_a_statement_changes_no_answer(full_app: Stanceline) -> None:
    changes = {c["event"]: c for _, c in full_app.stance_changes(0, 1000)}

    for version in (1, 2, 3):
        change = changes[f"{EU_STATEMENT}/v{version}"]
        assert change["parts"] == []
        assert change["first_day"] is None
        assert change["last_day"] is None


def answers(app: Stanceline, actor: str, on: date, position: int) -> dict[str, Any]:
    report = app.stance(actor, on, f"@{position}").model_dump(mode="json")
    parts = {"summary": report["summary"], **report["components"]}
    return {name: (p["value"], sorted(p["alternatives"])) for name, p in parts.items()}


@pytest.mark.parametrize("kind", STORE_PARAMS)
def test_law_a_change_entry_covers_every_answer_its_event_changed(kind: str) -> None:
    """A cache refreshing only the days and parts an entry names is never stale."""

    @law_settings(kind)
    @given(script=change_scripts(max_size=7))
    def law(script: list[Operation]) -> None:
        one = timedelta(days=1)
        with fresh_store(kind) as app:
            run_script(app, script)
            for position, change in app.stance_changes(0, 1000):
                first = date.fromisoformat(change["first_day"]) if change["first_day"] else None
                last = date.fromisoformat(change["last_day"]) if change["last_day"] else None
                days = set(CHANGE_QUERY_DAYS)
                for edge in (first, last):
                    if edge is not None and date.min < edge < date.max:
                        days |= {edge - one, edge, edge + one}
                for actor in CHANGE_ACTORS:
                    for on in sorted(days):
                        before = answers(app, actor, on, position - 1)
                        after = answers(app, actor, on, position)
                        moved = {part for part in before if before[part] != after[part]}
                        if not moved:
                            continue
                        assert actor == change["actor"]
                        assert first is not None
                        assert last is not None
                        assert first <= on <= last
                        assert moved <= set(change["parts"])

    law()


# Subscriptions: catch-up, then live


# Crashes a follower may resume from (none: any crash fails these tests). A consumer that
# resumes from the last position it saw must still see every event exactly once, in order.
KNOWN_CRASHES: tuple[type[BaseException], ...] = ()


class Follower:
    """Follows a stream in its own thread as a consumer would, keeping what arrives and when.

    `subscribe(after)` opens a subscription; after a crash listed in `tolerate` the follower
    resumes after the last position it saw, as a consumer restarted after a crash would.
    """

    def __init__(
        self,
        subscribe: Callable[[int], Subscription[Any]],
        after: int = 0,
        tolerate: tuple[type[BaseException], ...] = KNOWN_CRASHES,
    ) -> None:
        self.subscribe = subscribe
        self.position = after
        self.tolerate = tolerate
        self.received: list[tuple[int, Any]] = []
        self.arrivals: dict[int, float] = {}
        self.crashes: list[BaseException] = []
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.stopping = False
        self.subscription: Subscription[Any] | None = None
        self.thread = threading.Thread(target=self._run, name="subscriber", daemon=True)

    def _run(self) -> None:
        while True:
            try:
                subscription = self.subscribe(self.position)
                with self.lock:
                    self.subscription = subscription
                    if self.stopping:
                        subscription.close()
                for position, item in subscription:
                    self.arrivals[position] = time.monotonic()
                    self.received.append((position, item))
                    self.position = position
                return  # closed
            except self.tolerate as crash:
                self.crashes.append(crash)
                if self.stopping:
                    return
            except BaseException as error:  # reported by wait_for and stop
                self.error = error
                return

    def start(self) -> Follower:
        self.thread.start()
        return self

    def check(self) -> None:
        if self.error is not None:
            raise AssertionError(f"the subscriber died: {self.error!r}") from self.error

    def wait_for(self, count: int, timeout: float = 20) -> None:
        """Until `count` items arrived; fails at once if the subscriber died."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and self.thread.is_alive():
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} arrived"
            time.sleep(0.005)
        self.check()
        assert len(self.received) >= count

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            if self.subscription is not None:
                self.subscription.close()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "close() did not end the iteration"
        self.check()


@contextmanager
def following(
    subscribe: Callable[[int], Subscription[Any]],
    after: int = 0,
    tolerate: tuple[type[BaseException], ...] = KNOWN_CRASHES,
) -> Iterator[Follower]:
    """Follow a stream in a thread; closed and joined on the way out."""
    follower = Follower(subscribe, after, tolerate).start()
    try:
        yield follower
    finally:
        follower.stop()


def test_a_subscription_catches_up_then_receives_live_events_within_the_poll(
    loaded_app: Stanceline, make_app: AppFactory, request: pytest.FixtureRequest
) -> None:
    reader, writer = make_app(), make_app()
    written = 12
    stored_at: dict[str, float] = {}

    with following(reader.subscribe) as follower:
        follower.wait_for(14)
        for n in range(written):
            raw = fact(id=f"live-{n}", summary=f"live {n}")
            stored_at[raw["id"]] = time.monotonic()  # before the write: latency is not flattered
            writer.record_fact(raw, by="writer")
            time.sleep(0.03)
        follower.wait_for(14 + written)

    received = follower.received
    positions = [p for p, _ in received]
    assert positions == list(range(1, 14 + written + 1))
    assert [e["position"] for _, e in received] == positions
    latencies = [follower.arrivals[p] - stored_at[e["data"]["id"]] for p, e in received[14:]]
    median, worst = statistics.median(latencies), max(latencies)
    request.node.user_properties += [
        ("live_latency_ms_median", round(median * 1000, 1)),
        ("live_latency_ms_max", round(worst * 1000, 1)),
    ]
    # Shown with -s: the typical latency of the polling subscription (poll 0.1 s).
    print(f"live latency: median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms")
    assert worst < 2.0
    assert median < 1.0
    for position, event in received:
        check_cloudevent(writer, position, event)


def test_close_from_another_thread_ends_a_subscription_waiting_for_events(
    loaded_app: Stanceline, make_app: AppFactory
) -> None:
    # A long poll: only close() can end the wait quickly.
    subscription = make_app().subscribe(poll=30)
    follower = Follower(lambda _: subscription, tolerate=()).start()
    follower.wait_for(14)
    time.sleep(0.1)  # now waiting for new events

    started = time.monotonic()
    follower.stop()

    assert time.monotonic() - started < 5
    assert subscription.closed
    assert [p for p, _ in follower.received] == list(range(1, 15))


def test_a_resumed_subscription_sees_every_later_event_exactly_once(
    loaded_app: Stanceline, make_app: AppFactory
) -> None:
    first = make_app().subscribe(poll=0.02)
    seen = [next(first) for _ in range(5)]
    first.close()
    assert first.position == 5
    loaded_app.record_fact(fact(summary="after the crash"))
    loaded_app.correct(DESIGNATION, "the designation was in 2001", {"date": "2001"})

    resumed = make_app()
    with following(lambda at: resumed.subscribe(at, poll=0.02), first.position) as follower:
        follower.wait_for(11)
        loaded_app.retract(LIFT, "not in the article")
        follower.wait_for(12)
        time.sleep(0.2)  # nothing more arrives

    everything = seen + follower.received
    assert [p for p, _ in everything] == list(range(1, 18))
    assert everything == read_all(loaded_app)


def test_a_filtered_subscription_follows_one_actor(
    loaded_app: Stanceline, make_app: AppFactory
) -> None:
    russian_before = len(loaded_app.read_events(0, 1000, actor="RUS"))

    reader = make_app()
    with following(lambda at: reader.subscribe(at, actor="Russia", poll=0.02)) as follower:
        follower.wait_for(russian_before)
        loaded_app.record_fact(fact(actor="CHN", summary="not Russian"))
        loaded_app.record_fact(fact(actor="Russia", summary="Russian"))
        follower.wait_for(russian_before + 1)
        time.sleep(0.1)

    received = follower.received
    assert [e["subject"] for _, e in received] == ["RUS"] * (russian_before + 1)
    assert received[-1][1]["data"]["summary"] == "Russian"
    assert received == loaded_app.read_events(0, 1000, actor="RUS")


def test_the_change_stream_subscription_catches_up_then_follows(
    loaded_app: Stanceline, make_app: AppFactory
) -> None:
    reader = make_app()
    with following(lambda at: reader.subscribe_changes(at, poll=0.02)) as follower:
        follower.wait_for(14)
        loaded_app.correct(DESIGNATION, "the designation was in 2001", {"date": "2001"})
        follower.wait_for(15)
        time.sleep(0.1)

    received = follower.received
    assert [p for p, _ in received] == list(range(1, 16))
    assert received[-1][1]["first_day"].startswith("2001")
    assert received == loaded_app.stance_changes(0, 1000)


# Concurrency: several writers at once while one subscriber follows


def run_writers(count: int, write: Callable[[int], None]) -> None:
    """Run `write(n)` for n in range(count) in threads started together; re-raise a failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(number: int) -> None:
        try:
            start.wait(timeout=10)
            write(number)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == [], errors


def check_followed_everything(reader: Stanceline, follower: Follower) -> None:
    total = event_count(reader)
    follower.wait_for(total)
    time.sleep(0.1)  # nothing more, nothing repeated
    follower.stop()
    positions = [p for p, _ in follower.received]
    assert all(a < b for a, b in pairwise(positions))
    notifications = reader.recorder.select_notifications(start=1, limit=100_000)
    stored = [(n.id, f"{n.originator_id}/v{n.originator_version}") for n in notifications]
    assert [(p, e["id"]) for p, e in follower.received] == stored
    assert positions == list(range(1, total + 1))


WRITER_ACTORS = ("RUS", "CHN", "USA", "EU")


def test_concurrent_writers_and_one_subscriber_see_exactly_the_stored_events_in_order(
    make_app: AppFactory, write_file: FileWriter, request: pytest.FixtureRequest
) -> None:
    writers = [make_app() for _ in WRITER_ACTORS]
    reader = make_app()
    rounds = 8

    def write(number: int) -> None:
        app, actor = writers[number], WRITER_ACTORS[number]
        for n in range(rounds):
            app.record_fact(fact(id=f"w{number}-{n}", actor=actor), by=f"writer-{number}")
            # A file of three facts: one transaction, three positions.
            lines = [fact(id=f"w{number}-{n}-{i}", actor=actor) for i in range(3)]
            app.load_file(write_file(f"w{number}-{n}.jsonl", lines), by=f"writer-{number}")

    with following(lambda at: reader.subscribe(at, poll=0.01)) as follower:
        run_writers(len(writers), write)
        check_followed_everything(reader, follower)

    assert event_count(reader) == len(writers) * rounds * 4
    request.node.user_properties.append(("subscriber_crashes_resumed", len(follower.crashes)))


def test_concurrent_writers_with_corrections_and_a_subscriber_that_never_crashes(
    make_app: AppFactory, write_file: FileWriter
) -> None:
    writers = [make_app() for _ in WRITER_ACTORS]
    reader = make_app()
    rounds = 5

    def write(number: int) -> None:
        app = writers[number]
        for n in range(rounds):
            lines = [
                fact(id=f"w{number}-{n}-{i}", actor=WRITER_ACTORS[number], summary=f"{i}")
                for i in range(3)
            ]
            app.load_file(write_file(f"w{number}-{n}.jsonl", lines), by=f"writer-{number}")
            app.correct(f"w{number}-{n}-0", "the day was wrong", {"date": "2024-05-02"})

    with following(lambda at: reader.subscribe(at, poll=0.01), tolerate=()) as follower:
        run_writers(len(writers), write)
        check_followed_everything(reader, follower)

    assert event_count(reader) == len(writers) * rounds * 4


# Readers and writers racing: each race made to happen at a chosen moment


def store_without_projecting(app: Stanceline, raw: dict[str, Any]) -> None:
    """A writer's commit that its own catch-up has not projected yet (as between the two)."""
    valid = validate_fact(raw, app.catalogue)
    app.save(
        fact_event(valid.fact_id, valid.content, recorded_at=datetime.now(UTC), recorded_by="w")
    )


def test_an_event_committed_between_catch_up_and_read_is_never_an_error(
    loaded_app: Stanceline, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader, writer = make_app(), make_app()
    real_catch_up = reader.catch_up
    raced: list[bool] = []

    def catch_up_then_a_writer_commits() -> int:
        position = real_catch_up()
        if not raced:
            raced.append(True)
            store_without_projecting(writer, fact(summary="committed mid-read"))
        return position

    monkeypatch.setattr(reader.read, "catch_up", catch_up_then_a_writer_commits)

    first = reader.read_events(0, 1000)
    rest = reader.read_events(first[-1][0], 1000)

    # Either the new event is read in full now or on the next read; never skipped, never an error.
    assert [p for p, _ in first + rest] == list(range(1, 16))
    assert (first + rest)[-1][1]["data"]["summary"] == "committed mid-read"


def test_the_first_use_of_source_by_many_readers_while_a_writer_commits_agrees(
    loaded_app: Stanceline, make_app: AppFactory
) -> None:
    readers = [make_app() for _ in range(4)]
    writer = make_app()
    sources: list[str] = []
    errors: list[BaseException] = []

    def read_source(app: Stanceline) -> None:
        try:
            sources.append(app.source)
        except BaseException as error:  # any error fails the test below
            errors.append(error)

    threads = [threading.Thread(target=read_source, args=(r,)) for r in readers]
    for thread in threads:
        thread.start()
    for n in range(5):
        writer.record_fact(fact(summary=f"meanwhile {n}"))
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(sources) == len(readers)
    assert len(set(sources)) == 1  # one store, one source, however many first uses race
    assert {e["source"] for _, e in read_all(loaded_app)} == set(sources)
