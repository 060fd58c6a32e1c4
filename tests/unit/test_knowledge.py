"""Knowledge time: parsing and normalising "known at T" (DESIGN §2)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stanceline.domain.knowledge import KnownAt, parse_known_at
from stanceline.errors import InvalidKnownAtError, StancelineError

MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2100, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]),
)


@pytest.mark.parametrize(("text", "position"), [("@0", 0), ("@1", 1), ("@15", 15), (" @7 ", 7)])
def test_at_n_is_a_log_position(text: str, position: int) -> None:
    known = parse_known_at(text)

    assert known == KnownAt(position=position, moment=None)
    assert known.text == f"@{position}"


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("2025-07-04T12:00:00Z", "2025-07-04T12:00:00Z"),
        ("2025-07-04T12:00:00z", "2025-07-04T12:00:00Z"),
        ("2025-07-04T12:00:00+00:00", "2025-07-04T12:00:00Z"),
        ("2025-07-04T12:00:00+02:00", "2025-07-04T10:00:00Z"),
        ("2025-07-04T22:30:00-05:30", "2025-07-05T04:00:00Z"),
        ("2025-07-04T12:00:00", "2025-07-04T12:00:00Z"),
        ("2025-07-04 12:00:00Z", "2025-07-04T12:00:00Z"),
        ("2025-07-04T12:00:00.250Z", "2025-07-04T12:00:00.250000Z"),
        ("2025-07-04T12:00:00.000001Z", "2025-07-04T12:00:00.000001Z"),
    ],
)
def test_an_iso_timestamp_is_normalised_to_utc_with_a_z(text: str, normalised: str) -> None:
    known = parse_known_at(text)

    assert known.position is None
    assert known.moment is not None
    assert known.moment.utcoffset() == timedelta(0)
    assert known.text == normalised


def test_a_timestamp_without_a_zone_means_utc() -> None:
    assert parse_known_at("2025-07-04T12:00:00").moment == datetime(2025, 7, 4, 12, tzinfo=UTC)


def test_a_bare_day_means_the_end_of_that_day_utc() -> None:
    known = parse_known_at("2025-07-04")

    assert known.moment == datetime(2025, 7, 4, 23, 59, 59, 999999, tzinfo=UTC)
    assert known.text == "2025-07-04T23:59:59.999999Z"


def test_a_bare_day_comes_after_every_moment_of_that_day() -> None:
    end = parse_known_at("2025-07-04").moment
    assert end is not None

    assert parse_known_at("2025-07-04T23:59:59.999999Z").moment == end
    assert parse_known_at("2025-07-04T23:59:59Z").moment < end  # type: ignore[operator]
    assert parse_known_at("2025-07-05T00:00:00Z").moment > end  # type: ignore[operator]


@pytest.mark.parametrize("text", ["20250704", "2025-W27-5"])
def test_a_bare_day_in_another_iso_form_also_means_its_end(text: str) -> None:
    assert parse_known_at(text) == parse_known_at("2025-07-04")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "@",
        "@-1",
        "@1.5",
        "@ 3",
        "3",
        "garbage",
        "yesterday",
        "2025-13-01",
        "2025-02-30",
        "2025-07-04T25:00:00Z",
        "2025-07-04T12:00:00+25:00",
        "04/07/2025",
    ],
)
def test_anything_else_is_a_one_line_error(text: str) -> None:
    with pytest.raises(InvalidKnownAtError) as caught:
        parse_known_at(text)

    message = str(caught.value)
    assert "\n" not in message
    assert repr(text.strip()) in message
    assert "@N" in message
    assert "ISO 8601" in message


def test_the_error_is_the_projects_and_a_value_error() -> None:
    assert issubclass(InvalidKnownAtError, StancelineError)
    assert issubclass(InvalidKnownAtError, ValueError)


@given(st.integers(min_value=0, max_value=10**12))
def test_law_at_n_round_trips(position: int) -> None:
    known = parse_known_at(f"@{position}")

    assert known.position == position
    assert parse_known_at(known.text) == known


@given(MOMENTS)
def test_law_an_aware_timestamp_keeps_its_moment(moment: datetime) -> None:
    known = parse_known_at(moment.isoformat())

    assert known.moment == moment
    assert known.text.endswith("Z")


@given(MOMENTS)
def test_law_normalising_is_idempotent(moment: datetime) -> None:
    known = parse_known_at(moment.isoformat())

    assert parse_known_at(known.text) == known


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 12, 30)))
def test_law_a_naive_timestamp_is_the_same_moment_in_utc(moment: datetime) -> None:
    assert parse_known_at(moment.isoformat()).moment == moment.replace(tzinfo=UTC)


def test_a_year_before_1000_is_normalised_to_four_digits() -> None:
    known = parse_known_at("0999-01-01T00:00:00Z")

    assert known.text == "0999-01-01T00:00:00Z"
    assert parse_known_at(known.text) == known


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_a_moment_outside_the_calendar_is_never_an_unexpected_exception(text: str) -> None:
    with contextlib.suppress(InvalidKnownAtError):
        parse_known_at(text)
