"""Tamper evidence: re-check every stored event's chain and the log's seals, and sum the
log up in one digest.

Each event's chain covers the previous chain of its stream and its own content, so an
edited event no longer matches and a deleted one leaves a hole: a missing position, or a
version gap in its stream. Each transaction's seal (domain/seals.py) covers its events in
log order and the seal before it, so an event deleted, inserted or moved anywhere breaks
one, also when the later rows were renumbered to hide the gap. A rewrite that re-chains
and re-seals what it changed is self-consistent; only a head digest kept elsewhere
catches it, hence `expect` ("sha256:<hex>@N").
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from eventsourcing.persistence import Notification

from stanceline.application.app import Stanceline
from stanceline.application.ports import Log
from stanceline.domain.events import DomainEvent
from stanceline.domain.seals import Seal, Sealed, SealHash
from stanceline.errors import ExpectError

DIGEST_PREFIX = "sha256:"
_EXPECT = re.compile(r"(sha256:[0-9a-f]{64})@([0-9]+)", re.IGNORECASE)
_REASON_LIMIT = 200


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """One walk over the log: OK with a head digest, or the first event that does not hold.

    `count` and `position` say how far the events held: when not ok they stop before the
    first bad event. `sealed_from` is the first sealed event's position (None: the log
    holds no sealed event yet) and `seals` how many seals were checked.
    """

    ok: bool
    count: int
    position: int
    digest: str
    problem: str | None
    sealed_from: int | None = None
    seals: int = 0


@dataclass(frozen=True, slots=True)
class Expected:
    """A head digest an auditor kept: what positions 1..position must produce."""

    digest: str
    position: int


def parse_expect(text: str) -> Expected:
    """Read "sha256:<64 hex digits>@N" (ExpectError when it is anything else)."""
    match = _EXPECT.fullmatch(text.strip())
    if match is None:
        raise ExpectError(f"expected digest {text!r} is not of the form sha256:<64 hex digits>@N")
    return Expected(match[1].lower(), int(match[2]))


def head_digest_line(report: VerifyReport) -> str:
    """The report's head digest in the form `expect` takes: "sha256:<hex>@<position>"."""
    if not report.ok:
        raise ValueError("a log that fails verification has no head digest")
    return f"{report.digest}@{report.position}"


def verify(app: Stanceline, expect: str | None = None, batch: int = 5000) -> VerifyReport:
    """Walk the whole log in position order; report OK or the first event that does not hold."""
    expected = parse_expect(expect) if expect is not None else None
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    # Only SQLite numbers rows consecutively; PostgreSQL's sequence leaves gaps.
    walk = ChainWalk(app.log.decode, expected, consecutive=app.log.consecutive)
    sealing = SealWalk(app.log, batch)
    problem = walk.check_expected()
    if problem is None:
        for notification in _notifications(app.log, batch):
            problem = walk.step(notification) or sealing.step(notification) or walk.check_expected()
            if problem is not None:
                break
        else:
            problem = walk.check_end() or sealing.check_end()
    return sealing.sealed(walk.report(problem))


def _notifications(log: Log, batch: int) -> Iterator[Notification]:
    """The log in position order, `batch` events at a time (never all of it at once)."""
    start = 1
    while page := log.notifications(start, batch):
        yield from page
        start = page[-1].id + 1


class SealWalk:
    """The log's seals, recomputed over its events in order (domain/seals.py).

    Seals are read a page at a time, the next page only when the events need it: a
    seal is committed with its events, so the events read so far never outrun the
    seals read after them. A store made before seals has its first seal say how many
    events came before it; those are checked by their chains alone.
    """

    def __init__(self, log: Log, batch: int) -> None:
        self._fetch = log.seals
        self._batch = batch
        self._page: deque[Seal] = deque()
        self._read = 0  # the last seal number fetched
        # The seals there were when the walk began: those must all be met.
        self._known = log.last_seal()
        self._fill()
        # How many events came before the first seal (None: there is no seal).
        self._unsealed = (self._page[0].earlier or 0) if self._page else None
        self._seen = 0  # events walked
        self._checked = 0  # the last seal number that held
        self._previous = ""
        self._current: Seal | None = None
        self._left = 0
        self._hash = SealHash("")
        self._from = 0  # the current seal's first position
        self.sealed_from: int | None = None

    def _fill(self) -> None:
        self._page.extend(self._fetch(self._read, self._batch))
        if self._page:
            self._read = self._page[-1].number

    def _next(self) -> Seal | None:
        if not self._page:
            self._fill()
        return self._page.popleft() if self._page else None

    def step(self, stored: Notification) -> str | None:
        """Take one event into its seal; say what is wrong when a seal does not hold."""
        self._seen += 1
        if self._unsealed is None or self._seen <= self._unsealed:
            return None
        if self._current is None:
            seal = self._next()
            if seal is None:
                return (
                    f"position {stored.id} is not sealed: an event was inserted "
                    "(or written by a release that does not seal)"
                )
            if seal.number != self._checked + 1:
                return f"seal {self._checked + 1} is missing: the log's seals were altered"
            self._current, self._left, self._from = seal, seal.events, stored.id
            self._hash = SealHash(self._previous)
            if self.sealed_from is None:
                self.sealed_from = stored.id
        self._hash.add(
            Sealed(str(stored.originator_id), stored.originator_version, stored.topic, stored.state)
        )
        self._left -= 1
        if self._left:
            return None
        seal, self._current = self._current, None
        if self._hash.hexdigest() != seal.digest:
            where = (
                f"position {stored.id} does"
                if self._from == stored.id
                else f"positions {self._from}-{stored.id} do"
            )
            return f"{where} not match seal {seal.number}: an event was deleted, inserted or moved"
        self._previous, self._checked = seal.digest, seal.number
        return None

    def check_end(self) -> str | None:
        """Every seal there was when the walk began must have been met whole."""
        if self._current is not None:
            return (
                f"the log ends inside seal {self._current.number}: {self._left} of its "
                "events are missing (deleted)"
            )
        if self._unsealed is not None and self._seen < self._unsealed:
            return (
                f"the log holds {self._seen} events, but its first seal follows "
                f"{self._unsealed}: events were deleted"
            )
        if self._checked < self._known:
            return (
                f"seal {self._checked + 1} seals events the log no longer holds: "
                "events were deleted"
            )
        return None

    def sealed(self, report: VerifyReport) -> VerifyReport:
        """The walk's report, saying from where the log is sealed."""
        return replace(report, sealed_from=self.sealed_from, seals=self._checked)


class ChainWalk:
    """What the walk remembers: each stream's last version and chain, and the head hash."""

    def __init__(
        self,
        decode: Callable[[Notification], DomainEvent],
        expected: Expected | None,
        *,
        consecutive: bool,
    ) -> None:
        self.decode = decode
        self.consecutive = consecutive
        self.expected = expected
        self.streams: dict[str, tuple[int, str]] = {}
        self.head = hashlib.sha256()
        self.count = 0
        self.position = 0

    @property
    def digest(self) -> str:
        return DIGEST_PREFIX + self.head.hexdigest()

    def step(self, stored: Notification) -> str | None:
        """Check one stored event and take it into the head digest; return what is wrong."""
        # SQLite numbers rows consecutively and a rolled-back insert leaves no hole,
        # so a skipped position is a deleted row. (On PostgreSQL a rolled-back insert
        # leaves a hole, and the events table's trigger refuses deletes.)
        if self.consecutive and stored.id != self.position + 1:
            return f"position {self.position + 1} is missing: an event was deleted"
        stream = str(stored.originator_id)
        where = f"position {stored.id} (fact {stream} v{stored.originator_version})"
        try:
            event = self.decode(stored)
        # Tampered bytes can break the mapper in any of these ways; report, never crash.
        except (ValueError, TypeError, LookupError, AttributeError) as error:
            return f"{where}: cannot be read: {_one_line(error)}"
        version, previous = self.streams.get(stream, (0, ""))
        if stored.originator_version != version + 1:
            return (
                f"{where}: version gap: expected v{version + 1} "
                "(an event of this fact was deleted or moved)"
            )
        if not isinstance(event, DomainEvent) or event.chain != event.digest(previous):
            return f"{where}: content or chain does not match"
        self.streams[stream] = (stored.originator_version, event.chain)
        self.head.update(f"{stored.id}:{event.chain}\n".encode())
        self.count += 1
        self.position = stored.id
        return None

    def check_expected(self) -> str | None:
        """At the expected position, the head digest so far must be the one kept."""
        expected = self.expected
        if expected is None or expected.position != self.position:
            return None
        if self.digest != expected.digest:
            return f"the log up to position {self.position} does not produce the expected digest"
        return None

    def check_end(self) -> str | None:
        """The log must reach the expected position."""
        if self.expected is not None and self.expected.position > self.position:
            return f"the log ends at position {self.position}, before {self.expected.position}"
        return None

    def report(self, problem: str | None) -> VerifyReport:
        if problem is not None:
            return VerifyReport(False, self.count, self.position, "", problem)
        return VerifyReport(True, self.count, self.position, self.digest, None)


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"
