"""Audit events: written in the same unit of work as the change they describe."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.data.models.audit import AuditEvent
from app.domain.enums import AuditKind


def add_event(
    session: Session,
    *,
    kind: AuditKind,
    action: str,
    actor_id: uuid.UUID | None,
    actor_name: str,
    entity: str = "",
    entity_id: uuid.UUID | None = None,
    summary: str = "",
    device_id: str = "",
) -> AuditEvent:
    event = AuditEvent(
        kind=kind,
        action=action,
        actor_id=actor_id,
        actor_name=actor_name,
        entity=entity,
        entity_id=entity_id,
        summary=summary,
        device_id=device_id,
    )
    session.add(event)
    return event


#: Columns the audit log may be sorted by (keys the UI sends).
SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "at": AuditEvent.created_at,
    "kind": AuditEvent.kind,
    "action": AuditEvent.action,
    "actor": AuditEvent.actor_name,
    "entity": AuditEvent.entity,
    "summary": AuditEvent.summary,
    "device": AuditEvent.device_id,
}


def page(
    session: Session,
    *,
    offset: int,
    limit: int,
    kind: AuditKind | None = None,
    text: str = "",
    since: datetime | None = None,
    sort: str = "at",
    descending: bool = True,
) -> Sequence[AuditEvent]:
    """One page of events, newest first unless `sort`/`descending` say otherwise.

    Raises:
        KeyError: `sort` is not one of `SORT_COLUMNS`.
    """
    column = SORT_COLUMNS[sort]
    stmt = select(AuditEvent).where(AuditEvent.deleted_at.is_(None))
    if kind is not None:
        stmt = stmt.where(AuditEvent.kind == kind)
    if since is not None:
        stmt = stmt.where(AuditEvent.created_at >= since)
    if text:
        like = f"%{text}%"
        stmt = stmt.where(
            or_(
                AuditEvent.action.ilike(like),
                AuditEvent.summary.ilike(like),
                AuditEvent.actor_name.ilike(like),
            )
        )
    # The id (UUID v7, time-ordered) breaks ties so paging never repeats or skips a row.
    if descending:
        stmt = stmt.order_by(column.desc(), AuditEvent.id.desc())
    else:
        stmt = stmt.order_by(column.asc(), AuditEvent.id.asc())
    return session.scalars(stmt.offset(offset).limit(limit)).all()


def count(session: Session, *, kind: AuditKind | None = None, text: str = "") -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.deleted_at.is_(None))
    if kind is not None:
        stmt = stmt.where(AuditEvent.kind == kind)
    if text:
        like = f"%{text}%"
        stmt = stmt.where(
            or_(
                AuditEvent.action.ilike(like),
                AuditEvent.summary.ilike(like),
                AuditEvent.actor_name.ilike(like),
            )
        )
    return int(session.scalar(stmt) or 0)
