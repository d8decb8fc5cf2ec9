"""Settings of the SLA clock: business calendars (working days and hours, time zone,
holidays) and SLA policies (first-response and resolution targets per priority, optionally
per organisation, in business minutes over a calendar).

A ticket takes its policy and due times when it is opened, so a changed policy or calendar
applies to tickets opened afterwards; tickets already open keep their due times.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.data.base import utcnow
from app.data.database import Session
from app.data.models.tickets import BusinessCalendar, Holiday, SlaPolicy
from app.data.repos import sla as repo
from app.domain.enums import Priority
from app.domain.permissions import Permission
from app.errors import NotFoundError, ValidationError
from app.services.base import Area, Changes, Service
from app.services.demo_service import uk_bank_holidays

#: Who may change calendars and policies. Supervisors and administrators hold this one; a
#: dedicated `Permission.SLA_MANAGE` would name it better (asked of the lead).
MANAGE_PERMISSION = Permission.SLA_MANAGE

MINUTES_PER_DAY = 24 * 60
#: The longest target a policy may set: 999 business hours and 59 minutes.
MAX_TARGET_MINUTES = 999 * 60 + 59
MAX_NAME = 120
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Names in the tz database that are not places: the machine's own zone and a placeholder.
_NOT_ZONES = {"localtime", "Factory", "posixrules"}


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows (e.g. "Europe/London"), sorted."""
    from zoneinfo import available_timezones

    return tuple(sorted(z for z in available_timezones() if z not in _NOT_ZONES))


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {z.casefold(): z for z in time_zones()}


def canonical_time_zone(name: str) -> str:
    """`name` as the tz database spells it ("europe/london" → "Europe/London").

    Raises:
        ValidationError: not a time zone this machine knows.
    """
    text = name.strip().replace(" ", "_")
    found = _zones_by_folded_name().get(text.casefold())
    if found is None:
        shown = name.strip() or "(empty)"
        raise ValidationError(
            f"'{shown}' is not a time zone. Choose one from the list, e.g. Europe/London "
            "or America/New_York (type part of a city name to search)."
        )
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - tzdata broken
        raise ValidationError(f"The time zone {found} cannot be loaded on this computer.") from exc
    return found


def format_minutes(minutes: int) -> str:
    """Business minutes as hours:minutes, e.g. 90 → "1:30", 3000 → "50:00"."""
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass(frozen=True)
class HolidayView:
    """A day without business hours on one calendar."""

    id: uuid.UUID
    calendar_id: uuid.UUID
    day: date
    name: str


@dataclass(frozen=True)
class CalendarView:
    """Working days (Monday = 0) and hours in one time zone, with its holidays by day."""

    id: uuid.UUID
    name: str
    timezone: str
    workdays: frozenset[int]
    day_start_minute: int
    day_end_minute: int
    holidays: tuple[HolidayView, ...]

    @property
    def day_start(self) -> time:
        return time(self.day_start_minute // 60, self.day_start_minute % 60)

    @property
    def day_end(self) -> time:
        minute = min(self.day_end_minute, MINUTES_PER_DAY - 1)
        return time(minute // 60, minute % 60)

    @property
    def hours_per_day(self) -> float:
        return (self.day_end_minute - self.day_start_minute) / 60

    def summary(self) -> str:
        """E.g. "Mon–Fri 08:00–18:00, Europe/London"."""
        return f"{workdays_text(self.workdays)} {self.day_start:%H:%M}–{self.day_end:%H:%M}, " + (
            self.timezone
        )


@dataclass(frozen=True)
class PolicyView:
    """Targets for one priority (for one organisation, or for all when `organisation_id` is
    None), in business minutes over a calendar."""

    id: uuid.UUID
    name: str
    priority: Priority
    organisation_id: uuid.UUID | None
    organisation_name: str
    calendar_id: uuid.UUID
    calendar_name: str
    first_response_minutes: int
    resolution_minutes: int


@dataclass(frozen=True)
class OrganisationOption:
    id: uuid.UUID
    name: str


def workdays_text(days: frozenset[int]) -> str:
    """Working days in short: "Mon–Fri", "Mon–Sat", "Mon, Wed, Fri"."""
    ordered = sorted(days)
    short = [WEEKDAY_NAMES[d][:3] for d in ordered]
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{short[0]}–{short[-1]}"
    return ", ".join(short)


def _parse_workdays(text: str) -> frozenset[int]:
    return frozenset(int(d) for d in text.split(",") if d.strip().isdigit())


def _clean_name(name: str, what: str, example: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(f"Give the {what} a name, e.g. '{example}'.")
    if len(name) > MAX_NAME:
        raise ValidationError(f"Keep the {what}'s name under {MAX_NAME} characters.")
    return name


class SlaAdminService(Service):
    """Business calendars and SLA policies, as supervisors and administrators set them up.

    Everyone who reads tickets may read them; changing them needs `MANAGE_PERMISSION`.
    Every write is one unit of work, audited, and returns `Changes` of the tickets area whose
    one id is the calendar, holiday or policy written.
    """

    @property
    def can_manage(self) -> bool:
        return self._actor.can(MANAGE_PERMISSION)

    # --- calendars ---------------------------------------------------------------------------

    def calendars(self) -> list[CalendarView]:
        """Every business calendar with its holidays, by name."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            rows = repo.calendars(session)
            by_calendar: dict[uuid.UUID, list[HolidayView]] = {}
            for h in repo.holidays(session, [c.id for c in rows]):
                by_calendar.setdefault(h.calendar_id, []).append(
                    HolidayView(h.id, h.calendar_id, date.fromisoformat(h.day), h.name)
                )
            return [
                CalendarView(
                    id=c.id,
                    name=c.name,
                    timezone=c.timezone,
                    workdays=_parse_workdays(c.workdays),
                    day_start_minute=c.day_start_minute,
                    day_end_minute=c.day_end_minute,
                    holidays=tuple(by_calendar.get(c.id, ())),
                )
                for c in rows
            ]

    def save_calendar(
        self,
        name: str,
        timezone: str,
        workdays: frozenset[int] | set[int],
        day_start_minute: int,
        day_end_minute: int,
        calendar_id: uuid.UUID | None = None,
    ) -> Changes:
        """Add a calendar (or change the one with `calendar_id`).

        Args:
            name: unique among calendars, e.g. "Head office".
            timezone: an IANA name such as "Europe/London" (any capitalisation).
            workdays: weekday numbers, Monday = 0; at least one.
            day_start_minute: minutes after local midnight when the working day starts.
            day_end_minute: when it ends; after the start, at most 24:00 (1440).

        Returns:
            Changes whose one id is the calendar's.
        """
        self._require(MANAGE_PERMISSION)
        name = _clean_name(name, "calendar", "Head office")
        zone = canonical_time_zone(timezone)
        days = frozenset(workdays)
        if not days:
            raise ValidationError("Tick at least one working day.")
        if not days <= set(range(7)):
            raise ValidationError("Working days are Monday to Sunday (numbers 0 to 6).")
        if not 0 <= day_start_minute < MINUTES_PER_DAY or not 0 < day_end_minute <= MINUTES_PER_DAY:
            raise ValidationError("Working hours must lie between 00:00 and 24:00.")
        if day_end_minute <= day_start_minute:
            raise ValidationError("The working day must end after it starts, e.g. 08:00 to 18:00.")
        with self._unit_of_work() as session:
            same_name = repo.calendar_named(session, name)
            if same_name is not None and same_name.id != calendar_id:
                raise ValidationError(
                    f"There is already a calendar called '{same_name.name}'. Choose another name."
                )
            if calendar_id is None:
                row = BusinessCalendar(name=name)
                session.add(row)
                action = "sla.calendar.create"
            else:
                found = repo.calendar(session, calendar_id)
                if found is None:
                    raise NotFoundError("That calendar no longer exists. Reload and try again.")
                row = found
                action = "sla.calendar.update"
            row.name = name
            row.timezone = zone
            row.workdays = ",".join(str(d) for d in sorted(days))
            row.day_start_minute = day_start_minute
            row.day_end_minute = day_end_minute
            session.flush()
            view_days = workdays_text(days)
            start, end = format_minutes(day_start_minute), format_minutes(day_end_minute)
            self._audit(
                session,
                action,
                entity="business_calendar",
                entity_id=row.id,
                summary=f"{name}: {view_days} {start}–{end}, {zone}",
            )
            return Changes.of(Area.TICKETS, ids=(row.id,))

    def add_holiday(self, calendar_id: uuid.UUID, day: date, name: str = "") -> Changes:
        """Make `day` a day without business hours on the calendar.

        Returns:
            Changes whose one id is the holiday's.
        """
        self._require(MANAGE_PERMISSION)
        name = " ".join(name.split()) or "Holiday"
        if len(name) > MAX_NAME:
            raise ValidationError(f"Keep the holiday's name under {MAX_NAME} characters.")
        with self._unit_of_work() as session:
            cal = repo.calendar(session, calendar_id)
            if cal is None:
                raise NotFoundError("That calendar no longer exists. Reload and try again.")
            row = self._put_holiday(session, cal.id, day, name)
            self._audit(
                session,
                "sla.holiday.add",
                entity="holiday",
                entity_id=row.id,
                summary=f"{cal.name}: {day.isoformat()} {name}",
            )
            return Changes.of(Area.TICKETS, ids=(row.id,))

    @staticmethod
    def _put_holiday(session: Session, calendar_id: uuid.UUID, day: date, name: str) -> Holiday:
        found = repo.holiday_on_any(session, calendar_id, day.isoformat())
        if found is not None and found.deleted_at is None:
            raise ValidationError(
                f"{day:%A %d %B %Y} is already a holiday ({found.name or 'no name'})."
            )
        if found is not None:  # a removed holiday on that day: bring it back
            found.deleted_at = None
            found.name = name
            return found
        row = Holiday(calendar_id=calendar_id, day=day.isoformat(), name=name)
        session.add(row)
        session.flush()
        return row

    def add_uk_bank_holidays(self, calendar_id: uuid.UUID, year: int) -> Changes:
        """Add England and Wales bank holidays of `year` that the calendar lacks.

        Returns:
            Changes whose ids are the holidays added (none if all were there already).
        """
        self._require(MANAGE_PERMISSION)
        if not 1900 <= year <= 2200:
            raise ValidationError("Choose a year between 1900 and 2200.")
        with self._unit_of_work() as session:
            cal = repo.calendar(session, calendar_id)
            if cal is None:
                raise NotFoundError("That calendar no longer exists. Reload and try again.")
            existing = repo.holidays_by_day_any(session, cal.id)
            added: list[uuid.UUID] = []
            for day, name in uk_bank_holidays(year):
                found = existing.get(day.isoformat())
                if found is not None and found.deleted_at is None:
                    continue
                if found is not None:
                    found.deleted_at, found.name = None, name
                    added.append(found.id)
                else:
                    row = Holiday(calendar_id=cal.id, day=day.isoformat(), name=name)
                    session.add(row)
                    session.flush()
                    added.append(row.id)
            if not added:
                return Changes(frozenset())
            self._audit(
                session,
                "sla.holiday.add",
                entity="business_calendar",
                entity_id=cal.id,
                summary=f"{cal.name}: {len(added)} UK bank holidays of {year}",
            )
            return Changes.of(Area.TICKETS, ids=tuple(added))

    def remove_holiday(self, holiday_id: uuid.UUID) -> Changes:
        """Make the holiday a working day again (if it is a working weekday)."""
        self._require(MANAGE_PERMISSION)
        with self._unit_of_work() as session:
            row = repo.holiday(session, holiday_id)
            if row is None:
                raise NotFoundError("That holiday was already removed. Reload to see the list.")
            row.deleted_at = utcnow()  # tombstone, so the removal replicates
            self._audit(
                session,
                "sla.holiday.remove",
                entity="holiday",
                entity_id=row.id,
                summary=f"{row.day} {row.name}",
            )
        return Changes.of(Area.TICKETS, ids=(holiday_id,))

    # --- policies ----------------------------------------------------------------------------

    def policies(self) -> list[PolicyView]:
        """Every policy: most urgent priority first, the all-organisations one before those of
        single organisations."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            out = [
                PolicyView(
                    id=p.id,
                    name=p.name,
                    priority=p.priority,
                    organisation_id=p.organisation_id,
                    organisation_name=org or "",
                    calendar_id=p.calendar_id,
                    calendar_name=cal or "",
                    first_response_minutes=p.first_response_minutes,
                    resolution_minutes=p.resolution_minutes,
                )
                for p, org, cal in repo.policies(session)
            ]
        out.sort(
            key=lambda p: (
                -p.priority.rank,
                p.organisation_id is not None,
                p.organisation_name.casefold(),
            )
        )
        return out

    def organisations(self) -> list[OrganisationOption]:
        """Organisations a policy may be for, by name."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            return [OrganisationOption(r.id, r.name) for r in repo.organisations(session)]

    def save_policy(
        self,
        priority: Priority,
        organisation_id: uuid.UUID | None,
        calendar_id: uuid.UUID,
        first_response_minutes: int,
        resolution_minutes: int,
        name: str = "",
        policy_id: uuid.UUID | None = None,
    ) -> Changes:
        """Add a policy (or change the one with `policy_id`).

        One policy per priority and organisation (None: all organisations). Targets are
        business minutes over the calendar; the first response may not be due after the
        resolution. Tickets opened from now on use it; open tickets keep their due times.

        Returns:
            Changes whose one id is the policy's.
        """
        self._require(MANAGE_PERMISSION)
        priority = Priority(priority)
        for minutes, what in (
            (first_response_minutes, "first-response"),
            (resolution_minutes, "resolution"),
        ):
            if minutes <= 0:
                raise ValidationError(
                    f"Set a {what} target longer than zero, e.g. 4:00 business hours."
                )
            if minutes > MAX_TARGET_MINUTES:
                raise ValidationError(
                    f"The {what} target is too long; keep it under 1000 business hours."
                )
        if first_response_minutes > resolution_minutes:
            raise ValidationError(
                "The first response must be due no later than the resolution: make the "
                "first-response target shorter or the resolution target longer."
            )
        with self._unit_of_work() as session:
            cal = repo.calendar(session, calendar_id)
            if cal is None:
                raise ValidationError("Choose a business calendar for the policy.")
            org_name = ""
            if organisation_id is not None:
                org = repo.organisation(session, organisation_id)
                if org is None:
                    raise ValidationError(
                        "That organisation no longer exists. Choose another or All."
                    )
                org_name = org.name
            default_name = f"{priority.label} priority" + (f" – {org_name}" if org_name else "")
            name = " ".join(name.split()) or default_name
            if len(name) > MAX_NAME:
                raise ValidationError(f"Keep the policy's name under {MAX_NAME} characters.")
            same_key = repo.policy_for_key_any(session, priority, organisation_id)
            clash = next((p for p in same_key if p.deleted_at is None and p.id != policy_id), None)
            if clash is not None:
                whom = org_name or "all organisations"
                raise ValidationError(
                    f"There is already a {priority.label.lower()} priority policy for {whom} "
                    f"('{clash.name}'). Edit that one instead."
                )
            row: SlaPolicy
            if policy_id is not None:
                found = repo.policy(session, policy_id)
                if found is None:
                    raise NotFoundError("That policy no longer exists. Reload and try again.")
                if found.priority != priority or found.organisation_id != organisation_id:
                    # The key of a policy stays: tickets point at it, and a removed policy
                    # with the new key may still hold it in the unique constraint.
                    raise ValidationError(
                        "A policy keeps its priority and organisation. To cover another, "
                        "delete this policy and add a new one."
                    )
                row = found
                action = "sla.policy.update"
            else:
                tombstone = next((p for p in same_key if p.deleted_at is not None), None)
                if tombstone is not None:  # reuse the removed row: the key is unique
                    row = tombstone
                    row.deleted_at = None
                else:
                    row = SlaPolicy(priority=priority, organisation_id=organisation_id)
                    session.add(row)
                action = "sla.policy.create"
            row.name = name
            row.calendar_id = cal.id
            row.first_response_minutes = first_response_minutes
            row.resolution_minutes = resolution_minutes
            session.flush()
            self._audit(
                session,
                action,
                entity="sla_policy",
                entity_id=row.id,
                summary=(
                    f"{name}: first response {format_minutes(first_response_minutes)}, "
                    f"resolution {format_minutes(resolution_minutes)} business hours "
                    f"on {cal.name}"
                ),
            )
            return Changes.of(Area.TICKETS, ids=(row.id,))

    def delete_policy(self, policy_id: uuid.UUID) -> Changes:
        """Remove a policy: tickets opened afterwards fall back to the all-organisations
        policy of their priority (or the built-in targets); open tickets keep their due
        times."""
        self._require(MANAGE_PERMISSION)
        with self._unit_of_work() as session:
            row = repo.policy(session, policy_id)
            if row is None:
                raise NotFoundError("That policy was already deleted. Reload to see the list.")
            row.deleted_at = utcnow()  # tombstone, so the removal replicates
            self._audit(
                session,
                "sla.policy.delete",
                entity="sla_policy",
                entity_id=row.id,
                summary=row.name,
            )
        return Changes.of(Area.TICKETS, ids=(policy_id,))
