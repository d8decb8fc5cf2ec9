"""KPI helpers: ISO weeks, medians and compliance percentages."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.kpi import (
    WeeklyPoint,
    compliance_percent,
    median_or_none,
    week_start,
    weeks_between,
)

CI = settings(max_examples=100, deadline=None)


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 11, 23), date(2026, 11, 23)),  # a Monday is its own week start
        (date(2026, 11, 29), date(2026, 11, 23)),  # Sunday belongs to the week before
        (date(2026, 1, 1), date(2025, 12, 29)),  # a week that spans the new year
        (datetime(2026, 11, 27, 23, 59, tzinfo=UTC), date(2026, 11, 23)),
        (datetime(2026, 11, 30, 0, 0), date(2026, 11, 30)),
    ],
)
def test_week_start(day: date | datetime, monday: date) -> None:
    assert week_start(day) == monday


@CI
@given(st.dates(min_value=date(2000, 1, 10), max_value=date(2100, 1, 1)))
def test_week_start_is_the_iso_monday(day: date) -> None:
    monday = week_start(day)
    assert monday.weekday() == 0
    assert 0 <= (day - monday).days < 7
    assert monday.isocalendar()[:2] == day.isocalendar()[:2]


def test_weeks_between() -> None:
    assert weeks_between(date(2026, 11, 25), date(2026, 12, 9)) == [
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]
    assert weeks_between(date(2026, 11, 25), date(2026, 11, 26)) == [date(2026, 11, 23)]
    assert weeks_between(date(2026, 12, 9), date(2026, 11, 25)) == []


@CI
@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(min_value=0, max_value=400),
)
def test_weeks_between_is_contiguous(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    weeks = weeks_between(start, end)
    assert weeks[0] == week_start(start)
    assert weeks[-1] == week_start(end)
    assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(weeks))


def test_median_or_none() -> None:
    assert median_or_none([]) is None
    assert median_or_none([5]) == 5.0
    assert median_or_none([3, 1, 2]) == 2.0
    assert median_or_none([1, 2, 3, 10]) == 2.5
    assert isinstance(median_or_none([1, 2]), float)


@pytest.mark.parametrize(
    ("met", "total", "expected"),
    [
        (0, 0, None),
        (3, 0, None),
        (0, -1, None),
        (0, 4, 0.0),
        (3, 4, 75.0),
        (4, 4, 100.0),
        (1, 3, pytest.approx(33.333333)),
    ],
)
def test_compliance_percent(met: int, total: int, expected: float | None) -> None:
    assert compliance_percent(met, total) == expected


def test_weekly_point_is_frozen() -> None:
    point = WeeklyPoint(date(2026, 11, 23), None)
    with pytest.raises(AttributeError):
        point.value = 1.0  # type: ignore[misc]
