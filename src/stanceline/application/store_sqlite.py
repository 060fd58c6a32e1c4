"""The SQLite event store: eventsourcing's recorder, inserting a transaction's events at once.

eventsourcing's SQLite application recorder inserts events one statement each, to
read each one's rowid (its position in the log). In one write transaction SQLite
gives the rows of one statement consecutive rowids after the largest, so one
`executemany` and the last rowid give every position: about a microsecond less an
event, a load's fiftieth. tests/integration/test_store_sqlite.py holds the
positions equal to those the log reads back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor


class EventsRecorder(SQLiteApplicationRecorder):
    """SQLite's application recorder, with a transaction's events inserted in one statement."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **_: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        c.executemany(
            self.insert_events_statement,
            [
                (
                    e.originator_id.hex if isinstance(e.originator_id, UUID) else e.originator_id,
                    e.originator_version,
                    e.topic,
                    e.state,
                )
                for e in stored_events
            ],
        )
        c.execute("SELECT last_insert_rowid()")
        last = int(c.fetchone()[0])
        return list(range(last - len(stored_events) + 1, last + 1))
