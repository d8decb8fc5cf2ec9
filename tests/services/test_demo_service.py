"""The demo database is coherent, deterministic and built the way the CLI builds it."""

from __future__ import annotations

import random
import tomllib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.cli import main as cli_main
from app.data.database import Database, sqlite_url
from app.domain.enums import Role, TicketEventKind, TicketStatus
from app.errors import ValidationError
from app.paths import resources_dir
from app.services.demo_service import (
    DEMO_ADMIN,
    DEMO_PASSWORD,
    build_demo,
    uk_bank_holidays,
)
from app.services.people_service import AuthService

# A Wednesday morning: some tickets are still new, some due later today.
NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
ACTIVE = ("new", "open", "pending", "on_hold")


def _rows(db: Database, sql: str, **params: Any) -> list[Any]:
    with db.read_session() as session:
        return list(session.execute(text(sql), params))


def _scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.read_session() as session:
        return session.execute(text(sql), params).scalar()


def _aware(value: datetime) -> datetime:
    # Raw SQL on SQLite returns naive UTC; PostgreSQL returns aware datetimes.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_demo_is_coherent(any_db: Database) -> None:
    steps: list[tuple[str, float]] = []
    report = build_demo(
        any_db, tickets=300, seed=11, now=NOW, progress=lambda s, f: steps.append((s, f))
    )
    assert report.tickets == 300
    assert "300 tickets" in report.summary
    fractions = [f for _, f in steps]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert len(steps) >= 6

    # People, teams, requesters.
    assert _scalar(any_db, "SELECT count(*) FROM users") == 14
    assert _scalar(any_db, "SELECT count(*) FROM teams") == 4
    assert _scalar(any_db, "SELECT count(*) FROM organisations") >= 12
    assert _scalar(any_db, "SELECT count(*) FROM contacts") >= 100
    roles = {r for (r,) in _rows(any_db, "SELECT DISTINCT role FROM user_roles")}
    assert roles == {r.value for r in Role}
    assert (
        _scalar(
            any_db, "SELECT count(*) FROM users WHERE hlc = '' OR password_hash NOT LIKE '$argon2%'"
        )
        == 0
    )
    assert _scalar(any_db, "SELECT count(DISTINCT password_hash) FROM users") == 1

    # Tickets: the clock stops in order, and the columns agree with each other.
    assert _scalar(any_db, "SELECT count(*) FROM tickets") == 300
    assert (
        _scalar(
            any_db,
            "SELECT count(*) FROM tickets WHERE first_responded_at <= opened_at "
            "OR resolved_at < first_responded_at OR closed_at < resolved_at "
            "OR (resolved_at IS NOT NULL AND first_responded_at IS NULL) "
            "OR opened_at > :now OR resolved_at > :now OR closed_at > :now",
            now=NOW,
        )
        == 0
    )
    assert (
        _scalar(
            any_db,
            "SELECT count(*) FROM tickets WHERE "
            "(resolved_at IS NULL) <> (resolution_minutes IS NULL) "
            "OR (first_responded_at IS NULL) <> (first_response_minutes IS NULL) "
            "OR (resolved_at IS NULL) <> (status IN ('new','open','pending','on_hold')) "
            "OR (closed_at IS NULL) <> (status <> 'closed') "
            "OR (status = 'new') <> (first_responded_at IS NULL) "
            "OR first_response_due_at IS NULL OR resolution_due_at IS NULL",
        )
        == 0
    )
    # Every assignee belongs to the ticket's team.
    assert (
        _scalar(
            any_db,
            "SELECT count(*) FROM tickets t JOIN users u ON u.id = t.assignee_id "
            "WHERE u.team_id IS NULL OR u.team_id <> t.team_id",
        )
        == 0
    )
    assert _scalar(any_db, "SELECT count(*) FROM tickets WHERE team_id IS NULL") == 0
    assert (
        _scalar(
            any_db,
            "SELECT count(*) FROM tickets WHERE status = 'pending' AND requester_id IS NULL",
        )
        == 0
    )
    # The breach flag is the truth of the stored times.
    resolved = _rows(
        any_db,
        "SELECT first_responded_at, first_response_due_at, resolved_at, resolution_due_at, "
        "sla_breached FROM tickets WHERE resolved_at IS NOT NULL",
    )
    for fr, fr_due, res, res_due, breached in resolved:
        assert bool(breached) == (_aware(fr) > _aware(fr_due) or _aware(res) > _aware(res_due))
    met = sum(1 for row in resolved if not row[4])
    assert 80 <= 100 * met / len(resolved) <= 95
    # Priorities roughly as weighted; every channel used.
    by_priority = dict(_rows(any_db, "SELECT priority, count(*) FROM tickets GROUP BY priority"))
    assert 0.45 <= by_priority["normal"] / 300 <= 0.65
    assert len(_rows(any_db, "SELECT DISTINCT channel FROM tickets")) == 6
    # Mondays are busier than weekends.
    days = [_aware(o).weekday() for (o,) in _rows(any_db, "SELECT opened_at FROM tickets")]
    assert days.count(0) > 3 * (days.count(5) + days.count(6))

    # A live backlog in the last two weeks, some of it already breached.
    recent = NOW - timedelta(days=14)
    backlog = _rows(
        any_db,
        "SELECT status, sla_breached FROM tickets WHERE opened_at >= :since "
        "AND status IN ('new','open','pending','on_hold')",
        since=recent,
    )
    assert len(backlog) >= 3
    assert (
        _scalar(
            any_db,
            "SELECT count(*) FROM tickets WHERE sla_breached AND status IN "
            "('new','open','pending','on_hold')",
        )
        >= 1
    )

    # Timelines: created first, the first public reply at first_responded_at, statuses chain.
    tickets = {
        r[0]: r
        for r in _rows(
            any_db,
            "SELECT id, opened_at, first_responded_at, status, sla_breached, assignee_id "
            "FROM tickets",
        )
    }
    events: dict[Any, list[Any]] = defaultdict(list)
    for row in _rows(
        any_db,
        "SELECT ticket_id, created_at, kind, is_public, old_value, new_value, author_id "
        "FROM ticket_events ORDER BY ticket_id, created_at",
    ):
        events[row[0]].append(row)
    assert set(events) == set(tickets)
    names = dict(_rows(any_db, "SELECT id, full_name FROM users"))
    for ticket_id, (_, opened, responded, status, breached, assignee) in tickets.items():
        timeline = events[ticket_id]
        assignments = [e for e in timeline if e[2] == TicketEventKind.ASSIGNMENT.value]
        if assignee is None:
            assert not assignments
        else:
            assert assignments[-1][5] == names[assignee]
        assert timeline[0][2] == TicketEventKind.CREATED.value
        assert _aware(timeline[0][1]) == _aware(opened)
        replies = [e for e in timeline if e[2] == TicketEventKind.REPLY.value and e[3]]
        if responded is not None:
            assert _aware(replies[0][1]) == _aware(responded)
            assert replies[0][6] is not None  # a technician, not the requester
        chain = [e for e in timeline if e[2] == TicketEventKind.STATUS.value]
        current = TicketStatus.NEW.value
        for e in chain:
            assert e[4] == current, f"status chain broken on {ticket_id}"
            current = e[5]
        assert current == status
        has_breach_event = any(e[2] == TicketEventKind.SLA_BREACH.value for e in timeline)
        assert has_breach_event == bool(breached)

    ratings = _rows(any_db, "SELECT score FROM satisfaction_ratings")
    n_resolved = len(resolved)
    assert 0.3 * n_resolved <= len(ratings) <= 0.5 * n_resolved
    assert sum(s for (s,) in ratings) / len(ratings) >= 3.8
    assert _scalar(any_db, "SELECT count(*) FROM ticket_tags") > 300

    # Knowledge base: real articles with history, searchable.
    articles = _rows(
        any_db,
        "SELECT a.id, a.revision, count(r.id), length(a.body) FROM articles a "
        "JOIN article_revisions r ON r.article_id = a.id GROUP BY a.id, a.revision, a.body",
    )
    assert len(articles) >= 12
    for _id, revision, revisions, length in articles:
        assert revision == revisions
        assert 1 <= revisions <= 4
        assert length > 800
    assert (
        _scalar(
            any_db,
            "SELECT count(*) FROM articles a JOIN article_revisions r ON r.article_id = a.id "
            "AND r.revision = a.revision WHERE r.body <> a.body",
        )
        == 0
    )
    if any_db.dialect == "sqlite":
        hits = _rows(any_db, "SELECT rowid FROM article_fts WHERE article_fts MATCH 'VPN' LIMIT 20")
    else:
        hits = _rows(
            any_db,
            "SELECT id FROM articles WHERE search_tsv @@ plainto_tsquery('english', 'VPN') "
            "LIMIT 20",
        )
    assert len(hits) >= 2
    assert _scalar(any_db, "SELECT count(*) FROM article_feedback") >= 30
    assert _scalar(any_db, "SELECT count(*) FROM article_ticket_links") >= 5

    # Training: past sessions have attendance; certifications follow attendance.
    assert _scalar(any_db, "SELECT count(*) FROM courses") == 6
    assert 15 <= _scalar(any_db, "SELECT count(*) FROM training_sessions") <= 25
    past_with_marks = _scalar(
        any_db,
        "SELECT count(DISTINCT s.id) FROM training_sessions s "
        "JOIN enrolments e ON e.session_id = s.id "
        "JOIN attendance_marks a ON a.enrolment_id = e.id WHERE s.ends_at < :now",
        now=NOW,
    )
    assert past_with_marks >= 8
    assert (
        _scalar(
            any_db,
            "SELECT count(*) FROM training_sessions s JOIN enrolments e ON e.session_id = s.id "
            "JOIN attendance_marks a ON a.enrolment_id = e.id WHERE s.starts_at > :now",
            now=NOW,
        )
        == 0
    )
    assert (
        _scalar(any_db, "SELECT count(*) FROM training_sessions WHERE starts_at > :now", now=NOW)
        >= 2
    )
    assert _scalar(any_db, "SELECT count(*) FROM certifications") >= 5

    # Audit log and the demo administrator's password.
    actions = {a for (a,) in _rows(any_db, "SELECT DISTINCT action FROM audit_events")}
    assert {"auth.sign_in", "auth.failed", "person.roles", "ticket.create"} <= actions
    principal = AuthService(any_db).sign_in(DEMO_ADMIN, DEMO_PASSWORD)
    assert {Role.ADMIN, Role.SUPERVISOR} <= principal.roles


def test_demo_shows_the_depth_of_a_ticket(db: Database) -> None:
    """Escalation tiers, SLA pauses, time, attachments, links and canned replies all appear."""
    build_demo(db, tickets=600, seed=5, now=NOW)
    tiers = dict(_rows(db, "SELECT tier, count(*) FROM tickets GROUP BY tier"))
    assert tiers[1] > tiers.get(2, 0) > 0
    # Every escalated ticket says so on its timeline, with a reason.
    assert (
        _scalar(
            db,
            "SELECT count(*) FROM tickets t WHERE tier > 1 AND NOT EXISTS (SELECT 1 FROM "
            "ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'escalation' AND e.body <> '')",
        )
        == 0
    )
    # A ticket waiting on its requester has its clock paused; pauses are followed by resumes.
    assert (
        _scalar(
            db,
            "SELECT count(*) FROM tickets WHERE status = 'pending' AND sla_paused_at IS NULL",
        )
        == 0
    )
    assert _scalar(db, "SELECT count(*) FROM ticket_events WHERE kind = 'sla_resume'") > 0
    assert _scalar(db, "SELECT count(*) FROM time_entries") > 300
    # Attachments point at stored bytes of the right size.
    assert _scalar(db, "SELECT count(*) FROM attachments") > 0
    assert (
        _scalar(
            db,
            "SELECT count(*) FROM attachments a "
            "LEFT JOIN attachment_blobs b ON b.sha256 = a.sha256 "
            "WHERE b.sha256 IS NULL OR b.size_bytes <> a.size_bytes",
        )
        == 0
    )
    assert _scalar(db, "SELECT count(*) FROM canned_responses") >= 5
    assert _scalar(db, "SELECT count(*) FROM ticket_links") > 0


def test_same_seed_same_demo(db: Database, sqlite_template: Path, tmp_path: Path) -> None:
    other_path = tmp_path / "other.db"
    other_path.write_bytes(sqlite_template.read_bytes())
    other = Database(sqlite_url(other_path))
    other.attach_device()
    try:
        build_demo(db, tickets=120, seed=3, now=NOW)
        build_demo(other, tickets=120, seed=3, now=NOW)
        sql = "SELECT subject, priority, status, opened_at FROM tickets ORDER BY opened_at"
        first, second = _rows(db, sql), _rows(other, sql)
        assert first == second
        assert len({row[0] for row in first}) > 60  # varied subjects, not one template
    finally:
        other.dispose()


def test_different_seed_differs(db: Database, sqlite_template: Path, tmp_path: Path) -> None:
    other_path = tmp_path / "other.db"
    other_path.write_bytes(sqlite_template.read_bytes())
    other = Database(sqlite_url(other_path))
    other.attach_device()
    try:
        build_demo(db, tickets=50, seed=1, now=NOW)
        build_demo(other, tickets=50, seed=2, now=NOW)
        sql = "SELECT subject FROM tickets ORDER BY opened_at"
        assert _rows(db, sql) != _rows(other, sql)
    finally:
        other.dispose()


def test_refuses_a_database_with_people(db: Database) -> None:
    build_demo(db, tickets=10, now=NOW)
    with pytest.raises(ValidationError, match="empty database"):
        build_demo(db, tickets=10, now=NOW)
    with pytest.raises(ValidationError):
        build_demo(db, tickets=-1)


def test_cli_builds_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "cli-demo.db"
    assert cli_main(["--database-url", sqlite_url(path), "demo", "--tickets", "200"]) == 0
    db = Database(sqlite_url(path))
    try:
        assert _scalar(db, "SELECT count(*) FROM tickets") == 200
        numbers = [n for (n,) in _rows(db, "SELECT number FROM tickets ORDER BY opened_at")]
        counters = [int(n.rsplit("-", 1)[1]) for n in numbers]
        assert counters == list(range(1, 201))  # numbered in the order they were opened
        assert _scalar(db, "SELECT ticket_counter FROM device") == 200
    finally:
        db.dispose()


def test_every_template_and_article_loads() -> None:
    from app.services import demo_service as ds

    templates = ds._load_templates()
    articles = {a.slug: a for a in ds._load_articles()}
    assert len(templates) >= 8 * 35
    assert len({t.category for t in templates}) == 8
    assert any(t.alert for t in templates)
    fill = tomllib.loads((resources_dir() / "demo" / "variations.toml").read_text("utf-8"))
    rng = random.Random(1)
    for t in templates:
        values = ds._Fill(rng, fill["fill"], first="Sam")
        assert "{" not in t.subject.format_map(values) + t.description.format_map(values)
        assert not t.article or t.article in articles, t.article
    assert len(articles) >= 12
    for a in articles.values():
        assert a.title
        assert a.summary
        assert a.category in ds._ARTICLE_CATEGORIES
        assert 150 <= len(a.body.split()) <= 420, a.slug
        assert "## When to contact the service desk" in a.body
        assert "\n1. " in a.body  # numbered steps
        assert not a.body.startswith("# ")  # the title is not repeated


def test_uk_bank_holidays_with_substitute_days() -> None:
    days_2026 = [d for d, _ in uk_bank_holidays(2026)]
    assert days_2026 == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),  # Boxing Day falls on a Saturday
    ]
    christmas_2027 = [d for d, _ in uk_bank_holidays(2027)][-2:]
    assert christmas_2027 == [date(2027, 12, 27), date(2027, 12, 28)]
    assert uk_bank_holidays(2028)[0] == (date(2028, 1, 3), "New Year's Day")
