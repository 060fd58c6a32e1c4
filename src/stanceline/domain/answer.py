"""What the rules answer: a fact as they see it, and a part's answer on one day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from stanceline.domain.facts import Component

_ONE_DAY = timedelta(days=1)


class Certainty(StrEnum):
    """Whether one value or several are possible on the day asked."""

    CERTAIN = "certain"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A fact as the rules see it: what it sets, and when it may have happened."""

    fact_id: str
    component: Component
    value: str
    earliest: date
    latest: date
    position: int
    edtf: str
    measure: str | None = None
    event: str | None = None  # the happening it is a claim of (DESIGN §7); None: its own

    def turning_days(self) -> set[date]:
        """The days on which this fact can move an answer: its first and last day and the
        day after each, where it stops holding others back (kept inside the calendar)."""
        days = {self.earliest, self.latest}
        return days | {day + _ONE_DAY for day in days if day < date.max}


@dataclass(frozen=True, slots=True)
class Answer:
    """A component's (or the summary's) answer on one day."""

    value: str
    possible: frozenset[str]
    since: str | None = None
    facts: tuple[str, ...] = ()
    # DESIGN §7: whether the claims of some happening disagree in a way that matters on
    # the day; whether no fact of the part can have happened by then; and, per happening
    # whose claims disagree so, the possible values each of its claims leaves.
    disputed: bool = False
    default: bool = False
    readings: frozenset[frozenset[frozenset[str]]] = frozenset()

    @property
    def certainty(self) -> Certainty:
        """Certain when exactly one value is possible."""
        return Certainty.CERTAIN if len(self.possible) == 1 else Certainty.UNCERTAIN

    @property
    def alternatives(self) -> list[str]:
        """The other possible values, sorted."""
        return sorted(self.possible - {self.value})
