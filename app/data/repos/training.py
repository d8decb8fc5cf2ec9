"""Queries over courses, training sessions, enrolments, attendance marks and certifications.

Counts and "latest attendance mark" are computed in SQL: the sessions list pages through a
table that grows every week, and the roster must not load every mark ever written.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Literal, TypeAlias

from sqlalchemy import Row, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from app.data.models.people import User
from app.data.models.training import (
    AttendanceMark,
    Certification,
    Course,
    Enrolment,
    TrainingSession,
)
from app.domain.enums import AttendanceStatus, EnrolmentStatus

AnyRow: TypeAlias = Row[*tuple[Any, ...]]
AnySelect: TypeAlias = Select[*tuple[Any, ...]]

When = Literal["upcoming", "past", "all"]

#: Enrolments that hold a seat (COMPLETED people attended, so they held one).
SEATED = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)

#: Sort keys of the sessions list that the UI may ask for.
SESSION_SORT_KEYS = ("date", "course", "trainer", "location")

_Trainer = aliased(User, name="trainer")


# --- courses ----------------------------------------------------------------------------


def all_courses(session: Session) -> Sequence[Course]:
    return session.scalars(
        select(Course).where(Course.deleted_at.is_(None)).order_by(Course.code)
    ).all()


def course_with_code(session: Session, code: str) -> Course | None:
    """Any course (deleted ones too: the code stays unique) whose code matches, any case."""
    return session.scalars(
        select(Course).where(func.lower(Course.code) == code.strip().lower())
    ).first()


def live_course(session: Session, course_id: uuid.UUID) -> Course | None:
    course = session.get(Course, course_id)
    return course if course is not None and course.deleted_at is None else None


# --- sessions ---------------------------------------------------------------------------


def live_session(
    session: Session, session_id: uuid.UUID, *, for_update: bool = False
) -> TrainingSession | None:
    """The training session, locked for the rest of the transaction when `for_update`.

    The lock (PostgreSQL only; SQLite has one writer anyway) makes two desks enrolling
    people at the same moment take turns, so a session is never overbooked.
    """
    stmt = select(TrainingSession).where(
        TrainingSession.id == session_id, TrainingSession.deleted_at.is_(None)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def _latest_mark_status() -> Any:
    """Correlated subquery: the status of the newest mark of the enclosing `Enrolment`."""
    return (
        select(AttendanceMark.status)
        .where(AttendanceMark.enrolment_id == Enrolment.id, AttendanceMark.deleted_at.is_(None))
        .order_by(
            AttendanceMark.created_at.desc(), AttendanceMark.hlc.desc(), AttendanceMark.id.desc()
        )
        .limit(1)
        .correlate(Enrolment)
        .scalar_subquery()
    )


def _count_enrolments(*conditions: Any) -> Any:
    """Correlated subquery: enrolments of the enclosing `TrainingSession` matching conditions."""
    return (
        select(func.count(Enrolment.id))
        .where(
            Enrolment.session_id == TrainingSession.id,
            Enrolment.deleted_at.is_(None),
            *conditions,
        )
        .correlate(TrainingSession)
        .scalar_subquery()
    )


def _session_select() -> AnySelect:
    # Correlated counts are evaluated only for the rows of the requested page (indexed by
    # the session/user unique constraint and the marks' enrolment index).
    return (
        select(
            TrainingSession.id,
            TrainingSession.course_id,
            Course.code.label("course_code"),
            Course.title.label("course_title"),
            TrainingSession.trainer_id,
            func.coalesce(_Trainer.full_name, literal("")).label("trainer_name"),
            TrainingSession.starts_at,
            TrainingSession.ends_at,
            TrainingSession.location,
            TrainingSession.capacity,
            _count_enrolments(Enrolment.status.in_(SEATED)).label("enrolled"),
            _count_enrolments(Enrolment.status == EnrolmentStatus.WAITLISTED).label("waitlisted"),
            _count_enrolments(
                Enrolment.status.in_(SEATED), _latest_mark_status() == AttendanceStatus.PRESENT
            ).label("attended"),
        )
        .join(Course, Course.id == TrainingSession.course_id)
        .outerjoin(_Trainer, _Trainer.id == TrainingSession.trainer_id)
        .where(TrainingSession.deleted_at.is_(None), Course.deleted_at.is_(None))
    )


def _filtered(stmt: AnySelect, when: When, course_id: uuid.UUID | None, now: datetime) -> AnySelect:
    # A session that has started but not ended is still "upcoming": it needs its roster.
    if when == "upcoming":
        stmt = stmt.where(TrainingSession.ends_at > now)
    elif when == "past":
        stmt = stmt.where(TrainingSession.ends_at <= now)
    if course_id is not None:
        stmt = stmt.where(TrainingSession.course_id == course_id)
    return stmt


def session_rows(
    session: Session,
    *,
    when: When,
    course_id: uuid.UUID | None,
    now: datetime,
    offset: int,
    limit: int,
    sort: str | None = None,
    descending: bool = False,
) -> Sequence[AnyRow]:
    """One page of sessions with their seat and attendance counts.

    Without `sort`, upcoming sessions come soonest first and past (or all) ones most recent
    first — the order a trainer reads them in.
    """
    stmt = _filtered(_session_select(), when, course_id, now)
    if sort is None:
        descending = when != "upcoming"
        sort = "date"
    column: Any = {
        "date": TrainingSession.starts_at,
        "course": Course.title,
        "trainer": _Trainer.full_name,
        "location": TrainingSession.location,
    }.get(sort, TrainingSession.starts_at)
    first = column.desc() if descending else column.asc()
    then = TrainingSession.starts_at.desc() if descending else TrainingSession.starts_at.asc()
    stmt = stmt.order_by(first, then, TrainingSession.id)
    return session.execute(stmt.offset(offset).limit(limit)).all()


def count_sessions(
    session: Session, *, when: When, course_id: uuid.UUID | None, now: datetime
) -> int:
    stmt = _filtered(
        select(func.count(TrainingSession.id))
        .join(Course, Course.id == TrainingSession.course_id)
        .where(TrainingSession.deleted_at.is_(None), Course.deleted_at.is_(None)),
        when,
        course_id,
        now,
    )
    return int(session.scalar(stmt) or 0)


def session_row(session: Session, session_id: uuid.UUID) -> AnyRow | None:
    return session.execute(_session_select().where(TrainingSession.id == session_id)).first()


# --- enrolments -------------------------------------------------------------------------


def seats_taken(session: Session, session_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.session_id == session_id,
                Enrolment.deleted_at.is_(None),
                Enrolment.status.in_(SEATED),
            )
        )
        or 0
    )


def enrolments_of_users(
    session: Session, session_id: uuid.UUID, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Enrolment]:
    """Existing enrolments (any status) of these people on the session, by user id."""
    if not user_ids:
        return {}
    rows = session.scalars(
        select(Enrolment).where(
            Enrolment.session_id == session_id,
            Enrolment.user_id.in_(list(user_ids)),
            Enrolment.deleted_at.is_(None),
        )
    )
    return {e.user_id: e for e in rows}


def live_enrolment(session: Session, enrolment_id: uuid.UUID) -> Enrolment | None:
    enrolment = session.get(Enrolment, enrolment_id)
    return enrolment if enrolment is not None and enrolment.deleted_at is None else None


def live_enrolments(session: Session, enrolment_ids: Collection[uuid.UUID]) -> Sequence[Enrolment]:
    if not enrolment_ids:
        return []
    return session.scalars(
        select(Enrolment).where(
            Enrolment.id.in_(list(enrolment_ids)), Enrolment.deleted_at.is_(None)
        )
    ).all()


def waitlist(session: Session, session_id: uuid.UUID, limit: int) -> Sequence[Enrolment]:
    """The first `limit` people on the waiting list, in the order they joined it.

    A waitlisted row changes only when its status changes, so `updated_at` is the moment the
    person joined the list (a re-enrolment after a cancellation joins at the back).
    """
    return session.scalars(
        select(Enrolment)
        .where(
            Enrolment.session_id == session_id,
            Enrolment.deleted_at.is_(None),
            Enrolment.status == EnrolmentStatus.WAITLISTED,
        )
        .order_by(Enrolment.updated_at, Enrolment.id)
        .limit(limit)
    ).all()


def active_users(session: Session, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, User]:
    if not user_ids:
        return {}
    rows = session.scalars(
        select(User).where(
            User.id.in_(list(user_ids)), User.deleted_at.is_(None), User.is_active.is_(True)
        )
    )
    return {u.id: u for u in rows}


def roster_rows(session: Session, session_id: uuid.UUID) -> Sequence[AnyRow]:
    """Everyone enrolled or waiting (not cancelled) with their latest attendance mark.

    Seated people first by name, then the waiting list in the order people joined it.
    """
    ranked = (
        select(
            AttendanceMark.enrolment_id,
            AttendanceMark.status,
            AttendanceMark.created_at,
            func.row_number()
            .over(
                partition_by=AttendanceMark.enrolment_id,
                order_by=(
                    AttendanceMark.created_at.desc(),
                    AttendanceMark.hlc.desc(),
                    AttendanceMark.id.desc(),
                ),
            )
            .label("rn"),
        )
        .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        .where(AttendanceMark.deleted_at.is_(None), Enrolment.session_id == session_id)
        .subquery()
    )
    waiting = Enrolment.status == EnrolmentStatus.WAITLISTED
    stmt = (
        select(
            Enrolment.id.label("enrolment_id"),
            Enrolment.user_id,
            User.full_name,
            Enrolment.status,
            ranked.c.status.label("attendance"),
            ranked.c.created_at.label("marked_at"),
        )
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(ranked, and_(ranked.c.enrolment_id == Enrolment.id, ranked.c.rn == 1))
        .where(
            Enrolment.session_id == session_id,
            Enrolment.deleted_at.is_(None),
            Enrolment.status != EnrolmentStatus.CANCELLED,
        )
        .order_by(
            case((waiting, 1), else_=0),
            case((waiting, Enrolment.updated_at), else_=None),
            User.full_name,
            Enrolment.id,
        )
    )
    return session.execute(stmt).all()


def add_mark(
    session: Session,
    enrolment_id: uuid.UUID,
    status: AttendanceStatus,
    marked_by: uuid.UUID | None,
) -> AttendanceMark:
    mark = AttendanceMark(enrolment_id=enrolment_id, status=status, marked_by=marked_by)
    session.add(mark)
    return mark


# --- certifications ---------------------------------------------------------------------


def certification_for(
    session: Session, user_id: uuid.UUID, course_id: uuid.UUID
) -> Certification | None:
    return session.scalars(
        select(Certification)
        .where(
            Certification.user_id == user_id,
            Certification.course_id == course_id,
            Certification.deleted_at.is_(None),
        )
        .order_by(Certification.issued_at.desc())
    ).first()


def certification_rows(session: Session, user_id: uuid.UUID | None) -> Sequence[AnyRow]:
    """Certifications with the person and the course, soonest to expire first."""
    stmt = (
        select(
            Certification.id,
            Certification.user_id,
            User.full_name,
            Certification.course_id,
            Course.code.label("course_code"),
            Course.title.label("course_title"),
            Certification.issued_at,
            Certification.expires_at,
        )
        .join(User, User.id == Certification.user_id)
        .join(Course, Course.id == Certification.course_id)
        .where(Certification.deleted_at.is_(None), Course.deleted_at.is_(None))
    )
    if user_id is not None:
        stmt = stmt.where(Certification.user_id == user_id)
    # Certifications that never expire go last on both backends.
    never = Certification.expires_at.is_(None)
    stmt = stmt.order_by(
        case((never, 1), else_=0), Certification.expires_at, User.full_name, Course.code
    )
    return session.execute(stmt).all()
