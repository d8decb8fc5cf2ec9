"""Tickets and everything hanging off them; SLA policies and business calendars."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.data.base import Base, Replicated, str_enum, utcnow
from app.domain.enums import Channel, Priority, TicketEventKind, TicketStatus


class BusinessCalendar(Replicated, Base):
    """Working days and hours in one time zone; holidays are rows of `holidays`."""

    __tablename__ = "business_calendars"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Weekday numbers, Monday = 0, e.g. "0,1,2,3,4".
    workdays: Mapped[str] = mapped_column(String(20), default="0,1,2,3,4")
    day_start_minute: Mapped[int] = mapped_column(Integer, default=8 * 60)
    day_end_minute: Mapped[int] = mapped_column(Integer, default=18 * 60)


class Holiday(Replicated, Base):
    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("calendar_id", "day", name="uq_holidays_calendar_day"),)

    calendar_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business_calendars.id"))
    day: Mapped[str] = mapped_column(String(10))  # ISO date: a calendar day, not an instant
    name: Mapped[str] = mapped_column(String(120), default="")


class SlaPolicy(Replicated, Base):
    """Targets for one priority (optionally for one organisation), in business minutes."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("priority", "organisation_id", name="uq_sla_policies_priority_org"),
        CheckConstraint("first_response_minutes > 0", name="first_response_positive"),
        CheckConstraint("resolution_minutes > 0", name="resolution_positive"),
    )

    name: Mapped[str] = mapped_column(String(120))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id"), default=None
    )
    calendar_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business_calendars.id"))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)


class Ticket(Replicated, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_assignee", "status", "assignee_id"),
        Index("ix_tickets_opened_at", "opened_at"),
        Index("ix_tickets_resolved_at", "resolved_at"),
        Index("ix_tickets_resolution_due_at", "resolution_due_at"),
        # Migration 0005, measured by `supportdesk bench --tickets 1000000`: the default list
        # order and the live count walk the first; status/assignee filters and view counts are
        # answered from the second.
        Index("ix_tickets_live_updated", "deleted_at", "updated_at", "id"),
        Index("ix_tickets_live_status", "status", "deleted_at", "assignee_id", "updated_at"),
        # Migration 0006: the live count reads the narrowest index; the unfiltered list sorted
        # by channel or tier walks an index instead of sorting every ticket.
        Index("ix_tickets_live", "deleted_at"),
        Index("ix_tickets_live_channel", "deleted_at", "channel", "id"),
        Index("ix_tickets_live_tier", "deleted_at", "tier", "id"),
    )

    number: Mapped[str] = mapped_column(String(24), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus), default=TicketStatus.NEW)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.NORMAL)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.EMAIL)
    category: Mapped[str] = mapped_column(String(120), default="")
    requester_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id"), default=None, index=True
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), default=None)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id"), default=None, index=True
    )
    sla_policy_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sla_policies.id"), default=None
    )
    opened_at: Mapped[datetime]
    first_response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_due_at: Mapped[datetime | None] = mapped_column(default=None)
    first_responded_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Kept when the clock stops, so KPI medians are a column read, not a Python loop.
    first_response_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    # Escalation tier: 1 = first line, 2 = second line, 3 = specialists/vendor.
    tier: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Set while the SLA clock is paused (waiting on the requester); due times shift on resume.
    sla_paused_at: Mapped[datetime | None] = mapped_column(default=None)
    # Business minutes the clock has been paused in total (reported on the SLA timeline).
    sla_paused_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A merged duplicate points at the ticket that carries on the work (also a TicketLink of
    # kind "duplicate"). No foreign key: SQLite cannot add one without rebuilding `tickets`.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class TicketEvent(Replicated, Base):
    """Append-only timeline entry: reply, internal note, status change, assignment, breach."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_created", "ticket_id", "created_at"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[TicketEventKind] = mapped_column(str_enum(TicketEventKind))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    body: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    old_value: Mapped[str] = mapped_column(String(255), default="")
    new_value: Mapped[str] = mapped_column(String(255), default="")


class Tag(Replicated, Base):
    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(64), unique=True)


class TicketTag(Replicated, Base):
    __tablename__ = "ticket_tags"
    __table_args__ = (UniqueConstraint("ticket_id", "tag_id", name="uq_ticket_tags_ticket_tag"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"))
    tag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tags.id"), index=True)


class Attachment(Replicated, Base):
    """Metadata of a file on a ticket; the bytes are a blob keyed by their SHA-256."""

    __tablename__ = "attachments"

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket_events.id"), default=None)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)


class AttachmentBlob(Base):
    """The bytes of an attachment, stored once per SHA-256 (local file and team server alike).

    Not a replicated row: sync sends a blob only when the other side lacks that hash.
    """

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketLink(Replicated, Base):
    """Two related tickets ("related"), or a duplicate merged into another ("duplicate")."""

    __tablename__ = "ticket_links"
    __table_args__ = (
        UniqueConstraint("ticket_id", "other_ticket_id", name="uq_ticket_links_pair"),
    )

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"))
    other_ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="related")


class TimeEntry(Replicated, Base):
    """Time a person spent on a ticket."""

    __tablename__ = "time_entries"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    worked_on: Mapped[str] = mapped_column(String(10))  # ISO date


class CannedResponse(Replicated, Base):
    """A reusable reply with placeholders such as {requester.name} or {ticket.number}."""

    __tablename__ = "canned_responses"

    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    # None: shared with the whole team; otherwise only its owner sees it.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)


class SavedView(Replicated, Base):
    """A named ticket filter shown with its count ("My open", "Due soon", ...)."""

    __tablename__ = "saved_views"

    name: Mapped[str] = mapped_column(String(120))
    # None: a team-wide view; otherwise a personal one.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    filter_json: Mapped[str] = mapped_column(Text, default="{}")
    position: Mapped[int] = mapped_column(Integer, default=0)


class SatisfactionRating(Replicated, Base):
    __tablename__ = "satisfaction_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime]
