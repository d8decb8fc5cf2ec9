"""Local-only tables: this desktop's identity, counters and sync state. Never replicated."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.data.base import Base, utcnow


class Device(Base):
    """The single row that says who this database file is."""

    __tablename__ = "device"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120), default="")
    ticket_counter: Mapped[int] = mapped_column(Integer, default=0)
    last_hlc: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEntry(Base):
    """One local change waiting to reach the team server (see ARCHITECTURE.md).

    Written by app/data/capture.py in the same transaction as the change. `seq` only grows
    (AUTOINCREMENT: SQLite never reuses a number, even after the outbox empties), which is
    what makes pushes idempotent on the server.
    """

    __tablename__ = "sync_outbox"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[uuid.UUID]
    fields: Mapped[str] = mapped_column(Text)  # JSON object of changed fields
    hlc: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "insert" (every field) or "update" (changed fields only).
    op: Mapped[str] = mapped_column(String(8), default="update")
    # Server versions the edit was based on: JSON {field: version}; 0 = never seen.
    bases: Mapped[str] = mapped_column(Text, default="{}")
    # Highest server version of the row known when the edit was made.
    base_version: Mapped[int] = mapped_column(BigInteger, default=0)
    device_id: Mapped[str] = mapped_column(String(64), default="")
    # The local transaction: a push never splits one.
    tx_id: Mapped[str] = mapped_column(String(32), default="")


class SyncState(Base):
    """Key/value state of replication: server URL (no password), cursor, last sync."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
