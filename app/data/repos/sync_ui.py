"""Queries behind the replication screens: open conflicts, readable names, offline markers.

The engine's own SQL is in `app.data.repos.sync`; this module serves the people who look at
the result. Resolving a conflict writes through ORM objects in the caller's unit of work, so
the change is stamped and captured to the outbox like any other edit and replicates.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data.capture import JsonValue, replicated_tables
from app.data.models.local import OutboxEntry
from app.data.models.people import Contact, Organisation, Team, User
from app.data.models.sync import SyncConflict
from app.data.models.tickets import Ticket
from app.data.repos import sync as sync_repo

#: One conflict as the Conflicts view reads it (values as JSON text).
ConflictRecord = sync_repo.ConflictRow


def open_conflicts(session: Session) -> list[ConflictRecord]:
    """Unresolved conflicts, oldest first."""
    rows = session.scalars(
        select(SyncConflict)
        .where(SyncConflict.deleted_at.is_(None), SyncConflict.resolved_at.is_(None))
        .order_by(SyncConflict.created_at, SyncConflict.id)
    ).all()
    return [sync_repo.conflict_row(r) for r in rows]


def open_conflict(session: Session, conflict_id: uuid.UUID) -> ConflictRecord | None:
    r = session.get(SyncConflict, conflict_id)
    if r is None or r.deleted_at is not None or r.resolved_at is not None:
        return None
    return sync_repo.conflict_row(r)


def mark_resolved(
    session: Session, conflict_id: uuid.UUID, user_id: uuid.UUID | None, when: datetime
) -> bool:
    """Mark a conflict resolved (an ordinary, captured edit); False when it is not open."""
    r = session.get(SyncConflict, conflict_id)
    if r is None or r.resolved_at is not None or r.deleted_at is not None:
        return False
    r.resolved_at = when
    r.resolved_by = user_id
    return True


def row_values(session: Session, table: str, row_id: uuid.UUID) -> dict[str, JsonValue] | None:
    """A replicated row as JSON values (None when the table is unknown or the row missing)."""
    spec = replicated_tables().get(table)
    if spec is None:
        return None
    return sync_repo.load_row(session, spec, row_id)


def decode_value(table: str, field: str, value: JsonValue) -> Any:
    """A JSON value of a field as the column's Python value (enum, datetime, UUID, ...)."""
    spec = replicated_tables().get(table)
    if spec is None or field not in spec.decoders:
        return value
    try:
        return spec.decoders[field](value)
    except (ValueError, TypeError):
        return value


def set_field(
    session: Session, table: str, row_id: uuid.UUID, field: str, value: JsonValue
) -> bool:
    """Write one field through the ORM, so it is stamped and captured; False if no such row."""
    spec = replicated_tables().get(table)
    if spec is None or field not in spec.fields:
        return False
    obj = session.get(spec.model, row_id)
    if obj is None:
        return False
    setattr(obj, field, spec.decoders[field](value))
    return True


def names_for_ids(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of people, contacts, organisations, teams and tickets by id."""
    wanted = set(ids)
    out: dict[uuid.UUID, str] = {}
    if not wanted:
        return out
    for column_id, column_name in (
        (User.id, User.full_name),
        (Contact.id, Contact.full_name),
        (Organisation.id, Organisation.name),
        (Team.id, Team.name),
        (Ticket.id, Ticket.number),
    ):
        missing = wanted - out.keys()
        if not missing:
            break
        for rid, name in session.execute(
            select(column_id, column_name).where(column_id.in_(missing))
        ):
            out[rid] = str(name)
    return out


def pending_insert_ids(session: Session, table: str) -> set[uuid.UUID]:
    """Rows of `table` created here whose insert still waits in the outbox."""
    return set(
        session.scalars(
            select(OutboxEntry.row_id).where(
                OutboxEntry.table_name == table, OutboxEntry.op == "insert"
            )
        ).all()
    )
