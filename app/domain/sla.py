"""SLA due-date arithmetic over business hours, holidays and a time zone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from app.domain.enums import Priority

#: A ticket is "due soon" when less than this share of its target remains.
DUE_SOON_FRACTION = 0.25


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in one time zone. Weekdays use Python's numbering (Monday = 0)."""

    timezone: str = "UTC"
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    day_start: time = time(8, 0)
    day_end: time = time(18, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError("A business day must end after it starts.")
        if not self.workdays:
            raise ValueError("A business calendar needs at least one working day.")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def windows_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (UTC) that end after `moment`, in order, forever."""
        zone = self.zone
        day = moment.astimezone(zone).date() - timedelta(days=1)
        while True:
            if day.weekday() in self.workdays and day not in self.holidays:
                # Built in local time, so a DST change shortens or lengthens the day correctly.
                start = datetime.combine(day, self.day_start, zone).astimezone(UTC)
                end = datetime.combine(day, self.day_end, zone).astimezone(UTC)
                if end > moment:
                    yield max(start, moment), end
            day += timedelta(days=1)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("SLA arithmetic needs time-zone-aware datetimes.")
    return moment.astimezone(UTC)


def add_business_minutes(start: datetime, minutes: float, calendar: BusinessCalendar) -> datetime:
    """The moment when `minutes` of business time have passed since `start` (UTC)."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    return add_business_time(start, timedelta(minutes=minutes), calendar)


def add_business_time(start: datetime, span: timedelta, calendar: BusinessCalendar) -> datetime:
    """The moment when `span` of business time has passed since `start` (UTC)."""
    if span < timedelta():
        raise ValueError("minutes must not be negative")
    start = _utc(start)
    remaining = span
    if not remaining:
        return start
    for win_start, win_end in calendar.windows_from(start):
        span = win_end - win_start
        if remaining <= span:
            return win_start + remaining
        remaining -= span
    raise AssertionError("unreachable: windows_from never ends")  # pragma: no cover


def business_minutes_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> float:
    """Business minutes elapsed from `start` to `end` (0 if end is not after start)."""
    start, end = _utc(start), _utc(end)
    total = timedelta()
    if end <= start:
        return 0.0
    for win_start, win_end in calendar.windows_from(start):
        if win_start >= end:
            break
        total += min(win_end, end) - win_start
    return total.total_seconds() / 60


@dataclass(frozen=True)
class SlaTargets:
    """First-response and resolution targets, in business minutes."""

    first_response_minutes: int
    resolution_minutes: int


DEFAULT_TARGETS: dict[Priority, SlaTargets] = {
    Priority.URGENT: SlaTargets(30, 4 * 60),
    Priority.HIGH: SlaTargets(60, 8 * 60),
    Priority.NORMAL: SlaTargets(4 * 60, 3 * 10 * 60),
    Priority.LOW: SlaTargets(8 * 60, 5 * 10 * 60),
}


class SlaState:
    """How a due time looks from now: ok, due soon, or breached."""

    OK = "ok"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    MET = "met"
    #: The clock stands still: the ticket waits on the requester.
    PAUSED = "paused"


def sla_state(
    due: datetime | None,
    now: datetime,
    target_minutes: int,
    done_at: datetime | None = None,
    calendar: BusinessCalendar | None = None,
    paused_at: datetime | None = None,
) -> str | None:
    """Classify a due time. `done_at` is when the target was met (if it was).

    While the clock is paused (`paused_at` set) the state is `PAUSED`, neither due soon nor
    breached, unless the due time had already passed when the clock stopped: a breach stays
    a breach.
    """
    if due is None:
        return None
    if done_at is not None:
        return SlaState.MET if done_at <= due else SlaState.BREACHED
    if paused_at is not None:
        return SlaState.BREACHED if due <= paused_at else SlaState.PAUSED
    if now >= due:
        return SlaState.BREACHED
    left = (
        business_minutes_between(now, due, calendar)
        if calendar
        else (due - now).total_seconds() / 60
    )
    return SlaState.DUE_SOON if left <= target_minutes * DUE_SOON_FRACTION else SlaState.OK


# --- pausing the clock ------------------------------------------------------------------------


def shift_due(
    due: datetime | None, paused_at: datetime, resumed_at: datetime, calendar: BusinessCalendar
) -> datetime | None:
    """The due time after a pause from `paused_at` to `resumed_at`.

    The clock stood still: the business time left at the pause is the business time left at
    the resume. A target already missed when the clock was paused keeps its due time, so a
    pause never turns a breach into a met target.
    """
    if due is None:
        return None
    due, paused_at = _utc(due), _utc(paused_at)
    if due <= paused_at:
        return due
    paused = business_minutes_between(paused_at, resumed_at, calendar)
    if paused <= 0:
        return due
    return add_business_time(due, timedelta(minutes=paused), calendar)


StretchState = Literal["running", "paused", "stopped"]


@dataclass(frozen=True)
class SlaStretch:
    """One stretch of a ticket's SLA clock: running, paused or stopped, and why.

    Attributes:
        start: when the stretch began (UTC).
        end: when it ended, or None for the current stretch.
        state: "running", "paused" or "stopped".
        reason: why the clock got into this state, in plain words.
    """

    start: datetime
    end: datetime | None
    state: StretchState
    reason: str


@dataclass(frozen=True)
class ClockChange:
    """Something that moved the SLA clock.

    Attributes:
        at: when.
        action: "pause" (waiting on the requester), "resume", "stop" (resolved or closed) or
            "restart" (reopened).
        reason: the words shown on the timeline.
    """

    at: datetime
    action: Literal["pause", "resume", "stop", "restart"]
    reason: str


_TARGET_STATE: dict[str, tuple[StretchState, frozenset[StretchState]]] = {
    # action: (state it leads to, states it applies in)
    "pause": ("paused", frozenset({"running"})),
    "resume": ("running", frozenset({"paused"})),
    "stop": ("stopped", frozenset({"running", "paused"})),
    "restart": ("running", frozenset({"stopped"})),
}


def sla_timeline(opened_at: datetime, changes: Iterable[ClockChange]) -> list[SlaStretch]:
    """The stretches of the clock from `opened_at`, oldest first; the last one has no end.

    Changes that do not apply in the current state (a resume of a stopped clock) are ignored;
    a stretch that would last no time at all is replaced by the one that follows it.
    """
    stretches = [SlaStretch(_utc(opened_at), None, "running", "Ticket opened")]
    for change in sorted(changes, key=lambda c: c.at):
        state, applies_in = _TARGET_STATE[change.action]
        current = stretches[-1]
        if current.state not in applies_in:
            continue
        at = max(_utc(change.at), current.start)
        if at == current.start:
            # The current stretch would last no time: the change replaces it.
            stretches.pop()
            if stretches and stretches[-1].state == state:
                previous = stretches[-1]
                stretches[-1] = SlaStretch(previous.start, None, state, previous.reason)
                continue
        else:
            stretches[-1] = SlaStretch(current.start, at, current.state, current.reason)
        stretches.append(SlaStretch(at, None, state, change.reason))
    return stretches
