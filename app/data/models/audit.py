"""Audit log: who did what, when, from which device. Append-only."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.data.base import Base, Replicated, str_enum
from app.domain.enums import AuditKind


class AuditEvent(Replicated, Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_created_at", "created_at"),)

    kind: Mapped[AuditKind] = mapped_column(str_enum(AuditKind))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "ticket.create", "auth.failed"
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    entity: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    device_id: Mapped[str] = mapped_column(String(64), default="")
