"""Hypothesis strategies shared by the tests."""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

# Dates

FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)
# How many characters of an ISO day each EDTF precision keeps.
PRECISIONS = {"day": 10, "month": 7, "year": 4}
QUALIFIERS = ("", "~", "?", "%")


def days() -> st.SearchStrategy[datetime.date]:
    """Calendar days in the years 1900 to 2100."""
    return st.dates(FIRST_DAY, LAST_DAY)


def year_months() -> st.SearchStrategy[tuple[int, int]]:
    """(year, month) pairs in the years 1900 to 2100."""
    return st.tuples(st.integers(FIRST_DAY.year, LAST_DAY.year), st.integers(1, 12))


def written(day: datetime.date, precision: str, qualifier: str = "") -> str:
    """The EDTF day, month or year that contains `day`, with an optional qualifier."""
    return day.isoformat()[: PRECISIONS[precision]] + qualifier


@st.composite
def edtf_points(draw: st.DrawFn) -> str:
    """A single day, month or year, possibly qualified: "2025-07-03", "2025-04~", "2003?"."""
    precision = draw(st.sampled_from(sorted(PRECISIONS)))
    return written(draw(days()), precision, draw(st.sampled_from(QUALIFIERS)))


@st.composite
def ordered_point_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two points (as edtf_points) whose interval "start/end" does not run backwards."""
    first, second = sorted(draw(st.tuples(days(), days())))
    precision = st.sampled_from(sorted(PRECISIONS))
    qualifier = st.sampled_from(QUALIFIERS)
    # Any precision of the earlier day starts no later than any precision of the later one ends.
    start = written(first, draw(precision), draw(qualifier))
    end = written(second, draw(precision), draw(qualifier))
    return start, end


@st.composite
def edtf_intervals(draw: st.DrawFn) -> str:
    """An interval "start/end", either end possibly open (".."): "2021-08/2025-07~"."""
    start, end = draw(ordered_point_pairs())
    if draw(st.booleans()):
        start = ".."
    elif draw(st.booleans()):
        end = ".."
    return f"{start}/{end}"


def edtf_dates() -> st.SearchStrategy[str]:
    """EDTF strings that parse_effective_date must accept."""
    return st.one_of(edtf_points(), edtf_intervals())


@st.composite
def small_ranges(draw: st.DrawFn, max_days: int = 7) -> tuple[str, datetime.date, datetime.date]:
    """(EDTF string, earliest, latest) for a day or a day interval of at most `max_days` days."""
    start = draw(days())
    end = start + datetime.timedelta(days=draw(st.integers(0, max_days - 1)))
    single = start == end and draw(st.booleans())
    text = start.isoformat() if single else f"{start.isoformat()}/{end.isoformat()}"
    return text, start, end
