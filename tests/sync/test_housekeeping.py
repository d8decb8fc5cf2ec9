"""Device prefixes, unique-value clashes, conflict base values, attachment blobs, tombstone purge.

Real SQLite desktops and the real PostgreSQL server, like test_replication.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text, update

from app.data.database import Database
from app.data.models import Contact, Tag, Ticket, TicketTag, User
from app.data.models.local import Device
from app.data.models.sync import ChangeLogEntry, SyncPeer
from app.data.models.tickets import Attachment, AttachmentBlob
from app.data.repos import device as device_repo
from app.domain.ids import device_prefix
from app.sync.engine import SyncEngine
from tests.sync.conftest import Desktop, connect
from tests.sync.helpers import conflicts, diff, snapshot, wait_log_visible

pytestmark = pytest.mark.postgres


def _assert_equal(server: Database, *desktops: Database) -> None:
    expected = snapshot(server)
    for d in desktops:
        mine = snapshot(d)
        assert mine == expected, diff(mine, expected)


def _rounds(*engines: SyncEngine, times: int = 2) -> None:
    for _ in range(times):
        for e in engines:
            wait_log_visible(e.server)
            e.sync_once()


# --- 1. server-assigned device prefixes -------------------------------------------------------


def test_each_desktop_gets_a_unique_prefix_and_old_numbers_stay(
    make_desktop: Desktop, server: Database
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    with a.session() as s:
        before = device_repo.next_ticket_number(s)
        s.add(Ticket(number=before, subject="offline", opened_at=datetime.now(UTC)))
    # Another desktop already holds a's own derived prefix: a must get a different one.
    taken = device_prefix(uuid.UUID(a.device_id))
    with server.session() as s:
        s.execute(insert(SyncPeer).values(device_id="someone-else", last_seq=0, prefix=taken))
    connect(a, server), connect(b, server)
    with server.read_session() as s:
        peers = dict(s.execute(select(SyncPeer.device_id, SyncPeer.prefix)).all())
    assert peers[a.device_id] not in (None, taken)
    assert peers[b.device_id] == device_prefix(uuid.UUID(b.device_id))  # free: kept
    assert len(set(peers.values())) == len(peers)
    for db in (a, b):
        with db.read_session() as s:
            stored = s.scalars(select(Device.prefix)).one()
        assert stored == db.device_prefix == peers[db.device_id]
    with a.session() as s:
        after = device_repo.next_ticket_number(s)
    assert after.startswith(peers[a.device_id] + "-")
    with a.read_session() as s:
        numbers = set(s.scalars(select(Ticket.number)))
    assert before in numbers  # the ticket numbered offline keeps its number
    assert before.startswith(taken + "-")


# --- 2. unique-value clashes ------------------------------------------------------------------


def test_same_unique_values_created_offline_do_not_stall_and_converge(
    make_desktop: Desktop, server: Database
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    with a.session() as s:
        ticket = Ticket(number="T-1", subject="shared", opened_at=datetime.now(UTC))
        shared_tag = Tag(name="shared")
        s.add_all([ticket, shared_tag])
    _rounds(ea, eb, times=1)
    for db, who in ((a, "a"), (b, "b")):
        with db.session() as s:
            s.add(Tag(name="printer"))
            s.add(Ticket(number="SAME-1", subject=f"from {who}", opened_at=datetime.now(UTC)))
            s.add(User(username="sam", full_name=f"Sam {who}", password_hash="x"))
            # The same fact twice: one tag on one ticket.
            s.add(TicketTag(ticket_id=ticket.id, tag_id=shared_tag.id))
    eb.sync_once()
    report = ea.sync_once()  # would stall on the unique constraints without the careful path
    assert report.pushed > 0
    _rounds(ea, eb)
    _assert_equal(server, a, b)
    with server.read_session() as s:
        tags = sorted(s.scalars(select(Tag.name)))
        numbers = sorted(s.scalars(select(Ticket.number).where(Ticket.number.like("SAME%"))))
        users = sorted(s.scalars(select(User.username).where(User.username.like("sam%"))))
        links = s.scalars(
            select(TicketTag.id).where(
                TicketTag.ticket_id == ticket.id, TicketTag.tag_id == shared_tag.id
            )
        ).all()
    assert tags == ["printer", "printer (2)", "shared"]
    assert numbers == ["SAME-1", "SAME-1-2"]
    assert users == ["sam", "sam-2"]
    assert len(links) == 1  # the duplicate was dropped everywhere
    kinds = [c for c in conflicts(server) if c[4] == "unique"]
    assert {(c[1], c[3]) for c in kinds} == {
        ("tags", "name"),
        ("tickets", "number"),
        ("users", "username"),
    }
    assert conflicts(a) == conflicts(b) == conflicts(server)
    renamed = next(c for c in kinds if c[1] == "tags")
    assert json.loads(renamed[5]) == "printer (2)"
    assert json.loads(renamed[6]) == "printer"


def test_a_pulled_value_clashing_with_an_unpushed_local_row_is_settled(
    make_desktop: Desktop, server: Database
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    with a.session() as s:
        s.add(Tag(name="wifi"))
    ea.sync_once()
    with b.session() as s:
        s.add(Tag(name="wifi"))  # not pushed yet when the pull brings a's
    eb.pull()  # b moves its own row aside for now
    _rounds(eb, ea)
    _assert_equal(server, a, b)
    with b.read_session() as s:
        assert sorted(s.scalars(select(Tag.name))) == ["wifi", "wifi (2)"]


# --- 3. conflict base values -----------------------------------------------------------------


def test_conflict_keeps_the_value_both_edits_started_from(
    make_desktop: Desktop, server: Database
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    with a.session() as s:
        c = Contact(full_name="Ann", phone="000")
        s.add(c)
    _rounds(ea, eb, times=1)
    for db, phone in ((a, "111"), (b, "222")):
        with db.session() as s:
            obj = s.get(Contact, c.id)
            assert obj is not None
            obj.phone = phone
    _rounds(ea, eb)
    with server.read_session() as s:
        from app.data.repos import sync as repo

        (found,) = repo.list_conflicts(s)
    assert found.field == "phone"
    assert json.loads(found.base_value) == "000"
    assert {json.loads(found.winner_value), json.loads(found.loser_value)} == {"111", "222"}


# --- 4. attachment blobs ---------------------------------------------------------------------


def _attach(db: Database, ticket_id: uuid.UUID, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    with db.session() as s:
        if s.get(AttachmentBlob, sha) is None:
            s.add(AttachmentBlob(sha256=sha, size_bytes=len(data), data=data))
        s.add(Attachment(ticket_id=ticket_id, filename="f.bin", size_bytes=len(data), sha256=sha))
    return sha


def _blob_hashes(db: Database) -> set[str]:
    with db.read_session() as s:
        return set(s.scalars(select(AttachmentBlob.sha256)))


def test_blobs_travel_only_when_missing_on_the_other_side(
    make_desktop: Desktop, server: Database
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    with a.session() as s:
        t = Ticket(number="B-1", subject="files", opened_at=datetime.now(UTC))
        s.add(t)
    big = bytes(range(256)) * 40_000  # ~10 MB: a batch of its own
    small = b"hello"
    sha_big, sha_small = _attach(a, t.id, big), _attach(a, t.id, small)
    report = ea.sync_once()
    assert report.blobs_sent == 2
    assert _blob_hashes(server) == {sha_big, sha_small}
    assert ea.sync_once().blobs_sent == 0  # already there
    report = eb.sync_once()
    assert report.blobs_received == 2
    with b.read_session() as s:
        blob = s.get(AttachmentBlob, sha_big)
        assert blob is not None
        assert blob.data == big
    assert eb.sync_once().blobs_received == 0
    # b attaches the same bytes again: nothing travels, a already has them.
    _attach(b, t.id, small)
    assert eb.sync_once().blobs_sent == 0
    # Parallel tests on the shared server can hold a pull back for a moment: wait until b's
    # attachment row is visible, then a's pull brings the row but no bytes.
    wait_log_visible(ea.server)
    assert ea.sync_once().blobs_received == 0
    _rounds(ea, eb, times=1)
    _assert_equal(server, a, b)


# --- 7. tombstone purge ----------------------------------------------------------------------


def test_tombstones_are_purged_below_every_active_cursor_and_a_stale_desktop_redownloads(
    make_desktop: Desktop, server: Database
) -> None:
    a, b, c = make_desktop("a"), make_desktop("b"), make_desktop("c")
    ea, eb, ec = connect(a, server), connect(b, server), connect(c, server)
    with a.session() as s:
        gone, kept = Contact(full_name="Gone"), Contact(full_name="Kept")
        s.add_all([gone, kept])
    _rounds(ea, eb, ec, times=1)
    with a.session() as s:
        obj = s.get(Contact, gone.id)
        assert obj is not None
        obj.deleted_at = datetime.now(UTC)
    _rounds(ea, eb, times=1)
    # Nothing goes while an active desktop (c) has not pulled the tombstone.
    assert ea.purge_tombstones(force=True) == 0
    # c stays away past the limit: it no longer holds the purge back.
    with server.session() as s:
        s.execute(
            update(SyncPeer)
            .where(SyncPeer.device_id == c.device_id)
            .values(updated_at=datetime.now(UTC) - timedelta(days=45))
        )
    ea.sync_once()  # a reports a cursor past the tombstone
    assert ea.purge_tombstones(force=True) == 1
    with server.read_session() as s:
        assert s.get(Contact, gone.id) is None
        logged = s.scalars(select(ChangeLogEntry.id).where(ChangeLogEntry.row_id == gone.id))
        assert logged.all() == []
    # The active desktops drop their tombstone too.
    report = eb.sync_once()
    assert report.purged == 1
    with b.read_session() as s:
        assert s.get(Contact, gone.id) is None
    # c comes back with the row still alive and an edit of it waiting: it takes a fresh
    # copy instead of bringing the row back, and its edit is kept as a conflict.
    with c.session() as s:
        obj = s.get(Contact, gone.id)
        assert obj is not None
        assert obj.deleted_at is None
        obj.phone = "555"
    report = ec.sync_once()
    assert report.redownloaded
    with c.read_session() as s:
        assert s.get(Contact, gone.id) is None
        assert s.get(Contact, kept.id) is not None
    _rounds(ea, eb, ec, times=1)
    _assert_equal(server, a, b, c)
    edits = [json.loads(x[6]) for x in conflicts(server) if x[4] == "deleted"]
    assert edits == [{"phone": "555"}]


def test_cursor_is_reported_on_each_sync(make_desktop: Desktop, server: Database) -> None:
    a = make_desktop("a")
    ea = connect(a, server)
    with a.session() as s:
        s.add(Contact(full_name="X"))
    ea.sync_once()
    with server.read_session() as s:
        peer = s.get(SyncPeer, a.device_id)
        top = s.execute(
            text("SELECT max(tx_xid)::text::bigint, max(id) FROM sync_change_log")
        ).one()
    assert peer is not None
    assert (peer.pulled_xid, peer.pulled_id) == (top[0], top[1])
