"""SLA arithmetic over business hours, weekends, holidays, time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.enums import Priority
from app.domain.sla import (
    DEFAULT_TARGETS,
    DUE_SOON_FRACTION,
    BusinessCalendar,
    SlaState,
    add_business_minutes,
    business_minutes_between,
    sla_state,
)

CI = settings(max_examples=100, deadline=None)

UTC_CAL = BusinessCalendar()  # Monday-Friday 08:00-18:00 UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = frozenset(range(7))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


# 2026-11-23 is a Monday; 2026-11-27 a Friday.


# --- calendar -----------------------------------------------------------------------------


def test_calendar_refuses_a_day_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        BusinessCalendar(day_start=time(18), day_end=time(8))
    with pytest.raises(ValueError, match="end after it starts"):
        BusinessCalendar(day_start=time(9), day_end=time(9))


def test_calendar_needs_a_working_day() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        BusinessCalendar(workdays=frozenset())


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="time-zone-aware"):
        add_business_minutes(datetime(2026, 11, 23, 9), 10, UTC_CAL)
    with pytest.raises(ValueError, match="time-zone-aware"):
        business_minutes_between(datetime(2026, 11, 23, 9), utc(2026, 11, 23, 10), UTC_CAL)


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(utc(2026, 11, 23, 9), -1, UTC_CAL)


# --- add_business_minutes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        pytest.param(utc(2026, 11, 23, 9), 0, utc(2026, 11, 23, 9), id="zero"),
        pytest.param(utc(2026, 11, 23, 9), 30, utc(2026, 11, 23, 9, 30), id="same-day"),
        pytest.param(utc(2026, 11, 23, 9), 9 * 60, utc(2026, 11, 23, 18), id="to-closing"),
        pytest.param(utc(2026, 11, 23, 17), 120, utc(2026, 11, 24, 9), id="overnight"),
        pytest.param(utc(2026, 11, 27, 17), 120, utc(2026, 11, 30, 9), id="over-weekend"),
        pytest.param(utc(2026, 11, 28, 12), 60, utc(2026, 11, 30, 9), id="start-saturday"),
        pytest.param(utc(2026, 11, 23, 6), 60, utc(2026, 11, 23, 9), id="start-before-hours"),
        pytest.param(utc(2026, 11, 23, 20), 60, utc(2026, 11, 24, 9), id="start-after-hours"),
        pytest.param(utc(2026, 11, 23, 18), 1, utc(2026, 11, 24, 8, 1), id="start-at-closing"),
        pytest.param(utc(2026, 11, 23, 9), 5 * 600, utc(2026, 11, 30, 9), id="a-full-week"),
    ],
)
def test_add_business_minutes_utc(start: datetime, minutes: int, expected: datetime) -> None:
    assert add_business_minutes(start, minutes, UTC_CAL) == expected


def test_result_is_utc_even_for_local_input() -> None:
    cal = BusinessCalendar(timezone="Europe/Berlin")
    due = add_business_minutes(local(ZoneInfo("Europe/Berlin"), 2026, 11, 23, 9), 60, cal)
    assert due.tzinfo is UTC
    assert due == utc(2026, 11, 23, 9)  # 10:00 in Berlin


def test_holidays_are_skipped() -> None:
    cal = BusinessCalendar(holidays=frozenset({date(2026, 11, 30), date(2026, 12, 1)}))
    # Friday 17:00 + 2h: 1h on Friday, then Monday and Tuesday are holidays.
    assert add_business_minutes(utc(2026, 11, 27, 17), 120, cal) == utc(2026, 12, 2, 9)
    assert business_minutes_between(utc(2026, 11, 27, 17), utc(2026, 12, 2, 9), cal) == 120


def test_custom_workdays() -> None:
    # A Sunday-Thursday week (Monday = 0, so Sunday = 6).
    cal = BusinessCalendar(workdays=frozenset({6, 0, 1, 2, 3}))
    assert add_business_minutes(utc(2026, 11, 26, 17), 120, cal) == utc(2026, 11, 29, 9)


@pytest.mark.parametrize(
    ("zone", "start_local", "minutes", "expected_utc"),
    [
        # India is UTC+5:30 all year: 17:00 IST + 2h = next day 09:00 IST = 03:30 UTC.
        ("Asia/Kolkata", (2026, 11, 23, 17), 120, utc(2026, 11, 24, 3, 30)),
        # Sydney in November is on daylight time (UTC+11).
        ("Australia/Sydney", (2026, 11, 23, 17), 120, utc(2026, 11, 23, 22)),
        # New York in November (after 1 Nov) is on standard time (UTC-5).
        ("America/New_York", (2026, 11, 23, 17), 120, utc(2026, 11, 24, 14)),
    ],
)
def test_non_utc_time_zones(
    zone: str, start_local: tuple[int, int, int, int], minutes: int, expected_utc: datetime
) -> None:
    cal = BusinessCalendar(timezone=zone)
    start = local(ZoneInfo(zone), *start_local)
    due = add_business_minutes(start, minutes, cal)
    assert due == expected_utc
    assert business_minutes_between(start, due, cal) == minutes


def test_local_weekend_differs_from_utc_weekend() -> None:
    # Monday 06:00 in Sydney is still Sunday in UTC: the local calendar decides.
    cal = BusinessCalendar(timezone="Australia/Sydney")
    sydney = ZoneInfo("Australia/Sydney")
    start = local(sydney, 2026, 11, 30, 6)
    assert start.astimezone(UTC).weekday() == 6
    assert add_business_minutes(start, 60, cal) == local(sydney, 2026, 11, 30, 9)


# --- DST change days ----------------------------------------------------------------------


def test_london_office_hours_keep_local_times_across_the_spring_change() -> None:
    cal = BusinessCalendar(timezone="Europe/London")
    # Friday 27 March 2026 17:00 GMT; the clocks go forward on Sunday 29 March.
    due = add_business_minutes(local(LONDON, 2026, 3, 27, 17), 120, cal)
    assert due == local(LONDON, 2026, 3, 30, 9)
    assert due == utc(2026, 3, 30, 8)  # 09:00 BST


def test_new_york_office_hours_keep_local_times_across_the_autumn_change() -> None:
    cal = BusinessCalendar(timezone="America/New_York")
    # Friday 30 October 2026 17:00 EDT; the clocks go back on Sunday 1 November.
    due = add_business_minutes(local(NEW_YORK, 2026, 10, 30, 17), 120, cal)
    assert due == local(NEW_YORK, 2026, 11, 2, 9)
    assert due == utc(2026, 11, 2, 14)  # 09:00 EST


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        pytest.param("Europe/London", date(2026, 3, 29), 11, id="london-spring"),
        pytest.param("Europe/London", date(2026, 10, 25), 13, id="london-autumn"),
        pytest.param("America/New_York", date(2026, 3, 8), 11, id="newyork-spring"),
        pytest.param("America/New_York", date(2026, 11, 1), 13, id="newyork-autumn"),
        pytest.param("America/New_York", date(2026, 11, 2), 12, id="newyork-ordinary"),
    ],
)
def test_dst_change_day_is_shorter_or_longer(zone: str, day: date, hours: int) -> None:
    # A calendar whose working day spans the change (00:00-12:00 every day).
    cal = BusinessCalendar(timezone=zone, workdays=EVERY_DAY, day_start=time(0), day_end=time(12))
    start = datetime.combine(day, time(0), ZoneInfo(zone))
    end = datetime.combine(day, time(23), ZoneInfo(zone))
    assert business_minutes_between(start, end, cal) == hours * 60
    assert add_business_minutes(start, hours * 60, cal) == datetime.combine(
        day, time(12), ZoneInfo(zone)
    )


def test_minutes_across_the_london_spring_change_night() -> None:
    cal = BusinessCalendar(
        timezone="Europe/London", workdays=EVERY_DAY, day_start=time(0), day_end=time(12)
    )
    # 00:30 GMT + 60 business minutes = 01:30 GMT = 02:30 BST (01:00-02:00 does not exist).
    due = add_business_minutes(local(LONDON, 2026, 3, 29, 0, 30), 60, cal)
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(LONDON).hour == 2


# --- business_minutes_between ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 45), 45, id="same-day"),
        pytest.param(utc(2026, 11, 23, 17), utc(2026, 11, 24, 9), 120, id="overnight"),
        pytest.param(utc(2026, 11, 27, 17), utc(2026, 11, 30, 9), 120, id="weekend"),
        pytest.param(utc(2026, 11, 28, 1), utc(2026, 11, 29, 23), 0, id="inside-weekend"),
        pytest.param(utc(2026, 11, 23, 19), utc(2026, 11, 24, 7), 0, id="inside-night"),
        pytest.param(utc(2026, 11, 23, 10), utc(2026, 11, 23, 9), 0, id="end-before-start"),
        pytest.param(utc(2026, 11, 23, 10), utc(2026, 11, 23, 10), 0, id="empty"),
        pytest.param(utc(2026, 11, 23, 9), utc(2026, 11, 23, 9, 0, 30), 0.5, id="seconds"),
    ],
)
def test_business_minutes_between(start: datetime, end: datetime, expected: float) -> None:
    assert business_minutes_between(start, end, UTC_CAL) == expected


# --- properties -----------------------------------------------------------------------------

CALENDARS = [
    UTC_CAL,
    BusinessCalendar(timezone="Europe/London", holidays=frozenset({date(2026, 12, 25)})),
    BusinessCalendar(timezone="America/New_York", day_start=time(9, 30), day_end=time(17)),
    BusinessCalendar(timezone="Asia/Kolkata", workdays=frozenset({0, 1, 2, 3, 4, 5})),
    # Hours that cross New York's DST jumps (01:00-03:00 local) every day of the week.
    BusinessCalendar(
        timezone="America/New_York", workdays=EVERY_DAY, day_start=time(1), day_end=time(3)
    ),
]

starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
# Starts exactly on the hour (often at opening/closing time) as well as anywhere.
on_the_hour = st.builds(
    lambda d, h: datetime.combine(d, time(h), UTC),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(min_value=0, max_value=23),
)


@CI
@given(
    st.one_of(starts, on_the_hour),
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(CALENDARS),
)
def test_between_inverts_add(start: datetime, minutes: int, cal: BusinessCalendar) -> None:
    due = add_business_minutes(start, minutes, cal)
    assert due >= start
    assert business_minutes_between(start, due, cal) == pytest.approx(minutes, abs=1e-9)


@CI
@given(
    starts,
    st.integers(min_value=0, max_value=5_000),
    st.integers(min_value=0, max_value=5_000),
    st.sampled_from(CALENDARS),
)
def test_add_is_monotonic_and_additive(
    start: datetime, a: int, b: int, cal: BusinessCalendar
) -> None:
    first = add_business_minutes(start, a, cal)
    both = add_business_minutes(start, a + b, cal)
    assert first <= both
    if a > 0 and b > 0:
        # Adding in two steps lands at the same moment (the first stop may be a closing time).
        assert add_business_minutes(first, b, cal) == both


@CI
@given(starts, starts, st.sampled_from(CALENDARS))
def test_between_is_bounded_by_wall_time(a: datetime, b: datetime, cal: BusinessCalendar) -> None:
    start, end = min(a, b), max(a, b)
    minutes = business_minutes_between(start, end, cal)
    assert 0 <= minutes <= (end - start).total_seconds() / 60


# --- targets and states -------------------------------------------------------------------


def test_default_targets_cover_every_priority_and_tighten_with_urgency() -> None:
    assert set(DEFAULT_TARGETS) == set(Priority)
    ordered = sorted(Priority, key=lambda p: p.rank)
    responses = [DEFAULT_TARGETS[p].first_response_minutes for p in ordered]
    resolutions = [DEFAULT_TARGETS[p].resolution_minutes for p in ordered]
    assert responses == sorted(responses, reverse=True)
    assert resolutions == sorted(resolutions, reverse=True)
    for p in Priority:
        assert DEFAULT_TARGETS[p].first_response_minutes < DEFAULT_TARGETS[p].resolution_minutes


NOW = utc(2026, 11, 23, 10)


@pytest.mark.parametrize(
    ("due", "done_at", "expected"),
    [
        pytest.param(None, None, None, id="no-due"),
        pytest.param(NOW + timedelta(hours=3), None, SlaState.OK, id="ok"),
        pytest.param(NOW + timedelta(minutes=60), None, SlaState.DUE_SOON, id="due-soon-edge"),
        pytest.param(NOW + timedelta(minutes=61), None, SlaState.OK, id="just-ok"),
        pytest.param(NOW + timedelta(minutes=5), None, SlaState.DUE_SOON, id="due-soon"),
        pytest.param(NOW, None, SlaState.BREACHED, id="due-now"),
        pytest.param(NOW - timedelta(minutes=1), None, SlaState.BREACHED, id="breached"),
        pytest.param(NOW - timedelta(hours=1), NOW - timedelta(hours=2), SlaState.MET, id="met"),
        pytest.param(NOW, NOW, SlaState.MET, id="met-on-time"),
        pytest.param(
            NOW - timedelta(hours=2), NOW - timedelta(hours=1), SlaState.BREACHED, id="met-late"
        ),
        pytest.param(NOW + timedelta(hours=3), NOW, SlaState.MET, id="done-before-due"),
    ],
)
def test_sla_state(due: datetime | None, done_at: datetime | None, expected: str | None) -> None:
    # Target 240 minutes: due soon when 60 or fewer minutes remain.
    assert 240 * DUE_SOON_FRACTION == 60
    assert sla_state(due, NOW, 240, done_at=done_at) == expected


def test_sla_state_counts_business_minutes_with_a_calendar() -> None:
    friday_evening = utc(2026, 11, 27, 17, 30)
    due = utc(2026, 11, 30, 8, 30)  # Monday: 30 + 30 business minutes away, 63 hours of clock
    assert sla_state(due, friday_evening, 480) == SlaState.OK
    assert sla_state(due, friday_evening, 480, calendar=UTC_CAL) == SlaState.DUE_SOON
