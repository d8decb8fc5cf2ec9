"""Build tests/migrations/data/schema_0002.sqlite3: a small database at revision 0002.

The file is committed; this script documents how it was made and can re-make it:

    uv run python tests/migrations/make_fixture_db.py

Rows are written with SQL against the tables *as they are at 0002* (reflected from the file),
never through today's ORM models, so the script keeps producing a genuine 0002 database after
later migrations change the models. Every value is fixed, so re-running gives the same rows.
"""

# dict(column=value) reads like a table row; literals with quoted keys would not.
# ruff: noqa: C408

from __future__ import annotations

import sqlite3
import sys
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

REVISION = "0002"
TARGET = Path(__file__).resolve().parent / "data" / f"schema_{REVISION}.sqlite3"

# Fixed instants (stored as UTC without offset, as UtcDateTime does on SQLite).
T0 = datetime(2026, 1, 5, 9, 30)
T1 = datetime(2026, 1, 5, 10, 15)
T2 = datetime(2026, 1, 6, 16, 0)


def uid(n: int) -> str:
    """A fixed key, stored as SQLAlchemy's Uuid stores it on SQLite (32 hex digits)."""
    return uuid.UUID(int=0x0190_0000_0000_7000_8000_0000_0000_0000 + n).hex


# (table, rows). Replicated columns (created_at, updated_at, updated_by, hlc, deleted_at)
# are filled in by `_replicated`; the rest is spelled out.
# fmt: off
ROWS: list[tuple[str, list[dict[str, Any]]]] = [
    ("device", [dict(id=uid(900), prefix="FIX", name="fixture", ticket_counter=3,
                     last_hlc="1767605400000-00009-fixture", created_at=T0)]),
    ("teams", [dict(id=uid(1), name="Service desk", description="First line")]),
    ("organisations", [dict(id=uid(10), name="Acme Ltd", domain="acme.example", notes="")]),
    ("users", [
        dict(id=uid(20), username="admin", full_name="Ada Admin", email="ada@acme.example",
             password_hash="$argon2id$v=19$m=65536,t=3,p=4$fixture$fixture", is_active=True,
             failed_logins=0, locked_until=None, last_login_at=T1, team_id=uid(1)),
        dict(id=uid(21), username="tina", full_name="Tina Tech", email="tina@acme.example",
             password_hash="$argon2id$v=19$m=65536,t=3,p=4$fixture$fixture", is_active=True,
             failed_logins=1, locked_until=None, last_login_at=None, team_id=uid(1)),
    ]),
    ("user_roles", [
        dict(id=uid(30), user_id=uid(20), role="admin"),
        dict(id=uid(31), user_id=uid(20), role="supervisor"),
        dict(id=uid(32), user_id=uid(21), role="technician"),
    ]),
    ("contacts", [dict(id=uid(40), full_name="Pat Requester", email="pat@acme.example",
                       phone="+44 20 7946 0000", organisation_id=uid(10))]),
    ("business_calendars", [dict(id=uid(50), name="London office", timezone="Europe/London",
                                 workdays="0,1,2,3,4", day_start_minute=480,
                                 day_end_minute=1080)]),
    ("holidays", [dict(id=uid(51), calendar_id=uid(50), day="2026-12-25", name="Christmas")]),
    ("sla_policies", [dict(id=uid(52), name="High", priority="high", organisation_id=None,
                           calendar_id=uid(50), first_response_minutes=60,
                           resolution_minutes=480)]),
    ("tickets", [
        dict(id=uid(60), number="FIX-1", subject="Printer jams on the third floor",
             description="Paper tray two jams every morning", status="open", priority="high",
             channel="phone", category="Hardware", requester_id=uid(40), team_id=uid(1),
             assignee_id=uid(21), sla_policy_id=uid(52), opened_at=T0,
             first_response_due_at=T1, resolution_due_at=T2, first_responded_at=T1,
             resolved_at=None, closed_at=None, first_response_minutes=45,
             resolution_minutes=None, sla_breached=False),
        dict(id=uid(61), number="FIX-2", subject="Password reset for payroll system",
             description="", status="resolved", priority="normal", channel="email",
             category="Access", requester_id=uid(40), team_id=uid(1), assignee_id=uid(21),
             sla_policy_id=None, opened_at=T0, first_response_due_at=None,
             resolution_due_at=None, first_responded_at=T1, resolved_at=T2, closed_at=None,
             first_response_minutes=45, resolution_minutes=390, sla_breached=True),
        dict(id=uid(62), number="FIX-3", subject="New starter laptop", description="Monday",
             status="new", priority="low", channel="portal", category="", requester_id=None,
             team_id=None, assignee_id=None, sla_policy_id=None, opened_at=T1,
             first_response_due_at=None, resolution_due_at=None, first_responded_at=None,
             resolved_at=None, closed_at=None, first_response_minutes=None,
             resolution_minutes=None, sla_breached=False),
    ]),
    ("ticket_events", [
        dict(id=uid(70), ticket_id=uid(60), kind="created", author_id=uid(21), body="",
             is_public=False, old_value="", new_value=""),
        dict(id=uid(71), ticket_id=uid(60), kind="reply", author_id=uid(21),
             body="We are sending someone up.", is_public=True, old_value="", new_value=""),
        dict(id=uid(72), ticket_id=uid(61), kind="status", author_id=uid(21), body="",
             is_public=False, old_value="open", new_value="resolved"),
    ]),
    ("tags", [dict(id=uid(80), name="printer"), dict(id=uid(81), name="vip")]),
    ("ticket_tags", [dict(id=uid(82), ticket_id=uid(60), tag_id=uid(80))]),
    ("attachments", [dict(id=uid(83), ticket_id=uid(60), event_id=uid(71),
                          filename="jam.jpg", media_type="image/jpeg", size_bytes=48213,
                          sha256="ab" * 32)]),
    ("satisfaction_ratings", [dict(id=uid(84), ticket_id=uid(61), score=4,
                                   comment="Quick, thanks", rated_at=T2)]),
    ("article_categories", [
        dict(id=uid(100), name="Hardware", parent_id=None, position=0),
        dict(id=uid(101), name="Printers", parent_id=uid(100), position=1),
    ]),
    ("articles", [dict(id=uid(102), title="Clearing a paper jam",
                       body="# Steps\n\nOpen tray two.", summary="Tray two jams",
                       category_id=uid(101), status="published", author_id=uid(20),
                       revision=2, view_count=7)]),
    ("article_revisions", [
        dict(id=uid(103), article_id=uid(102), revision=1, title="Paper jam",
             body="Open the tray.", author_id=uid(20)),
        dict(id=uid(104), article_id=uid(102), revision=2, title="Clearing a paper jam",
             body="# Steps\n\nOpen tray two.", author_id=uid(20)),
    ]),
    ("article_feedback", [dict(id=uid(105), article_id=uid(102), helpful=True,
                               comment="Worked", user_id=uid(21))]),
    ("article_ticket_links", [dict(id=uid(106), article_id=uid(102), ticket_id=uid(60))]),
    ("courses", [dict(id=uid(110), code="SEC-101", title="Security basics",
                      description="Phishing and passwords", duration_minutes=90,
                      certification_months=12)]),
    ("training_sessions", [dict(id=uid(111), course_id=uid(110), trainer_id=uid(20),
                                starts_at=T0, ends_at=T1, location="Room 2", capacity=10)]),
    ("enrolments", [dict(id=uid(112), session_id=uid(111), user_id=uid(21),
                         status="completed")]),
    ("attendance_marks", [dict(id=uid(113), enrolment_id=uid(112), status="present",
                               marked_by=uid(20))]),
    ("certifications", [dict(id=uid(114), user_id=uid(21), course_id=uid(110), issued_at=T1,
                             expires_at=datetime(2027, 1, 5, 10, 15))]),
    ("audit_events", [dict(id=uid(120), kind="change", action="ticket.create",
                           actor_id=uid(21), actor_name="Tina Tech", entity="ticket",
                           entity_id=uid(60), summary="Created FIX-1", device_id=uid(900))]),
    ("sync_state", [dict(key="server_url", value="")]),
]
# fmt: on

REPLICATED = ("created_at", "updated_at", "updated_by", "hlc", "deleted_at")


def _replicated(table: Any, row: dict[str, Any], n: int) -> dict[str, Any]:
    out = dict(row)
    if "hlc" in table.c and "hlc" not in out:
        out.update(
            created_at=T0,
            updated_at=T0,
            updated_by=None,
            deleted_at=None,
            hlc=f"1767605400000-{n:05d}-fixture",
        )
    return out


def build(target: Path) -> None:
    from alembic import command
    from sqlalchemy import MetaData

    from app.data import migrate
    from app.data.database import Database, sqlite_url

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fixture.db"
        db = Database(sqlite_url(path))
        try:
            command.upgrade(migrate.alembic_config(db), REVISION)
            meta = MetaData()
            with db.engine.begin() as conn:
                meta.reflect(conn)
                n = 0
                for name, rows in ROWS:
                    table = meta.tables[name]
                    for row in rows:
                        n += 1
                        conn.execute(table.insert().values(_replicated(table, row, n)))
            assert migrate.current_revision(db) == REVISION
        finally:
            db.dispose()
        con = sqlite3.connect(path)
        try:
            # One self-contained, compact file: no WAL beside it.
            con.execute("PRAGMA journal_mode=DELETE")
            con.execute("PRAGMA page_size=1024")  # small pages: most tables hold a row or two
            con.execute("VACUUM")
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            con.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET
    build(out)
    print(out)
