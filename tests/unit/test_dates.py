"""Effective dates: EDTF strings resolve to inclusive ranges of calendar days (DESIGN §2)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from stanceline.domain import dates
from stanceline.domain.dates import (
    MAX_DAY,
    MIN_DAY,
    EffectiveDate,
    parse_day,
    parse_effective_date,
)
from stanceline.errors import InvalidDateError, StancelineError
from tests.strategies import (
    PRECISIONS,
    days,
    edtf_dates,
    edtf_points,
    ordered_point_pairs,
    small_ranges,
    written,
    year_months,
)

D = date

VALID = [
    # text, earliest, latest, approximate, doubtful
    ("2025-07-03", D(2025, 7, 3), D(2025, 7, 3), False, False),
    ("2024-02-29", D(2024, 2, 29), D(2024, 2, 29), False, False),
    ("2025-04", D(2025, 4, 1), D(2025, 4, 30), False, False),
    ("2024-02", D(2024, 2, 1), D(2024, 2, 29), False, False),
    ("2003", D(2003, 1, 1), D(2003, 12, 31), False, False),
    ("0001", MIN_DAY, D(1, 12, 31), False, False),
    ("2024-09-02/2024-09-06", D(2024, 9, 2), D(2024, 9, 6), False, False),
    ("2025-07-04/2025-07-04", D(2025, 7, 4), D(2025, 7, 4), False, False),
    ("2021-08/2025-07", D(2021, 8, 1), D(2025, 7, 31), False, False),
    ("2025/2025-03", D(2025, 1, 1), D(2025, 3, 31), False, False),
    ("../2025-07-04", MIN_DAY, D(2025, 7, 4), False, False),
    ("2025-07-04/..", D(2025, 7, 4), MAX_DAY, False, False),
    ("../..", MIN_DAY, MAX_DAY, False, False),
    ("2025-04~", D(2025, 3, 1), D(2025, 5, 31), True, False),
    ("2025-01~", D(2024, 12, 1), D(2025, 2, 28), True, False),
    ("2025~", D(2024, 1, 1), D(2026, 12, 31), True, False),
    ("2025-04-10~", D(2025, 4, 9), D(2025, 4, 11), True, False),
    ("2025-03-31~", D(2025, 3, 30), D(2025, 4, 1), True, False),
    ("2024-12-31~", D(2024, 12, 30), D(2025, 1, 1), True, False),
    ("2025-04-10%", D(2025, 4, 9), D(2025, 4, 11), True, True),
    ("2025-04%", D(2025, 3, 1), D(2025, 5, 31), True, True),
    ("2025?", D(2025, 1, 1), D(2025, 12, 31), False, True),
    ("2025-04-10?", D(2025, 4, 10), D(2025, 4, 10), False, True),
    ("2025-04~/2025-06", D(2025, 3, 1), D(2025, 6, 30), True, False),
    ("2025-04/2025-06~", D(2025, 4, 1), D(2025, 7, 31), True, False),
    ("2025-04/2025-06?", D(2025, 4, 1), D(2025, 6, 30), False, True),
    ("2025-04-10~/2025-05", D(2025, 4, 9), D(2025, 5, 31), True, False),
    ("2025-04~/..", D(2025, 3, 1), MAX_DAY, True, False),
    ("../2025-04?", MIN_DAY, D(2025, 4, 30), False, True),
    ("2025-04-XX", D(2025, 4, 1), D(2025, 4, 30), False, False),
    ("2024-02-XX", D(2024, 2, 1), D(2024, 2, 29), False, False),
    ("2025-XX", D(2025, 1, 1), D(2025, 12, 31), False, False),
    ("2025-04-XX~", D(2025, 3, 1), D(2025, 5, 31), True, False),
    ("19XX", D(1900, 1, 1), D(1999, 12, 31), False, False),
    ("2025-04-XX/2025-05", D(2025, 4, 1), D(2025, 5, 31), False, False),
    ("2025-21", D(2025, 3, 1), D(2025, 5, 31), False, False),
    ("2025-22", D(2025, 6, 1), D(2025, 8, 31), False, False),
    ("2025-23", D(2025, 9, 1), D(2025, 11, 30), False, False),
    # Widening stops at the ends of the calendar.
    ("0001~", MIN_DAY, D(2, 12, 31), True, False),
    ("0001-01-01%", MIN_DAY, D(1, 1, 2), True, True),
    ("9999-12~", D(9999, 11, 1), MAX_DAY, True, False),
    ("9999-12-31~", D(9999, 12, 30), MAX_DAY, True, False),
]

INVALID = [
    # text, a fragment the one-line message must contain
    ("", "the date is empty"),
    ("   ", "the date is empty"),
    ("2023-02-29", "'2023-02-29' is not a calendar day (2023 is not a leap year)"),
    ("1900-02-29", "(1900 is not a leap year)"),
    ("2025-04-31", "'2025-04-31' is not a calendar day (April 2025 has 30 days)"),
    ("2024-02-30", "(February 2024 has 29 days)"),
    ("2025-13-01", "(there is no month 13)"),
    ("2025-04-00", "(there is no day 0)"),
    ("2025-04-31/2025-05-02", "'2025-04-31' is not a calendar day"),
    ("2025-04-29/2025-04-31", "'2025-04-31' is not a calendar day"),
    ("2025-08/2025-07", "'2025-08/2025-07' ends before it starts"),
    ("2024-09-06/2024-09-02", "ends before it starts"),
    ("2026/2025", "ends before it starts"),
    ("2025-04-10~/2025-04-09", "ends before it starts"),
    ("2025-07-04/", "'2025-07-04/' has an empty end; write '..' for an open end"),
    ("/2025-07-04", "'/2025-07-04' has an empty start; write '..' for an open start"),
    ("/", "has an empty start"),
    ("/..", "has an empty start"),
    ("July 2025", "'July 2025' is not an EDTF date"),
    ("2025-13", "is not an EDTF date"),
    ("2025-7-3", "is not an EDTF date"),
    ("..", "is not an EDTF date"),
    ("2025-04-10/2025-04-12/2025-04-14", "is not an EDTF date"),
    ("2025-1X", "is not an EDTF date"),
    ("0000", "'0000' is outside the years 1 to 9999"),
    ("0000-01-01", "is outside the years 1 to 9999"),
    ("-2025", "is outside the years 1 to 9999"),
    ("XXXX", "is outside the years 1 to 9999"),
    ("Y170000", "is an EDTF form stanceline does not support"),
    ("1985-04-12T23:20:30", "is an EDTF form stanceline does not support"),
    ("[2025,2026]", "is an EDTF form stanceline does not support"),
    ("2004-06~-11", "is an EDTF form stanceline does not support"),
    ("2025-33", "is an EDTF form stanceline does not support"),
    ("2025-24", "names winter, which spans two years"),
    ("202X~", "'202X~' cannot be approximate"),
    ("2025-21~/2025-22", "'2025-21~' cannot be approximate"),
]


@pytest.mark.parametrize(("text", "earliest", "latest", "approximate", "doubtful"), VALID)
def test_each_form_resolves_to_its_range(
    text: str, earliest: date, latest: date, approximate: bool, doubtful: bool
) -> None:
    expected = EffectiveDate(text, earliest, latest, approximate, doubtful)
    assert parse_effective_date(text) == expected


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_each_bad_date_is_refused_in_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(InvalidDateError, match=re.escape(message)) as caught:
        parse_effective_date(text)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, StancelineError)
    assert isinstance(caught.value, ValueError)


def test_surrounding_whitespace_is_stripped_from_the_text() -> None:
    parsed = parse_effective_date("  2025-04~\n")
    assert parsed.text == "2025-04~"
    assert (parsed.earliest, parsed.latest) == (D(2025, 3, 1), D(2025, 5, 31))


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (D(2025, 3, 31), False),
        (D(2025, 4, 1), True),
        (D(2025, 4, 15), True),
        (D(2025, 4, 30), True),
        (D(2025, 5, 1), False),
    ],
)
def test_contains_includes_both_ends(day: date, inside: bool) -> None:
    assert parse_effective_date("2025-04").contains(day) is inside


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-07-03", D(2025, 7, 3)),
        ("2024-02-29", D(2024, 2, 29)),
        ("0001-01-01", MIN_DAY),
        ("9999-12-31", MAX_DAY),
        (" 2025-07-03 ", D(2025, 7, 3)),
    ],
)
def test_parse_day_reads_a_calendar_day(text: str, day: date) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-07", "'2025-07' is not a calendar day; expected YYYY-MM-DD or 'today'"),
        ("2025", "expected YYYY-MM-DD"),
        ("2025-7-3", "expected YYYY-MM-DD"),
        ("2025-07-03~", "expected YYYY-MM-DD"),
        ("2025-07-01/2025-07-03", "expected YYYY-MM-DD"),
        ("yesterday", "expected YYYY-MM-DD"),
        ("", "expected YYYY-MM-DD"),
        ("2025-02-29", "(2025 is not a leap year)"),
        ("2025-06-31", "(June 2025 has 30 days)"),
        ("2025-00-10", "(there is no month 0)"),
        ("0000-01-01", "is outside the years 1 to 9999"),
    ],
)
def test_parse_day_refuses_anything_but_one_calendar_day(text: str, message: str) -> None:
    with pytest.raises(InvalidDateError, match=re.escape(message)):
        parse_day(text)


@pytest.mark.parametrize("text", ["today", "TODAY", " Today "])
def test_parse_day_reads_today_as_the_local_calendar_day(text: str) -> None:
    before = date.today()
    got = parse_day(text)
    assert type(got) is date
    assert got in {before, date.today()}


@given(st.dates())
def test_parse_day_reads_what_isoformat_writes(day: date) -> None:
    assert parse_day(day.isoformat()) == day


@given(days())
def test_a_day_is_a_range_of_one_day(day: date) -> None:
    parsed = parse_effective_date(day.isoformat())
    assert (parsed.earliest, parsed.latest) == (day, day)
    assert not parsed.approximate
    assert not parsed.doubtful


@given(year_months())
def test_a_month_covers_exactly_its_days(year_month: tuple[int, int]) -> None:
    year, month = year_month
    parsed = parse_effective_date(f"{year:04d}-{month:02d}")
    assert parsed.earliest == D(year, month, 1)
    assert parsed.latest.month == month
    assert (parsed.latest + timedelta(days=1)).day == 1
    assert (parsed.latest - parsed.earliest).days + 1 == calendar.monthrange(year, month)[1]


@given(st.integers(1, 9999))
def test_a_year_runs_from_first_january_to_thirty_first_december(year: int) -> None:
    parsed = parse_effective_date(f"{year:04d}")
    assert (parsed.earliest, parsed.latest) == (D(year, 1, 1), D(year, 12, 31))


@given(st.integers(1, 9999).filter(lambda year: not calendar.isleap(year)))
def test_the_twenty_ninth_of_february_needs_a_leap_year(year: int) -> None:
    with pytest.raises(InvalidDateError, match="is not a leap year"):
        parse_effective_date(f"{year:04d}-02-29")


@given(days(), st.sampled_from(sorted(PRECISIONS)))
def test_approximate_widens_by_one_unit_of_precision_each_side(day: date, precision: str) -> None:
    exact = parse_effective_date(written(day, precision))
    approximate = parse_effective_date(written(day, precision, "~"))
    unit_before = parse_effective_date(written(exact.earliest - timedelta(days=1), precision))
    unit_after = parse_effective_date(written(exact.latest + timedelta(days=1), precision))
    assert approximate.contains(exact.earliest)
    assert approximate.contains(exact.latest)
    assert approximate.earliest == unit_before.earliest
    assert approximate.latest == unit_after.latest
    assert approximate.approximate
    assert not approximate.doubtful


@given(days(), st.sampled_from(sorted(PRECISIONS)))
def test_doubtful_keeps_the_range_and_percent_is_both(day: date, precision: str) -> None:
    exact = parse_effective_date(written(day, precision))
    doubtful = parse_effective_date(written(day, precision, "?"))
    both = parse_effective_date(written(day, precision, "%"))
    approximate = parse_effective_date(written(day, precision, "~"))
    assert (doubtful.earliest, doubtful.latest) == (exact.earliest, exact.latest)
    assert (doubtful.approximate, doubtful.doubtful) == (False, True)
    assert (both.earliest, both.latest) == (approximate.earliest, approximate.latest)
    assert (both.approximate, both.doubtful) == (True, True)


@given(ordered_point_pairs())
def test_an_interval_spans_from_its_start_to_its_end(pair: tuple[str, str]) -> None:
    start, end = (parse_effective_date(text) for text in pair)
    interval = parse_effective_date("/".join(pair))
    assert (interval.earliest, interval.latest) == (start.earliest, end.latest)
    assert interval.approximate == (start.approximate or end.approximate)
    assert interval.doubtful == (start.doubtful or end.doubtful)


@given(edtf_points())
def test_open_ends_reach_the_ends_of_the_calendar(point: str) -> None:
    parsed = parse_effective_date(point)
    on_or_before = parse_effective_date(f"../{point}")
    on_or_after = parse_effective_date(f"{point}/..")
    assert (on_or_before.earliest, on_or_before.latest) == (MIN_DAY, parsed.latest)
    assert (on_or_after.earliest, on_or_after.latest) == (parsed.earliest, MAX_DAY)


@given(days(), days())
def test_a_backwards_interval_is_refused(one: date, other: date) -> None:
    assume(one != other)
    first, second = sorted((one, other))
    with pytest.raises(InvalidDateError, match="ends before it starts"):
        parse_effective_date(f"{second.isoformat()}/{first.isoformat()}")


@given(edtf_dates())
def test_every_generated_date_parses_to_a_non_empty_range(text: str) -> None:
    parsed = parse_effective_date(text)
    assert parsed.text == text
    assert MIN_DAY <= parsed.earliest <= parsed.latest <= MAX_DAY
    assert parsed.contains(parsed.earliest)
    assert parsed.contains(parsed.latest)
    assert parse_effective_date(f" {text} ") == parsed


@given(small_ranges(max_days=5))
def test_small_ranges_resolve_to_the_days_they_name(case: tuple[str, date, date]) -> None:
    text, earliest, latest = case
    parsed = parse_effective_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)
    assert (latest - earliest).days < 5


@given(edtf_dates())
def test_the_direct_reading_of_plain_forms_agrees_with_edtf(text: str) -> None:
    parts = text.split("/")
    direct = dates._simple_bounds(parts)
    if direct is not None:
        assert direct == dates._edtf_bounds(text)


@pytest.mark.parametrize("text", ["2025-04-1X", "2025-1X-01", "2025-04-0X", "2025-1X"])
def test_partly_unspecified_digits_are_refused_quietly(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InvalidDateError, match="not"):
        parse_effective_date(text)
    assert capsys.readouterr().out == ""
