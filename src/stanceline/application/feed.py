"""The stream as the application serves it: CloudEvents and stance changes, read or followed."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from stanceline.domain.diff import knowledge_changes
from stanceline.domain.events import TOPIC_ALIASES, FactCorrected
from stanceline.domain.stance import Occurrence
from stanceline.stream.cloudevents import to_cloudevent
from stanceline.stream.subscription import Subscription

# The topics FactCorrected events are stored under (an old name too, should it be renamed).
CORRECTED_TOPICS = [
    FactCorrected.TOPIC,
    *(old for old, new in TOPIC_ALIASES.items() if new == FactCorrected.TOPIC),
]

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder, Mapper

    from stanceline.domain.actors import Actor
    from stanceline.projections.model import StanceModel


class Feed:
    """Mixed into the application: the event stream and the derived stream of stance changes."""

    if TYPE_CHECKING:
        view: StanceModel
        recorder: ApplicationRecorder
        mapper: Mapper[str]

        def catch_up(self) -> int: ...
        def resolve(self, actor: str) -> Actor: ...
        def _occurrences(self, actor: str, position: int | None) -> list[Occurrence]: ...

    @cached_property
    def source(self) -> str:
        """The CloudEvents `source` of this store: stable for the store's life."""
        return f"urn:stanceline:store:{self.view.store_id()}"

    def read_events(
        self, after: int = 0, limit: int = 100, *, actor: str | None = None, kind: str | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """Up to `limit` stored events after `after`, as (position, CloudEvent), in order."""
        code = self.resolve(actor).code if actor else None
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
        position = self.catch_up()
        if position <= after:
            return []
        records = self.view.wire_records(after, position, limit)
        fields = self._corrected_fields(
            [r["position"] for r in records if r["change"] == "corrected"]
        )
        return [
            (r["position"], to_cloudevent(r, self.source, fields.get(r["position"])))
            for r in records
        ]

    def _corrected_fields(self, positions: list[int]) -> dict[int, dict[str, Any]]:
        """The fields each correction at `positions` replaced, read from the events themselves."""
        if not positions:
            return {}
        # Every event in the range has its version among the records read, so these are
        # exactly the corrections at `positions`.
        notifications = self.recorder.select_notifications(
            start=positions[0], limit=len(positions), stop=positions[-1], topics=CORRECTED_TOPICS
        )
        return {
            n.id: cast(FactCorrected, self.mapper.to_domain_event(n)).changes()
            for n in notifications
        }

    def subscribe(
        self,
        after: int = 0,
        *,
        actor: str | None = None,
        kind: str | None = None,
        poll: float = 0.1,
    ) -> Subscription[dict[str, Any]]:
        """Every stored event after `after` as CloudEvents: the catch-up, then live ones."""
        code = self.resolve(actor).code if actor else None
        scanned = after

        def fetch(at: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
            # A filtered follower resumes from what it has read, not from its last match,
            # so each poll reads only the events stored since.
            nonlocal scanned
            found, scanned = self._scan(max(at, scanned), limit, code, kind)
            return found

        return Subscription(fetch, after, poll)

    def stance_changes(self, after: int = 0, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        """For each stored event after `after`: which answers it changed, over which days."""
        position = self.catch_up()
        found = []
        # By count, not by position range: PostgreSQL positions may have gaps.
        for row in self.view.changes_between(after, position, limit=limit):
            runs = knowledge_changes(
                self._occurrences(row.actor, row.position - 1),
                self._occurrences(row.actor, row.position),
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

    def subscribe_changes(self, after: int = 0, poll: float = 0.1) -> Subscription[dict[str, Any]]:
        """The derived stream of stance changes: the catch-up, then live ones."""
        return Subscription(self.stance_changes, after, poll)


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None
