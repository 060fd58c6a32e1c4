"""Tamper evidence: re-check every stored event's chain and sum the log up in one digest.

Each event's chain covers the previous chain of its stream and its own content, so an
edited event no longer matches and a deleted one leaves a hole: a missing position, or a
version gap in its stream. A rewrite that re-chains what it changed is self-consistent;
only a head digest kept elsewhere catches it, hence `expect` ("sha256:<hex>@N").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from eventsourcing.persistence import Notification

from stanceline.application.app import Stanceline
from stanceline.application.ports import Log
from stanceline.domain.events import DomainEvent
from stanceline.errors import ExpectError

DIGEST_PREFIX = "sha256:"
_EXPECT = re.compile(r"(sha256:[0-9a-f]{64})@([0-9]+)", re.IGNORECASE)
_REASON_LIMIT = 200


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """One walk over the log: OK with a head digest, or the first event that does not hold.

    `count` and `position` say how far the events held: when not ok they stop before the
    first bad event.
    """

    ok: bool
    count: int
    position: int
    digest: str
    problem: str | None


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
    problem = walk.check_expected()
    if problem is None:
        for notification in _notifications(app.log, batch):
            problem = walk.step(notification) or walk.check_expected()
            if problem is not None:
                break
        else:
            problem = walk.check_end()
    return walk.report(problem)


def _notifications(log: Log, batch: int) -> Iterator[Notification]:
    """The log in position order, `batch` events at a time (never all of it at once)."""
    start = 1
    while page := log.notifications(start, batch):
        yield from page
        start = page[-1].id + 1


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
