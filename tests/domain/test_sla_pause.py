"""The SLA clock standing still: paused states, moving due times on, and the clock's timeline.

Business-minute arithmetic with pauses is checked by example (nights, weekends, holidays, a
DST change) and by property over calendars in several time zones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.sla import (
    BusinessCalendar,
    ClockChange,
    SlaState,
    SlaStretch,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    shift_due,
    sla_state,
    sla_timeline,
)

CI = settings(max_examples=100, deadline=None)
UTC_CAL = BusinessCalendar()  # Monday-Friday 08:00-18:00 UTC
LONDON = ZoneInfo("Europe/London")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# 2026-11-23 is a Monday.


# --- states while paused -----------------------------------------------------------------


def test_a_paused_clock_is_neither_due_soon_nor_breached() -> None:
    now = utc(2026, 11, 23, 12)
    paused_at = utc(2026, 11, 23, 10)
    # Due in 5 minutes (would be "due soon") and due an hour ago (would be "breached").
    assert sla_state(now + timedelta(minutes=5), now, 240, paused_at=paused_at) == SlaState.PAUSED
    assert sla_state(now - timedelta(hours=1), now, 240, paused_at=paused_at) == SlaState.PAUSED
    # Unpaused, the same due times read as usual.
    assert sla_state(now + timedelta(minutes=5), now, 240) == SlaState.DUE_SOON
    assert sla_state(now - timedelta(hours=1), now, 240) == SlaState.BREACHED


def test_a_breach_before_the_pause_stays_a_breach() -> None:
    now = utc(2026, 11, 23, 12)
    paused_at = utc(2026, 11, 23, 10)
    assert sla_state(paused_at, now, 240, paused_at=paused_at) == SlaState.BREACHED
    assert sla_state(utc(2026, 11, 23, 9), now, 240, paused_at=paused_at) == SlaState.BREACHED


def test_a_met_target_stays_met_while_paused() -> None:
    now = utc(2026, 11, 23, 12)
    done = utc(2026, 11, 23, 9)
    assert sla_state(utc(2026, 11, 23, 11), now, 240, done, paused_at=now) == SlaState.MET
    assert sla_state(None, now, 240, paused_at=now) is None


# --- moving due times on -------------------------------------------------------------------


def test_shift_keeps_the_business_time_left() -> None:
    # Due Monday 12:00, paused Monday 10:00 (2 h left), resumed Tuesday 09:00.
    due = shift_due(utc(2026, 11, 23, 12), utc(2026, 11, 23, 10), utc(2026, 11, 24, 9), UTC_CAL)
    assert due == utc(2026, 11, 24, 11)


def test_shift_over_a_weekend_and_a_holiday() -> None:
    cal = BusinessCalendar(holidays=frozenset({date(2026, 11, 30)}))  # Monday off
    # Paused Friday 17:00 with 30 minutes left; resumed Tuesday 08:15.
    due = shift_due(utc(2026, 11, 27, 17, 30), utc(2026, 11, 27, 17), utc(2026, 12, 1, 8, 15), cal)
    assert due == utc(2026, 12, 1, 8, 45)
    # The clock stood still for 60 + 15 business minutes.
    assert business_minutes_between(utc(2026, 11, 27, 17), utc(2026, 12, 1, 8, 15), cal) == 75


def test_shift_across_the_london_spring_change() -> None:
    cal = BusinessCalendar(timezone="Europe/London")
    paused = datetime(2026, 3, 27, 17, 0, tzinfo=LONDON)  # Friday, GMT
    resumed = datetime(2026, 3, 30, 9, 0, tzinfo=LONDON)  # Monday, BST
    due = shift_due(datetime(2026, 3, 27, 17, 30, tzinfo=LONDON), paused, resumed, cal)
    assert due == datetime(2026, 3, 30, 9, 30, tzinfo=LONDON)
    assert due == utc(2026, 3, 30, 8, 30)


def test_shift_leaves_missed_targets_and_empty_pauses_alone() -> None:
    paused, resumed = utc(2026, 11, 23, 10), utc(2026, 11, 24, 10)
    missed = utc(2026, 11, 23, 9)
    assert shift_due(missed, paused, resumed, UTC_CAL) == missed
    assert shift_due(paused, paused, resumed, UTC_CAL) == paused  # due exactly at the pause
    assert shift_due(None, paused, resumed, UTC_CAL) is None
    # Paused and resumed over the weekend only: no business time passed, nothing moves.
    due = utc(2026, 11, 30, 12)
    assert shift_due(due, utc(2026, 11, 28, 9), utc(2026, 11, 29, 17), UTC_CAL) == due


def test_add_business_time_takes_seconds() -> None:
    start = utc(2026, 11, 23, 17, 59)
    assert add_business_time(start, timedelta(seconds=90), UTC_CAL) == datetime(
        2026, 11, 24, 8, 0, 30, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="negative"):
        add_business_time(start, timedelta(seconds=-1), UTC_CAL)


# --- properties ------------------------------------------------------------------------------

CALENDARS = [
    UTC_CAL,
    BusinessCalendar(
        timezone="Europe/London",
        holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)}),
    ),
    BusinessCalendar(timezone="America/New_York", day_start=time(9, 30), day_end=time(17)),
    BusinessCalendar(timezone="Asia/Kolkata", workdays=frozenset({0, 1, 2, 3, 4, 5})),
    BusinessCalendar(timezone="Australia/Sydney", holidays=frozenset({date(2026, 12, 25)})),
    # Hours that cross New York's DST jumps (01:00-03:00 local) every day of the week.
    BusinessCalendar(
        timezone="America/New_York",
        workdays=frozenset(range(7)),
        day_start=time(1),
        day_end=time(3),
    ),
]

moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
minutes = st.integers(min_value=0, max_value=6_000)


@CI
@given(moments, minutes, minutes, minutes, st.sampled_from(CALENDARS))
def test_pause_keeps_the_time_left_and_never_moves_due_earlier(
    opened: datetime, target: int, pause_after: int, pause_for: int, cal: BusinessCalendar
) -> None:
    due = add_business_minutes(opened, target, cal)
    paused = opened + timedelta(minutes=pause_after)
    resumed = paused + timedelta(minutes=pause_for)
    moved = shift_due(due, paused, resumed, cal)
    assert moved is not None
    assert moved >= due
    if due <= paused:
        assert moved == due
    else:
        left_at_pause = business_minutes_between(paused, due, cal)
        assert business_minutes_between(resumed, moved, cal) == pytest.approx(
            left_at_pause, abs=1e-6
        )


@CI
@given(
    moments,
    st.integers(min_value=1, max_value=6_000),
    st.lists(st.tuples(minutes, minutes), max_size=4),
    st.sampled_from(CALENDARS),
)
def test_business_time_to_due_is_target_plus_every_pause(
    opened: datetime, target: int, pauses: list[tuple[int, int]], cal: BusinessCalendar
) -> None:
    """However often the clock stops before its due time, opened → due holds exactly the
    target plus the business time it stood still."""
    due = add_business_minutes(opened, target, cal)
    stood_still = 0.0
    moment = opened
    for gap, length in pauses:
        paused = moment + timedelta(minutes=gap)
        resumed = paused + timedelta(minutes=length)
        moved = shift_due(due, paused, resumed, cal)
        assert moved is not None
        if due > paused:
            stood_still += business_minutes_between(paused, resumed, cal)
        else:
            assert moved == due
        due, moment = moved, resumed
    if stood_still or not pauses:
        assert business_minutes_between(opened, due, cal) == pytest.approx(
            target + stood_still, abs=1e-6
        )


@CI
@given(moments, st.integers(min_value=0, max_value=600_000), st.sampled_from(CALENDARS))
def test_add_business_time_matches_minutes(
    start: datetime, seconds: int, cal: BusinessCalendar
) -> None:
    by_time = add_business_time(start, timedelta(seconds=seconds), cal)
    assert by_time == add_business_minutes(start, seconds / 60, cal)
    assert business_minutes_between(start, by_time, cal) == pytest.approx(seconds / 60, abs=1e-6)


# --- the clock's timeline --------------------------------------------------------------------

OPENED = utc(2026, 11, 23, 9)


def _states(stretches: list[SlaStretch]) -> list[tuple[str, str]]:
    return [(s.state, s.reason) for s in stretches]


def test_timeline_of_an_untouched_ticket_is_one_running_stretch() -> None:
    assert sla_timeline(OPENED, []) == [SlaStretch(OPENED, None, "running", "Ticket opened")]


def test_timeline_running_paused_running_stopped() -> None:
    t1, t2, t3 = (OPENED + timedelta(hours=h) for h in (1, 3, 5))
    stretches = sla_timeline(
        OPENED,
        [
            ClockChange(t3, "stop", "Resolved"),  # out of order on purpose: sorted by time
            ClockChange(t1, "pause", "Waiting on the requester"),
            ClockChange(t2, "resume", "Moved to open"),
        ],
    )
    assert _states(stretches) == [
        ("running", "Ticket opened"),
        ("paused", "Waiting on the requester"),
        ("running", "Moved to open"),
        ("stopped", "Resolved"),
    ]
    assert [(s.start, s.end) for s in stretches] == [
        (OPENED, t1), (t1, t2), (t2, t3), (t3, None),
    ]  # fmt: skip


def test_timeline_ignores_changes_that_do_not_apply() -> None:
    t1, t2 = OPENED + timedelta(hours=1), OPENED + timedelta(hours=2)
    stretches = sla_timeline(
        OPENED,
        [
            ClockChange(t1, "resume", "Moved to open"),  # not paused: nothing to resume
            ClockChange(t1, "stop", "Resolved"),
            ClockChange(t2, "pause", "Waiting on the requester"),  # stopped clocks stay stopped
        ],
    )
    assert _states(stretches) == [("running", "Ticket opened"), ("stopped", "Resolved")]


def test_timeline_resolving_a_waiting_ticket_goes_from_paused_to_stopped() -> None:
    t1, t2 = OPENED + timedelta(hours=1), OPENED + timedelta(hours=2)
    stretches = sla_timeline(
        OPENED,
        [
            ClockChange(t1, "pause", "Waiting on the requester"),
            ClockChange(t2, "stop", "Resolved"),
            ClockChange(t2 + timedelta(microseconds=1), "resume", "Moved to resolved"),
        ],
    )
    assert _states(stretches) == [
        ("running", "Ticket opened"),
        ("paused", "Waiting on the requester"),
        ("stopped", "Resolved"),
    ]


def test_timeline_reopen_restarts_and_zero_length_stretches_disappear() -> None:
    t1, t2 = OPENED + timedelta(hours=1), OPENED + timedelta(hours=2)
    stretches = sla_timeline(
        OPENED,
        [
            ClockChange(t1, "stop", "Resolved"),
            ClockChange(t2, "restart", "Reopened"),
            ClockChange(t2, "pause", "Waiting on the requester"),  # same moment as the reopen
        ],
    )
    assert _states(stretches) == [
        ("running", "Ticket opened"),
        ("stopped", "Resolved"),
        ("paused", "Waiting on the requester"),
    ]
    assert stretches[1].end == t2 == stretches[2].start


def test_timeline_pause_at_the_opening_moment_replaces_the_first_stretch() -> None:
    stretches = sla_timeline(OPENED, [ClockChange(OPENED, "pause", "Waiting on the requester")])
    assert _states(stretches) == [("paused", "Waiting on the requester")]
    assert stretches[0].start == OPENED
