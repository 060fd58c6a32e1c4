"""The temporal index: each actor's answers over the whole calendar, kept as segments.

For the facts as currently known, an actor's answer on any day is read from
`stance_segments`: per actor and component, maximal runs of days
[first_day, last_day] with one answer (segments.py computes them in one sweep).
A question is one indexed lookup per component (the segment with the greatest
first day on or before the day asked), never a replay or a scan of the facts.

Keeping it up to date is lazy. Applying events only records, per actor, the
last position that changed its facts (`stance_index.changed`, in the same
transaction as the rows, for every actor an event touches, including the actor
a correction moves a fact away from). A question about an actor whose index is
behind (`built < changed`) first rebuilds that actor's segments, under the
read model's write lock and in one transaction, so no projector changes its
facts meanwhile and a concurrent reader sees the old segments or the new ones,
never a mix. A load of many files therefore costs one rebuild per actor asked
about, not one per file. Answers as known at an earlier position do not use
the index.

Each segment's answer is stored as the stance JSON writes that part, so a report
is assembled without decoding it. What those parts hold is the index's format
(INDEX_FORMAT): a store whose index was written in another one has its segments
discarded and every actor marked stale when it is opened (check_format).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from operator import itemgetter
from typing import Any

import orjson
from eventsourcing.persistence import OperationalError

from stanceline.domain.claims import counting
from stanceline.domain.facts import Component, Rank
from stanceline.domain.segments import Segment, stance_segments, summary_segments
from stanceline.domain.stance import Answer, Occurrence
from stanceline.errors import LockBusyError, StoreReadOnlyError
from stanceline.projections.dialect import UPSTREAM, Dialect
from stanceline.projections.rows import CURRENT

# Bump when a segment's stored answer changes form (a key added to a part of the stance
# JSON, say): stores written in another format are re-indexed when opened.
INDEX_FORMAT = 2  # 2: `disputed` and `default` on every part (DESIGN §7)

# The index's tables (name, statement), for the read model's SCHEMA. In stance_index,
# changed: the last position that changed the actor's facts; built: the one its segments
# show; facts: how many of its facts count (statements too), as of `built`.
SCHEMA = (
    (
        "stance_segments",
        "CREATE TABLE IF NOT EXISTS {segments} (actor TEXT NOT NULL, component TEXT NOT NULL, "
        "first_day TEXT NOT NULL, last_day TEXT NOT NULL, answer TEXT NOT NULL, "
        "PRIMARY KEY (actor, component, first_day))",
    ),
    (
        "stance_index",
        "CREATE TABLE IF NOT EXISTS {indexed} (actor TEXT NOT NULL PRIMARY KEY, "
        "changed BIGINT NOT NULL, built BIGINT NOT NULL DEFAULT 0, "
        "facts INTEGER NOT NULL DEFAULT 0)",
    ),
    ("stance_index_format", "CREATE TABLE IF NOT EXISTS {format} (version INTEGER NOT NULL)"),
)
# A store whose read model predates the index: every actor in it starts out stale.
_SEED = (
    "INSERT INTO {indexed} (actor, changed) SELECT DISTINCT actor, 1 FROM {versions} "
    "WHERE true ON CONFLICT (actor) DO NOTHING"
)

_MARK = (
    "INSERT INTO {indexed} (actor, changed) VALUES (:actor, :at) "
    "ON CONFLICT (actor) DO UPDATE SET changed = excluded.changed"
)
_INSERT = (
    "INSERT INTO {segments} (actor, component, first_day, last_day, answer) "
    "VALUES (:actor, :component, :first_day, :last_day, :answer)"
)
SUMMARY = "summary"
# The parts of a stance the index keeps: the summary, then the components in their order.
PARTS = (SUMMARY, *(component.value for component in Component))
# Per part: the answer of the segment holding the day (the greatest first day on or before
# it), one indexed lookup each.
_ANSWERS = ", ".join(
    f"(SELECT s.answer FROM {{segments}} s WHERE s.actor = i.actor "
    f"AND s.component = '{part}' AND s.first_day <= :on "
    f"ORDER BY s.first_day DESC LIMIT 1) AS {part}"
    for part in PARTS
)

# answers_at_once: the actor's record, its answers, and what behind() reads, in one statement.
_AT_ONCE = (
    "SELECT {head} AS head, "
    "(SELECT MAX(notification_id) FROM {tracking} WHERE application_name = :app) AS at, "
    f"changed, built, {_ANSWERS} FROM {{indexed}} i WHERE i.actor = :actor"
)


class SegmentIndex:
    """The temporal index of one store's read model, and its upkeep."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    def mark(self, c: Any, changed: Mapping[str, int]) -> None:
        """Record, inside an apply's transaction, the last position that changed each actor."""
        params = [{"actor": actor, "at": at} for actor, at in changed.items()]
        if params:
            c.executemany(self.dialect.sql(_MARK), params)

    def seed(self, c: Any) -> None:
        """When the tables are made: an empty index over facts already there marks them stale."""
        # Checked first: the seed reads every fact, and a store is opened by every command.
        self.dialect.run(c, "SELECT actor FROM {indexed} LIMIT 1")
        if c.fetchone() is None:
            self.dialect.run(c, _SEED)

    def reset(self, c: Any) -> None:
        """In the caller's write transaction: forget every segment and every actor."""
        self.dialect.run(c, "DELETE FROM {segments}")
        self.dialect.run(c, "DELETE FROM {indexed}")

    def check_format(self) -> int | None:
        """Discard segments stored in another format than INDEX_FORMAT, marking every actor
        stale (one transaction); the old format (0: none recorded) if there were any."""
        with self.dialect.reading() as c:
            found = self._format(c)
        if found == INDEX_FORMAT:
            return None  # what every opening finds, in one read
        with _refused_read_only(found), self.dialect.writing() as c:
            found = self._format(c)
            if found == INDEX_FORMAT:
                return None  # another process did it first
            self.dialect.run(c, "SELECT actor FROM {indexed} LIMIT 1")
            indexed = c.fetchone() is not None
            self.dialect.run(c, "DELETE FROM {segments}")
            self.dialect.run(c, "UPDATE {indexed} SET built = 0")
            self.dialect.run(c, "DELETE FROM {format}")
            self.dialect.run(c, "INSERT INTO {format} (version) VALUES (:v)", {"v": INDEX_FORMAT})
        return (found or 0) if indexed else None

    def _format(self, c: Any) -> int | None:
        self.dialect.run(c, "SELECT MAX(version) AS version FROM {format}")
        found = c.fetchone()
        return None if found is None or found["version"] is None else int(found["version"])

    def answers_on(self, actor: str, on: date) -> dict[str, str] | None:
        """One actor's answers on `on`, as currently known: each part's stored JSON.

        In PARTS order, each as the stance JSON writes it (see _dump); None when the
        actor has never had a fact. Rebuilds the actor's segments first when they
        are behind its facts; None too when it cannot at once, because a writer holds
        the lock: the caller then answers from the facts (a reader never waits).
        """
        record = self._lookup(actor, on)
        if record is not None and record["built"] < record["changed"]:
            try:
                self.refresh(actor, wait=False)
            except LockBusyError:
                return None
            # At least as new as the facts were when asked, even if a writer has moved on.
            record = self._lookup(actor, on)
        return None if record is None else _answers(record)

    def _lookup(self, actor: str, on: date) -> Any:
        with self.dialect.reading_one() as c:
            self.dialect.run(
                c,
                f"SELECT changed, built, {_ANSWERS} FROM {{indexed}} i WHERE i.actor = :actor",
                {"actor": actor, "on": on.isoformat()},
            )
            return c.fetchone()

    def answers_at_once(self, actor: str, on: date) -> dict[str, str] | None:
        """answers_on for a caller that must not wait (an event loop), or None.

        One statement that also reads the log's head and the model's position, so
        an answer comes only when nothing is left to do: the model is at the end of
        the log (catch_up would do nothing) and the actor's segments are up to date
        (answers_on would not rebuild them). None when anything more is needed, or
        when the store cannot be read at once (see _reading_at_once): the caller
        then asks the whole way, off the loop.
        """
        try:
            with self.dialect.reading_at_once() as c:
                if c is None:
                    return None
                self.dialect.run(
                    c, _AT_ONCE, {"actor": actor, "on": on.isoformat(), "app": UPSTREAM}
                )
                record = c.fetchone()
        except OperationalError:
            return None  # the whole way tells the store's trouble, if it lasts
        return _current(record)

    def answers_now(self, actor: str, on: date) -> dict[str, str] | None:
        """answers_at_once through an ordinary read: the actor's answers on `on` when the
        model is at the end of the log and the actor's segments are up to date, in one
        statement (one round trip on PostgreSQL), else None: the caller asks the whole way.
        """
        with self.dialect.reading_one() as c:
            self.dialect.run(c, _AT_ONCE, {"actor": actor, "on": on.isoformat(), "app": UPSTREAM})
            record = c.fetchone()
        return _current(record)

    def world_on(self, on: date) -> list[tuple[str, dict[str, str] | None]]:
        """Every actor with a fact that counts and its answers on `on` (as answers_on), by code.

        An actor still behind its facts (a writer held the lock, so it could not be
        rebuilt without waiting) comes with None: the caller answers it from its facts,
        and leaves it out if it has none.
        """
        for actor in self.stale_actors():
            try:
                self.refresh(actor, wait=False)
            except LockBusyError:
                break  # a writer holds the lock: the rest stay behind, answered from facts
        with self.dialect.reading_one() as c:
            self.dialect.run(
                c,
                f"SELECT i.actor, i.built < i.changed AS stale, {_ANSWERS} FROM {{indexed}} i "
                "WHERE i.facts > 0 OR i.built < i.changed ORDER BY i.actor",
                {"on": on.isoformat()},
            )
            return [
                (record["actor"], None if record["stale"] else _answers(record))
                for record in c.fetchall()
            ]

    def stale_actors(self) -> list[str]:
        """The actors whose segments are behind their facts."""
        with self.dialect.reading_one() as c:
            self.dialect.run(c, "SELECT actor FROM {indexed} WHERE built < changed ORDER BY actor")
            return [record["actor"] for record in c.fetchall()]

    def refresh(self, actor: str, wait: bool = True) -> bool:
        """Rebuild one actor's segments if they are behind its facts; True if it did.

        With `wait` False, LockBusyError at once when a writer holds the read model's lock.
        """
        with self.dialect.writing(wait=wait) as c:
            self.dialect.run(
                c, "SELECT changed, built FROM {indexed} WHERE actor = :actor", {"actor": actor}
            )
            record = c.fetchone()
            if record is None or record["built"] >= record["changed"]:
                return False  # another reader rebuilt it first
            self.dialect.run(
                c,
                "SELECT fact_id, component, value, measure, edtf, earliest, latest, "
                "first_position, event, rank FROM {versions} "
                f"WHERE actor = :actor AND active = 1 AND {CURRENT} ORDER BY first_position",
                {"actor": actor},
            )
            records = c.fetchall()
            components = stance_segments(_occurrences(records))
            segments: dict[str, list[Segment]] = {
                SUMMARY: summary_segments(components),
                **{component.value: parts for component, parts in components.items()},
            }
            self.dialect.run(c, "DELETE FROM {segments} WHERE actor = :actor", {"actor": actor})
            c.executemany(
                self.dialect.sql(_INSERT),
                [
                    {
                        "actor": actor,
                        "component": part,
                        "first_day": segment.start.isoformat(),
                        "last_day": segment.end.isoformat(),
                        "answer": _dump(segment.answer, part),
                    }
                    for part, parts in segments.items()
                    for segment in parts
                ],
            )
            self.dialect.run(
                c,
                "UPDATE {indexed} SET built = changed, facts = :facts WHERE actor = :actor",
                {"actor": actor, "facts": len(records)},
            )
            return True


_COMPONENTS = {component.value: component for component in Component}


def _current(record: Any) -> dict[str, str] | None:
    """An _AT_ONCE record's answers, if nothing is left to do first (else None)."""
    if record is None or record["built"] < record["changed"]:
        return None
    if int(record["head"] or 0) > int(record["at"] or 0):
        return None
    return _answers(record)


def _occurrences(records: Iterable[Any]) -> list[Occurrence]:
    """The claims that count and move a component (statements do not), in recording order."""
    return [
        Occurrence(
            fact_id=r["fact_id"],
            component=_COMPONENTS[r["component"]],
            value=r["value"],
            earliest=date.fromisoformat(r["earliest"]),
            latest=date.fromisoformat(r["latest"]),
            position=r["first_position"],
            edtf=r["edtf"],
            measure=r["measure"],
            event=r["event"],
        )
        for r in counting(records, itemgetter("event"), _rank)
        if r["component"] is not None and r["value"] is not None
    ]


def _rank(record: Any) -> Rank:
    return Rank(record["rank"]) if record["rank"] else Rank.NORMAL


def _dump(answer: Answer, part: str) -> str:
    """An answer as the stance JSON shows it, so a report is assembled without decoding it."""
    shown: dict[str, Any] = {
        "value": answer.value,
        "certainty": answer.certainty.value,
        "alternatives": answer.alternatives,
    }
    if part != SUMMARY:
        shown.update(since=answer.since, facts=answer.facts)
    shown.update(disputed=answer.disputed, default=answer.default)
    return orjson.dumps(shown).decode()


def _answers(record: Any) -> dict[str, str]:
    return {part: record[part] for part in PARTS}


@contextmanager
def _refused_read_only(found: int | None) -> Iterator[None]:
    """A read-only process cannot re-index a store written in another format: say so."""
    try:
        yield
    except StoreReadOnlyError:
        written = f"format {found}" if found else "a format before formats were recorded"
        raise StoreReadOnlyError(
            f"this store's temporal index is in {written}, this release's is {INDEX_FORMAT}, "
            "and the store is read-only here: open it once where it can be written (on the "
            "primary, `stanceline project`), so that it is re-indexed"
        ) from None
