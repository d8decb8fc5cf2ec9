"""Replication between real SQLite desktops and the real PostgreSQL server, and its faults."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text

from app.data import migrate
from app.data.database import Database
from app.data.models import Contact, OutboxEntry
from app.data.repos import sync as repo
from app.sync.engine import SyncEngine
from app.sync.errors import NotConnectedError, SchemaMismatchError
from tests.sync.conftest import Desktop, connect
from tests.sync.helpers import conflicts, diff, pending, snapshot

pytestmark = pytest.mark.postgres


def _contact(db: Database, **values: object) -> uuid.UUID:
    with db.session() as s:
        c = Contact(full_name="Ann", **values)
        s.add(c)
    return c.id


def _set(db: Database, row_id: uuid.UUID, **values: object) -> None:
    with db.session() as s:
        obj = s.get(Contact, row_id)
        assert obj is not None
        for k, v in values.items():
            setattr(obj, k, v)


def _get(db: Database, row_id: uuid.UUID) -> Contact:
    with db.read_session() as s:
        obj = s.get(Contact, row_id)
        assert obj is not None
        return obj


def _assert_equal(server: Database, *desktops: Database) -> None:
    expected = snapshot(server)
    for d in desktops:
        mine = snapshot(d)
        assert mine == expected, diff(mine, expected)


def test_capture_writes_outbox_in_the_same_transaction(make_desktop: Desktop) -> None:
    a = make_desktop("a")
    cid = _contact(a, email="a@x")
    _set(a, cid, phone="1")
    with a.read_session() as s:
        entries = s.query(OutboxEntry).order_by(OutboxEntry.seq).all()
    assert [e.op for e in entries] == ["insert", "update"]
    assert json.loads(entries[0].fields)["email"] == "a@x"
    changed = json.loads(entries[1].fields)
    assert changed["phone"] == "1"
    assert "email" not in changed
    assert "updated_at" in changed
    assert entries[0].tx_id != entries[1].tx_id

    def failing_unit_of_work() -> None:
        with a.session() as s:
            s.add(Contact(full_name="Bob"))
            s.flush()
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        failing_unit_of_work()
    assert pending(a) == 2  # the failed unit of work left no entry behind


def test_sync_needs_connect(make_desktop: Desktop, server: Database) -> None:
    with pytest.raises(NotConnectedError):
        SyncEngine(make_desktop("a"), server).sync_once()


def test_connect_uploads_bulk_rows_and_downloads_the_servers(
    make_desktop: Desktop, server: Database
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    bulk_id = uuid.uuid4()
    now = datetime.now(UTC)
    with a.session() as s:  # a Core insert bypasses the capture, like the demo builder
        s.execute(
            insert(Contact).values(id=bulk_id, full_name="Bulk", created_at=now, updated_at=now)
        )
    with server.session() as s:  # a row written on the server without replication
        s.execute(
            insert(Contact).values(
                id=(srv := uuid.uuid4()), full_name="Srv", created_at=now, updated_at=now
            )
        )
    local_edit = _contact(b, email="kept@x")
    report = connect(a, server)
    assert report is not None
    connect(b, server)
    connect(a, server).sync_once()
    _assert_equal(server, a, b)
    assert _get(b, bulk_id).full_name == "Bulk"
    assert _get(a, srv).full_name == "Srv"
    assert _get(a, local_edit).email == "kept@x"
    assert pending(a) == pending(b) == 0


def test_concurrent_edits_of_a_sensitive_field_keep_both_values(
    make_desktop: Desktop, server: Database
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    cid = _contact(a, email="x@x")
    ea.sync_once(), eb.sync_once()
    _set(a, cid, phone="111")
    _set(b, cid, phone="222")
    eb.sync_once(), ea.sync_once(), eb.sync_once()
    _assert_equal(server, a, b)
    found = conflicts(server)
    assert len(found) == 1
    (c,) = found
    assert {json.loads(c[5]), json.loads(c[6])} == {"111", "222"}
    assert json.loads(c[5]) == _get(server, cid).phone
    assert conflicts(a) == conflicts(b) == found


def test_sequential_edits_are_no_conflict(make_desktop: Desktop, server: Database) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    cid = _contact(a)
    ea.sync_once(), eb.sync_once()
    _set(a, cid, phone="1")
    ea.sync_once(), eb.sync_once()
    _set(b, cid, phone="2")  # b had seen "1"
    eb.sync_once(), ea.sync_once()
    assert _get(a, cid).phone == "2"
    assert conflicts(server) == set()


def test_edit_of_a_deleted_row_is_a_conflict_and_the_row_stays_deleted(
    make_desktop: Desktop, server: Database
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    cid = _contact(a)
    ea.sync_once(), eb.sync_once()
    _set(a, cid, deleted_at=datetime.now(UTC))
    _set(b, cid, phone="555")
    ea.sync_once(), eb.sync_once(), ea.sync_once()
    _assert_equal(server, a, b)
    assert _get(b, cid).deleted_at is not None
    kinds = [(c[4], json.loads(c[6])) for c in conflicts(server)]
    assert kinds == [("deleted", {"phone": "555"})]


def test_crash_between_push_and_acknowledgement_applies_once(
    make_desktop: Desktop, server: Database
) -> None:
    a = make_desktop("a")
    crash = {"at": "push:before-ack"}

    def fault(point: str) -> None:
        if crash["at"] == point:
            crash["at"] = ""
            raise ConnectionError(point)

    ea = connect(a, server, fault=fault)
    cid = _contact(a)
    _set(a, cid, phone="1")
    with pytest.raises(ConnectionError):
        ea.sync_once()
    assert pending(a) == 2  # not acknowledged: kept
    report = ea.sync_once()
    assert report.pushed == 0  # the server already had both
    with server.read_session() as s:
        assert repo.log_size(s) == 2
    assert pending(a) == 0
    _assert_equal(server, a)


def test_connection_dropped_mid_batch_resumes_without_duplicates(
    make_desktop: Desktop, server: Database
) -> None:
    a = make_desktop("a")
    state = {"n": 0}

    def fault(point: str) -> None:
        if point == "push:entry-applied":
            state["n"] += 1
            if state["n"] == 3:
                # Kill this server session from outside, as a network drop would.
                with server.engine.connect() as other:
                    other.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                            "AND state = 'idle in transaction'"
                        )
                    )
                raise ConnectionError("dropped")

    ea = connect(a, server, fault=fault, batch_size=50)
    ids = [_contact(a, email=f"{n}@x") for n in range(5)]
    with pytest.raises(Exception):  # noqa: B017, PT011  (driver error or ours)
        ea.sync_once()
    with server.read_session() as s:
        assert repo.log_size(s) == 0  # the batch's transaction rolled back as a whole
    ea.fault = None
    ea.sync_once()
    with server.read_session() as s:
        assert repo.log_size(s) == 5
    _assert_equal(server, a)
    assert set(ids) <= set(snapshot(server)["contacts"])


def test_desktop_killed_mid_pull_resumes(make_desktop: Desktop, server: Database) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea = connect(a, server)
    for n in range(12):
        _contact(a, email=f"{n}@x")
    ea.sync_once()
    pages = {"n": 0}

    def fault(point: str) -> None:
        if point == "pull:row-applied":
            pages["n"] += 1
            if pages["n"] == 2:
                raise KeyboardInterrupt  # the process dies with page two half applied

    eb = SyncEngine(b, server, page_size=5, fault=fault)
    with pytest.raises(KeyboardInterrupt):
        eb.connect(server.display_url)
    # The first page was committed with its cursor; the half-applied one rolled back.
    assert len(snapshot(b)["contacts"]) == 5
    eb.sync_once()
    _assert_equal(server, a, b)


def test_pull_cursor_waits_for_a_late_committing_transaction(
    make_desktop: Desktop, server: Database
) -> None:
    """A change committed after a later one must still be pulled (xid8 snapshot cursor)."""
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    first = _contact(a, email="early@x")
    late_started = threading.Event()
    release = threading.Event()

    def slow(point: str) -> None:
        if point == "push:entry-applied":
            late_started.set()
            release.wait(10)

    ea.fault = slow
    worker = threading.Thread(target=ea.sync_once)
    worker.start()
    assert late_started.wait(10)
    # Meanwhile another desktop pushes and commits a later transaction, and pulls.
    _contact(b, email="later@x")
    eb.sync_once()
    assert first not in snapshot(b)["contacts"]
    release.set()
    worker.join(10)
    eb.sync_once()
    assert first in snapshot(b)["contacts"]  # not skipped by the cursor
    ea.fault = None
    ea.sync_once()
    _assert_equal(server, a, b)


def test_schema_mismatch_refuses_and_keeps_the_outbox(
    make_desktop: Desktop, server: Database
) -> None:
    a = make_desktop("a")
    ea = connect(a, server)
    _contact(a)
    head = migrate.current_revision(server)
    with server.session() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(SchemaMismatchError, match="1 edit"):
        ea.sync_once()
    assert pending(a) == 1
    with server.session() as s:
        s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    ea.sync_once()
    assert pending(a) == 0


def test_edits_made_directly_on_the_server_reach_desktops(
    make_desktop: Desktop, server: Database
) -> None:
    a = make_desktop("a")
    ea = connect(a, server)
    cid = _contact(a)
    ea.sync_once()
    with server.session() as s:  # shared mode: the app itself runs on PostgreSQL
        obj = s.get(Contact, cid)
        assert obj is not None
        obj.phone = "from-server"
    ea.sync_once()
    assert _get(a, cid).phone == "from-server"
    _assert_equal(server, a)
