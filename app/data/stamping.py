"""Stamps every replicated row on flush: who changed it, and the hybrid-logical-clock time.

The acting user and the clock travel in `Session.info`, set by `Database.session`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.data.base import Replicated
from app.data.models.local import Device
from app.domain.hlc import HybridLogicalClock


@event.listens_for(Session, "before_flush")
def _stamp_replicated(session: Session, _ctx: Any, _instances: Any) -> None:
    clock: HybridLogicalClock | None = session.info.get("clock")
    actor = session.info.get("actor_id")
    touched = False
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Replicated) and (obj in session.new or session.is_modified(obj)):
            if clock is not None:
                obj.hlc = clock.now().encode()
                touched = True
            if actor is not None:
                obj.updated_by = actor
    if touched and clock is not None:
        # Persisted with the change, so the clock never goes backwards across restarts.
        session.execute(update(Device).values(last_hlc=clock.last.encode()))


# Imported last: the change-capture listener (after_flush) sees what this one stamped.
from app.data import capture as _capture  # noqa: E402, F401
