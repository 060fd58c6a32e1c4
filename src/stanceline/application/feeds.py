"""The stream as the application serves it: CloudEvents and stance changes, read or followed."""

from __future__ import annotations

from datetime import date
from typing import Any

from stanceline.application.ports import Log
from stanceline.application.readside import ReadSide
from stanceline.domain.changes import TOPIC_ALIASES, FactCorrected
from stanceline.domain.diff import knowledge_changes
from stanceline.stream.cloudevents import to_cloudevent
from stanceline.stream.subscription import Subscription

# The topics FactCorrected events are stored under (an old name too, should it be renamed).
CORRECTED_TOPICS = [
    FactCorrected.TOPIC,
    *(old for old, new in TOPIC_ALIASES.items() if new == FactCorrected.TOPIC),
]


class Feeds:
    """The event stream and the derived stream of stance changes, read or followed."""

    def __init__(self, read: ReadSide, log: Log) -> None:
        self.read = read
        self.view = read.view
        self.log = log

    def read_events(
        self, after: int = 0, limit: int = 100, *, actor: str | None = None, kind: str | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """Up to `limit` stored events after `after`, as (position, CloudEvent), in order."""
        code = self.read.resolve(actor).code if actor else None
        return self._scan(after, limit, code, kind)[0]

    def _scan(
        self, after: int, limit: int, code: str | None, kind: str | None
    ) -> tuple[list[tuple[int, dict[str, Any]]], int]:
        """The matching events, and the position up to which the log was read for them."""
        found: list[tuple[int, dict[str, Any]]] = []
        while len(found) < limit:
            batch = self._cloudevents(after, max(limit - len(found), 100))
            if not batch:
                break
            for position, event in batch:
                if (code is None or event["subject"] == code) and (
                    kind is None or event["data"]["kind"] == kind
                ):
                    found.append((position, event))
                    if len(found) == limit:
                        return found, position
                after = position
        return found, after

    def _cloudevents(self, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        # Only what the read model already holds: an event committed meanwhile waits its turn.
        position = self.read.catch_up()
        if position <= after:
            return []
        records = self.view.wire_records(after, position, limit)
        fields = self._corrected_fields(
            [r["position"] for r in records if r["change"] == FactCorrected.CHANGE]
        )
        return [
            (r["position"], to_cloudevent(r, self.read.source, fields.get(r["position"])))
            for r in records
        ]

    def _corrected_fields(self, positions: list[int]) -> dict[int, dict[str, Any]]:
        """The fields each correction at `positions` replaced, read from the events themselves."""
        if not positions:
            return {}
        # Every event in the range has its version among the records read, so these are
        # exactly the corrections at `positions`.
        notifications = self.log.notifications(
            positions[0], len(positions), stop=positions[-1], topics=CORRECTED_TOPICS
        )
        return {n.id: _corrected(self.log.decode(n)).changes() for n in notifications}

    def subscribe(
        self,
        after: int = 0,
        *,
        actor: str | None = None,
        kind: str | None = None,
        poll: float | None = None,
    ) -> Subscription[dict[str, Any]]:
        """Every stored event after `after` as CloudEvents: the catch-up, then live ones.

        Between reads it waits for a wake-up, or `poll` seconds (default: the store's
        `poll_interval`)."""
        code = self.read.resolve(actor).code if actor else None
        scanned = after

        def fetch(at: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
            # A filtered follower resumes from what it has read, not from its last match,
            # so each poll reads only the events stored since.
            nonlocal scanned
            found, scanned = self._scan(max(at, scanned), limit, code, kind)
            return found

        return Subscription(fetch, after, poll or self.log.poll_interval, wakeup=self.log.wakeup)

    def subscribe_pages(
        self, after: int = 0, limit: int = 500, poll: float | None = None
    ) -> Subscription[list[tuple[int, dict[str, Any]]]]:
        """Every stored event after `after`, a page of up to `limit` at a time (for relays).

        Each item is (its last position, the page); the catch-up, then live pages."""

        def fetch(at: int, _batch: int) -> list[tuple[int, list[tuple[int, dict[str, Any]]]]]:
            page = self._scan(at, limit, None, None)[0]
            return [(page[-1][0], page)] if page else []

        return Subscription(fetch, after, poll or self.log.poll_interval, wakeup=self.log.wakeup)

    def stance_changes(self, after: int = 0, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        """For each stored event after `after`: which answers it changed, over which days."""
        position = self.read.catch_up()
        found = []
        # By count, not by position range: PostgreSQL positions may have gaps.
        for row in self.view.changes_between(after, position, limit=limit):
            runs = knowledge_changes(
                self.read.occurrences(row.actor, row.position - 1),
                self.read.occurrences(row.actor, row.position),
            )
            first = min((r.first_day for r in runs), default=None)
            last = max((r.last_day for r in runs), default=None)
            change = {
                "position": row.position,
                "event": f"{row.fact_id}/v{row.version}",
                "fact_id": row.fact_id,
                "actor": row.actor,
                "change": row.change,
                "first_day": _day(first),
                "last_day": _day(last),
                "parts": sorted({r.part for r in runs}),
            }
            found.append((row.position, change))
        return found

    def subscribe_changes(
        self, after: int = 0, poll: float | None = None
    ) -> Subscription[dict[str, Any]]:
        """The derived stream of stance changes: the catch-up, then live ones."""
        return Subscription(
            self.stance_changes, after, poll or self.log.poll_interval, wakeup=self.log.wakeup
        )


def _corrected(event: object) -> FactCorrected:
    assert isinstance(event, FactCorrected)  # read by its topic
    return event


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None
