"""Replication bookkeeping: per-row field clocks, the server change log, peers, conflicts.

The same tables exist in every SQLite file and on the team server (one Alembic history);
`sync_change_log` and `sync_peers` are only filled on the server, `sync_row_clocks` on both.
The change log's `xid` column (the writing transaction's `xid8`) exists on PostgreSQL only
(migration 0003): it is what lets a pull cursor never skip a late-committing transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import base as _pg_base
from sqlalchemy.orm import Mapped, mapped_column

from app.data.base import Base, Replicated, utcnow

# SQLAlchemy does not know PostgreSQL's xid8; reflecting `sync_change_log.tx_xid` (schema checks,
# autogenerate) would warn. It is a 64-bit transaction id: reflect it as a big integer.
_pg_base.ischema_names.setdefault("xid8", BigInteger)


class RowClock(Base):
    """Per field of one replicated row: HLC of the current value, server version, writer.

    `clocks` is a JSON object ``{field: [hlc, version, device]}``. One row per replicated row
    (not per field) keeps a save to one extra read and a pull to one extra write per row.
    """

    __tablename__ = "sync_row_clocks"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    clocks: Mapped[str] = mapped_column(Text, default="{}")


class ChangeLogEntry(Base):
    """One applied change on the server: the winning field values with their HLC stamps.

    `id` is the server version of the change; pulls are ordered by the (PostgreSQL-only)
    `xid` column, never by `id` alone.
    """

    __tablename__ = "sync_change_log"
    __table_args__ = (Index("ix_sync_change_log_row", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[uuid.UUID]
    op: Mapped[str] = mapped_column(String(8))  # "insert" (all fields) or "update"
    fields: Mapped[str] = mapped_column(Text)  # JSON {field: [value, hlc]}
    device_id: Mapped[str] = mapped_column(String(64), default="")
    # The row's stamp after this change (the maximum of every stamp the row has seen).
    hlc: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncPeer(Base):
    """A desktop known to the server and the last outbox entry of it that was applied.

    Outbox sequence numbers only grow (SQLite AUTOINCREMENT), so a retried batch after a crash
    or a dropped connection skips what was already applied: pushes are idempotent.
    """

    __tablename__ = "sync_peers"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    schema_revision: Mapped[str] = mapped_column(String(32), default="")
    # Ticket-number prefix the server gave this desktop (unique across the team).
    prefix: Mapped[str | None] = mapped_column(String(8), default=None, unique=True)
    # Pull cursor the desktop last reported: tombstones below every active cursor can go.
    pulled_xid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    pulled_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncConflict(Replicated, Base):
    """Two concurrent values of one field (or an edit of a deleted row), kept for a person.

    Created by the server while it applies a push and replicated like any row, so every
    desktop shows the same conflicts; resolving one is an ordinary replicated edit.
    """

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_row", "table_name", "row_id"),)

    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[uuid.UUID]
    field: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(16))  # "field" or "deleted"
    winner_value: Mapped[str] = mapped_column(Text, default="null")  # JSON
    winner_hlc: Mapped[str] = mapped_column(String(64), default="")
    winner_device: Mapped[str] = mapped_column(String(64), default="")
    loser_value: Mapped[str] = mapped_column(Text, default="null")  # JSON
    loser_hlc: Mapped[str] = mapped_column(String(64), default="")
    loser_device: Mapped[str] = mapped_column(String(64), default="")
    # The value both edits started from (JSON), when the server still knows it.
    base_value: Mapped[str] = mapped_column(Text, default="null", server_default="null")
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
