"""Ticket conversation extras: canned responses, attachments, knowledge-base links, time
entries, satisfaction ratings, merging and linking tickets.

Every write is one unit of work that records an event on the ticket's timeline (two tickets:
one on each), an audit event, and returns `Changes`. What the events carry, for whoever
renders the timeline:

=============  ===================================  ===================================
kind           old_value                            new_value / body
=============  ===================================  ===================================
ATTACHMENT     ""                                   file name / ""
TIME_ENTRY     ""                                   minutes as text / the note
ARTICLE        article title when unlinked          article title when linked / ""
RATING         previous score ("" the first time)   score "1".."5" / the comment
MERGED         number of the duplicate              number of the ticket kept / ""
LINKED         other ticket's number when unlinked  other ticket's number when linked / ""
=============  ===================================  ===================================

A MERGED event reads the same on both tickets ("duplicate → kept"): compare the numbers with
the ticket's own to tell which side it is on. A merge also writes a STATUS event
(old status → closed) on the duplicate.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from app.data.base import utcnow
from app.data.database import Session
from app.data.models.knowledge import ArticleTicketLink
from app.data.models.tickets import (
    Attachment,
    CannedResponse,
    SatisfactionRating,
    Ticket,
    TicketEvent,
    TicketLink,
    TimeEntry,
)
from app.data.repos import conversation as repo
from app.domain import placeholders
from app.domain.enums import ArticleStatus, TicketEventKind, TicketStatus
from app.domain.permissions import Permission
from app.errors import NotFoundError, ValidationError
from app.services.base import Area, Changes, Service

#: Largest file that may be attached to a ticket.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_FILENAME = 255
MAX_CANNED_TITLE = 120
#: Most minutes one time entry may hold (a full day).
MAX_MINUTES_PER_ENTRY = 24 * 60
MAX_COMMENT = 4000
#: Kinds of `LinkedTicketView.kind`.
LinkKind = Literal["related", "duplicate", "merged_into"]

_CLOSED = "A closed ticket cannot change; open a new ticket instead."
_GONE = "That ticket no longer exists."
# Events written by one action share its moment; a follow-on event is a microsecond later so
# the timeline order never depends on id generation (as in TicketService).
_NEXT = timedelta(microseconds=1)


@dataclass(frozen=True)
class CannedView:
    """A canned response; `shared` ones are seen by the whole team, others only by their
    owner."""

    id: uuid.UUID
    title: str
    body: str
    shared: bool


@dataclass(frozen=True)
class AttachmentView:
    """A file on a ticket. `available` is False while its bytes have not arrived by sync.

    `changes` is what the attach call changed (empty for views from `attachments()`); it is
    not part of equality.
    """

    id: uuid.UUID
    filename: str
    size_bytes: int
    media_type: str
    sha256: str
    created_at: datetime
    available: bool
    changes: Changes = field(default_factory=lambda: Changes(frozenset()), compare=False)


@dataclass(frozen=True)
class TimeEntryView:
    """Time one person spent on a ticket."""

    id: uuid.UUID
    minutes: int
    note: str
    worked_on: date
    user_id: uuid.UUID | None
    user_name: str
    created_at: datetime


@dataclass(frozen=True)
class LinkedTicketView:
    """A ticket linked to the one shown.

    `kind`: "related" (linked by hand), "merged_into" (the ticket shown is a duplicate merged
    into this one, where the work carries on), "duplicate" (this one is a duplicate that was
    merged into the ticket shown).
    """

    id: uuid.UUID
    number: str
    subject: str
    status: TicketStatus
    kind: str


@dataclass(frozen=True)
class LinkedArticleView:
    """A knowledge-base article linked to a ticket."""

    id: uuid.UUID
    title: str
    summary: str
    status: ArticleStatus


def _guess_media_type(filename: str) -> str:
    guessed, _encoding = mimetypes.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _clean_filename(filename: str) -> str:
    # Only the last part of a path: a name like "..\\..\\x" or "/etc/x" never leaks into a
    # save dialog or a folder path later.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if name in ("", ".", ".."):
        raise ValidationError("The file has no name; give it a name and attach it again.")
    if len(name) > MAX_FILENAME:
        _stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 16 else ""
        name = (name[: MAX_FILENAME - len(keep) - 1] + "." + keep) if keep else name[:MAX_FILENAME]
    return name


def _too_big(name: str, size: int) -> ValidationError:
    limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
    return ValidationError(
        f"{name} is {_size_text(size)}, over the {limit} MB limit for attachments. "
        "Compress it, or put it on a file share and paste the link into a reply."
    )


class ConversationService(Service):
    """Use cases around a ticket's conversation (see the module docstring)."""

    # --- helpers ----------------------------------------------------------------------------------

    def _event(
        self,
        session: Session,
        ticket: Ticket,
        kind: TicketEventKind,
        *,
        body: str = "",
        old: str = "",
        new: str = "",
        at: datetime | None = None,
    ) -> TicketEvent:
        event = TicketEvent(
            ticket_id=ticket.id,
            kind=kind,
            author_id=self._actor.user_id,
            body=body,
            is_public=False,
            old_value=old[:255],
            new_value=new[:255],
        )
        if at is not None:
            event.created_at = at
        session.add(event)
        return event

    @staticmethod
    def _one_for_update(session: Session, ticket_id: uuid.UUID) -> Ticket:
        found = repo.tickets_for_update(session, ticket_id).get(ticket_id)
        if found is None:
            raise NotFoundError(_GONE)
        return found

    @staticmethod
    def _readable(session: Session, ticket_id: uuid.UUID) -> Ticket:
        found = repo.ticket(session, ticket_id)
        if found is None:
            raise NotFoundError(_GONE)
        return found

    # --- canned responses -------------------------------------------------------------------------

    def canned_responses(self) -> list[CannedView]:
        """The team's shared canned responses and your own, by title."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            return [
                CannedView(c.id, c.title, c.body, c.owner_id is None)
                for c in repo.canned_visible_to(session, self._actor.user_id)
            ]

    def _visible_canned(self, session: Session, canned_id: uuid.UUID) -> CannedResponse:
        found = repo.canned(session, canned_id)
        if found is None or found.owner_id not in (None, self._actor.user_id):
            raise NotFoundError("That canned response no longer exists.")
        return found

    def save_canned(
        self,
        title: str,
        body: str,
        shared: bool = False,
        canned_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """Add a canned response (or change the one with `canned_id`); returns its id.

        A shared one is offered to the whole team; a personal one only to you. Its body may
        use the placeholders of `app.domain.placeholders.PLACEHOLDERS`. Anyone who works
        tickets may change a shared response; a personal one only its owner.
        """
        self._require(Permission.TICKET_WRITE)
        title = " ".join(title.split())
        body = body.strip()
        if not title:
            raise ValidationError("Give the canned response a title, e.g. 'Password reset'.")
        if len(title) > MAX_CANNED_TITLE:
            raise ValidationError(f"Keep the title under {MAX_CANNED_TITLE} characters.")
        if not body:
            raise ValidationError("Write the text of the canned response.")
        owner = None if shared else self._actor.user_id
        with self._unit_of_work() as session:
            if canned_id is None:
                canned = CannedResponse(title=title, body=body, owner_id=owner)
                session.add(canned)
                session.flush()
                action = "canned.create"
            else:
                canned = self._visible_canned(session, canned_id)
                canned.title, canned.body, canned.owner_id = title, body, owner
                action = "canned.update"
            self._audit(
                session,
                action,
                entity="canned_response",
                entity_id=canned.id,
                summary=f"{title} ({'shared' if shared else 'personal'})",
            )
            return canned.id

    def delete_canned(self, canned_id: uuid.UUID) -> Changes:
        """Remove a canned response (shared, or your own)."""
        self._require(Permission.TICKET_WRITE)
        with self._unit_of_work() as session:
            canned = self._visible_canned(session, canned_id)
            canned.deleted_at = utcnow()  # tombstone, so the removal replicates
            self._audit(
                session,
                "canned.delete",
                entity="canned_response",
                entity_id=canned.id,
                summary=canned.title,
            )
        return Changes.of(Area.TICKETS, ids=(canned_id,))

    def render_canned(self, canned_id: uuid.UUID, ticket_id: uuid.UUID) -> str:
        """The canned response's text for this ticket, placeholders filled in.

        A known placeholder without a value (no requester, no organisation) becomes empty;
        an unknown one stays as typed so it shows before the reply is sent.
        """
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            canned = self._visible_canned(session, canned_id)
            row = repo.placeholder_row(session, ticket_id)
            if row is None:
                raise NotFoundError(_GONE)
            values = placeholders.placeholder_values(
                requester_name=row.requester_name or "",
                requester_email=row.requester_email or "",
                ticket_number=row.number,
                ticket_subject=row.subject,
                agent_name=self._actor.full_name,
                organisation_name=row.organisation_name or "",
            )
            return placeholders.render(canned.body, values)

    # --- attachments ------------------------------------------------------------------------------

    def attach_file(self, ticket_id: uuid.UUID, path: Path) -> AttachmentView:
        """Attach a file from disk; refuses folders, missing, unreadable, empty or too-big
        files (over `MAX_ATTACHMENT_BYTES`) before anything is written."""
        path = Path(path)
        name = path.name or str(path)
        try:
            if not path.exists():
                raise ValidationError(f"{name} is not there any more; choose the file again.")
            if path.is_dir():
                raise ValidationError(f"{name} is a folder; choose a file inside it instead.")
            if not path.is_file():  # a device, socket or pipe: opening it could block
                raise ValidationError(f"{name} is not an ordinary file; choose a document.")
            size = path.stat().st_size
            if size > MAX_ATTACHMENT_BYTES:
                raise _too_big(name, size)
            with path.open("rb") as fh:
                # One byte more than allowed: a file that grew since `stat` is still refused.
                data = fh.read(MAX_ATTACHMENT_BYTES + 1)
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise ValidationError(
                f"{name} could not be read ({reason}). Check that it is not open in another "
                "program and that you may read it, then try again."
            ) from exc
        return self.attach_bytes(ticket_id, name, data)

    def attach_bytes(self, ticket_id: uuid.UUID, filename: str, data: bytes) -> AttachmentView:
        """Attach `data` under `filename`; the bytes are stored once per SHA-256.

        Returns the new attachment; its `changes` say what changed (the ticket).
        """
        self._require(Permission.TICKET_WRITE)
        name = _clean_filename(filename)
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise _too_big(name, len(data))
        if not data:
            raise ValidationError(f"{name} is empty (0 bytes); there is nothing to attach.")
        data = bytes(data)
        sha256 = hashlib.sha256(data).hexdigest()
        media_type = _guess_media_type(name)
        now = utcnow()
        with self._unit_of_work() as session:
            ticket = self._one_for_update(session, ticket_id)
            if ticket.status is TicketStatus.CLOSED:
                raise ValidationError(_CLOSED)
            repo.store_blob(session, sha256, data)
            event = self._event(session, ticket, TicketEventKind.ATTACHMENT, new=name, at=now)
            session.flush()
            row = Attachment(
                ticket_id=ticket.id,
                event_id=event.id,
                filename=name,
                media_type=media_type,
                size_bytes=len(data),
                sha256=sha256,
            )
            row.created_at = now
            session.add(row)
            ticket.updated_at = now  # new activity on the ticket: it sorts as updated
            self._audit(
                session,
                "ticket.attach",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {name} ({_size_text(len(data))})",
            )
            session.flush()
            return AttachmentView(
                id=row.id,
                filename=name,
                size_bytes=len(data),
                media_type=media_type,
                sha256=sha256,
                created_at=now,
                available=True,
                changes=Changes.of(Area.TICKETS, ids=(ticket.id,)),
            )

    def attachments(self, ticket_id: uuid.UUID) -> list[AttachmentView]:
        """The ticket's files, oldest first (without their bytes)."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            self._readable(session, ticket_id)
            return [
                AttachmentView(
                    id=a.id,
                    filename=a.filename,
                    size_bytes=a.size_bytes,
                    media_type=a.media_type,
                    sha256=a.sha256,
                    created_at=a.created_at,
                    available=bool(available),
                )
                for a, available in repo.attachments(session, ticket_id)
            ]

    def attachment_bytes(self, attachment_id: uuid.UUID) -> bytes:
        """The file's bytes; refused while they have not arrived by sync."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            found = repo.attachment(session, attachment_id)
            if found is None:
                raise NotFoundError("That attachment no longer exists.")
            data = repo.blob_data(session, found.sha256)
            if data is None:
                raise NotFoundError(
                    f"{found.filename} has not arrived from the team server yet; "
                    "synchronise and try again."
                )
            return bytes(data)

    def save_attachment(self, attachment_id: uuid.UUID, target: Path) -> None:
        """Write the file to `target` (replacing it), via a temporary file in the same folder
        so a failed save never leaves half a file."""
        data = self.attachment_bytes(attachment_id)
        target = Path(target)
        tmp_name = ""
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=".supportdesk-", dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp_name, target)
        except OSError as exc:
            if tmp_name:
                Path(tmp_name).unlink(missing_ok=True)
            reason = exc.strerror or exc.__class__.__name__
            raise ValidationError(
                f"Could not save to {target} ({reason}). Choose another folder or name."
            ) from exc

    # --- knowledge base ---------------------------------------------------------------------------

    def link_article(self, ticket_id: uuid.UUID, article_id: uuid.UUID) -> Changes:
        """Link a knowledge-base article to the ticket; linking it again changes nothing."""
        self._require(Permission.TICKET_WRITE)
        with self._unit_of_work() as session:
            ticket = self._one_for_update(session, ticket_id)
            article = repo.article(session, article_id)
            if article is None:
                raise NotFoundError("That article no longer exists.")
            existing = repo.article_link(session, article_id, ticket_id)
            if existing is not None and existing.deleted_at is None:
                return Changes.of(Area.TICKETS, Area.KNOWLEDGE, ids=(ticket_id, article_id))
            if existing is None:
                session.add(ArticleTicketLink(article_id=article_id, ticket_id=ticket_id))
            else:
                existing.deleted_at = None  # the pair is unique: revive the tombstone
            self._event(session, ticket, TicketEventKind.ARTICLE, new=article.title)
            self._audit(
                session,
                "ticket.article.link",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number} ↔ {article.title}",
            )
        return Changes.of(Area.TICKETS, Area.KNOWLEDGE, ids=(ticket_id, article_id))

    def unlink_article(self, ticket_id: uuid.UUID, article_id: uuid.UUID) -> Changes:
        """Remove the link between the ticket and the article; not linked changes nothing."""
        self._require(Permission.TICKET_WRITE)
        with self._unit_of_work() as session:
            ticket = self._one_for_update(session, ticket_id)
            existing = repo.article_link(session, article_id, ticket_id)
            if existing is None or existing.deleted_at is not None:
                return Changes.of(Area.TICKETS, Area.KNOWLEDGE, ids=(ticket_id, article_id))
            existing.deleted_at = utcnow()
            article = repo.article(session, article_id)
            title = article.title if article else str(article_id)
            self._event(session, ticket, TicketEventKind.ARTICLE, old=title)
            self._audit(
                session,
                "ticket.article.unlink",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number} ↮ {title}",
            )
        return Changes.of(Area.TICKETS, Area.KNOWLEDGE, ids=(ticket_id, article_id))

    def linked_articles(self, ticket_id: uuid.UUID) -> list[LinkedArticleView]:
        """Articles linked to the ticket, by title."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            self._readable(session, ticket_id)
            return [
                LinkedArticleView(a.id, a.title, a.summary, a.status)
                for a in repo.linked_articles(session, ticket_id)
            ]

    def article_reply_text(self, article_id: uuid.UUID) -> str:
        """The article as plain text to insert into a reply (title, blank line, body)."""
        self._require(Permission.TICKET_READ)
        self._require(Permission.KB_READ)
        with self._db.read_session() as session:
            article = repo.article(session, article_id)
            if article is None:
                raise NotFoundError("That article no longer exists.")
            return placeholders.article_reply_text(article.title, article.body)

    # --- time -------------------------------------------------------------------------------------

    def log_time(
        self,
        ticket_id: uuid.UUID,
        minutes: int,
        note: str = "",
        worked_on: date | None = None,
    ) -> Changes:
        """Record minutes you worked on the ticket (on `worked_on`, default today)."""
        self._require(Permission.TICKET_WRITE)
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise ValidationError("Enter the time worked as a whole number of minutes.")
        if minutes <= 0:
            raise ValidationError("Enter the time worked: at least one minute.")
        if minutes > MAX_MINUTES_PER_ENTRY:
            raise ValidationError(
                "One entry can hold at most 24 hours; log each day's work separately."
            )
        day = worked_on or date.today()
        if isinstance(day, datetime):
            day = day.date()
        if day > date.today() + timedelta(days=1):  # a day of slack for time zones
            raise ValidationError("The day worked is in the future; pick today or earlier.")
        note = note.strip()
        with self._unit_of_work() as session:
            ticket = self._one_for_update(session, ticket_id)
            if ticket.status is TicketStatus.CLOSED:
                raise ValidationError(_CLOSED)
            session.add(
                TimeEntry(
                    ticket_id=ticket.id,
                    user_id=self._actor.user_id,
                    minutes=minutes,
                    note=note,
                    worked_on=day.isoformat(),
                )
            )
            self._event(session, ticket, TicketEventKind.TIME_ENTRY, body=note, new=str(minutes))
            self._audit(
                session,
                "ticket.time",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {minutes} min on {day.isoformat()}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def time_entries(self, ticket_id: uuid.UUID) -> list[TimeEntryView]:
        """Time logged on the ticket, by day worked."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            self._readable(session, ticket_id)
            return [
                TimeEntryView(
                    id=e.id,
                    minutes=e.minutes,
                    note=e.note,
                    worked_on=date.fromisoformat(e.worked_on),
                    user_id=e.user_id,
                    user_name=user_name or "",
                    created_at=e.created_at,
                )
                for e, user_name in repo.time_entries(session, ticket_id)
            ]

    def total_minutes(self, ticket_id: uuid.UUID) -> int:
        """All time logged on the ticket, in minutes."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            return repo.total_minutes(session, ticket_id)

    # --- satisfaction -----------------------------------------------------------------------------

    def rate(self, ticket_id: uuid.UUID, score: int, comment: str = "") -> Changes:
        """Record the requester's rating (1–5) and comment on a resolved or closed ticket.

        A ticket has one rating: rating it again replaces the score and comment.
        """
        self._require(Permission.TICKET_WRITE)
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationError("Choose a rating from 1 (poor) to 5 (excellent).")
        comment = comment.strip()
        if len(comment) > MAX_COMMENT:
            raise ValidationError(f"Keep the comment under {MAX_COMMENT} characters.")
        now = utcnow()
        with self._unit_of_work() as session:
            ticket = self._one_for_update(session, ticket_id)
            if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                raise ValidationError(
                    "A rating is recorded once the ticket is resolved; resolve it first."
                )
            row = repo.rating_row(session, ticket_id)
            old = ""
            if row is None:
                session.add(
                    SatisfactionRating(
                        ticket_id=ticket.id, score=score, comment=comment, rated_at=now
                    )
                )
            else:
                old = str(row.score) if row.deleted_at is None else ""
                row.score, row.comment, row.rated_at = score, comment, now
                row.deleted_at = None  # one row per ticket: revive a tombstone
            self._event(
                session, ticket, TicketEventKind.RATING, body=comment, old=old, new=str(score)
            )
            self._audit(
                session,
                "ticket.rating",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: rated {score}/5" + (f" (was {old}/5)" if old else ""),
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    # --- merging and linking ----------------------------------------------------------------------

    def merge(self, duplicate_id: uuid.UUID, into_id: uuid.UUID) -> Changes:
        """Merge a duplicate into the ticket that carries on the work.

        The duplicate is closed and points at the other ticket; both get a MERGED event, a
        "duplicate" link joins them, and replies, notes and attachments stay where they were.
        Refused: a ticket into itself, into a closed ticket, into a ticket that was itself
        merged, or a duplicate that is already closed.
        """
        self._require(Permission.TICKET_WRITE)
        if duplicate_id == into_id:
            raise ValidationError("A ticket cannot be merged into itself; choose another ticket.")
        now = utcnow()
        with self._unit_of_work() as session:
            found = repo.tickets_for_update(session, duplicate_id, into_id)
            dup, into = found.get(duplicate_id), found.get(into_id)
            if dup is None or into is None:
                raise NotFoundError(_GONE)
            if dup.merged_into_id is not None:
                where = repo.ticket_number(session, dup.merged_into_id)
                raise ValidationError(f"{dup.number} is already merged into {where}.")
            if dup.status is TicketStatus.CLOSED:
                raise ValidationError(f"{dup.number} is closed; a closed ticket cannot change.")
            if into.merged_into_id is not None:
                where = repo.ticket_number(session, into.merged_into_id)
                raise ValidationError(
                    f"{into.number} was itself merged into {where}; merge into {where} instead."
                )
            if into.status is TicketStatus.CLOSED:
                raise ValidationError(
                    f"{into.number} is closed; merge into a ticket that is still being worked on."
                )
            old_status = dup.status
            dup.status = TicketStatus.CLOSED
            dup.closed_at = now
            if dup.resolved_at is None:
                # Leaves the backlog; no resolution time is counted: the work goes on elsewhere.
                dup.resolved_at = now
            dup.sla_paused_at = None  # a closed ticket's clock is stopped, not paused
            dup.merged_into_id = into.id
            self._event(
                session, dup, TicketEventKind.MERGED, old=dup.number, new=into.number, at=now
            )
            self._event(
                session,
                dup,
                TicketEventKind.STATUS,
                old=old_status.value,
                new=TicketStatus.CLOSED.value,
                at=now + _NEXT,
            )
            self._event(
                session, into, TicketEventKind.MERGED, old=dup.number, new=into.number, at=now
            )
            self._set_duplicate_link(session, dup.id, into.id)
            self._audit(
                session,
                "ticket.merge",
                entity="ticket",
                entity_id=dup.id,
                summary=f"{dup.number} merged into {into.number}",
            )
        return Changes.of(Area.TICKETS, ids=(duplicate_id, into_id))

    @staticmethod
    def _set_duplicate_link(session: Session, dup_id: uuid.UUID, into_id: uuid.UUID) -> None:
        """One live "duplicate" row dup → into; a "related" link between them becomes it."""
        rows = repo.link_rows(session, dup_id, into_id)
        forward = next((r for r in rows if r.ticket_id == dup_id), None)
        for r in rows:
            if r is not forward and r.deleted_at is None:
                r.deleted_at = utcnow()
        if forward is None:
            session.add(TicketLink(ticket_id=dup_id, other_ticket_id=into_id, kind="duplicate"))
        else:
            forward.kind = "duplicate"
            forward.deleted_at = None

    def link(self, ticket_id: uuid.UUID, other_id: uuid.UUID) -> Changes:
        """Link two related tickets (e.g. the same outage reported twice by different
        people); each gets a LINKED event naming the other."""
        self._require(Permission.TICKET_WRITE)
        if ticket_id == other_id:
            raise ValidationError("A ticket cannot be linked to itself; choose another ticket.")
        with self._unit_of_work() as session:
            found = repo.tickets_for_update(session, ticket_id, other_id)
            ticket, other = found.get(ticket_id), found.get(other_id)
            if ticket is None or other is None:
                raise NotFoundError(_GONE)
            rows = repo.link_rows(session, ticket_id, other_id)
            if any(r.deleted_at is None for r in rows):
                raise ValidationError(f"{ticket.number} and {other.number} are already linked.")
            revive = next((r for r in rows), None)
            if revive is None:
                session.add(TicketLink(ticket_id=ticket_id, other_ticket_id=other_id))
            else:
                revive.kind = "related"
                revive.deleted_at = None
            self._event(session, ticket, TicketEventKind.LINKED, new=other.number)
            self._event(session, other, TicketEventKind.LINKED, new=ticket.number)
            self._audit(
                session,
                "ticket.link",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number} ↔ {other.number}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id, other_id))

    def unlink(self, ticket_id: uuid.UUID, other_id: uuid.UUID) -> Changes:
        """Remove the "related" link between two tickets (a merge's link stays)."""
        self._require(Permission.TICKET_WRITE)
        with self._unit_of_work() as session:
            found = repo.tickets_for_update(session, ticket_id, other_id)
            ticket, other = found.get(ticket_id), found.get(other_id)
            if ticket is None or other is None:
                raise NotFoundError(_GONE)
            live = [r for r in repo.link_rows(session, ticket_id, other_id) if r.deleted_at is None]
            if not live:
                raise ValidationError(f"{ticket.number} and {other.number} are not linked.")
            if any(r.kind == "duplicate" for r in live):
                raise ValidationError(
                    "A merged duplicate stays linked to the ticket it was merged into."
                )
            for r in live:
                r.deleted_at = utcnow()
            self._event(session, ticket, TicketEventKind.LINKED, old=other.number)
            self._event(session, other, TicketEventKind.LINKED, old=ticket.number)
            self._audit(
                session,
                "ticket.unlink",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number} ↮ {other.number}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id, other_id))

    def links(self, ticket_id: uuid.UUID) -> list[LinkedTicketView]:
        """Tickets linked to this one: where it was merged into first, then its duplicates,
        then related ones; by number within each."""
        self._require(Permission.TICKET_READ)
        order = {"merged_into": 0, "duplicate": 1, "related": 2}
        with self._db.read_session() as session:
            self._readable(session, ticket_id)
            views: list[LinkedTicketView] = []
            for row, other in repo.links_of(session, ticket_id):
                kind = "related"
                if row.kind == "duplicate":
                    kind = "merged_into" if row.ticket_id == ticket_id else "duplicate"
                views.append(
                    LinkedTicketView(other.id, other.number, other.subject, other.status, kind)
                )
            return sorted(views, key=lambda v: (order[v.kind], v.number))


__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "AttachmentView",
    "CannedView",
    "ConversationService",
    "LinkKind",
    "LinkedArticleView",
    "LinkedTicketView",
    "TimeEntryView",
]
