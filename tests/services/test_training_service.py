"""The training service on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.data.models.people import User
from app.data.repos import people as people_repo
from app.domain.enums import AttendanceStatus, EnrolmentStatus, Role
from app.domain.permissions import PermissionDeniedError
from app.errors import NotFoundError, ValidationError
from app.services.base import Area
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.training_service import add_months

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def add_people(services: Services, *names: str, role: Role = Role.TECHNICIAN) -> list[uuid.UUID]:
    """People who never sign in in these tests: no password hashing (argon2 is slow)."""
    ids = []
    with services.db.session() as s:
        for name in names:
            user = User(username=name.lower().replace(" ", "."), full_name=name, password_hash="!")
            s.add(user)
            s.flush()
            people_repo.set_roles(s, user.id, frozenset({role}))
            ids.append(user.id)
    return ids


def add_course(services: Services, code: str = "NET-101", months: int = 0) -> uuid.UUID:
    course_id, _ = services.training.create_course(
        code, f"Course {code}", "What it covers", 90, months
    )
    return course_id


def add_session(
    services: Services,
    course_id: uuid.UUID,
    starts_in: timedelta = timedelta(days=3),
    capacity: int = 12,
    now: datetime = NOW,
) -> uuid.UUID:
    start = now + starts_in
    session_id, _ = services.training.create_session(
        course_id, None, start, start + timedelta(hours=2), "Room 4", capacity
    )
    return session_id


def test_create_course_and_list_it(any_services: Services) -> None:
    course_id, changes = any_services.training.create_course(
        " NET-101 ", "Networking basics", "Cables and routers", 120, 12
    )
    assert changes.touches(Area.TRAINING)
    assert course_id in changes.ids
    [course] = any_services.training.list_courses()
    assert (course.id, course.code, course.title) == (course_id, "NET-101", "Networking basics")
    assert (course.duration_minutes, course.certification_months) == (120, 12)
    assert any_services.people.audit_page(0, 1)[0].action == "course.create"


def test_duplicate_course_code_is_refused(any_services: Services) -> None:
    add_course(any_services, "NET-101")
    with pytest.raises(ValidationError, match="already a course"):
        any_services.training.create_course("net-101", "Another", "", 60, 0)
    with pytest.raises(ValidationError):
        any_services.training.create_course("", "No code", "", 60, 0)
    with pytest.raises(ValidationError):
        any_services.training.create_course("X-1", "Zero length", "", 0, 0)
    assert len(any_services.training.list_courses()) == 1


def test_create_session_validates_times_and_capacity(any_services: Services) -> None:
    training = any_services.training
    course_id = add_course(any_services)
    [trainer] = add_people(any_services, "Tom Trainer", role=Role.TRAINER)
    [tech] = add_people(any_services, "Tia Tech")
    start = NOW + timedelta(days=1)
    with pytest.raises(ValidationError, match="end after it starts"):
        training.create_session(course_id, trainer, start, start, "Room", 10)
    with pytest.raises(ValidationError, match="seats"):
        training.create_session(course_id, trainer, start, start + timedelta(hours=1), "", 0)
    with pytest.raises(ValidationError, match="time zone"):
        training.create_session(
            course_id, trainer, start.replace(tzinfo=None), start + timedelta(hours=1), "", 5
        )
    with pytest.raises(ValidationError, match="trainer"):
        training.create_session(course_id, tech, start, start + timedelta(hours=1), "", 5)
    with pytest.raises(NotFoundError):
        training.create_session(uuid.uuid4(), trainer, start, start + timedelta(hours=1), "", 5)

    session_id, changes = training.create_session(
        course_id, trainer, start, start + timedelta(hours=2), " Room 4 ", 10
    )
    assert session_id in changes.ids
    row = training.session(session_id)
    assert (row.course_code, row.trainer_name, row.location) == ("NET-101", "Tom Trainer", "Room 4")
    assert row.starts_at == start
    assert row.ends_at == start + timedelta(hours=2)
    assert (row.capacity, row.enrolled, row.waitlisted, row.attended) == (10, 0, 0, 0)
    assert [t.full_name for t in training.trainers()] == ["Tom Trainer"]
    assert {"Tom Trainer", "Tia Tech", "Ada Admin"} <= {p.full_name for p in training.people()}


def test_capacity_waitlist_and_promotion(any_services: Services) -> None:
    training = any_services.training
    session_id = add_session(any_services, add_course(any_services), capacity=2)
    ann, bob, cat, dan = add_people(any_services, "Ann", "Bob", "Cat", "Dan")

    changes = training.enrol(session_id, [ann, bob, cat])
    assert changes.touches(Area.TRAINING)
    statuses = {r.person_name: r.status for r in training.roster(session_id)}
    assert statuses == {
        "Ann": EnrolmentStatus.ENROLLED,
        "Bob": EnrolmentStatus.ENROLLED,
        "Cat": EnrolmentStatus.WAITLISTED,
    }
    training.enrol(session_id, [dan])
    # Re-enrolling people who are already there changes nothing and is not an error.
    training.enrol(session_id, [ann, cat])
    row = training.session(session_id)
    assert (row.enrolled, row.waitlisted) == (2, 2)
    assert [r.person_name for r in training.roster(session_id)] == ["Ann", "Bob", "Cat", "Dan"]

    ann_enrolment = next(r for r in training.roster(session_id) if r.user_id == ann)
    training.cancel_enrolment(ann_enrolment.enrolment_id)
    statuses = {r.person_name: r.status for r in training.roster(session_id)}
    # Cat joined the waiting list before Dan, so Cat takes the freed seat.
    assert statuses == {
        "Bob": EnrolmentStatus.ENROLLED,
        "Cat": EnrolmentStatus.ENROLLED,
        "Dan": EnrolmentStatus.WAITLISTED,
    }
    # Ann comes back: the seats are full, so she joins the back of the waiting list.
    training.enrol(session_id, [ann])
    roster = training.roster(session_id)
    assert [(r.person_name, r.status) for r in roster[2:]] == [
        ("Dan", EnrolmentStatus.WAITLISTED),
        ("Ann", EnrolmentStatus.WAITLISTED),
    ]
    assert any_services.people.audit_page(0, 1)[0].action == "enrolment.add"


def test_roster_shows_latest_mark(any_services: Services) -> None:
    training = any_services.training
    session_id = add_session(any_services, add_course(any_services))
    ann, bob = add_people(any_services, "Ann", "Bob")
    training.enrol(session_id, [ann, bob])
    roster = {r.person_name: r for r in training.roster(session_id)}
    assert roster["Ann"].attendance is None
    assert roster["Ann"].marked_at is None

    training.mark_attendance(roster["Ann"].enrolment_id, AttendanceStatus.ABSENT)
    training.mark_attendance(roster["Ann"].enrolment_id, AttendanceStatus.PRESENT)
    changes = training.mark_attendance_many(
        [roster["Bob"].enrolment_id, roster["Ann"].enrolment_id], AttendanceStatus.EXCUSED
    )
    assert roster["Bob"].enrolment_id in changes.ids
    training.mark_attendance(roster["Bob"].enrolment_id, AttendanceStatus.PRESENT)

    after = {r.person_name: r for r in training.roster(session_id)}
    assert after["Ann"].attendance == AttendanceStatus.EXCUSED
    assert after["Bob"].attendance == AttendanceStatus.PRESENT
    assert after["Bob"].marked_at is not None
    assert after["Bob"].marked_at >= after["Ann"].marked_at  # type: ignore[operator]
    assert len(after) == 2  # marks are history, not extra roster rows
    assert training.session(session_id).attended == 1
    assert any_services.people.audit_page(0, 1)[0].action == "attendance.mark"


def test_waitlisted_people_cannot_be_marked(any_services: Services) -> None:
    training = any_services.training
    session_id = add_session(any_services, add_course(any_services), capacity=1)
    ann, bob = add_people(any_services, "Ann", "Bob")
    training.enrol(session_id, [ann, bob])
    waiting = next(r for r in training.roster(session_id) if r.user_id == bob)
    with pytest.raises(ValidationError, match="waiting list"):
        training.mark_attendance(waiting.enrolment_id, AttendanceStatus.PRESENT)
    assert training.roster(session_id)[1].attendance is None


def test_present_issues_and_renews_certification(any_services: Services) -> None:
    training = any_services.training
    certifying = add_course(any_services, "SAFE-1", months=12)
    plain = add_course(any_services, "INTRO", months=0)
    [ann] = add_people(any_services, "Ann")
    first = add_session(any_services, certifying)
    other = add_session(any_services, plain)
    training.enrol(first, [ann])
    training.enrol(other, [ann])
    [on_first] = training.roster(first)
    [on_other] = training.roster(other)

    training.mark_attendance(on_other.enrolment_id, AttendanceStatus.PRESENT, now=NOW)
    training.mark_attendance(on_first.enrolment_id, AttendanceStatus.ABSENT, now=NOW)
    assert training.certifications(ann) == []

    training.mark_attendance(on_first.enrolment_id, AttendanceStatus.PRESENT, now=NOW)
    [cert] = training.certifications(ann)
    assert (cert.course_code, cert.person_name) == ("SAFE-1", "Ann")
    assert cert.issued_at == NOW
    assert cert.expires_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert cert.is_valid(NOW + timedelta(days=300))
    assert not cert.is_valid(NOW + timedelta(days=400))

    # A later session of the same course renews the one certification.
    later = NOW + timedelta(days=200)
    second = add_session(any_services, certifying, now=later)
    training.enrol(second, [ann])
    [on_second] = training.roster(second)
    training.mark_attendance(on_second.enrolment_id, AttendanceStatus.PRESENT, now=later)
    [renewed] = training.certifications()
    assert renewed.id == cert.id
    assert renewed.expires_at == add_months(later, 12)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(datetime(2025, 1, 31, tzinfo=UTC), 1) == datetime(2025, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2024, 11, 30, tzinfo=UTC), 3) == datetime(2025, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2024, 5, 15, tzinfo=UTC), 24) == datetime(2026, 5, 15, tzinfo=UTC)


def test_upcoming_and_past_paging_order(any_services: Services) -> None:
    training = any_services.training
    course = add_course(any_services, "A-1")
    other_course = add_course(any_services, "B-1")
    upcoming = [add_session(any_services, course, timedelta(days=d)) for d in (5, 1, 3)]
    past = [add_session(any_services, course, timedelta(days=-d)) for d in (10, 2, 6)]
    add_session(any_services, other_course, timedelta(days=2))

    def ids(when: str, offset: int, limit: int, course_id: uuid.UUID | None = course) -> list:
        return [
            r.id
            for r in training.sessions_page(when, course_id, offset, limit, now=NOW)  # type: ignore[arg-type]
        ]

    soonest_first = [upcoming[1], upcoming[2], upcoming[0]]
    assert ids("upcoming", 0, 2) + ids("upcoming", 2, 2) == soonest_first
    most_recent_first = [past[1], past[2], past[0]]
    assert ids("past", 0, 2) + ids("past", 2, 2) == most_recent_first
    assert training.sessions_count("upcoming", course, now=NOW) == 3
    assert training.sessions_count("upcoming", None, now=NOW) == 4
    assert training.sessions_count("past", course, now=NOW) == 3
    assert training.sessions_count("all", None, now=NOW) == 7
    assert len(ids("all", 0, 100, None)) == 7
    by_course = training.sessions_page("all", None, 0, 100, now=NOW, sort="course")
    assert [r.course_code for r in by_course][:6] == ["A-1"] * 6


def test_technician_may_read_but_not_manage(any_services: Services) -> None:
    user_id, _ = any_services.people.create_person(
        username="tina",
        full_name="Tina Tech",
        email="",
        password="tech password 1",
        roles=frozenset({Role.TECHNICIAN}),
    )
    course_id = add_course(any_services)
    session_id = add_session(any_services, course_id)
    any_services.training.enrol(session_id, [user_id])
    [enrolment] = any_services.training.roster(session_id)

    tech = Services(any_services.db, AuthService(any_services.db).principal_for("tina")).training
    assert [c.code for c in tech.list_courses()] == ["NET-101"]
    assert len(tech.roster(session_id)) == 1
    with pytest.raises(PermissionDeniedError):
        tech.create_course("X-1", "Sneaky", "", 60, 0)
    with pytest.raises(PermissionDeniedError):
        tech.create_session(course_id, None, NOW, NOW + timedelta(hours=1), "", 4)
    with pytest.raises(PermissionDeniedError):
        tech.enrol(session_id, [user_id])
    with pytest.raises(PermissionDeniedError):
        tech.cancel_enrolment(enrolment.enrolment_id)
    with pytest.raises(PermissionDeniedError):
        tech.mark_attendance(enrolment.enrolment_id, AttendanceStatus.PRESENT)
    assert any_services.training.roster(session_id)[0].attendance is None
