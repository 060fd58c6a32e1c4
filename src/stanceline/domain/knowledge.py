"""Knowledge time: "known at T", a prefix of the log by position (DESIGN §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from stanceline.errors import InvalidKnownAtError


@dataclass(frozen=True, slots=True)
class KnownAt:
    """Either a log position (@N) or a UTC moment; `text` is the normalised form."""

    position: int | None
    moment: datetime | None

    @property
    def text(self) -> str:
        """'@N', or the UTC timestamp written with a Z."""
        if self.position is not None:
            return f"@{self.position}"
        assert self.moment is not None
        text = self.moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
        return text.replace(".000000Z", "Z")


_POSITION = re.compile(r"@(\d+)")
# The largest position anyone may ask for: exact in every JSON reader, far inside SQLite's
# integers and PostgreSQL's bigint.
MAX_POSITION = 2**53 - 1


def parse_known_at(text: str) -> KnownAt:
    """'@N', an ISO 8601 timestamp (UTC when it has no zone) or a day (its end, UTC)."""
    text = text.strip()
    if match := _POSITION.fullmatch(text):
        position = int(match.group(1))
        if position > MAX_POSITION:
            raise InvalidKnownAtError(f"{text!r}: a position is at most {MAX_POSITION}")
        return KnownAt(position=position, moment=None)
    try:
        if "T" not in text.upper() and " " not in text:
            # A day, in any ISO 8601 form (2025-07-04, 20250704, 2025-W27-5): its end, UTC.
            moment = datetime.combine(date.fromisoformat(text), time.max, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidKnownAtError(
            f"{text!r} is not a known-at time: write an ISO 8601 timestamp "
            "(2025-07-04T12:00:00Z), a day (2025-07-04, meaning its end, UTC) or @N"
        ) from None
    return KnownAt(position=None, moment=moment)


@dataclass(frozen=True, slots=True)
class Knowledge:
    """A resolved known-at: the log position to answer from (None: all) and its text."""

    position: int | None
    text: str | None
