"""The ticket benchmark and its bulk generator, on small sizes (no timing assertions)."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.bench import tickets as bench
from app.data.base import Base
from app.data.database import Database
from app.data.repos import bulk
from app.domain import sla
from app.domain.enums import Priority, TicketStatus
from app.services.base import Principal
from app.services.registry import Services
from app.services.ticket_service import TicketFilter

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # just after the spring DST change in London

KEYS = (
    "generate_s",
    "first_page_ms",
    "filter_ms",
    "sort_ms",
    "search_ms",
    "scroll_end_ms",
    "view_counts_ms",
    "detail_ms",
    "rss_mb",
)


def _outbox(db: Database) -> int:
    path = db.sqlite_path
    assert path is not None
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT count(*) FROM sync_outbox").fetchone()[0])
    finally:
        con.close()


def test_business_timeline_gives_the_domain_answers() -> None:
    calendar = bulk.bench_calendar(NOW)
    start = NOW - timedelta(days=800)
    timeline = bulk.BusinessTimeline(calendar, start - timedelta(days=2), NOW + timedelta(days=60))
    rng = random.Random(3)
    for _ in range(400):
        moment = start + timedelta(seconds=rng.randrange(0, 790 * 86_400))
        if rng.random() < 0.2:  # exactly on a window edge
            moment = moment.replace(hour=rng.choice([7, 8, 17, 18]), minute=0, second=0)
        minutes = rng.choice([0, 1, 30, 60, 240, 480, 600, 1800, 3000, rng.randrange(1, 5000)])
        assert timeline.add_minutes(moment, minutes) == sla.add_business_minutes(
            moment, minutes, calendar
        )
        later = moment + timedelta(seconds=rng.randrange(0, 20 * 86_400))
        assert timeline.minutes_between(moment, later) == pytest.approx(
            sla.business_minutes_between(moment, later, calendar), abs=1e-6
        )


def test_bulk_rows_read_back_through_the_services(
    db: Database, admin: Principal, services: Services
) -> None:
    before = _outbox(db)
    report = bulk.build(db, 600, actor_id=admin.user_id, now=NOW, years=0.5)

    assert report.tickets == 600
    # Core inserts are not captured: no outbox entry for any bulk row.
    assert report.outbox_entries == before == _outbox(db)
    tickets = services.tickets
    assert tickets.count(TicketFilter()) == 600
    assert len(tickets.assignees()) >= bulk.TECHNICIANS
    statuses = {r.status for r in tickets.list_page(TicketFilter(), limit=600)}
    assert {TicketStatus.CLOSED, TicketStatus.OPEN} <= statuses

    detail = tickets.get(report.detail_ticket_id)
    assert len(detail.events) == bulk.DETAIL_EVENTS
    assert detail.requester_name
    assert detail.team_name
    assert detail.sla_policy_name
    calendar = bulk.bench_calendar(NOW)
    targets = sla.DEFAULT_TARGETS[Priority(detail.priority)]
    assert detail.resolution_due_at == sla.add_business_minutes(
        detail.opened_at, targets.resolution_minutes, calendar
    )
    assert detail.first_response_due_at == sla.add_business_minutes(
        detail.opened_at, targets.first_response_minutes, calendar
    )

    # The indexes dropped for the load are all back, and the file is in WAL mode again.
    path = db.sqlite_path
    assert path is not None
    con = sqlite3.connect(path)
    try:
        indexes = {
            name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        journal = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    expected = {i.name for t in ("tickets", "ticket_events", "ticket_tags")
                for i in Base.metadata.tables[t].indexes}  # fmt: skip
    assert expected <= indexes
    assert {"ix_tickets_live", "ix_tickets_live_channel", "ix_tickets_requester_id"} <= indexes
    assert journal == "wal"

    # The full-text index was rebuilt, and its triggers are back for new tickets.
    assert tickets.count(TicketFilter(text="printer")) > 0
    new_id, _changes = tickets.create("Zyxwvut keyboard fault", "sticky zyxwvut keys")
    assert [r.id for r in tickets.list_page(TicketFilter(text="zyxwvut"))] == [new_id]


def test_bulk_refuses_a_database_with_tickets(db: Database, admin: Principal) -> None:
    bulk.build(db, 5, actor_id=admin.user_id, now=NOW, years=0.1)
    with pytest.raises(ValueError, match="without tickets"):
        bulk.build(db, 5, actor_id=admin.user_id, now=NOW, years=0.1)


def test_run_reports_every_key_and_reuses_its_database(tmp_path: Path) -> None:
    first = bench.run(tickets=2000, workdir=tmp_path, runs=1)

    for key in KEYS:
        assert key in first, key
    assert first["tickets"] == 2000
    assert 0 < first["generate_s"] < 600
    for key in KEYS[1:-1]:
        value = first[key]
        # None only where the service has no such operation yet.
        assert value is None or 0 <= value < 60_000, (key, value)
    for key in ("first_page_ms", "filter_ms", "sort_ms", "scroll_end_ms", "detail_ms"):
        assert first[key] is not None, key
    assert first["rss_mb"] is None or 20 < first["rss_mb"] < 4000
    details = first["details"]
    assert details["detail_events"] == bulk.DETAIL_EVENTS
    assert details["reused_database"] is False
    assert details["generate"]["outbox_entries"] < 10
    assert set(details["sort_by_ms"]) >= {"number", "subject", "priority"}
    assert set(details["sort_all_tickets_by_ms"]) == set(details["sort_by_ms"])
    per_key = details["sort_by_ms"].values()
    assert min(per_key) <= first["sort_ms"] <= max(per_key)  # the median over the columns
    assert details["default_view"] == "All open"
    for key in ("first_page_all_tickets_ms", "count_ms", "count_all_tickets_ms"):
        assert details[key] is not None, key
        assert details[key] >= 0, key
    assert details["generate"]["phases_s"]["indexes_s"] >= 0

    second = bench.run(tickets=2000, workdir=tmp_path, runs=1)
    assert second["details"]["reused_database"] is True
    assert second["generate_s"] == first["generate_s"]
    assert len(list(tmp_path.glob("*.db"))) == 1
