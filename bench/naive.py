"""The naive answer: fold every event of one actor, as a repository would, with no read model.

The engine keeps one stream per fact, so an actor's events are many streams.
The bench gives every fact an id that starts with its actor's code
("RUS-0000042"), so all of an actor's streams are one range of the event
store's primary key (originator_id, originator_version): one indexed read
returns exactly the events a stream per actor would hold. That is the best
case for the naive reader; a store with arbitrary ids would have to scan the
whole log.
"""

from __future__ import annotations

import datetime
from itertools import groupby
from typing import Any, cast

from eventsourcing.persistence import StoredEvent

from stanceline.application import Stanceline
from stanceline.application.reports import StanceReport
from stanceline.domain.dates import parse_effective_date
from stanceline.domain.events import DomainEvent
from stanceline.domain.lifecycle import fold
from stanceline.domain.stance import Occurrence, stance_on


def actor_events(app: Stanceline, code: str) -> list[tuple[int, StoredEvent]]:
    """(position, stored event) of every stream whose id starts with `code-`, by stream."""
    recorder: Any = app.recorder
    statement = (
        "SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM {recorder.events_table_name} "
        "WHERE originator_id >= ? AND originator_id < ? "
        "ORDER BY originator_id, originator_version"
    )
    # '.' sorts right after '-': the range holds "RUS-..." and not "RUSX-...".
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, (f"{code}-", f"{code}."))
        return [(row[0], StoredEvent(row[1], row[2], row[3], row[4])) for row in cursor.fetchall()]


def naive_stance(app: Stanceline, code: str, on: datetime.date) -> StanceReport:
    """The stance of `code` on `on`, folded from the actor's events alone."""
    occurrences = []
    stored = actor_events(app, code)
    for _, stream in groupby(stored, key=lambda item: item[1].originator_id):
        events = list(stream)
        state = fold(cast(DomainEvent, app.mapper.to_domain_event(e)) for _, e in events)
        if state is None or state.retracted:
            continue
        effect = state.content.effect()
        if effect is None:
            continue
        effective = parse_effective_date(state.content.date)
        occurrences.append(
            Occurrence(
                fact_id=state.fact_id,
                component=effect.component,
                value=effect.value,
                earliest=effective.earliest,
                latest=effective.latest,
                position=events[0][0],  # same-day ties: the order facts were first recorded
                edtf=state.content.date,
                measure=effect.measure,
            )
        )
    return StanceReport.of(app.catalogue.get(code), stance_on(occurrences, on))
