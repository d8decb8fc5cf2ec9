"""Conversation extras on SQLite and PostgreSQL: canned responses, attachments, articles,
time entries, ratings, merging and linking tickets."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from app.data.models.audit import AuditEvent
from app.data.models.knowledge import Article
from app.data.models.people import Contact, Organisation
from app.data.models.tickets import (
    Attachment,
    AttachmentBlob,
    SatisfactionRating,
    Ticket,
    TicketEvent,
    TicketLink,
    TimeEntry,
)
from app.domain.enums import ArticleStatus, Role, TicketEventKind, TicketStatus
from app.domain.permissions import PermissionDeniedError
from app.errors import NotFoundError, ValidationError
from app.services.base import Area
from app.services.conversation_service import (
    MAX_ATTACHMENT_BYTES,
    ConversationService,
)
from app.services.people_service import AuthService
from app.services.registry import Services
from tests.conftest import ADMIN_PASSWORD


def _count(services: Services, model: type, *where: object) -> int:
    with services.db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _ticket(
    services: Services, subject: str = "Printer jams", *, requester: bool = True
) -> uuid.UUID:
    requester_id = None
    if requester:
        with services.db.session() as s:
            org = Organisation(name=f"Acme {uuid.uuid4().hex[:6]}")
            s.add(org)
            s.flush()
            contact = Contact(
                full_name="Rita van Dam", email="rita@example.org", organisation_id=org.id
            )
            s.add(contact)
            s.flush()
            requester_id = contact.id
    ticket_id, _ = services.tickets.create(subject, requester_id=requester_id)
    return ticket_id


def _events(services: Services, ticket_id: uuid.UUID, kind: TicketEventKind) -> list[TicketEvent]:
    with services.db.read_session() as s:
        return list(
            s.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == kind)
                .order_by(TicketEvent.created_at)
            )
        )


def _ticket_row(services: Services, ticket_id: uuid.UUID) -> Ticket:
    with services.db.read_session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        s.expunge(ticket)
        return ticket


def _person(services: Services, username: str, role: Role) -> ConversationService:
    services.people.create_person(
        username=username, full_name=username.title(), email="", password=ADMIN_PASSWORD,
        roles=frozenset({role}),
    )  # fmt: skip
    return ConversationService(services.db, AuthService(services.db).principal_for(username))


def _last_audit(services: Services) -> str:
    return services.people.audit_page(0, 1)[0].action


# --- canned responses -----------------------------------------------------------------------------


def test_canned_responses_render_placeholders_and_respect_owners(any_services: Services) -> None:
    conv = any_services.conversation
    ticket_id = _ticket(any_services)
    number = any_services.tickets.get(ticket_id).number
    shared_id = conv.save_canned(
        "  Password   reset ",
        "Hi {requester.first_name} ({requester.name}, {requester.email}, {organisation.name}),\n"
        "about {ticket.number} '{ticket.subject}': done. {unknown.thing} — {agent.name}",
        shared=True,
    )
    mine_id = conv.save_canned("alpha personal", "Note for {requester.name}")
    assert _last_audit(any_services) == "canned.create"
    views = conv.canned_responses()
    assert [(v.title, v.shared) for v in views] == [
        ("alpha personal", False),
        ("Password reset", True),
    ]
    text = conv.render_canned(shared_id, ticket_id)
    assert text.startswith("Hi Rita (Rita van Dam, rita@example.org, Acme ")
    assert f"about {number} 'Printer jams': done. {{unknown.thing}} — Ada Admin" in text

    # Without a requester the known placeholders are empty; unknown ones still stay.
    bare = _ticket(any_services, "No requester", requester=False)
    assert conv.render_canned(mine_id, bare) == "Note for "

    # A technician sees the shared response, not the admin's personal one.
    tech = _person(any_services, "tom", Role.TECHNICIAN)
    assert [v.id for v in tech.canned_responses()] == [shared_id]
    with pytest.raises(NotFoundError):
        tech.render_canned(mine_id, ticket_id)
    with pytest.raises(NotFoundError):
        tech.delete_canned(mine_id)
    assert "Tom" in tech.render_canned(shared_id, ticket_id)  # agent = whoever renders

    # Editing keeps the id; sharing it moves it to the team.
    assert conv.save_canned("Beta", "New body", shared=True, canned_id=mine_id) == mine_id
    assert _last_audit(any_services) == "canned.update"
    assert {v.title for v in tech.canned_responses()} == {"Beta", "Password reset"}

    changes = conv.delete_canned(mine_id)
    assert changes.touches(Area.TICKETS)
    assert [v.id for v in conv.canned_responses()] == [shared_id]
    with pytest.raises(NotFoundError):
        conv.render_canned(mine_id, ticket_id)
    with pytest.raises(NotFoundError):
        conv.render_canned(shared_id, uuid.uuid4())


def test_canned_response_refusals(any_services: Services) -> None:
    conv = any_services.conversation
    with pytest.raises(ValidationError, match="title"):
        conv.save_canned("   ", "body")
    with pytest.raises(ValidationError, match="text"):
        conv.save_canned("Title", "  \n ")
    with pytest.raises(ValidationError, match="under 120"):
        conv.save_canned("x" * 121, "body")
    with pytest.raises(NotFoundError):
        conv.save_canned("Title", "body", canned_id=uuid.uuid4())
    assert conv.canned_responses() == []


# --- attachments ----------------------------------------------------------------------------------


def test_attach_bytes_stores_blob_once_and_reads_back(
    any_services: Services, tmp_path: Path
) -> None:
    conv = any_services.conversation
    first, second = _ticket(any_services), _ticket(any_services, "Second")
    data = b"%PDF-1.4 fake report\n" * 100
    view = conv.attach_bytes(first, "report.pdf", data)
    assert view.filename == "report.pdf"
    assert view.size_bytes == len(data)
    assert view.media_type == "application/pdf"
    assert view.sha256 == hashlib.sha256(data).hexdigest()
    assert view.available
    assert view.changes.touches(Area.TICKETS)
    assert first in view.changes.ids
    assert _last_audit(any_services) == "ticket.attach"
    events = _events(any_services, first, TicketEventKind.ATTACHMENT)
    assert [e.new_value for e in events] == ["report.pdf"]

    # The same bytes again, on this ticket and on another: one blob, three attachments.
    again = conv.attach_bytes(first, "copy of report.pdf", data)
    conv.attach_bytes(second, "report.pdf", data)
    assert again.id != view.id
    assert _count(any_services, AttachmentBlob) == 1
    assert _count(any_services, Attachment) == 3

    listed = conv.attachments(first)
    assert [a.filename for a in listed] == ["report.pdf", "copy of report.pdf"]
    assert listed[0] == view  # `changes` is not part of equality
    assert conv.attachment_bytes(view.id) == data

    target = tmp_path / "saved.pdf"
    target.write_bytes(b"old content")
    conv.save_attachment(view.id, target)
    assert target.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".supportdesk")) == []
    with pytest.raises(ValidationError, match="Could not save"):
        conv.save_attachment(view.id, tmp_path / "no such folder" / "x.pdf")


def test_oversize_attachment_is_refused_and_nothing_is_written(
    any_services: Services, tmp_path: Path
) -> None:
    conv = any_services.conversation
    ticket_id = _ticket(any_services)
    before = (
        _count(any_services, AttachmentBlob),
        _count(any_services, Attachment),
        _count(any_services, TicketEvent),
        _count(any_services, AuditEvent),
    )
    with pytest.raises(ValidationError, match=r"huge.iso is 25\.0 MB, over the 25 MB limit"):
        conv.attach_bytes(ticket_id, "huge.iso", b"\0" * (MAX_ATTACHMENT_BYTES + 1))
    big = tmp_path / "huge.bin"
    with big.open("wb") as fh:  # sparse: no 25 MB written to disk
        fh.truncate(MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(ValidationError, match=r"huge\.bin is 25\.0 MB"):
        conv.attach_file(ticket_id, big)
    after = (
        _count(any_services, AttachmentBlob),
        _count(any_services, Attachment),
        _count(any_services, TicketEvent),
        _count(any_services, AuditEvent),
    )
    assert after == before
    assert conv.attachments(ticket_id) == []

    # Exactly the limit is fine.
    with big.open("r+b") as fh:
        fh.truncate(MAX_ATTACHMENT_BYTES)
    view = conv.attach_file(ticket_id, big)
    assert view.size_bytes == MAX_ATTACHMENT_BYTES
    assert view.media_type == "application/octet-stream"
    assert len(conv.attachment_bytes(view.id)) == MAX_ATTACHMENT_BYTES


def test_empty_missing_folder_and_closed_refusals(any_services: Services, tmp_path: Path) -> None:
    conv = any_services.conversation
    ticket_id = _ticket(any_services)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match=r"empty\.txt is empty"):
        conv.attach_file(ticket_id, empty)
    with pytest.raises(ValidationError, match="is empty"):
        conv.attach_bytes(ticket_id, "x.txt", b"")
    with pytest.raises(ValidationError, match="not there any more"):
        conv.attach_file(ticket_id, tmp_path / "gone.txt")
    with pytest.raises(ValidationError, match="is a folder"):
        conv.attach_file(ticket_id, tmp_path)
    with pytest.raises(ValidationError, match="has no name"):
        conv.attach_bytes(ticket_id, "  ../", b"data")
    with pytest.raises(NotFoundError):
        conv.attach_bytes(uuid.uuid4(), "x.txt", b"data")

    any_services.tickets.change_status(ticket_id, TicketStatus.CLOSED)
    with pytest.raises(ValidationError, match="closed ticket"):
        conv.attach_bytes(ticket_id, "late.txt", b"late data")
    assert _count(any_services, AttachmentBlob) == 0
    assert _count(any_services, Attachment) == 0


def test_unreadable_file_is_refused(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = _ticket(services)
    locked = tmp_path / "secret.txt"
    locked.write_bytes(b"secret")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Root reads any file whatever its mode: refuse the open as the OS would.
        real_open = Path.open

        def refusing_open(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", refusing_open)
    else:
        locked.chmod(0)
    try:
        with pytest.raises(ValidationError, match=r"secret.txt could not be read \(Permission"):
            services.conversation.attach_file(ticket_id, locked)
    finally:
        locked.chmod(0o600)
    assert _count(services, Attachment) == 0


def test_pipe_is_not_an_ordinary_file(services: Services, tmp_path: Path) -> None:
    ticket_id = _ticket(services)
    path = tmp_path / "pipe"
    os.mkfifo(path)  # opening a pipe would block until a writer comes
    with pytest.raises(ValidationError, match="pipe is not an ordinary file"):
        services.conversation.attach_file(ticket_id, path)


def test_file_name_is_cleaned_and_media_type_guessed(services: Services, tmp_path: Path) -> None:
    conv = services.conversation
    ticket_id = _ticket(services)
    view = conv.attach_bytes(ticket_id, "..\\..\\Windows\\notes.txt", b"hello")
    assert view.filename == "notes.txt"
    assert view.media_type == "text/plain"
    photo = tmp_path / "photo.PNG"
    photo.write_bytes(b"\x89PNG not really")
    assert conv.attach_file(ticket_id, photo).media_type == "image/png"
    long_name = "a" * 300 + ".docx"
    assert conv.attach_bytes(ticket_id, long_name, b"doc").filename.endswith("a.docx")


def test_attachment_whose_blob_has_not_arrived(any_services: Services) -> None:
    conv = any_services.conversation
    ticket_id = _ticket(any_services)
    view = conv.attach_bytes(ticket_id, "log.txt", b"line 1\n")
    with any_services.db.session() as s:  # as if the row came by sync before its bytes
        s.execute(delete(AttachmentBlob))
    (listed,) = conv.attachments(ticket_id)
    assert listed.id == view.id
    assert not listed.available
    with pytest.raises(NotFoundError, match="not arrived"):
        conv.attachment_bytes(view.id)
    # Attaching the same bytes again brings the blob back for both.
    conv.attach_bytes(ticket_id, "log again.txt", b"line 1\n")
    assert all(a.available for a in conv.attachments(ticket_id))
    assert conv.attachment_bytes(view.id) == b"line 1\n"
    with pytest.raises(NotFoundError):
        conv.attachment_bytes(uuid.uuid4())


# --- knowledge base -------------------------------------------------------------------------------


def _article(services: Services, title: str, body: str = "") -> uuid.UUID:
    with services.db.session() as s:
        article = Article(
            title=title, body=body, summary=f"About {title}", status=ArticleStatus.PUBLISHED
        )
        s.add(article)
        s.flush()
        return article.id


def test_link_article_and_reply_text(any_services: Services) -> None:
    conv = any_services.conversation
    ticket_id = _ticket(any_services)
    vpn = _article(any_services, "VPN setup", "## Steps\n\n1. Install the **client**.\n")
    printer = _article(any_services, "Adding a printer")
    changes = conv.link_article(ticket_id, vpn)
    assert changes.touches(Area.TICKETS)
    assert changes.touches(Area.KNOWLEDGE)
    conv.link_article(ticket_id, vpn)  # again: nothing new
    conv.link_article(ticket_id, printer)
    assert [(a.title, a.summary) for a in conv.linked_articles(ticket_id)] == [
        ("Adding a printer", "About Adding a printer"),
        ("VPN setup", "About VPN setup"),
    ]
    events = _events(any_services, ticket_id, TicketEventKind.ARTICLE)
    assert [e.new_value for e in events] == ["VPN setup", "Adding a printer"]
    assert _last_audit(any_services) == "ticket.article.link"
    # The knowledge side sees the same link.
    assert [t.number for t in any_services.knowledge.get(vpn).linked_tickets] == [
        any_services.tickets.get(ticket_id).number
    ]

    conv.unlink_article(ticket_id, vpn)
    assert [a.id for a in conv.linked_articles(ticket_id)] == [printer]
    assert _events(any_services, ticket_id, TicketEventKind.ARTICLE)[-1].old_value == "VPN setup"
    conv.link_article(ticket_id, vpn)  # the tombstoned pair comes back
    assert len(conv.linked_articles(ticket_id)) == 2

    assert conv.article_reply_text(vpn) == "VPN setup\n\nSteps\n\n1. Install the client."
    with pytest.raises(NotFoundError):
        conv.link_article(ticket_id, uuid.uuid4())
    with pytest.raises(NotFoundError):
        conv.article_reply_text(uuid.uuid4())


# --- time -----------------------------------------------------------------------------------------


def test_log_time_and_list_entries(any_services: Services) -> None:
    conv = any_services.conversation
    ticket_id = _ticket(any_services)
    yesterday = date.today() - timedelta(days=1)
    changes = conv.log_time(ticket_id, 30, "  Replaced the toner ")
    conv.log_time(ticket_id, 45, worked_on=yesterday)
    assert ticket_id in changes.ids
    entries = conv.time_entries(ticket_id)
    assert [(e.minutes, e.note, e.worked_on) for e in entries] == [
        (45, "", yesterday),
        (30, "Replaced the toner", date.today()),
    ]
    assert entries[0].user_name == "Ada Admin"
    assert conv.total_minutes(ticket_id) == 75
    events = _events(any_services, ticket_id, TicketEventKind.TIME_ENTRY)
    assert [(e.new_value, e.body) for e in events] == [("30", "Replaced the toner"), ("45", "")]
    assert _last_audit(any_services) == "ticket.time"

    for bad, message in [(0, "at least one minute"), (-5, "at least"), (24 * 60 + 1, "24 hours")]:
        with pytest.raises(ValidationError, match=message):
            conv.log_time(ticket_id, bad)
    with pytest.raises(ValidationError, match="future"):
        conv.log_time(ticket_id, 10, worked_on=date.today() + timedelta(days=7))
    any_services.tickets.change_status(ticket_id, TicketStatus.CLOSED)
    with pytest.raises(ValidationError, match="closed ticket"):
        conv.log_time(ticket_id, 10)
    assert _count(any_services, TimeEntry) == 2


# --- satisfaction ---------------------------------------------------------------------------------


def test_rating_only_when_resolved_one_per_ticket(any_services: Services) -> None:
    conv = any_services.conversation
    ticket_id = _ticket(any_services)
    with pytest.raises(ValidationError, match="resolve it first"):
        conv.rate(ticket_id, 5)
    any_services.tickets.change_status(ticket_id, TicketStatus.RESOLVED)
    for bad in (0, 6, -1, True):
        with pytest.raises(ValidationError, match=r"from 1 \(poor\) to 5"):
            conv.rate(ticket_id, bad)
    assert _count(any_services, SatisfactionRating) == 0

    conv.rate(ticket_id, 5, "  Quick and friendly ")
    conv.rate(ticket_id, 1)  # bounds are inclusive
    any_services.tickets.change_status(ticket_id, TicketStatus.CLOSED)
    changes = conv.rate(ticket_id, 3, "Fine after all")  # closed tickets may be rated too
    assert ticket_id in changes.ids
    assert _count(any_services, SatisfactionRating) == 1
    rating = any_services.tickets.get(ticket_id).satisfaction
    assert rating is not None
    assert (rating.score, rating.comment) == (3, "Fine after all")
    events = _events(any_services, ticket_id, TicketEventKind.RATING)
    assert [(e.old_value, e.new_value, e.body) for e in events] == [
        ("", "5", "Quick and friendly"),
        ("5", "1", ""),
        ("1", "3", "Fine after all"),
    ]
    assert _last_audit(any_services) == "ticket.rating"


# --- merging and linking --------------------------------------------------------------------------


def test_merge_closes_duplicate_and_records_both_sides(any_services: Services) -> None:
    conv = any_services.conversation
    tickets = any_services.tickets
    dup, into = _ticket(any_services, "Outage (again)"), _ticket(any_services, "Outage")
    tickets.add_reply(dup, "Reply on the duplicate", public=True)
    tickets.add_reply(into, "Reply on the original", public=True)
    conv.link(dup, into)  # a related link becomes the duplicate link
    dup_no, into_no = tickets.get(dup).number, tickets.get(into).number

    changes = conv.merge(dup, into)
    assert set(changes.ids) == {dup, into}
    assert _last_audit(any_services) == "ticket.merge"
    row = _ticket_row(any_services, dup)
    assert row.status is TicketStatus.CLOSED
    assert row.merged_into_id == into
    assert row.closed_at is not None
    assert row.resolved_at is not None  # out of the backlog
    assert _ticket_row(any_services, into).status is TicketStatus.OPEN
    for ticket_id in (dup, into):
        (merged,) = _events(any_services, ticket_id, TicketEventKind.MERGED)
        assert (merged.old_value, merged.new_value) == (dup_no, into_no)
    status = _events(any_services, dup, TicketEventKind.STATUS)[-1]
    assert (status.old_value, status.new_value) == ("open", "closed")
    # Replies stay where they were.
    assert [e.body for e in _events(any_services, dup, TicketEventKind.REPLY)] == [
        "Reply on the duplicate"
    ]
    with any_services.db.read_session() as s:
        live = s.execute(
            select(TicketLink.ticket_id, TicketLink.other_ticket_id, TicketLink.kind).where(
                TicketLink.deleted_at.is_(None)
            )
        ).all()
    assert [tuple(r) for r in live] == [(dup, into, "duplicate")]
    assert [(v.number, v.kind) for v in conv.links(dup)] == [(into_no, "merged_into")]
    assert [(v.number, v.kind, v.status) for v in conv.links(into)] == [
        (dup_no, "duplicate", TicketStatus.CLOSED)
    ]
    with pytest.raises(ValidationError, match="stays linked"):
        conv.unlink(into, dup)


def test_merge_refusals(any_services: Services) -> None:
    conv = any_services.conversation
    tickets = any_services.tickets
    a, b, c, d = (_ticket(any_services, s) for s in ("A", "B", "C", "D"))
    b_no, c_no = tickets.get(b).number, tickets.get(c).number
    with pytest.raises(ValidationError, match="into itself"):
        conv.merge(a, a)
    tickets.change_status(d, TicketStatus.CLOSED)
    with pytest.raises(ValidationError, match="is closed; merge into a ticket"):
        conv.merge(a, d)
    with pytest.raises(ValidationError, match="closed ticket cannot change"):
        conv.merge(d, a)
    with pytest.raises(NotFoundError):
        conv.merge(a, uuid.uuid4())

    conv.merge(b, c)
    with pytest.raises(ValidationError, match=f"was itself merged into {c_no}; merge into {c_no}"):
        conv.merge(a, b)
    with pytest.raises(ValidationError, match=f"{b_no} is already merged into {c_no}"):
        conv.merge(b, a)
    # Nothing of the refused merges was written.
    assert _events(any_services, a, TicketEventKind.MERGED) == []
    assert _ticket_row(any_services, a).status is TicketStatus.NEW
    assert _count(any_services, TicketLink) == 1


def test_link_and_unlink_related_tickets(any_services: Services) -> None:
    conv = any_services.conversation
    a, b, c = (_ticket(any_services, s) for s in ("A", "B", "C"))
    a_no, b_no, c_no = (any_services.tickets.get(t).number for t in (a, b, c))
    changes = conv.link(a, b)
    assert set(changes.ids) == {a, b}
    conv.link(c, a)
    assert [(v.number, v.kind) for v in conv.links(a)] == [(b_no, "related"), (c_no, "related")]
    assert [v.number for v in conv.links(b)] == [a_no]
    assert [e.new_value for e in _events(any_services, a, TicketEventKind.LINKED)] == [b_no, c_no]
    assert [e.new_value for e in _events(any_services, b, TicketEventKind.LINKED)] == [a_no]
    assert _last_audit(any_services) == "ticket.link"

    with pytest.raises(ValidationError, match="already linked"):
        conv.link(b, a)
    with pytest.raises(ValidationError, match="to itself"):
        conv.link(a, a)
    with pytest.raises(ValidationError, match="not linked"):
        conv.unlink(b, c)

    conv.unlink(b, a)  # either direction
    assert [v.number for v in conv.links(a)] == [c_no]
    assert conv.links(b) == []
    assert _events(any_services, a, TicketEventKind.LINKED)[-1].old_value == b_no
    assert _events(any_services, b, TicketEventKind.LINKED)[-1].old_value == a_no
    assert _last_audit(any_services) == "ticket.unlink"
    conv.link(b, a)  # linking again revives the row (the pair is unique)
    assert [v.number for v in conv.links(b)] == [a_no]
    assert _count(any_services, TicketLink) == 2


def test_trainer_may_read_but_not_write(any_services: Services) -> None:
    ticket_id = _ticket(any_services)
    any_services.conversation.log_time(ticket_id, 5)
    trainer = _person(any_services, "tess", Role.TRAINER)
    assert [e.minutes for e in trainer.time_entries(ticket_id)] == [5]
    for write in (
        lambda: trainer.attach_bytes(ticket_id, "x.txt", b"x"),
        lambda: trainer.log_time(ticket_id, 5),
        lambda: trainer.rate(ticket_id, 5),
        lambda: trainer.save_canned("T", "B"),
        lambda: trainer.link(ticket_id, uuid.uuid4()),
        lambda: trainer.merge(ticket_id, uuid.uuid4()),
    ):
        with pytest.raises(PermissionDeniedError):
            write()
