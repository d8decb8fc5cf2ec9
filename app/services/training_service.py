"""Training: courses, scheduled sessions, enrolment with a waiting list, attendance, certificates.

Attendance is append-only: every click on Present/Absent/Excused adds a mark and the newest
one counts, so two trainers marking the same person offline never conflict. A Present mark on
a course that certifies issues (or renews) the person's certification for that course.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.data.base import utcnow
from app.data.database import Session
from app.data.models.people import User
from app.data.models.training import Certification, Course, Enrolment, TrainingSession
from app.data.repos import people as people_repo
from app.data.repos import training as training_repo
from app.domain.enums import AttendanceStatus, EnrolmentStatus, Role
from app.domain.permissions import Permission
from app.errors import NotFoundError, ValidationError
from app.services.base import Area, Changes, Service

When = Literal["upcoming", "past", "all"]
WHEN_CHOICES: tuple[When, ...] = ("upcoming", "past", "all")

MAX_CAPACITY = 1000
MAX_DURATION_MINUTES = 7 * 24 * 60
MAX_CERTIFICATION_MONTHS = 120


@dataclass(frozen=True)
class CourseRow:
    id: uuid.UUID
    code: str
    title: str
    description: str
    duration_minutes: int
    #: Months a certification stays valid; 0 means the course does not certify.
    certification_months: int

    @property
    def label(self) -> str:
        return f"{self.code} – {self.title}"


@dataclass(frozen=True)
class SessionRow:
    id: uuid.UUID
    course_id: uuid.UUID
    course_code: str
    course_title: str
    trainer_id: uuid.UUID | None
    trainer_name: str
    starts_at: datetime
    ends_at: datetime
    location: str
    capacity: int
    enrolled: int
    waitlisted: int
    attended: int

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.enrolled)


@dataclass(frozen=True)
class RosterRow:
    enrolment_id: uuid.UUID
    user_id: uuid.UUID
    person_name: str
    status: EnrolmentStatus
    #: The newest attendance mark, or None when nobody has marked this person yet.
    attendance: AttendanceStatus | None
    marked_at: datetime | None


@dataclass(frozen=True)
class PersonOption:
    id: uuid.UUID
    full_name: str
    username: str


@dataclass(frozen=True)
class CertificationRow:
    id: uuid.UUID
    user_id: uuid.UUID
    person_name: str
    course_id: uuid.UUID
    course_code: str
    course_title: str
    issued_at: datetime
    expires_at: datetime | None

    def is_valid(self, now: datetime) -> bool:
        return self.issued_at <= now and (self.expires_at is None or self.expires_at > now)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the 31st becomes the last day of short months."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive time is ambiguous across desks in different time zones.
        raise ValidationError(f"The {what} needs a time zone.")


def _name(users: dict[uuid.UUID, User], user_id: uuid.UUID) -> str:
    user = users.get(user_id)
    return user.full_name if user is not None else "(disabled account)"


def _course_row(c: Course) -> CourseRow:
    return CourseRow(
        c.id, c.code, c.title, c.description, c.duration_minutes, c.certification_months
    )


def _session_row(r: Any) -> SessionRow:
    return SessionRow(
        r.id,
        r.course_id,
        r.course_code,
        r.course_title,
        r.trainer_id,
        r.trainer_name,
        r.starts_at,
        r.ends_at,
        r.location,
        r.capacity,
        int(r.enrolled or 0),
        int(r.waitlisted or 0),
        int(r.attended or 0),
    )


class TrainingService(Service):
    """Courses, sessions, enrolment and attendance, acting as the signed-in person."""

    # --- courses --------------------------------------------------------------------------

    def list_courses(self) -> list[CourseRow]:
        self._require(Permission.TRAINING_READ)
        with self._db.read_session() as session:
            return [_course_row(c) for c in training_repo.all_courses(session)]

    def create_course(
        self,
        code: str,
        title: str,
        description: str = "",
        duration_minutes: int = 60,
        certification_months: int = 0,
    ) -> tuple[uuid.UUID, Changes]:
        """Add a course.

        Args:
            code: short unique code people recognise (e.g. ``NET-101``).
            title: the course name.
            description: what the course covers.
            duration_minutes: usual length; new sessions default to it.
            certification_months: months a certification stays valid; 0 = no certification.

        Raises:
            ValidationError: empty code or title, bad numbers, or the code is taken.
        """
        self._require(Permission.TRAINING_MANAGE)
        code, title = code.strip(), title.strip()
        if not code or not title:
            raise ValidationError("Enter a course code and a title.")
        if len(code) > 32:
            raise ValidationError("Keep the course code to 32 characters or fewer.")
        if len(title) > 200:
            raise ValidationError("Keep the course title to 200 characters or fewer.")
        if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
            raise ValidationError("The duration must be between 1 minute and 7 days.")
        if not 0 <= certification_months <= MAX_CERTIFICATION_MONTHS:
            raise ValidationError(
                f"Certification months must be between 0 and {MAX_CERTIFICATION_MONTHS}."
            )
        with self._unit_of_work() as session:
            if training_repo.course_with_code(session, code) is not None:
                raise ValidationError(f"There is already a course with the code '{code}'.")
            course = Course(
                code=code,
                title=title,
                description=description.strip(),
                duration_minutes=duration_minutes,
                certification_months=certification_months,
            )
            session.add(course)
            session.flush()
            self._audit(
                session,
                "course.create",
                entity="course",
                entity_id=course.id,
                summary=f"{code} {title}",
            )
            return course.id, Changes.of(Area.TRAINING, ids=(course.id,))

    # --- people ---------------------------------------------------------------------------

    def trainers(self) -> list[PersonOption]:
        """Active people with the trainer role, by name."""
        self._require(Permission.TRAINING_READ)
        with self._db.read_session() as session:
            return [
                PersonOption(u.id, u.full_name, u.username)
                for u in people_repo.users_with_role(session, Role.TRAINER)
            ]

    def people(self) -> list[PersonOption]:
        """Active people who can be enrolled, by name."""
        self._require(Permission.TRAINING_READ)
        with self._db.read_session() as session:
            return [
                PersonOption(u.id, u.full_name, u.username)
                for u in people_repo.all_users(session, active_only=True)
            ]

    # --- sessions -------------------------------------------------------------------------

    def sessions_page(
        self,
        when: When = "upcoming",
        course_id: uuid.UUID | None = None,
        offset: int = 0,
        limit: int = 100,
        now: datetime | None = None,
        *,
        sort: str | None = None,
        descending: bool = False,
    ) -> list[SessionRow]:
        """One page of sessions with seat and attendance counts.

        Args:
            when: "upcoming" (not yet ended, soonest first), "past" (ended, most recent
                first) or "all" (most recent first).
            course_id: only this course's sessions, or every course.
            offset: rows to skip.
            limit: rows to return at most.
            now: the moment that separates upcoming from past (default: now).
            sort: one of ``training_repo.SESSION_SORT_KEYS`` to override the order.
            descending: with `sort`, largest first.
        """
        self._require(Permission.TRAINING_READ)
        if when not in WHEN_CHOICES:
            raise ValidationError(f"Unknown choice of sessions '{when}'.")
        with self._db.read_session() as session:
            rows = training_repo.session_rows(
                session,
                when=when,
                course_id=course_id,
                now=now or utcnow(),
                offset=max(0, offset),
                limit=max(0, limit),
                sort=sort if sort in training_repo.SESSION_SORT_KEYS else None,
                descending=descending,
            )
            return [_session_row(r) for r in rows]

    def sessions_count(
        self,
        when: When = "upcoming",
        course_id: uuid.UUID | None = None,
        now: datetime | None = None,
    ) -> int:
        self._require(Permission.TRAINING_READ)
        if when not in WHEN_CHOICES:
            raise ValidationError(f"Unknown choice of sessions '{when}'.")
        with self._db.read_session() as session:
            return training_repo.count_sessions(
                session, when=when, course_id=course_id, now=now or utcnow()
            )

    def session(self, session_id: uuid.UUID) -> SessionRow:
        self._require(Permission.TRAINING_READ)
        with self._db.read_session() as session:
            row = training_repo.session_row(session, session_id)
            if row is None:
                raise NotFoundError("That training session no longer exists.")
            return _session_row(row)

    def create_session(
        self,
        course_id: uuid.UUID,
        trainer_id: uuid.UUID | None,
        starts_at: datetime,
        ends_at: datetime,
        location: str = "",
        capacity: int = 12,
    ) -> tuple[uuid.UUID, Changes]:
        """Schedule a session of a course.

        Raises:
            ValidationError: times without a time zone, an end not after the start, a
                capacity below 1, or a trainer who is not an active trainer.
            NotFoundError: the course no longer exists.
        """
        self._require(Permission.TRAINING_MANAGE)
        _require_aware(starts_at, "start time")
        _require_aware(ends_at, "end time")
        if ends_at <= starts_at:
            raise ValidationError("The session must end after it starts.")
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ValidationError(f"The number of seats must be between 1 and {MAX_CAPACITY}.")
        location = location.strip()
        if len(location) > 200:
            raise ValidationError("Keep the location to 200 characters or fewer.")
        with self._unit_of_work() as session:
            course = training_repo.live_course(session, course_id)
            if course is None:
                raise NotFoundError("That course no longer exists.")
            trainer_name = ""
            if trainer_id is not None:
                trainers = {u.id: u for u in people_repo.users_with_role(session, Role.TRAINER)}
                if trainer_id not in trainers:
                    raise ValidationError("Choose an active person with the trainer role.")
                trainer_name = trainers[trainer_id].full_name
            item = TrainingSession(
                course_id=course_id,
                trainer_id=trainer_id,
                starts_at=starts_at,
                ends_at=ends_at,
                location=location,
                capacity=capacity,
            )
            session.add(item)
            session.flush()
            self._audit(
                session,
                "training_session.create",
                entity="training_session",
                entity_id=item.id,
                summary=f"{course.code} on {starts_at.isoformat(timespec='minutes')}"
                + (f" with {trainer_name}" if trainer_name else ""),
            )
            return item.id, Changes.of(Area.TRAINING, ids=(item.id,))

    # --- enrolment ------------------------------------------------------------------------

    def enrol(self, session_id: uuid.UUID, user_ids: Iterable[uuid.UUID]) -> Changes:
        """Enrol people; once the seats are taken, the rest go on the waiting list.

        People already enrolled or waiting stay as they are (not an error); people who had
        cancelled are enrolled again.

        Raises:
            NotFoundError: the session no longer exists.
            ValidationError: someone is unknown or disabled.
        """
        self._require(Permission.TRAINING_MANAGE)
        wanted = list(dict.fromkeys(user_ids))  # keep the order people were picked in
        with self._unit_of_work() as session:
            item = training_repo.live_session(session, session_id, for_update=True)
            if item is None:
                raise NotFoundError("That training session no longer exists.")
            users = training_repo.active_users(session, wanted)
            if missing := [u for u in wanted if u not in users]:
                raise ValidationError(
                    f"{len(missing)} of the chosen people no longer exist or are disabled."
                )
            existing = training_repo.enrolments_of_users(session, session_id, wanted)
            free = item.capacity - training_repo.seats_taken(session, session_id)
            enrolled: list[str] = []
            waiting: list[str] = []
            changed: list[uuid.UUID] = []
            for user_id in wanted:
                enrolment = existing.get(user_id)
                if enrolment is not None and enrolment.status != EnrolmentStatus.CANCELLED:
                    continue
                status = EnrolmentStatus.ENROLLED if free > 0 else EnrolmentStatus.WAITLISTED
                if status == EnrolmentStatus.ENROLLED:
                    free -= 1
                    enrolled.append(users[user_id].full_name)
                else:
                    waiting.append(users[user_id].full_name)
                if enrolment is None:
                    # The (session, user) pair is unique, so a comeback reuses the old row.
                    enrolment = Enrolment(session_id=session_id, user_id=user_id, status=status)
                    session.add(enrolment)
                    session.flush()
                else:
                    enrolment.status = status
                changed.append(enrolment.id)
            if changed:
                parts = []
                if enrolled:
                    parts.append("enrolled " + ", ".join(enrolled))
                if waiting:
                    parts.append("waiting list " + ", ".join(waiting))
                self._audit(
                    session,
                    "enrolment.add",
                    entity="training_session",
                    entity_id=session_id,
                    summary="; ".join(parts)[:500],
                )
        return Changes.of(Area.TRAINING, ids=(session_id, *changed))

    def cancel_enrolment(self, enrolment_id: uuid.UUID) -> Changes:
        """Cancel an enrolment; a freed seat goes to the first person on the waiting list."""
        self._require(Permission.TRAINING_MANAGE)
        with self._unit_of_work() as session:
            enrolment = training_repo.live_enrolment(session, enrolment_id)
            if enrolment is None:
                raise NotFoundError("That enrolment no longer exists.")
            item = training_repo.live_session(session, enrolment.session_id, for_update=True)
            if item is None:
                raise NotFoundError("That training session no longer exists.")
            if enrolment.status == EnrolmentStatus.CANCELLED:
                return Changes.of(Area.TRAINING, ids=(item.id, enrolment_id))
            enrolment.status = EnrolmentStatus.CANCELLED
            session.flush()
            changed = [item.id, enrolment_id]
            free = item.capacity - training_repo.seats_taken(session, item.id)
            promoted = training_repo.waitlist(session, item.id, max(0, free))
            for waiting in promoted:
                waiting.status = EnrolmentStatus.ENROLLED
                changed.append(waiting.id)
            users = training_repo.active_users(
                session, [enrolment.user_id, *(w.user_id for w in promoted)]
            )
            name = users[enrolment.user_id].full_name if enrolment.user_id in users else "?"
            summary = f"Cancelled {name}"
            if promoted:
                summary += "; from the waiting list: " + ", ".join(
                    users[w.user_id].full_name for w in promoted if w.user_id in users
                )
            self._audit(
                session,
                "enrolment.cancel",
                entity="enrolment",
                entity_id=enrolment_id,
                summary=summary[:500],
            )
        return Changes.of(Area.TRAINING, ids=tuple(changed))

    def roster(self, session_id: uuid.UUID) -> list[RosterRow]:
        """Who is enrolled or waiting, each with their latest attendance mark."""
        self._require(Permission.TRAINING_READ)
        with self._db.read_session() as session:
            return [
                RosterRow(
                    r.enrolment_id,
                    r.user_id,
                    r.full_name,
                    r.status,
                    r.attendance,
                    r.marked_at,
                )
                for r in training_repo.roster_rows(session, session_id)
            ]

    # --- attendance -----------------------------------------------------------------------

    def mark_attendance(
        self, enrolment_id: uuid.UUID, status: AttendanceStatus, *, now: datetime | None = None
    ) -> Changes:
        """Mark one person's attendance (see `mark_attendance_many`)."""
        return self.mark_attendance_many([enrolment_id], status, now=now)

    def mark_attendance_many(
        self,
        enrolment_ids: Sequence[uuid.UUID],
        status: AttendanceStatus,
        *,
        now: datetime | None = None,
    ) -> Changes:
        """Add an attendance mark for each enrolment, in one unit of work.

        Present on a course that certifies issues the certification, or renews it, from
        `now` for the course's number of months.

        Raises:
            NotFoundError: an enrolment no longer exists.
            ValidationError: someone is on the waiting list or cancelled (they had no seat).
        """
        self._require(Permission.TRAINING_ATTENDANCE)
        at = now or utcnow()
        _require_aware(at, "time of the mark")
        wanted = list(dict.fromkeys(enrolment_ids))
        if not wanted:
            return Changes.of(Area.TRAINING)
        with self._unit_of_work() as session:
            enrolments = {e.id: e for e in training_repo.live_enrolments(session, wanted)}
            if len(enrolments) != len(wanted):
                raise NotFoundError("Someone's enrolment no longer exists; refresh the list.")
            unseated = [e for e in enrolments.values() if e.status not in training_repo.SEATED]
            if unseated:
                raise ValidationError(
                    "Only people with a seat can be marked; someone chosen is on the waiting "
                    "list or cancelled."
                )
            users = training_repo.active_users(session, [e.user_id for e in enrolments.values()])
            changed: list[uuid.UUID] = []
            certified: list[str] = []
            courses: dict[uuid.UUID, Course | None] = {}
            for enrolment_id in wanted:
                enrolment = enrolments[enrolment_id]
                mark = training_repo.add_mark(session, enrolment.id, status, self._actor.user_id)
                session.flush()
                changed += [enrolment.id, mark.id]
                if status != AttendanceStatus.PRESENT:
                    continue
                item = training_repo.live_session(session, enrolment.session_id)
                if item is None:
                    continue
                if item.course_id not in courses:
                    courses[item.course_id] = training_repo.live_course(session, item.course_id)
                course = courses[item.course_id]
                if course is None or course.certification_months <= 0:
                    continue
                cert = self._certify(session, enrolment.user_id, course, at)
                changed.append(cert.id)
                certified.append(_name(users, enrolment.user_id))
            names = ", ".join(_name(users, e.user_id) for e in enrolments.values())
            summary = f"{status.label}: {names}"
            if certified:
                summary += f"; certified {', '.join(certified)}"
            self._audit(
                session,
                "attendance.mark",
                entity="training_session",
                entity_id=next(iter(enrolments.values())).session_id,
                summary=summary[:500],
            )
        return Changes.of(Area.TRAINING, ids=tuple(changed))

    def _certify(
        self, session: Session, user_id: uuid.UUID, course: Course, at: datetime
    ) -> Certification:
        expires = add_months(at, course.certification_months)
        cert = training_repo.certification_for(session, user_id, course.id)
        if cert is None:
            cert = Certification(
                user_id=user_id, course_id=course.id, issued_at=at, expires_at=expires
            )
            session.add(cert)
        elif cert.expires_at is None or cert.expires_at < expires:
            # A renewal: the newer attendance extends the certification, never shortens it.
            cert.issued_at = at
            cert.expires_at = expires
        session.flush()
        return cert

    def certifications(self, user_id: uuid.UUID | None = None) -> list[CertificationRow]:
        """Certifications of one person, or of everyone, soonest to expire first."""
        self._require(Permission.TRAINING_READ)
        with self._db.read_session() as session:
            return [
                CertificationRow(
                    r.id,
                    r.user_id,
                    r.full_name,
                    r.course_id,
                    r.course_code,
                    r.course_title,
                    r.issued_at,
                    r.expires_at,
                )
                for r in training_repo.certification_rows(session, user_id)
            ]
