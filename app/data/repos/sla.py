"""Queries behind the SLA settings: business calendars, their holidays and SLA policies.

Rows are never hard-deleted (they replicate); a removed holiday or policy is a tombstone
(`deleted_at` set). The unique constraints of the schema still see tombstones, so the
`*_any` lookups return them too and the service brings a tombstone back instead of inserting
a second row with the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeAlias

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from app.data.models.people import Organisation
from app.data.models.tickets import BusinessCalendar, Holiday, SlaPolicy
from app.domain.enums import Priority

AnyRow: TypeAlias = Row[*tuple[Any, ...]]


# --- calendars -------------------------------------------------------------------------------


def calendars(session: Session) -> Sequence[BusinessCalendar]:
    """Live calendars, by name."""
    return session.scalars(
        select(BusinessCalendar)
        .where(BusinessCalendar.deleted_at.is_(None))
        .order_by(func.lower(BusinessCalendar.name), BusinessCalendar.id)
    ).all()


def calendar(session: Session, calendar_id: uuid.UUID) -> BusinessCalendar | None:
    found = session.get(BusinessCalendar, calendar_id)
    return found if found is not None and found.deleted_at is None else None


def calendar_named(session: Session, name: str) -> BusinessCalendar | None:
    """The calendar (live or not) whose name matches `name` ignoring case."""
    return session.scalars(
        select(BusinessCalendar).where(func.lower(BusinessCalendar.name) == name.lower())
    ).first()


def holidays(session: Session, calendar_ids: Sequence[uuid.UUID]) -> Sequence[Holiday]:
    """Live holidays of the calendars, by day."""
    if not calendar_ids:
        return []
    return session.scalars(
        select(Holiday)
        .where(Holiday.calendar_id.in_(list(calendar_ids)), Holiday.deleted_at.is_(None))
        .order_by(Holiday.day, Holiday.id)
    ).all()


def holiday(session: Session, holiday_id: uuid.UUID) -> Holiday | None:
    found = session.get(Holiday, holiday_id)
    return found if found is not None and found.deleted_at is None else None


def holiday_on_any(session: Session, calendar_id: uuid.UUID, day: str) -> Holiday | None:
    """The holiday row (live or tombstone) of the calendar on the ISO `day`."""
    return session.scalars(
        select(Holiday).where(Holiday.calendar_id == calendar_id, Holiday.day == day)
    ).first()


def holidays_by_day_any(session: Session, calendar_id: uuid.UUID) -> dict[str, Holiday]:
    """Every holiday row of the calendar (tombstones too), keyed by ISO day."""
    rows = session.scalars(select(Holiday).where(Holiday.calendar_id == calendar_id))
    return {h.day: h for h in rows}


# --- policies --------------------------------------------------------------------------------


def policies(session: Session) -> Sequence[AnyRow]:
    """(SlaPolicy, organisation_name, calendar_name) of every live policy."""
    return session.execute(
        select(
            SlaPolicy,
            Organisation.name.label("organisation_name"),
            BusinessCalendar.name.label("calendar_name"),
        )
        .outerjoin(Organisation, Organisation.id == SlaPolicy.organisation_id)
        .outerjoin(BusinessCalendar, BusinessCalendar.id == SlaPolicy.calendar_id)
        .where(SlaPolicy.deleted_at.is_(None))
    ).all()


def policy(session: Session, policy_id: uuid.UUID) -> SlaPolicy | None:
    found = session.get(SlaPolicy, policy_id)
    return found if found is not None and found.deleted_at is None else None


def policy_for_key_any(
    session: Session, priority: Priority, organisation_id: uuid.UUID | None
) -> list[SlaPolicy]:
    """Policies (live and tombstones) for exactly this priority and organisation."""
    org = (
        SlaPolicy.organisation_id.is_(None)
        if organisation_id is None
        else SlaPolicy.organisation_id == organisation_id
    )
    return list(
        session.scalars(
            select(SlaPolicy)
            .where(SlaPolicy.priority == priority, org)
            .order_by(SlaPolicy.deleted_at.is_not(None), SlaPolicy.created_at)
        )
    )


def policy_count_for_calendar(session: Session, calendar_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SlaPolicy)
            .where(SlaPolicy.calendar_id == calendar_id, SlaPolicy.deleted_at.is_(None))
        )
        or 0
    )


# --- organisations ---------------------------------------------------------------------------


def organisations(session: Session) -> Sequence[AnyRow]:
    """(id, name) of live organisations, by name."""
    return session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.deleted_at.is_(None))
        .order_by(func.lower(Organisation.name))
    ).all()


def organisation(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    found = session.get(Organisation, organisation_id)
    return found if found is not None and found.deleted_at is None else None
