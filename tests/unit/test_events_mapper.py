"""Stored events: one class per fact kind, mapped by stable topic (DESIGN §4, §6)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from stanceline.adapters.library import PydanticMapper
from stanceline.domain import changes, events
from stanceline.domain.actors import ActorCatalogue
from stanceline.domain.changes import EVENT_TYPES, TOPIC_ALIASES, event_class
from stanceline.domain.events import (
    FACT_EVENTS,
    FactRecorded,
    TerroristDesignationLifted,
    fact_event,
)
from stanceline.domain.facts import FactContent, FactKind, Source
from stanceline.domain.intake import validate_fact
from stanceline.domain.lifecycle import evolve
from stanceline.domain.recording import new_fact
from stanceline.errors import StancelineError, StoredEventError
from stanceline.projections.rows import new_fact_row, recorded_row, to_params
from tests.strategies import (
    ACTOR_CODES,
    details_for,
    edtf_dates,
    fact_contents,
    fact_ids,
    sources,
    texts,
)

MAPPER = PydanticMapper()
CATALOGUE = ActorCatalogue.default()
RECORDED_AT = datetime(2025, 7, 4, 12, 30, 15, 123456, tzinfo=UTC)


def recorded_times() -> st.SearchStrategy[datetime]:
    """Recorded times: UTC, as the engine sets them, or another fixed offset."""
    minutes = st.integers(-14 * 60, 14 * 60)
    offsets = minutes.map(lambda n: timezone(timedelta(minutes=n)))
    return st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2100, 12, 31),
        timezones=st.just(UTC) | offsets,
    )


def lifted(fact_id: str = "ru-lifted") -> FactRecorded:
    content = FactContent(
        kind=FactKind.TERRORIST_DESIGNATION_LIFTED,
        actor="RUS",
        date="2025-04",
        summary="Russia lifts its 2003 designation of the Taliban",
        source=Source(title="Clash Report", published="2025-07-04"),
    )
    return fact_event(fact_id, content, recorded_at=RECORDED_AT, recorded_by="loader")


def round_trip(event: FactRecorded) -> FactRecorded:
    loaded = MAPPER.to_domain_event(MAPPER.to_stored_event(event))
    assert isinstance(loaded, FactRecorded)
    return loaded


def test_every_kind_has_its_event_class() -> None:
    assert set(FACT_EVENTS) == set(FactKind)
    for kind, cls in FACT_EVENTS.items():
        assert cls.KIND is kind
        assert event_class(cls.TOPIC) is cls


@pytest.mark.parametrize("kind", list(FACT_EVENTS))
@given(data=st.data())
def test_every_kind_survives_the_mapper(kind: FactKind, data: st.DataObject) -> None:
    content = data.draw(fact_contents(kind), label="content")
    fact_id = data.draw(fact_ids(), label="fact_id")
    recorded_at = data.draw(recorded_times(), label="recorded_at")
    recorded_by = data.draw(texts(), label="recorded_by")
    event = fact_event(fact_id, content, recorded_at=recorded_at, recorded_by=recorded_by)
    assert type(event) is FACT_EVENTS[kind]

    stored = MAPPER.to_stored_event(event)
    loaded = round_trip(event)

    assert stored.topic == f"stanceline:{type(event).__name__}"
    assert stored.originator_id == fact_id
    assert stored.originator_version == 1
    assert type(loaded) is type(event)
    assert loaded == event
    assert loaded.fact_id == fact_id
    assert loaded.timestamp == recorded_at
    assert loaded.content() == event.content() == content


@pytest.mark.parametrize("cls", list(FACT_EVENTS.values()), ids=lambda cls: cls.__name__)
def test_the_stored_topic_names_the_class_and_no_module(cls: type[FactRecorded]) -> None:
    topic = cls.TOPIC
    assert topic == f"stanceline:{cls.__name__}"
    assert "." not in topic
    assert cls.__module__ not in topic


def test_a_stored_event_carries_the_topic_and_no_python_location() -> None:
    stored = MAPPER.to_stored_event(lifted())
    assert stored.topic == "stanceline:TerroristDesignationLifted"
    assert b"stanceline.domain" not in stored.state
    state = orjson.loads(stored.state)
    assert "originator_id" not in state
    assert state["actor"] == "RUS"
    assert state["date"] == "2025-04"


def test_the_topics_are_distinct() -> None:
    topics = [cls.TOPIC for cls in FACT_EVENTS.values()]
    assert len(set(topics)) == len(topics)
    changed = [cls.TOPIC for cls in changes.CHANGE_EVENTS]
    assert set(EVENT_TYPES) == set(topics) | set(changed)
    assert len(EVENT_TYPES) == len(topics) + len(changed)


def stored(topic: str, state: bytes | None = None) -> StoredEvent:
    original = MAPPER.to_stored_event(lifted())
    return StoredEvent(
        originator_id=original.originator_id,
        originator_version=original.originator_version,
        topic=topic,
        state=original.state if state is None else state,
    )


@pytest.mark.parametrize(
    "topic",
    [
        "stanceline:TerroristDesignationSuspended",
        "stanceline.domain.events:TerroristDesignationLifted",
        "TerroristDesignationLifted",
        "",
    ],
)
def test_an_unknown_topic_is_a_stored_event_error(topic: str) -> None:
    with pytest.raises(StoredEventError, match="unknown type") as caught:
        MAPPER.to_domain_event(stored(topic))
    assert isinstance(caught.value, StancelineError)
    assert "ru-lifted" in str(caught.value)


def test_a_state_that_does_not_validate_is_a_stored_event_error() -> None:
    state = orjson.loads(stored("stanceline:TerroristDesignationLifted").state)
    del state["actor"]
    with pytest.raises(StoredEventError, match="does not validate"):
        MAPPER.to_domain_event(stored("stanceline:TerroristDesignationLifted", orjson.dumps(state)))


@pytest.fixture
def moved_class() -> Iterator[type[FactRecorded]]:
    """TerroristDesignationLifted, renamed and moved to another module for the test."""
    cls = TerroristDesignationLifted
    saved = cls.__module__, cls.__qualname__, cls.__name__
    # pytest's monkeypatch cannot undo __qualname__ (not in the class __dict__): restore by hand.
    cls.__module__ = "stanceline.legacy.facts"
    cls.__qualname__ = cls.__name__ = "DesignationRemoved"
    try:
        yield cls
    finally:
        cls.__module__, cls.__qualname__, cls.__name__ = saved


def test_an_event_stored_under_its_topic_loads_after_the_class_moves(
    moved_class: type[FactRecorded],
) -> None:
    event = lifted()
    stored_before = StoredEvent(
        originator_id="ru-lifted",
        originator_version=1,
        topic="stanceline:TerroristDesignationLifted",
        state=MAPPER.to_stored_event(event).state,
    )
    assert moved_class.__qualname__ == "DesignationRemoved"

    loaded = MAPPER.to_domain_event(stored_before)
    assert type(loaded) is moved_class
    assert loaded == event
    # New events of the moved class are still stored under the released topic.
    assert MAPPER.to_stored_event(event).topic == "stanceline:TerroristDesignationLifted"


def test_a_registered_alias_loads_events_stored_under_the_old_topic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = "stanceline:TerroristDesignationSuspended"
    with pytest.raises(StoredEventError):
        MAPPER.to_domain_event(stored(old))

    monkeypatch.setitem(TOPIC_ALIASES, old, "stanceline:TerroristDesignationLifted")
    assert changes.TOPIC_ALIASES[old] == "stanceline:TerroristDesignationLifted"
    loaded = MAPPER.to_domain_event(stored(old))
    assert type(loaded) is TerroristDesignationLifted
    assert loaded == lifted()
    # Stored again, it takes the current topic.
    assert MAPPER.to_stored_event(loaded).topic == "stanceline:TerroristDesignationLifted"


def test_a_new_fact_carries_the_chain_hash_of_its_content() -> None:
    event = lifted()
    assert event.chain == event.digest("")
    assert len(event.chain) == 64


@given(summary=texts())
def test_any_change_of_content_changes_the_chain(summary: str) -> None:
    event = lifted()
    edited = event.model_copy(update={"summary": summary + " (edited)"})
    assert edited.digest("") != event.chain
    assert event.digest("x" * 64) != event.chain  # linked to the previous event


def test_the_chain_survives_the_mapper() -> None:
    event = lifted()
    assert round_trip(event).chain == event.chain
    assert round_trip(event).digest("") == event.chain


@st.composite
def import_objects(draw: st.DrawFn, kind: FactKind) -> dict[str, object]:
    """An import line of `kind`, as a user writes it (details may be left to their default)."""
    line: dict[str, object] = {
        "kind": kind.value,
        "actor": draw(st.sampled_from(ACTOR_CODES)),
        "date": draw(edtf_dates()),
        "summary": draw(texts()),
        "source": draw(sources()).model_dump(exclude_none=True),
        "details": draw(details_for(kind)),
    }
    if draw(st.booleans()):
        line["id"] = draw(fact_ids())
    return line


@pytest.mark.parametrize("kind", list(FACT_EVENTS))
@given(data=st.data())
def test_a_load_stores_and_projects_a_new_fact_as_its_event_model_would(
    kind: FactKind, data: st.DataObject
) -> None:
    # A load makes a new fact's stored event and first version straight from validation's
    # parts; the event model, dumped and mapped, is the reference for every byte of both.
    valid = validate_fact(data.draw(import_objects(kind), label="line"), CATALOGUE)
    recorded_at = data.draw(recorded_times(), label="recorded_at")
    recorded_by = data.draw(texts(), label="recorded_by")
    new = new_fact(valid, recorded_at=recorded_at, recorded_by=recorded_by)
    event = fact_event(
        valid.fact_id, valid.content, recorded_at=recorded_at, recorded_by=recorded_by
    )

    assert valid.dumped == valid.content.model_dump(mode="json")
    assert list(new.state.items()) == list(event.model_dump(mode="json").items())
    assert new.chain == event.chain
    assert MAPPER.from_state(new.topic, new.state) == MAPPER.to_stored_event(event)
    assert new_fact_row(7, new) == recorded_row(7, event)
    assert to_params(new_fact_row(7, new)) == to_params(recorded_row(7, event))
    assert new.fact_state() == evolve(None, event)


def test_one_instant_recorded_in_two_zones_is_written_in_each_zone() -> None:
    # Equal datetimes hash alike: a cache by the datetime alone wrote the first zone twice.
    utc = datetime(1975, 12, 31, 23, 59, 58, 999999, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    for moment in (utc, paris, utc):
        event = lifted().model_copy(update={"timestamp": moment})
        assert events.json_time(moment) == event.model_dump(mode="json")["timestamp"]
