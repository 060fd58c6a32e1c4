"""Effective dates: EDTF strings resolved to inclusive ranges of calendar days.

Every effective date becomes [earliest, latest] (DESIGN §2). A day, month or year
covers its days; "A/B" runs from A's first day to B's last; ".." as a start means
0001-01-01 and as an end means 9999-12-31, so "2025-07-04/.." reads "on or after".
"~" and "%" widen an endpoint by one day, month or year (its precision), stopping
at 0001-01-01 and 9999-12-31; "?" and "%" mark the date as doubtful. Unspecified
digits ("2025-04-XX") and the seasons spring, summer and autumn ("2025-21".."2025-23")
take edtf's range; winter, times of day and other level-2 forms are refused.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
import io
import re
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pendulum

from stanceline.errors import InvalidDateError

# edtf warns at import time (pyparsing, optional Django); under filterwarnings=error
# that warning would break every importer of this module.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import edtf

MIN_DAY = datetime.date(1, 1, 1)
MAX_DAY = datetime.date(9999, 12, 31)

_INTERVALS = (edtf.Interval, edtf.Level1Interval, edtf.Level2Interval)
_POINTS = (edtf.Date, edtf.Unspecified, edtf.PartialUnspecified, edtf.Season)
_WINTER = 24  # edtf puts winter in December alone; it really spans two years
# edtf checks a day against a fixed table (it accepts 29 February in any year), so
# every written day is checked here first, which also gives a clearer message.
_WRITTEN_DAY = re.compile(r"(?<![\dX])(\d{4})-(\d{2})-(\d{2})(?![\dX])")
_DAY_ONLY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SIMPLE_POINT = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?[~?%]?")
_Range = tuple[datetime.date, datetime.date]
_EXAMPLES = "e.g. '2025-07-03', '2025-04', '2025' or '2025-04/2025-06'"


@dataclass(frozen=True, slots=True)
class EffectiveDate:
    """An EDTF effective date and the inclusive range of days it stands for."""

    text: str
    earliest: datetime.date
    latest: datetime.date
    approximate: bool
    doubtful: bool

    def contains(self, day: datetime.date) -> bool:
        """Whether `day` is one of the days this date may name."""
        return self.earliest <= day <= self.latest


@lru_cache(maxsize=65536)
def parse_effective_date(text: str) -> EffectiveDate:
    """Resolve an EDTF string to its range of days; raise InvalidDateError if it has none."""
    text = text.strip()
    if not text:
        raise InvalidDateError(f"the date is empty; expected EDTF, {_EXAMPLES}")
    parts = _split_interval(text)
    for match in _WRITTEN_DAY.finditer(text):
        _check_day(match.group(0), *(int(group) for group in match.groups()))
    simple = _simple_bounds(parts)
    (start_lo, start_hi), (end_lo, end_hi) = simple or _edtf_bounds(text)
    if start_lo > end_hi:
        raise InvalidDateError(f"{text!r} ends before it starts")
    first, last = parts[0], parts[-1]
    earliest = _widen(start_lo, start_hi, -1, first) if _approximate(first) else start_lo
    latest = _widen(end_lo, end_hi, +1, last) if _approximate(last) else end_hi
    return EffectiveDate(
        text=text,
        earliest=earliest,
        latest=latest,
        approximate=_approximate(text),
        doubtful="?" in text or "%" in text,
    )


def _edtf_bounds(text: str) -> tuple[_Range, _Range]:
    """The ranges of the start and of the end, as the edtf package reads them."""
    start, end = _endpoints(_parse(text), text)
    try:
        return _bounds(start, MIN_DAY), _bounds(end, MAX_DAY)
    except InvalidDateError:
        raise
    except ValueError:
        # edtf parses some partly unspecified days ("2025-04-1X") it cannot bound.
        raise InvalidDateError(
            f"{text!r} is an EDTF form stanceline does not support; expected {_EXAMPLES}"
        ) from None


def _simple_bounds(parts: list[str]) -> tuple[_Range, _Range] | None:
    """The same ranges for the common forms (day, month, year, '..'), without edtf.

    edtf's grammar takes milliseconds a date, which dominates loading large
    files; the forms matched here are read directly, and a test checks that
    they agree with edtf. Anything else (None) goes to edtf.
    """
    if len(parts) > 2:
        return None
    ranges = []
    for index, part in enumerate(parts):
        if part == ".." and len(parts) == 2:
            ranges.append((MIN_DAY, MIN_DAY) if index == 0 else (MAX_DAY, MAX_DAY))
            continue
        match = _SIMPLE_POINT.fullmatch(part)
        if match is None or not 1 <= int(match.group(2) or 1) <= 12:
            return None  # not a plain date (a season such as 2025-21 has "month" 21)
        ranges.append(_point_range(part, *match.groups()))
    return ranges[0], ranges[-1]


def _point_range(written: str, year: str, month: str | None, day: str | None) -> _Range:
    _check_year(written, int(year))
    if month is None:
        return datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31)
    if day is None:
        last = calendar.monthrange(int(year), int(month))[1]
        return datetime.date(int(year), int(month), 1), datetime.date(int(year), int(month), last)
    # The day itself was checked against the calendar already.
    point = datetime.date(int(year), int(month), int(day))
    return point, point


def parse_day(text: str) -> datetime.date:
    """Read one calendar day written YYYY-MM-DD, or "today" (in UTC, like the default query day)."""
    text = text.strip()
    if text.lower() == "today":
        return _plain(pendulum.today("UTC"))
    match = _DAY_ONLY.fullmatch(text)
    if match is None:
        raise InvalidDateError(f"{text!r} is not a calendar day; expected YYYY-MM-DD or 'today'")
    year, month, day = (int(group) for group in match.groups())
    _check_day(text, year, month, day)
    return datetime.date(year, month, day)


def _split_interval(text: str) -> list[str]:
    """Split "A/B"; edtf reads an empty side as "ten years from the other", so refuse it."""
    parts = text.split("/")
    if len(parts) == 2 and not parts[0]:
        raise InvalidDateError(f"{text!r} has an empty start; write '..' for an open start")
    if len(parts) == 2 and not parts[1]:
        raise InvalidDateError(f"{text!r} has an empty end; write '..' for an open end")
    return parts


def _check_day(written: str, year: int, month: int, day: int) -> None:
    """Refuse a written day that the calendar does not have."""
    _check_year(written, year)
    if not 1 <= month <= 12:
        raise InvalidDateError(f"{written!r} is not a calendar day (there is no month {month})")
    if day == 0:
        raise InvalidDateError(f"{written!r} is not a calendar day (there is no day 0)")
    days_in_month = calendar.monthrange(year, month)[1]
    if month == 2 and day == 29 and days_in_month == 28:
        raise InvalidDateError(f"{written!r} is not a calendar day ({year} is not a leap year)")
    if not 1 <= day <= days_in_month:
        month_name = calendar.month_name[month]
        raise InvalidDateError(
            f"{written!r} is not a calendar day ({month_name} {year} has {days_in_month} days)"
        )


def _check_year(written: str, year: int) -> None:
    if not MIN_DAY.year <= year <= MAX_DAY.year:
        raise InvalidDateError(f"{written!r} is outside the years 1 to 9999")


def _parse(text: str) -> Any:
    try:
        # edtf prints a debugging line to stdout on some malformed input ("2025-1X");
        # a user must see only our one-line error.
        with contextlib.redirect_stdout(io.StringIO()):
            return edtf.parse_edtf(text)
    # Besides EDTFParseException, edtf lets TypeError and AttributeError escape
    # on some malformed input ("/..", "2025-1X"): all of them mean "not EDTF".
    except Exception:
        raise InvalidDateError(f"{text!r} is not an EDTF date; expected {_EXAMPLES}") from None


def _endpoints(parsed: Any, text: str) -> tuple[Any, Any]:
    """The start and end of the date (the same point twice if it is no interval)."""
    if type(parsed) in _INTERVALS:
        return _point(parsed.lower, text), _point(parsed.upper, text)
    point = _point(parsed, text)
    return point, point


def _point(node: Any, text: str) -> Any:
    """A supported date, or None for an open end ("..")."""
    if type(node) is edtf.UnspecifiedIntervalSection:
        return None
    inner = node.date if type(node) is edtf.UncertainOrApproximate else node
    if type(inner) is edtf.Season and int(inner.season) == _WINTER:
        raise InvalidDateError(
            f"{text!r} names winter, which spans two years; write a range such as '2025-12/2026-02'"
        )
    if type(inner) not in _POINTS:
        raise InvalidDateError(
            f"{text!r} is an EDTF form stanceline does not support; expected {_EXAMPLES}"
        )
    return node


def _bounds(point: Any, open_day: datetime.date) -> tuple[datetime.date, datetime.date]:
    if point is None:
        return open_day, open_day
    return _to_day(point.lower_strict(), point), _to_day(point.upper_strict(), point)


def _to_day(bound: time.struct_time, point: Any) -> datetime.date:
    _check_year(str(point), bound.tm_year)
    return datetime.date(bound.tm_year, bound.tm_mon, bound.tm_mday)


def _approximate(text: str) -> bool:
    return "~" in text or "%" in text


def _widen(lo: datetime.date, hi: datetime.date, step: int, written: str) -> datetime.date:
    """Move one end of [lo, hi] out (step -1 earlier, +1 later) by one unit of its precision."""
    unit = _unit(lo, hi)
    if unit is None:
        raise InvalidDateError(
            f"{written!r} cannot be approximate: '~' and '%' widen only a day, a month or a year"
        )
    edge = lo if step < 0 else hi
    try:
        moved = pendulum.Date(edge.year, edge.month, edge.day).add(**{f"{unit}s": step})
    except (ValueError, OverflowError):
        # The calendar ends at 0001-01-01 and 9999-12-31; widening stops there.
        return MIN_DAY if step < 0 else MAX_DAY
    return _plain(moved.start_of(unit) if step < 0 else moved.end_of(unit))


def _unit(lo: datetime.date, hi: datetime.date) -> str | None:
    """The precision of [lo, hi]: "day", "month", "year", or None for other spans."""
    if lo == hi:
        return "day"
    first = pendulum.Date(lo.year, lo.month, lo.day)
    for unit in ("month", "year"):
        if first == first.start_of(unit) and hi == first.end_of(unit):
            return unit
    return None


def _plain(day: datetime.date) -> datetime.date:
    """A plain datetime.date, so callers never see pendulum's subclass."""
    return datetime.date(day.year, day.month, day.day)
