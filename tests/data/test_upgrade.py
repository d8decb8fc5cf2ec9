"""Opening a database made by an older SupportDesk: backup first, upgrade, rows intact."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import bindparam, select, text

from app.data import migrate
from app.data.database import Database, sqlite_url
from app.data.models import Contact, Organisation, Ticket
from app.domain.enums import Priority
from app.paths import backup_dir
from app.services import storage


def _database_at_0001(path: Path) -> None:
    db = Database(sqlite_url(path))
    command.upgrade(migrate.alembic_config(db), "0001")
    db.attach_device()
    with db.session() as session:
        org = Organisation(name="Acme Ltd")
        session.add(org)
        session.flush()
        contact = Contact(full_name="Pat Requester", organisation_id=org.id)
        session.add(contact)
        session.flush()
        # Raw SQL: the mapped Ticket has columns that revision 0001 does not.
        session.execute(
            text(
                "INSERT INTO tickets (id, number, subject, description, status, priority, "
                "channel, category, requester_id, opened_at, sla_breached, created_at, "
                "updated_at, hlc) VALUES (:id, 'OLD-1', 'Printer jams on the third floor', "
                "'Paper tray two', 'new', 'high', 'email', '', :requester, "
                "'2026-01-05 09:30:00.000000', 0, '2026-01-05 09:30:00.000000', "
                "'2026-01-05 09:30:00.000000', '')"
            ),
            {"id": uuid.uuid4().hex, "requester": contact.id.hex},
        )
    assert migrate.current_revision(db) == "0001"
    db.dispose()


def test_open_upgrades_with_backup_and_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _database_at_0001(path)
    db, report = storage.open_database(sqlite_url(path))
    try:
        assert report is not None
        assert report.from_revision == "0001"
        assert report.to_revision == migrate.head_revision()
        assert report.upgraded
        assert migrate.current_revision(db) == migrate.head_revision()

        # The backup sits in the backups folder and is the database as it was.
        assert report.backup is not None
        assert report.backup.parent == backup_dir()
        assert list(backup_dir().iterdir()) == [report.backup]
        con = sqlite3.connect(report.backup)
        try:
            assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
            assert con.execute("SELECT subject FROM tickets").fetchall() == [
                ("Printer jams on the third floor",)
            ]
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            con.close()

        with db.read_session() as session:
            ticket = session.scalars(select(Ticket)).one()
            assert ticket.number == "OLD-1"
            assert ticket.priority is Priority.HIGH
            assert ticket.opened_at == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
            contact = session.get(Contact, ticket.requester_id)
            assert contact is not None
            assert contact.full_name == "Pat Requester"
            # The ticket written before full-text search existed is found by it.
            rowids = (
                session.execute(
                    text("SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :q LIMIT 10"),
                    {"q": "printer"},
                )
                .scalars()
                .all()
            )
            found = (
                session.execute(
                    text("SELECT number FROM tickets WHERE rowid IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": list(rowids)},
                )
                .scalars()
                .all()
            )
            assert found == ["OLD-1"]
        assert migrate.schema_differences(db) == []
    finally:
        db.dispose()


def test_second_open_does_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _database_at_0001(path)
    db, _ = storage.open_database(sqlite_url(path))
    db.dispose()
    db, report = storage.open_database(sqlite_url(path))
    db.dispose()
    assert report is not None
    assert not report.upgraded
    assert report.backup is None
    assert len(list(backup_dir().iterdir())) == 1


def test_a_new_file_needs_no_backup(tmp_path: Path) -> None:
    db, report = storage.open_database(sqlite_url(tmp_path / "new.db"))
    db.dispose()
    assert report is not None
    assert report.from_revision is None
    assert report.backup is None
    assert list(backup_dir().iterdir()) == []


def test_upgrade_false_leaves_an_old_database_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _database_at_0001(path)
    db, report = storage.open_database(sqlite_url(path), upgrade=False)
    try:
        assert report is None
        assert migrate.current_revision(db) == "0001"
    finally:
        db.dispose()
    assert storage.revisions(sqlite_url(path)) == ("0001", migrate.head_revision())
