"""Saved ticket views: shared (team-wide) ones and each person's own."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.data.models.tickets import SavedView


def visible(session: Session, user_id: uuid.UUID) -> Sequence[SavedView]:
    """Live views the user sees: every shared view and the user's own, in their order."""
    stmt = (
        select(SavedView)
        .where(
            SavedView.deleted_at.is_(None),
            or_(SavedView.owner_id.is_(None), SavedView.owner_id == user_id),
        )
        .order_by(SavedView.position, SavedView.name, SavedView.id)
    )
    return session.scalars(stmt).all()


def existing_ids(session: Session, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` exist, deleted or not (a deleted built-in view is not seeded again)."""
    if not ids:
        return set()
    return set(session.scalars(select(SavedView.id).where(SavedView.id.in_(list(ids)))))


def get_live(session: Session, view_id: uuid.UUID) -> SavedView | None:
    view = session.get(SavedView, view_id)
    return view if view is not None and view.deleted_at is None else None


def last_position(session: Session, user_id: uuid.UUID) -> int:
    return max((v.position for v in visible(session, user_id)), default=0)
