"""KPI series on SQLite and PostgreSQL, from tickets with hand-picked times."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from app.data.models.knowledge import Article, ArticleFeedback
from app.data.models.people import User
from app.data.models.tickets import SatisfactionRating, Ticket
from app.data.models.training import (
    AttendanceMark,
    Certification,
    Course,
    Enrolment,
    TrainingSession,
)
from app.domain.enums import AttendanceStatus, TicketStatus
from app.domain.permissions import PermissionDeniedError
from app.services.base import Principal
from app.services.kpi_service import KpiService
from app.services.registry import Services

START, END = date(2024, 1, 1), date(2024, 1, 28)  # Monday .. Sunday: four whole weeks
W1, W2, W3, W4 = date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15), date(2024, 1, 22)


def at(day: int, hour: int = 9, minute: int = 0, month: int = 1, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _ticket(n: int, opened: datetime, status: TicketStatus, **kw: object) -> Ticket:
    return Ticket(number=f"T-{n}", subject=f"Ticket {n}", opened_at=opened, status=status, **kw)


@pytest.fixture
def kpi_data(any_services: Services) -> Services:
    """Eight tickets around January 2024, ratings, articles and a training session."""
    r, o, new = TicketStatus.RESOLVED, TicketStatus.OPEN, TicketStatus.NEW
    tickets = {
        "A": _ticket(1, at(2), r, resolved_at=at(3), first_responded_at=at(2, 11),
                     first_response_minutes=60, resolution_minutes=600,
                     first_response_due_at=at(2, 12), resolution_due_at=at(4)),
        "B": _ticket(2, at(3), r, resolved_at=at(10), first_responded_at=at(3, 12),
                     first_response_minutes=120, resolution_minutes=1200,
                     first_response_due_at=at(3, 10), resolution_due_at=at(5)),
        "C": _ticket(3, at(9), o, first_responded_at=at(9, 10), first_response_minutes=30,
                     first_response_due_at=at(9, 11), resolution_due_at=at(11)),
        "D": _ticket(4, at(20, month=12, year=2023), r, resolved_at=at(16),
                     resolution_minutes=3000),
        "E": _ticket(5, at(15, month=12, year=2023), TicketStatus.CLOSED,
                     resolved_at=at(20, month=12, year=2023), resolution_minutes=100),
        # The last minutes of Sunday still belong to the week that started on Monday the 1st.
        "F": _ticket(6, at(7, 23, 30), new),
        "G": _ticket(7, at(2), o, deleted_at=at(3)),  # tombstoned: never counted
        "H": _ticket(8, at(10), r, resolved_at=at(10, 12), first_responded_at=at(10, 10, 30),
                     first_response_minutes=90, resolution_minutes=300,
                     first_response_due_at=at(10, 11), resolution_due_at=at(11)),
    }  # fmt: skip
    db = any_services.db
    with db.session() as s:
        s.add_all(tickets.values())
        s.flush()
        for key, score, day in (("A", 5, 4), ("B", 2, 11), ("H", 4, 11)):
            s.add(SatisfactionRating(ticket_id=tickets[key].id, score=score, rated_at=at(day)))
        a1, a2 = Article(title="VPN", view_count=10), Article(title="Printer", view_count=5)
        s.add_all([a1, a2])
        s.flush()
        for helpful in (True, True, True, False):
            s.add(ArticleFeedback(article_id=a1.id, helpful=helpful))
        course = Course(code="SAFE", title="Safety", certification_months=12)
        users = [User(username=f"u{i}", full_name=f"U {i}", password_hash="x") for i in range(3)]
        s.add_all([course, *users])
        s.flush()
        session = TrainingSession(course_id=course.id, starts_at=at(5), ends_at=at(5, 12))
        s.add(session)
        s.flush()
        enrolments = [Enrolment(session_id=session.id, user_id=u.id) for u in users]
        s.add_all(enrolments)
        s.flush()
        marks = [
            (0, AttendanceStatus.ABSENT, at(5, 10)),
            (0, AttendanceStatus.PRESENT, at(5, 11)),  # corrected: the latest mark counts
            (1, AttendanceStatus.ABSENT, at(5, 10)),
            (2, AttendanceStatus.EXCUSED, at(5, 10)),
        ]
        for i, status, when in marks:
            s.add(AttendanceMark(enrolment_id=enrolments[i].id, status=status, created_at=when))
        s.add(Certification(user_id=users[0].id, course_id=course.id, issued_at=at(5)))
        s.add(
            Certification(
                user_id=users[1].id,
                course_id=course.id,
                issued_at=at(5, year=2022),
                expires_at=at(5, year=2023),
            )
        )
    return any_services


def test_opened_and_resolved_per_week(kpi_data: Services) -> None:
    series = kpi_data.kpis.opened_resolved(START, END)
    assert [(p.week, p.opened, p.resolved) for p in series.points] == [
        (W1, 3, 1),
        (W2, 2, 2),
        (W3, 0, 1),
        (W4, 0, 0),  # a week without data is still a point
    ]
    assert series.has_data


def test_backlog_at_end_of_each_week(kpi_data: Services) -> None:
    series = kpi_data.kpis.backlog(START, END)
    # D was open before the range; then B and F join, C joins, B leaves, D leaves.
    assert [(p.week, p.open_tickets) for p in series.points] == [
        (W1, 3),
        (W2, 3),
        (W3, 2),
        (W4, 2),
    ]


def test_median_response_and_resolution_hours(kpi_data: Services) -> None:
    points = kpi_data.kpis.response_times(START, END).points
    assert [p.first_response_hours for p in points] == [1.5, 1.0, None, None]
    assert [p.resolution_hours for p in points] == [10.0, 12.5, 50.0, None]
    assert [p.resolution_count for p in points] == [1, 2, 1, 0]


def test_sla_compliance_percent(kpi_data: Services) -> None:
    points = kpi_data.kpis.sla_compliance(START, END).points
    assert [p.resolution_percent for p in points] == [100.0, 50.0, None, None]
    assert [(p.resolution_met, p.resolution_total) for p in points] == [
        (1, 1),
        (1, 2),
        (0, 0),  # D had no target, so it is not measured
        (0, 0),
    ]
    assert [p.first_response_percent for p in points] == [50.0, 100.0, None, None]


def test_satisfaction_per_week(kpi_data: Services) -> None:
    points = kpi_data.kpis.satisfaction(START, END).points
    assert [(p.average, p.count) for p in points] == [(5.0, 1), (3.0, 2), (None, 0), (None, 0)]


def test_summary_tiles(kpi_data: Services) -> None:
    summary = kpi_data.kpis.summary(at(12, 12))
    assert summary.open_now == 2  # C and F
    assert summary.breached_now == 1  # C is past its resolution target
    assert summary.resolved_last_7_days == 2  # B and H
    assert summary.csat_average_30_days == pytest.approx(11 / 3)
    assert summary.csat_count_30_days == 3
    assert summary.article_views == 15
    assert summary.article_helpful_percent == 75.0
    assert summary.attendance_percent == 50.0  # excused does not count against it
    assert summary.valid_certifications == 1


def test_partial_dates_widen_to_whole_weeks(kpi_data: Services) -> None:
    # Wednesday 3rd to Tuesday 9th still covers the whole of both weeks.
    series = kpi_data.kpis.opened_resolved(date(2024, 1, 3), date(2024, 1, 9))
    assert [(p.week, p.opened) for p in series.points] == [(W1, 3), (W2, 2)]


def test_empty_database_gives_empty_weeks(any_services: Services) -> None:
    kpis = any_services.kpis
    assert [p.week for p in kpis.opened_resolved(START, END).points] == [W1, W2, W3, W4]
    assert not kpis.opened_resolved(START, END).has_data
    assert not kpis.backlog(START, END).has_data
    assert not kpis.response_times(START, END).has_data
    assert not kpis.sla_compliance(START, END).has_data
    assert not kpis.satisfaction(START, END).has_data
    summary = kpis.summary(at(12))
    assert summary.open_now == 0
    assert summary.csat_average_30_days is None
    assert summary.attendance_percent is None


def test_kpis_need_permission(services: Services) -> None:
    nobody = Principal(uuid.uuid4(), "nobody", "No Body", frozenset())
    with pytest.raises(PermissionDeniedError):
        KpiService(services.db, nobody).opened_resolved(START, END)
    with pytest.raises(PermissionDeniedError):
        KpiService(services.db, nobody).summary(at(12))
