"""SLA settings on SQLite and PostgreSQL: business calendars, holidays and policies."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.data.models.audit import AuditEvent
from app.data.models.people import Organisation
from app.data.models.tickets import Holiday, SlaPolicy
from app.domain.enums import Priority, Role
from app.domain.permissions import PermissionDeniedError
from app.errors import NotFoundError, ValidationError
from app.services.base import Area, Changes
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.sla_service import (
    CalendarView,
    canonical_time_zone,
    format_minutes,
    time_zones,
    workdays_text,
)
from tests.conftest import ADMIN_PASSWORD

WEEKDAYS = frozenset(range(5))


def _only_id(changes: Changes) -> uuid.UUID:
    assert len(changes.ids) == 1
    return next(iter(changes.ids))


def _calendar(
    services: Services, name: str = "Head office", tz: str = "Europe/London"
) -> uuid.UUID:
    return _only_id(services.sla.save_calendar(name, tz, WEEKDAYS, 8 * 60, 18 * 60))


def _by_id(services: Services, calendar_id: uuid.UUID) -> CalendarView:
    return next(c for c in services.sla.calendars() if c.id == calendar_id)


def _org(services: Services, name: str = "Acme") -> uuid.UUID:
    with services.db.session() as s:
        org = Organisation(name=name)
        s.add(org)
        s.flush()
        return org.id


def _audit_actions(services: Services) -> list[str]:
    with services.db.read_session() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.created_at)))


def _technician(services: Services) -> Services:
    auth = AuthService(services.db)
    services.people.create_person(
        username="tina",
        full_name="Tina Tech",
        email="",
        password=ADMIN_PASSWORD,
        roles=frozenset({Role.TECHNICIAN}),
        team_id=None,
    )
    return Services(services.db, auth.principal_for("tina"))


# --- pure helpers ---------------------------------------------------------------------------


def test_time_zone_names_are_checked_and_spelled_canonically() -> None:
    assert "Europe/London" in time_zones()
    assert "localtime" not in time_zones()
    assert canonical_time_zone(" europe/london ") == "Europe/London"
    assert canonical_time_zone("America/New York") == "America/New_York"
    with pytest.raises(ValidationError, match="not a time zone"):
        canonical_time_zone("Mars/Olympus_Mons")
    with pytest.raises(ValidationError, match="not a time zone"):
        canonical_time_zone("")


def test_formatting_helpers() -> None:
    assert format_minutes(30) == "0:30"
    assert format_minutes(3000) == "50:00"
    assert workdays_text(frozenset({0, 1, 2, 3, 4})) == "Mon–Fri"
    assert workdays_text(frozenset({0, 2, 4})) == "Mon, Wed, Fri"


# --- calendars --------------------------------------------------------------------------------


def test_create_and_change_a_calendar(any_services: Services) -> None:
    services = any_services
    changes = services.sla.save_calendar("Head office", "europe/london", {0, 1, 2, 3, 4}, 480, 1080)
    assert changes.touches(Area.TICKETS)
    assert changes.touches(Area.AUDIT)
    calendar_id = _only_id(changes)
    cal = _by_id(services, calendar_id)
    assert (cal.name, cal.timezone, cal.workdays) == ("Head office", "Europe/London", WEEKDAYS)
    assert (cal.day_start_minute, cal.day_end_minute, cal.hours_per_day) == (480, 1080, 10.0)
    assert cal.summary() == "Mon–Fri 08:00–18:00, Europe/London"

    services.sla.save_calendar(
        "Head office (NY)", "America/New_York", {0, 1, 2, 3, 4, 5}, 9 * 60, 17 * 60, calendar_id
    )
    cal = _by_id(services, calendar_id)
    assert (cal.name, cal.timezone, cal.day_start_minute, cal.day_end_minute) == (
        "Head office (NY)",
        "America/New_York",
        540,
        1020,
    )
    assert cal.workdays == frozenset(range(6))
    assert len(services.sla.calendars()) == 1
    assert _audit_actions(services)[-2:] == ["sla.calendar.create", "sla.calendar.update"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Europe/Londn"}, "not a time zone"),
        ({"workdays": set()}, "at least one working day"),
        ({"workdays": {7}}, "Monday to Sunday"),
        ({"day_start_minute": 18 * 60, "day_end_minute": 8 * 60}, "end after it starts"),
        ({"day_start_minute": 9 * 60, "day_end_minute": 9 * 60}, "end after it starts"),
        ({"day_end_minute": 25 * 60}, "between 00:00 and 24:00"),
        ({"name": "   "}, "Give the calendar a name"),
    ],
)
def test_bad_calendars_are_refused(
    services: Services, kwargs: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {
        "name": "Office",
        "timezone": "UTC",
        "workdays": WEEKDAYS,
        "day_start_minute": 480,
        "day_end_minute": 1080,
    }
    values.update(kwargs)
    with pytest.raises(ValidationError, match=message):
        services.sla.save_calendar(**values)  # type: ignore[arg-type]
    assert services.sla.calendars() == []


def test_calendar_names_are_unique(any_services: Services) -> None:
    _calendar(any_services, "Head office")
    with pytest.raises(ValidationError, match="already a calendar called 'Head office'"):
        _calendar(any_services, "head OFFICE")
    other = _calendar(any_services, "Branch")
    with pytest.raises(ValidationError, match="already a calendar"):
        any_services.sla.save_calendar("Head office", "UTC", WEEKDAYS, 480, 1080, other)


def test_holidays_add_remove_and_come_back(any_services: Services) -> None:
    services = any_services
    calendar_id = _calendar(services)
    christmas = _only_id(services.sla.add_holiday(calendar_id, date(2025, 12, 25), " Christmas "))
    services.sla.add_holiday(calendar_id, date(2025, 1, 1), "")
    days = [(h.day, h.name) for h in _by_id(services, calendar_id).holidays]
    assert days == [(date(2025, 1, 1), "Holiday"), (date(2025, 12, 25), "Christmas")]
    with pytest.raises(ValidationError, match="already a holiday"):
        services.sla.add_holiday(calendar_id, date(2025, 12, 25), "Again")

    services.sla.remove_holiday(christmas)
    assert [h.day for h in _by_id(services, calendar_id).holidays] == [date(2025, 1, 1)]
    with pytest.raises(NotFoundError):
        services.sla.remove_holiday(christmas)
    # The row stays as a tombstone (it replicates); adding the day again revives it.
    again = _only_id(services.sla.add_holiday(calendar_id, date(2025, 12, 25), "Christmas Day"))
    assert again == christmas
    assert [h.name for h in _by_id(services, calendar_id).holidays] == ["Holiday", "Christmas Day"]
    with services.db.read_session() as s:
        assert len(s.scalars(select(Holiday)).all()) == 2
    with pytest.raises(NotFoundError):
        services.sla.add_holiday(uuid.uuid4(), date(2025, 5, 5), "Nowhere")


def test_uk_bank_holidays_are_added_once(any_services: Services) -> None:
    services = any_services
    calendar_id = _calendar(services)
    services.sla.add_holiday(calendar_id, date(2025, 12, 25), "Christmas (ours)")
    added = services.sla.add_uk_bank_holidays(calendar_id, 2025)
    assert len(added.ids) == 7  # 8 bank holidays, Christmas was there
    days = {h.day: h.name for h in _by_id(services, calendar_id).holidays}
    assert days[date(2025, 4, 18)] == "Good Friday"
    assert days[date(2025, 12, 25)] == "Christmas (ours)"
    assert len(days) == 8
    assert services.sla.add_uk_bank_holidays(calendar_id, 2025).ids == frozenset()
    with pytest.raises(ValidationError, match="year"):
        services.sla.add_uk_bank_holidays(calendar_id, 20250)


# --- policies -------------------------------------------------------------------------------


def test_policy_create_edit_delete(any_services: Services) -> None:
    services = any_services
    calendar_id = _calendar(services)
    org_id = _org(services, "Acme")
    general = _only_id(services.sla.save_policy(Priority.HIGH, None, calendar_id, 60, 8 * 60))
    acme = _only_id(
        services.sla.save_policy(Priority.HIGH, org_id, calendar_id, 30, 4 * 60, "Acme gold")
    )
    services.sla.save_policy(Priority.URGENT, None, calendar_id, 15, 120)
    listed = services.sla.policies()
    assert [(p.priority, p.organisation_name, p.name) for p in listed] == [
        (Priority.URGENT, "", "Urgent priority"),
        (Priority.HIGH, "", "High priority"),
        (Priority.HIGH, "Acme", "Acme gold"),
    ]
    assert listed[2].calendar_name == "Head office"
    assert (listed[2].first_response_minutes, listed[2].resolution_minutes) == (30, 240)

    services.sla.save_policy(Priority.HIGH, None, calendar_id, 45, 6 * 60, "", general)
    edited = next(p for p in services.sla.policies() if p.id == general)
    assert (edited.first_response_minutes, edited.resolution_minutes) == (45, 360)
    with pytest.raises(ValidationError, match="keeps its priority and organisation"):
        services.sla.save_policy(Priority.LOW, None, calendar_id, 45, 360, "", general)

    services.sla.delete_policy(acme)
    assert acme not in {p.id for p in services.sla.policies()}
    with pytest.raises(NotFoundError):
        services.sla.delete_policy(acme)
    # Adding the same priority and organisation again reuses the removed row (unique key).
    back = _only_id(services.sla.save_policy(Priority.HIGH, org_id, calendar_id, 20, 200))
    assert back == acme
    with services.db.read_session() as s:
        row = s.get(SlaPolicy, acme)
        assert row is not None
        assert row.deleted_at is None
        assert row.first_response_minutes == 20
    actions = _audit_actions(services)
    assert actions.count("sla.policy.create") == 4
    assert "sla.policy.update" in actions
    assert "sla.policy.delete" in actions


@pytest.mark.parametrize(
    ("first", "resolution", "message"),
    [
        (0, 60, "longer than zero"),
        (60, -5, "longer than zero"),
        (120, 60, "no later than the resolution"),
        (60, 1000 * 60, "too long"),
    ],
)
def test_bad_targets_are_refused(
    services: Services, first: int, resolution: int, message: str
) -> None:
    calendar_id = _calendar(services)
    with pytest.raises(ValidationError, match=message):
        services.sla.save_policy(Priority.NORMAL, None, calendar_id, first, resolution)
    assert services.sla.policies() == []


def test_one_policy_per_priority_and_organisation(any_services: Services) -> None:
    services = any_services
    calendar_id = _calendar(services)
    org_id = _org(services)
    services.sla.save_policy(Priority.LOW, None, calendar_id, 60, 600)
    services.sla.save_policy(Priority.LOW, org_id, calendar_id, 60, 600)
    with pytest.raises(ValidationError, match="already a low priority policy for all"):
        services.sla.save_policy(Priority.LOW, None, calendar_id, 30, 300)
    with pytest.raises(ValidationError, match="already a low priority policy for Acme"):
        services.sla.save_policy(Priority.LOW, org_id, calendar_id, 30, 300)
    with pytest.raises(ValidationError, match="Choose a business calendar"):
        services.sla.save_policy(Priority.HIGH, None, uuid.uuid4(), 30, 300)
    with pytest.raises(ValidationError, match="organisation no longer exists"):
        services.sla.save_policy(Priority.HIGH, uuid.uuid4(), calendar_id, 30, 300)
    assert len(services.sla.policies()) == 2


def test_new_tickets_follow_the_policy(any_services: Services) -> None:
    """A saved policy and calendar decide the due times of tickets opened afterwards."""
    services = any_services
    calendar_id = _calendar(services, tz="UTC")
    services.sla.add_holiday(calendar_id, date(2025, 6, 2), "Closed")  # a Monday
    services.sla.save_policy(Priority.HIGH, None, calendar_id, 60, 10 * 60)
    friday_5pm = datetime(2025, 5, 30, 17, 0, tzinfo=UTC)
    ticket_id, _ = services.tickets.create("VPN down", priority=Priority.HIGH, opened_at=friday_5pm)
    detail = services.tickets.get(ticket_id)
    # One business hour: Friday 17:00-18:00. Ten: the last 9 fall on Tuesday (Monday is off).
    assert detail.first_response_due_at == datetime(2025, 5, 30, 18, 0, tzinfo=UTC)
    assert detail.resolution_due_at == datetime(2025, 6, 3, 17, 0, tzinfo=UTC)


def test_reading_is_for_staff_writing_for_supervisors(services: Services) -> None:
    calendar_id = _calendar(services)
    tech = _technician(services)
    assert not tech.sla.can_manage
    assert services.sla.can_manage
    assert [c.id for c in tech.sla.calendars()] == [calendar_id]
    assert tech.sla.policies() == []
    with pytest.raises(PermissionDeniedError):
        tech.sla.save_calendar("Mine", "UTC", WEEKDAYS, 480, 1080)
    with pytest.raises(PermissionDeniedError):
        tech.sla.add_holiday(calendar_id, date(2025, 1, 1), "New Year")
    with pytest.raises(PermissionDeniedError):
        tech.sla.save_policy(Priority.LOW, None, calendar_id, 60, 600)
    assert len(services.sla.calendars()) == 1
