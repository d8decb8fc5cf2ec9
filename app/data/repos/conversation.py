"""Queries behind a ticket's conversation extras: canned responses, attachments and their
blobs, knowledge-base links, time entries, satisfaction ratings and links between tickets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeAlias

from sqlalchemy import Row, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.data.models.knowledge import Article, ArticleTicketLink
from app.data.models.people import Contact, Organisation, User
from app.data.models.tickets import (
    Attachment,
    AttachmentBlob,
    CannedResponse,
    SatisfactionRating,
    Ticket,
    TicketLink,
    TimeEntry,
)

AnyRow: TypeAlias = Row[*tuple[Any, ...]]


# --- tickets --------------------------------------------------------------------------------------


def ticket(session: Session, ticket_id: uuid.UUID) -> Ticket | None:
    found = session.get(Ticket, ticket_id)
    return found if found is not None and found.deleted_at is None else None


def tickets_for_update(session: Session, *ticket_ids: uuid.UUID) -> dict[uuid.UUID, Ticket]:
    """The live tickets among `ticket_ids`, locked against concurrent writers on PostgreSQL.

    Locked in id order, so two merges of the same pair cannot deadlock.
    """
    rows = session.scalars(
        select(Ticket)
        .where(Ticket.id.in_(sorted(set(ticket_ids))), Ticket.deleted_at.is_(None))
        .order_by(Ticket.id)
        .with_for_update()
    ).all()
    return {t.id: t for t in rows}


def placeholder_row(session: Session, ticket_id: uuid.UUID) -> AnyRow | None:
    """(number, subject, requester_name, requester_email, organisation_name) of a ticket."""
    return session.execute(
        select(
            Ticket.number,
            Ticket.subject,
            Contact.full_name.label("requester_name"),
            Contact.email.label("requester_email"),
            Organisation.name.label("organisation_name"),
        )
        .outerjoin(Contact, (Contact.id == Ticket.requester_id) & Contact.deleted_at.is_(None))
        .outerjoin(
            Organisation,
            (Organisation.id == Contact.organisation_id) & Organisation.deleted_at.is_(None),
        )
        .where(Ticket.id == ticket_id, Ticket.deleted_at.is_(None))
    ).first()


def ticket_number(session: Session, ticket_id: uuid.UUID | None) -> str:
    if ticket_id is None:
        return ""
    return session.scalar(select(Ticket.number).where(Ticket.id == ticket_id)) or ""


# --- canned responses -----------------------------------------------------------------------------


def canned_visible_to(session: Session, user_id: uuid.UUID) -> Sequence[CannedResponse]:
    """Shared responses and the user's own, by title."""
    return session.scalars(
        select(CannedResponse)
        .where(
            CannedResponse.deleted_at.is_(None),
            or_(CannedResponse.owner_id.is_(None), CannedResponse.owner_id == user_id),
        )
        .order_by(func.lower(CannedResponse.title), CannedResponse.id)
    ).all()


def canned(session: Session, canned_id: uuid.UUID) -> CannedResponse | None:
    found = session.get(CannedResponse, canned_id)
    return found if found is not None and found.deleted_at is None else None


# --- attachments ----------------------------------------------------------------------------------


def blob_exists(session: Session, sha256: str) -> bool:
    return (
        session.scalar(select(AttachmentBlob.sha256).where(AttachmentBlob.sha256 == sha256))
        is not None
    )


def store_blob(session: Session, sha256: str, data: bytes) -> bool:
    """Store the bytes once per hash; True if this call added them.

    `INSERT … ON CONFLICT DO NOTHING`, so two desktops (or two windows) attaching the same
    file at the same moment do not fail on the primary key.
    """
    if blob_exists(session, sha256):
        return False
    values = {"sha256": sha256, "size_bytes": len(data), "data": data}
    if session.get_bind().dialect.name == "postgresql":
        stmt: Any = pg_insert(AttachmentBlob).values(values).on_conflict_do_nothing()
    else:
        stmt = sqlite_insert(AttachmentBlob).values(values).on_conflict_do_nothing()
    result = session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


def blob_data(session: Session, sha256: str) -> bytes | None:
    data: bytes | None = session.scalar(
        select(AttachmentBlob.data).where(AttachmentBlob.sha256 == sha256)
    )
    return data


def attachment(session: Session, attachment_id: uuid.UUID) -> Attachment | None:
    found = session.get(Attachment, attachment_id)
    return found if found is not None and found.deleted_at is None else None


def attachments(session: Session, ticket_id: uuid.UUID) -> Sequence[AnyRow]:
    """(Attachment, available) per file of the ticket, oldest first; available is False while
    the blob has not arrived by sync. The bytes themselves are not read."""
    has_blob = (
        select(AttachmentBlob.sha256)
        .where(AttachmentBlob.sha256 == Attachment.sha256)
        .exists()
        .label("available")
    )
    return session.execute(
        select(Attachment, has_blob)
        .where(Attachment.ticket_id == ticket_id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.created_at, Attachment.id)
    ).all()


# --- knowledge-base articles ----------------------------------------------------------------------


def article(session: Session, article_id: uuid.UUID) -> Article | None:
    found = session.get(Article, article_id)
    return found if found is not None and found.deleted_at is None else None


def article_link(
    session: Session, article_id: uuid.UUID, ticket_id: uuid.UUID
) -> ArticleTicketLink | None:
    """The link row, live or tombstoned (the pair is unique), or None."""
    return session.scalars(
        select(ArticleTicketLink).where(
            ArticleTicketLink.article_id == article_id, ArticleTicketLink.ticket_id == ticket_id
        )
    ).first()


def linked_articles(session: Session, ticket_id: uuid.UUID) -> Sequence[Article]:
    return session.scalars(
        select(Article)
        .join(ArticleTicketLink, ArticleTicketLink.article_id == Article.id)
        .where(
            ArticleTicketLink.ticket_id == ticket_id,
            ArticleTicketLink.deleted_at.is_(None),
            Article.deleted_at.is_(None),
        )
        .order_by(func.lower(Article.title), Article.id)
    ).all()


# --- time entries ---------------------------------------------------------------------------------


def time_entries(session: Session, ticket_id: uuid.UUID) -> Sequence[AnyRow]:
    """(TimeEntry, user_name) of the ticket, by day worked, then by when they were logged."""
    return session.execute(
        select(TimeEntry, User.full_name.label("user_name"))
        .outerjoin(User, User.id == TimeEntry.user_id)
        .where(TimeEntry.ticket_id == ticket_id, TimeEntry.deleted_at.is_(None))
        .order_by(TimeEntry.worked_on, TimeEntry.created_at, TimeEntry.id)
    ).all()


def total_minutes(session: Session, ticket_id: uuid.UUID) -> int:
    """All time logged on the ticket, in minutes."""
    total = session.scalar(
        select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
            TimeEntry.ticket_id == ticket_id, TimeEntry.deleted_at.is_(None)
        )
    )
    return int(total or 0)


# --- satisfaction ---------------------------------------------------------------------------------


def rating_row(session: Session, ticket_id: uuid.UUID) -> SatisfactionRating | None:
    """The ticket's rating, live or tombstoned (one row per ticket), or None."""
    return session.scalars(
        select(SatisfactionRating).where(SatisfactionRating.ticket_id == ticket_id)
    ).first()


# --- links between tickets ------------------------------------------------------------------------


def link_rows(session: Session, a: uuid.UUID, b: uuid.UUID) -> Sequence[TicketLink]:
    """Every link row between two tickets, both directions, live or tombstoned."""
    return session.scalars(
        select(TicketLink).where(
            or_(
                (TicketLink.ticket_id == a) & (TicketLink.other_ticket_id == b),
                (TicketLink.ticket_id == b) & (TicketLink.other_ticket_id == a),
            )
        )
    ).all()


def links_of(session: Session, ticket_id: uuid.UUID) -> Sequence[AnyRow]:
    """Live links of the ticket in both directions: (TicketLink, other Ticket)."""
    outgoing = (
        select(TicketLink, Ticket)
        .join(Ticket, Ticket.id == TicketLink.other_ticket_id)
        .where(TicketLink.ticket_id == ticket_id)
    )
    incoming = (
        select(TicketLink, Ticket)
        .join(Ticket, Ticket.id == TicketLink.ticket_id)
        .where(TicketLink.other_ticket_id == ticket_id)
    )
    rows: list[AnyRow] = []
    for stmt in (outgoing, incoming):
        rows.extend(
            session.execute(
                stmt.where(TicketLink.deleted_at.is_(None), Ticket.deleted_at.is_(None))
            ).all()
        )
    return rows
