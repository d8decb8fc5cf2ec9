"""KPI aggregates, computed in SQL and grouped by week.

Weeks start on Monday and are cut in UTC (timestamps are stored in UTC; a per-site time zone
would move at most a few hours of tickets across a week boundary). Every function takes a
half-open range ``[since, until)`` of whole weeks and returns one value per week that has data;
the service fills the empty weeks.

Medians: PostgreSQL has ``percentile_cont``. SQLite has no median aggregate (its percentile
extension is a compile-time option that Python's bundled SQLite does not enable), so for SQLite
we fetch only the one integer column, grouped and ordered by week, and take the median in
Python. That is one small integer per resolved ticket of the range, which is cheaper and much
simpler than a window-function median (``row_number``/``count`` over a partition, then
averaging the middle one or two rows) and gives exactly the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from app.data.models.knowledge import Article, ArticleFeedback
from app.data.models.tickets import SatisfactionRating, Ticket
from app.data.models.training import (
    AttendanceMark,
    Certification,
    Enrolment,
    TrainingSession,
)
from app.domain.enums import AttendanceStatus, EnrolmentStatus, TicketStatus

_ACTIVE = [s for s in TicketStatus if s.is_active]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def week_of(session: Session, column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> Any:
    """SQL expression: the Monday (a date) of the UTC week containing `column`."""
    if _dialect(session) == "postgresql":
        # timezone('UTC', timestamptz) gives the UTC wall time, so the session time zone of
        # the server cannot move a ticket into another week.
        return cast(
            func.date_trunc(
                literal_column("'week'"), func.timezone(literal_column("'UTC'"), column)
            ),
            Date,
        )
    # SQLite stores UTC as 'YYYY-MM-DD HH:MM:SS.ffffff'. 'weekday 0' moves forward to Sunday
    # (or stays on it); six days back is that week's Monday. Literals, not bound parameters,
    # so GROUP BY sees the same expression as the SELECT list.
    return func.date(column, literal_column("'weekday 0'"), literal_column("'-6 days'"))


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _counts_by_week(session: Session, stmt: Any) -> dict[date, int]:
    return {_as_date(week): int(n) for week, n in session.execute(stmt)}


def opened_per_week(session: Session, since: datetime, until: datetime) -> dict[date, int]:
    """Tickets opened, per week of `opened_at`."""
    week = week_of(session, Ticket.opened_at).label("week")
    stmt = (
        select(week, func.count())
        .where(Ticket.deleted_at.is_(None), Ticket.opened_at >= since, Ticket.opened_at < until)
        .group_by(week)
    )
    return _counts_by_week(session, stmt)


def resolved_per_week(session: Session, since: datetime, until: datetime) -> dict[date, int]:
    """Tickets resolved, per week of `resolved_at`."""
    week = week_of(session, Ticket.resolved_at).label("week")
    stmt = (
        select(week, func.count())
        .where(
            Ticket.deleted_at.is_(None),
            Ticket.resolved_at >= since,
            Ticket.resolved_at < until,
        )
        .group_by(week)
    )
    return _counts_by_week(session, stmt)


@dataclass(frozen=True)
class BacklogFlows:
    """What the backlog curve is built from: the level before the range and weekly flows.

    Attributes:
        before: tickets open at `since` (opened before it and not resolved before it).
        entered: tickets opened, per week.
        left: tickets that stopped being open, per week.
    """

    before: int
    entered: dict[date, int]
    left: dict[date, int]


def backlog_flows(session: Session, since: datetime, until: datetime) -> BacklogFlows:
    """Weekly in- and out-flows of the open backlog, so the level per week is a running sum.

    A ticket is open at instant T when ``opened_at <= T`` and (``resolved_at`` is null or
    ``> T``). It leaves the backlog at ``max(opened_at, resolved_at)`` — the max guards against
    a resolved time before the opened time (clock skew between desktops), which must never
    make the backlog negative. Two grouped counts replace one count per week over the table.
    """
    left_at = case(
        (Ticket.resolved_at < Ticket.opened_at, Ticket.opened_at), else_=Ticket.resolved_at
    )
    live = Ticket.deleted_at.is_(None)
    before = session.execute(
        select(
            func.count().filter(Ticket.opened_at < since),
            func.count().filter(and_(Ticket.resolved_at.is_not(None), left_at < since)),
        ).where(live, Ticket.opened_at < since)
    ).one()
    left_week = week_of(session, left_at).label("week")
    left_stmt = (
        select(left_week, func.count())
        .where(live, Ticket.resolved_at.is_not(None), left_at >= since, left_at < until)
        .group_by(left_week)
    )
    return BacklogFlows(
        before=int(before[0] or 0) - int(before[1] or 0),
        entered=opened_per_week(session, since, until),
        left=_counts_by_week(session, left_stmt),
    )


@dataclass(frozen=True)
class WeeklyMedian:
    median: float
    count: int


def _medians(
    session: Session,
    value: InstrumentedAttribute[int | None],
    stopped_at: InstrumentedAttribute[datetime | None],
    since: datetime,
    until: datetime,
) -> dict[date, WeeklyMedian]:
    week = week_of(session, stopped_at).label("week")
    where = (
        Ticket.deleted_at.is_(None),
        value.is_not(None),
        stopped_at >= since,
        stopped_at < until,
    )
    if _dialect(session) == "postgresql":
        stmt = (
            select(week, func.percentile_cont(0.5).within_group(value), func.count())
            .where(*where)
            .group_by(week)
        )
        return {_as_date(w): WeeklyMedian(float(m), int(n)) for w, m, n in session.execute(stmt)}
    # SQLite: see the module docstring. Only (week, minutes) pairs leave the database.
    values: dict[date, list[int]] = defaultdict(list)
    stmt = select(week, value).where(*where).order_by(week, value)
    for w, minutes in session.execute(stmt):
        values[_as_date(w)].append(int(minutes))
    return {w: WeeklyMedian(float(median(v)), len(v)) for w, v in values.items()}


def median_first_response_minutes(
    session: Session, since: datetime, until: datetime
) -> dict[date, WeeklyMedian]:
    """Median business minutes to first response, per week of the first response."""
    return _medians(session, Ticket.first_response_minutes, Ticket.first_responded_at, since, until)


def median_resolution_minutes(
    session: Session, since: datetime, until: datetime
) -> dict[date, WeeklyMedian]:
    """Median business minutes to resolution, per week of the resolution."""
    return _medians(session, Ticket.resolution_minutes, Ticket.resolved_at, since, until)


@dataclass(frozen=True)
class MetTotal:
    met: int
    total: int


def _met_per_week(
    session: Session,
    done_at: InstrumentedAttribute[datetime | None],
    due_at: InstrumentedAttribute[datetime | None],
    since: datetime,
    until: datetime,
) -> dict[date, MetTotal]:
    week = week_of(session, done_at).label("week")
    stmt = (
        select(week, func.count().filter(done_at <= due_at), func.count())
        .where(
            Ticket.deleted_at.is_(None),
            due_at.is_not(None),
            done_at >= since,
            done_at < until,
        )
        .group_by(week)
    )
    return {_as_date(w): MetTotal(int(m or 0), int(n)) for w, m, n in session.execute(stmt)}


def resolution_targets_met(
    session: Session, since: datetime, until: datetime
) -> dict[date, MetTotal]:
    """Per week of resolution: tickets with a resolution target, and those resolved in time."""
    return _met_per_week(session, Ticket.resolved_at, Ticket.resolution_due_at, since, until)


def first_response_targets_met(
    session: Session, since: datetime, until: datetime
) -> dict[date, MetTotal]:
    """Per week of first response: tickets with a response target, and those answered in time."""
    return _met_per_week(
        session, Ticket.first_responded_at, Ticket.first_response_due_at, since, until
    )


@dataclass(frozen=True)
class WeeklyAverage:
    average: float
    count: int


def satisfaction_per_week(
    session: Session, since: datetime, until: datetime
) -> dict[date, WeeklyAverage]:
    """Average satisfaction score (1–5) and number of ratings, per week of rating."""
    week = week_of(session, SatisfactionRating.rated_at).label("week")
    stmt = (
        select(week, func.avg(SatisfactionRating.score), func.count())
        .join(Ticket, Ticket.id == SatisfactionRating.ticket_id)
        .where(
            SatisfactionRating.deleted_at.is_(None),
            Ticket.deleted_at.is_(None),
            SatisfactionRating.rated_at >= since,
            SatisfactionRating.rated_at < until,
        )
        .group_by(week)
    )
    return {_as_date(w): WeeklyAverage(float(avg), int(n)) for w, avg, n in session.execute(stmt)}


# --- Summary tiles -------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketNow:
    open: int
    breached: int
    resolved_since: int


def tickets_now(session: Session, now: datetime, resolved_since: datetime) -> TicketNow:
    """Active tickets, active tickets past their resolution target, and recent resolutions."""
    active = Ticket.status.in_(_ACTIVE)
    row = session.execute(
        select(
            func.count().filter(active),
            func.count().filter(and_(active, Ticket.resolution_due_at < now)),
            func.count().filter(
                and_(Ticket.resolved_at >= resolved_since, Ticket.resolved_at <= now)
            ),
        ).where(Ticket.deleted_at.is_(None))
    ).one()
    return TicketNow(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


def satisfaction_since(session: Session, since: datetime, now: datetime) -> WeeklyAverage | None:
    """Average score and count of ratings given in ``[since, now]``; None without ratings."""
    avg, n = session.execute(
        select(func.avg(SatisfactionRating.score), func.count())
        .join(Ticket, Ticket.id == SatisfactionRating.ticket_id)
        .where(
            SatisfactionRating.deleted_at.is_(None),
            Ticket.deleted_at.is_(None),
            SatisfactionRating.rated_at >= since,
            SatisfactionRating.rated_at <= now,
        )
    ).one()
    return WeeklyAverage(float(avg), int(n)) if n else None


@dataclass(frozen=True)
class KnowledgeUse:
    views: int
    helpful: int
    feedback: int


def knowledge_use(session: Session) -> KnowledgeUse:
    """Total article views, and helpful votes out of all feedback."""
    views = session.scalar(
        select(func.coalesce(func.sum(Article.view_count), 0)).where(Article.deleted_at.is_(None))
    )
    helpful, total = session.execute(
        select(func.count().filter(ArticleFeedback.helpful.is_(True)), func.count())
        .join(Article, Article.id == ArticleFeedback.article_id)
        .where(ArticleFeedback.deleted_at.is_(None), Article.deleted_at.is_(None))
    ).one()
    return KnowledgeUse(int(views or 0), int(helpful or 0), int(total or 0))


@dataclass(frozen=True)
class Attendance:
    present: int
    absent: int
    excused: int


def attendance_since(session: Session, since: datetime, now: datetime) -> Attendance:
    """Latest attendance mark per enrolment, for sessions that started in ``[since, now]``.

    Marks are append-only; the newest one per enrolment counts (``row_number`` window, which
    SQLite has since 3.25 and PostgreSQL always had).
    """
    ranked = (
        select(
            AttendanceMark.status.label("status"),
            func.row_number()
            .over(
                partition_by=AttendanceMark.enrolment_id,
                order_by=(AttendanceMark.created_at.desc(), AttendanceMark.hlc.desc()),
            )
            .label("rn"),
        )
        .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
        .where(
            AttendanceMark.deleted_at.is_(None),
            Enrolment.deleted_at.is_(None),
            TrainingSession.deleted_at.is_(None),
            Enrolment.status != EnrolmentStatus.CANCELLED,
            TrainingSession.starts_at >= since,
            TrainingSession.starts_at <= now,
        )
        .subquery()
    )
    counts: dict[str, int] = dict(
        session.execute(
            select(ranked.c.status, func.count()).where(ranked.c.rn == 1).group_by(ranked.c.status)
        ).all()
    )
    return Attendance(
        int(counts.get(AttendanceStatus.PRESENT, 0)),
        int(counts.get(AttendanceStatus.ABSENT, 0)),
        int(counts.get(AttendanceStatus.EXCUSED, 0)),
    )


def valid_certifications(session: Session, now: datetime) -> int:
    """Certifications issued and not yet expired at `now`."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Certification)
            .where(
                Certification.deleted_at.is_(None),
                Certification.issued_at <= now,
                (Certification.expires_at.is_(None)) | (Certification.expires_at > now),
            )
        )
        or 0
    )
