"""Key performance indicators: weekly series for charts and the summary tiles.

Every aggregate is computed in SQL (app.data.repos.kpi); this module only turns the per-week
results into one point per week of the requested range, filling weeks without data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app.data.repos import kpi as kpi_repo
from app.domain.kpi import compliance_percent, week_start, weeks_between
from app.domain.permissions import Permission
from app.services.base import Service

#: SLA compliance the team aims for, in percent (drawn as the target line).
SLA_TARGET_PERCENT = 90.0


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else minutes / 60.0


@dataclass(frozen=True)
class OpenedResolvedPoint:
    week: date
    opened: int
    resolved: int


@dataclass(frozen=True)
class OpenedResolvedSeries:
    points: tuple[OpenedResolvedPoint, ...]

    @property
    def has_data(self) -> bool:
        return any(p.opened or p.resolved for p in self.points)


@dataclass(frozen=True)
class BacklogPoint:
    week: date
    open_tickets: int  # open at the end of the week


@dataclass(frozen=True)
class BacklogSeries:
    points: tuple[BacklogPoint, ...]

    @property
    def has_data(self) -> bool:
        return any(p.open_tickets for p in self.points)


@dataclass(frozen=True)
class ResponseTimesPoint:
    """Medians in business hours; None for a week in which no clock stopped."""

    week: date
    first_response_hours: float | None
    resolution_hours: float | None
    first_response_count: int
    resolution_count: int


@dataclass(frozen=True)
class ResponseTimesSeries:
    points: tuple[ResponseTimesPoint, ...]

    @property
    def has_data(self) -> bool:
        return any(p.first_response_count or p.resolution_count for p in self.points)


@dataclass(frozen=True)
class SlaCompliancePoint:
    """Percent of targets met in the week (None when no ticket with a target finished)."""

    week: date
    resolution_percent: float | None
    resolution_met: int
    resolution_total: int
    first_response_percent: float | None
    first_response_met: int
    first_response_total: int


@dataclass(frozen=True)
class SlaComplianceSeries:
    points: tuple[SlaCompliancePoint, ...]
    target_percent: float = SLA_TARGET_PERCENT

    @property
    def has_data(self) -> bool:
        return any(p.resolution_total or p.first_response_total for p in self.points)


@dataclass(frozen=True)
class SatisfactionPoint:
    week: date
    average: float | None  # 1–5
    count: int


@dataclass(frozen=True)
class SatisfactionSeries:
    points: tuple[SatisfactionPoint, ...]

    @property
    def has_data(self) -> bool:
        return any(p.count for p in self.points)


@dataclass(frozen=True)
class KpiSummary:
    """The numbers on the tiles above the charts.

    Attributes:
        open_now: tickets that still need work.
        breached_now: of those, the ones past their resolution target.
        resolved_last_7_days: tickets resolved in the 7 days before `now`.
        csat_average_30_days: average satisfaction (1–5) of the last 30 days, or None.
        csat_count_30_days: ratings given in the last 30 days.
        article_views: total views of knowledge-base articles.
        article_helpful_percent: share of "helpful" votes, or None without feedback.
        attendance_percent: present / (present + absent) over training sessions of the last
            90 days (excused absences do not count against it), or None without marks.
        valid_certifications: certifications not yet expired.
    """

    open_now: int
    breached_now: int
    resolved_last_7_days: int
    csat_average_30_days: float | None
    csat_count_30_days: int
    article_views: int
    article_helpful_percent: float | None
    attendance_percent: float | None
    valid_certifications: int


def _range(start: date, end: date) -> tuple[list[date], datetime, datetime]:
    """The weeks of a range and the UTC instants bounding them (whole weeks, half-open)."""
    if end < start:
        start, end = end, start
    weeks = weeks_between(start, end)
    since = datetime.combine(week_start(start), time(), UTC)
    until = datetime.combine(week_start(end) + timedelta(days=7), time(), UTC)
    return weeks, since, until


class KpiService(Service):
    """Weekly KPI series and summary numbers. Every method needs `KPI_READ`.

    The range methods take calendar dates and widen them to whole weeks (Monday to Sunday,
    UTC), so the first and last points are never partial weeks.
    """

    def opened_resolved(self, start: date, end: date) -> OpenedResolvedSeries:
        """Tickets opened and resolved per week."""
        self._require(Permission.KPI_READ)
        weeks, since, until = _range(start, end)
        with self._db.read_session() as session:
            opened = kpi_repo.opened_per_week(session, since, until)
            resolved = kpi_repo.resolved_per_week(session, since, until)
        return OpenedResolvedSeries(
            tuple(OpenedResolvedPoint(w, opened.get(w, 0), resolved.get(w, 0)) for w in weeks)
        )

    def backlog(self, start: date, end: date) -> BacklogSeries:
        """Tickets still open at the end of each week."""
        self._require(Permission.KPI_READ)
        weeks, since, until = _range(start, end)
        with self._db.read_session() as session:
            flows = kpi_repo.backlog_flows(session, since, until)
        level = flows.before
        points = []
        for w in weeks:
            level += flows.entered.get(w, 0) - flows.left.get(w, 0)
            points.append(BacklogPoint(w, level))
        return BacklogSeries(tuple(points))

    def response_times(self, start: date, end: date) -> ResponseTimesSeries:
        """Median business hours to first response and to resolution, per week."""
        self._require(Permission.KPI_READ)
        weeks, since, until = _range(start, end)
        with self._db.read_session() as session:
            first = kpi_repo.median_first_response_minutes(session, since, until)
            resolution = kpi_repo.median_resolution_minutes(session, since, until)
        points = []
        for w in weeks:
            f, r = first.get(w), resolution.get(w)
            points.append(
                ResponseTimesPoint(
                    w,
                    _hours(f.median) if f else None,
                    _hours(r.median) if r else None,
                    f.count if f else 0,
                    r.count if r else 0,
                )
            )
        return ResponseTimesSeries(tuple(points))

    def sla_compliance(self, start: date, end: date) -> SlaComplianceSeries:
        """Per week: % of tickets resolved by their target, and % answered by theirs."""
        self._require(Permission.KPI_READ)
        weeks, since, until = _range(start, end)
        with self._db.read_session() as session:
            resolution = kpi_repo.resolution_targets_met(session, since, until)
            first = kpi_repo.first_response_targets_met(session, since, until)
        empty = kpi_repo.MetTotal(0, 0)
        points = []
        for w in weeks:
            r, f = resolution.get(w, empty), first.get(w, empty)
            points.append(
                SlaCompliancePoint(
                    w,
                    compliance_percent(r.met, r.total),
                    r.met,
                    r.total,
                    compliance_percent(f.met, f.total),
                    f.met,
                    f.total,
                )
            )
        return SlaComplianceSeries(tuple(points))

    def satisfaction(self, start: date, end: date) -> SatisfactionSeries:
        """Average satisfaction score and number of ratings per week."""
        self._require(Permission.KPI_READ)
        weeks, since, until = _range(start, end)
        with self._db.read_session() as session:
            rows = kpi_repo.satisfaction_per_week(session, since, until)
        return SatisfactionSeries(
            tuple(
                SatisfactionPoint(w, rows[w].average, rows[w].count)
                if w in rows
                else SatisfactionPoint(w, None, 0)
                for w in weeks
            )
        )

    def summary(self, now: datetime) -> KpiSummary:
        """The tile numbers as of `now` (a time-zone-aware instant)."""
        self._require(Permission.KPI_READ)
        with self._db.read_session() as session:
            tickets = kpi_repo.tickets_now(session, now, now - timedelta(days=7))
            csat = kpi_repo.satisfaction_since(session, now - timedelta(days=30), now)
            kb = kpi_repo.knowledge_use(session)
            attendance = kpi_repo.attendance_since(session, now - timedelta(days=90), now)
            certs = kpi_repo.valid_certifications(session, now)
        return KpiSummary(
            open_now=tickets.open,
            breached_now=tickets.breached,
            resolved_last_7_days=tickets.resolved_since,
            csat_average_30_days=csat.average if csat else None,
            csat_count_30_days=csat.count if csat else 0,
            article_views=kb.views,
            article_helpful_percent=compliance_percent(kb.helpful, kb.feedback),
            attendance_percent=compliance_percent(
                attendance.present, attendance.present + attendance.absent
            ),
            valid_certifications=certs,
        )
