"""The stream as the application serves it: CloudEvents and stance changes, read or followed."""

from __future__ import annotations

import threading
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from stanceline.application.host import Host
from stanceline.config import POSTGRES
from stanceline.domain.diff import knowledge_changes
from stanceline.domain.events import TOPIC_ALIASES, FactCorrected
from stanceline.stream.cloudevents import to_cloudevent
from stanceline.stream.subscription import Subscription
from stanceline.stream.wakeup import Wakeup

# The topics FactCorrected events are stored under (an old name too, should it be renamed).
CORRECTED_TOPICS = [
    FactCorrected.TOPIC,
    *(old for old, new in TOPIC_ALIASES.items() if new == FactCorrected.TOPIC),
]

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder, Mapper, Recording

    from stanceline.application.listen_postgres import NotifyListener
    from stanceline.config import StoreConfig

# Between reads that found nothing, a follower waits this long unless woken first. SQLite
# cannot push: writes by other processes are seen at the next poll. PostgreSQL's NOTIFY wakes
# followers at once, so its poll is only a safety net.
POLL_SECONDS = 0.1
SAFETY_POLL_SECONDS = 2.0


class Feed(Host):
    """Mixed into the application: the event stream and the derived stream of stance changes."""

    if TYPE_CHECKING:
        recorder: ApplicationRecorder
        mapper: Mapper[str]
        store: StoreConfig
        closing: threading.Event

    _wakeup: Wakeup | None = None
    _listener: NotifyListener | None = None
    # Each application's own (made in its __init__): one lock shared by every instance
    # deadlocked when the collector closed another application while this one held it.
    _wakeup_lock: threading.Lock

    @property
    def wakeup(self) -> Wakeup:
        """Rung when new events may be stored: by this process's writes and, on PostgreSQL,
        by the store's NOTIFY (one LISTEN connection, opened on first use, shared by all)."""
        with self._wakeup_lock:
            if self._wakeup is None:
                self._wakeup = Wakeup()
                if not self.closing.is_set():  # a closed application opens no connection
                    self._listener = self._start_listening(self._wakeup)
            return self._wakeup

    @property
    def poll_interval(self) -> float:
        """How long a follower waits between reads when nothing wakes it."""
        return SAFETY_POLL_SECONDS if self.store.kind == POSTGRES else POLL_SECONDS

    @property
    def listener(self) -> NotifyListener | None:
        """The LISTEN connection's thread, once a follower asked for it (PostgreSQL only)."""
        return self._listener

    def _start_listening(self, wakeup: Wakeup) -> NotifyListener | None:
        if self.store.kind != POSTGRES:
            return None
        # Imported here: PostgreSQL's modules are not loaded for a SQLite store.
        from eventsourcing.postgres import PostgresApplicationRecorder

        from stanceline.application.listen_postgres import listener_for

        assert isinstance(self.recorder, PostgresApplicationRecorder)
        listener = listener_for(self.recorder, wakeup.ring)
        listener.start()
        return listener

    def _stop_listening(self) -> None:
        with self._wakeup_lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    def _notify(self, recordings: list[Recording[str]]) -> None:
        # After each save: followers in this process need not wait for the poll or a NOTIFY.
        if self._wakeup is not None:
            self._wakeup.ring()

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
            [r["position"] for r in records if r["change"] == FactCorrected.CHANGE]
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
        poll: float | None = None,
    ) -> Subscription[dict[str, Any]]:
        """Every stored event after `after` as CloudEvents: the catch-up, then live ones.

        Between reads it waits for a wake-up, or `poll` seconds (default: the store's
        `poll_interval`)."""
        code = self.resolve(actor).code if actor else None
        scanned = after

        def fetch(at: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
            # A filtered follower resumes from what it has read, not from its last match,
            # so each poll reads only the events stored since.
            nonlocal scanned
            found, scanned = self._scan(max(at, scanned), limit, code, kind)
            return found

        return Subscription(fetch, after, poll or self.poll_interval, wakeup=self.wakeup)

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

    def subscribe_changes(
        self, after: int = 0, poll: float | None = None
    ) -> Subscription[dict[str, Any]]:
        """The derived stream of stance changes: the catch-up, then live ones."""
        return Subscription(
            self.stance_changes, after, poll or self.poll_interval, wakeup=self.wakeup
        )


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None
