"""Bulk writes for the demo-data builder: many rows per statement, stamped like ORM writes.

The ORM unit of work costs about a millisecond per object, which is too slow for the hundreds
of thousands of rows of a large demo. These helpers send plain Core INSERTs in batches
(``executemany``) and fill the columns the ORM flush listener would otherwise stamp.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from app.data.base import Base, Replicated, utcnow
from app.data.models.local import Device
from app.data.models.people import User
from app.domain.hlc import HybridLogicalClock
from app.domain.ids import new_id

#: Rows per INSERT batch: big enough to amortise the round trip, small enough for memory.
BATCH = 5000


def _defaults(model: type[Base]) -> dict[str, Any]:
    """Scalar column defaults of a model, used to even out rows that omit a column."""
    out: dict[str, Any] = {}
    for column in model.__table__.columns:
        default = column.default
        arg = getattr(default, "arg", None) if default is not None else None
        out[column.key] = None if arg is None or callable(arg) else arg
    return out


def bulk_insert(
    session: Session,
    model: type[Base],
    rows: Iterable[Mapping[str, Any]],
    *,
    clock: HybridLogicalClock | None,
    actor_id: uuid.UUID | None,
) -> int:
    """Insert `rows` (dicts keyed by column name) into `model`'s table; returns the count.

    Replicated columns a row leaves out are filled as a normal write would fill them: a new
    UUID v7, created/updated now, the acting user, and a fresh hybrid-logical-clock stamp.
    Every row gets every column, because ``executemany`` compiles one statement for a batch.
    """
    table = cast(Table, model.__table__)
    defaults = _defaults(model)
    replicated = issubclass(model, Replicated)
    now = utcnow()
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        full = {**defaults, **row}
        if replicated:
            if full.get("id") is None:
                full["id"] = new_id()
            full["created_at"] = full.get("created_at") or now
            full["updated_at"] = full.get("updated_at") or full["created_at"]
            if full.get("updated_by") is None:
                full["updated_by"] = actor_id
            if not full.get("hlc") and clock is not None:
                full["hlc"] = clock.now().encode()
            full.setdefault("hlc", "")
        batch.append(full)
        if len(batch) >= BATCH:
            session.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        session.execute(insert(table), batch)
        count += len(batch)
    if replicated and count and clock is not None:
        # As the flush listener does: the clock must never go backwards across restarts.
        session.execute(update(Device).values(last_hlc=clock.last.encode()))
    return count


def database_is_empty(session: Session) -> bool:
    """Whether nobody has been set up yet (the demo is only built on a fresh database)."""
    return not session.scalar(select(func.count()).select_from(User))


def set_last_logins(session: Session, logins: Sequence[tuple[uuid.UUID, datetime]]) -> None:
    """Record each user's latest sign-in time (bulk, after the audit log is written)."""
    for user_id, at in logins:
        session.execute(update(User).where(User.id == user_id).values(last_login_at=at))


def row_counts(session: Session, models: Sequence[type[Base]]) -> dict[str, int]:
    """Live rows per table, for the build report."""
    out: dict[str, int] = {}
    for model in models:
        stmt = select(func.count()).select_from(model)
        if issubclass(model, Replicated):
            stmt = stmt.where(model.__table__.c.deleted_at.is_(None))
        out[model.__tablename__] = int(session.scalar(stmt) or 0)
    return out
