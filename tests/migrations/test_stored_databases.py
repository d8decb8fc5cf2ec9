"""Databases from released schemas upgrade to head with their rows intact; no model drift."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, func, select, text

from app.data import migrate
from app.data.database import Database, sqlite_url
from app.data.models import (
    Article,
    AttendanceMark,
    Certification,
    Contact,
    Device,
    Ticket,
    TicketEvent,
    User,
    UserRole,
)
from app.domain.enums import AttendanceStatus, Priority, Role, TicketStatus
from app.paths import backup_dir
from app.services import storage
from tests.migrations import make_fixture_db

DATA = Path(__file__).resolve().parent / "data"


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = [name for name, _rows in make_fixture_db.ROWS]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        con.close()


def test_every_stored_database_is_a_known_revision() -> None:
    from alembic.script import ScriptDirectory

    revisions = {
        r.revision for r in ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()
    }
    stored = {p.stem.removeprefix("schema_") for p in DATA.glob("schema_*.sqlite3")}
    assert "0002" in stored
    assert stored <= revisions


def test_stored_database_is_at_its_revision() -> None:
    con = sqlite3.connect(DATA / "schema_0002.sqlite3")
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    finally:
        con.close()


def test_schema_0002_upgrades_with_rows_intact(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    shutil.copyfile(DATA / "schema_0002.sqlite3", path)
    before = _counts(path)
    assert all(before.values()), before  # every main table holds rows

    db, report = storage.open_database(sqlite_url(path))
    try:
        assert report is not None
        assert report.from_revision == "0002"
        assert migrate.current_revision(db) == migrate.head_revision()
        if report.upgraded:
            assert report.backup is not None
            assert report.backup.parent == backup_dir()
    finally:
        db.dispose()
    assert _counts(path) == before

    db = Database(sqlite_url(path))
    db.attach_device()
    try:
        # The device keeps its identity, counter and clock.
        assert db.device_prefix == "FIX"
        assert db.clock is not None
        assert db.clock.last.encode() == "1767605400000-00009-fixture"
        with db.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Device)) == 1
            ticket = session.scalars(select(Ticket).where(Ticket.number == "FIX-1")).one()
            assert ticket.id == uuid.UUID(make_fixture_db.uid(60))
            assert ticket.status is TicketStatus.OPEN
            assert ticket.priority is Priority.HIGH
            assert ticket.opened_at == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
            assert ticket.sla_breached is False
            requester = session.get(Contact, ticket.requester_id)
            assert requester is not None
            assert requester.full_name == "Pat Requester"
            events = session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
            ).all()
            assert {e.body for e in events} == {"", "We are sending someone up."}
            admin = session.scalars(select(User).where(User.username == "admin")).one()
            roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == admin.id)))
            assert roles == {Role.ADMIN, Role.SUPERVISOR}
            article = session.scalars(select(Article)).one()
            assert article.body == "# Steps\n\nOpen tray two."
            mark = session.scalars(select(AttendanceMark)).one()
            assert mark.status is AttendanceStatus.PRESENT
            cert = session.scalars(select(Certification)).one()
            assert cert.expires_at == datetime(2027, 1, 5, 10, 15, tzinfo=UTC)
            # Full-text search still finds rows written before the upgrade.
            rowids = list(
                session.execute(
                    text("SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH 'printer' LIMIT 10")
                ).scalars()
            )
            numbers = session.execute(
                text("SELECT number FROM tickets WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": rowids},
            ).scalars()
            assert list(numbers) == ["FIX-1"]
        # New work continues the device's numbering and clock.
        from app.data.repos.device import next_ticket_number

        with db.session() as session:
            assert next_ticket_number(session) == "FIX-4"
            session.add(Ticket(number="FIX-4", subject="After upgrade", opened_at=ticket.opened_at))
            session.flush()
            stamp = session.scalars(select(Ticket.hlc).where(Ticket.number == "FIX-4")).one()
        assert stamp > "1767605400000-00009-fixture"
        assert migrate.schema_differences(db) == []
    finally:
        db.dispose()


def test_schema_differences_empty_on_fresh_sqlite(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "fresh.db"))
    try:
        migrate.upgrade(db)
        assert migrate.schema_differences(db) == []
    finally:
        db.dispose()


@pytest.mark.postgres
def test_schema_differences_empty_on_fresh_postgresql(pg_empty_url: str) -> None:
    db = Database(pg_empty_url)
    try:
        report = migrate.prepare(db, None)
        assert report.from_revision is None
        assert report.backup is None
        assert migrate.schema_differences(db) == []
    finally:
        db.dispose()


def test_schema_differences_notice_a_missing_index(tmp_path: Path) -> None:
    # The drift check must be able to fail: drop an index the models declare.
    db = Database(sqlite_url(tmp_path / "fresh.db"))
    try:
        migrate.upgrade(db)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_tickets_opened_at")
        differences = migrate.schema_differences(db)
        assert differences
        assert "ix_tickets_opened_at" in str(differences)
    finally:
        db.dispose()


def _contents(path: Path) -> tuple[list[tuple[str, str, str]], dict[str, list[tuple[object, ...]]]]:
    con = sqlite3.connect(path)
    try:
        ddl = con.execute(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        tables = [name for name, _rows in make_fixture_db.ROWS]
        rows = {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
        return ddl, rows
    finally:
        con.close()


def test_stored_file_matches_what_the_generator_makes(tmp_path: Path) -> None:
    """Same schema and rows as a fresh build: the file is not stale and the script still works.

    Before the first release, migration 0001 is regenerated from the models; when this test
    fails after that, re-run ``uv run python tests/migrations/make_fixture_db.py``.
    """
    target = tmp_path / "again.sqlite3"
    make_fixture_db.build(target)
    fresh_ddl, fresh_rows = _contents(target)
    stored_ddl, stored_rows = _contents(DATA / "schema_0002.sqlite3")
    assert stored_ddl == fresh_ddl, "schema_0002.sqlite3 is stale: re-run make_fixture_db.py"
    assert stored_rows == fresh_rows
