"""All SQL of replication, for the desktop's SQLite file and the team server alike.

Replicated rows are read and written with Core statements here, never through ORM objects,
so replication writes are not captured again (no echo into the outbox) and are not stamped.
Values cross this module as JSON-safe values (see `app.data.capture.encode_value`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.data.capture import JsonValue, TableSpec, dumps, encode_value, replicated_tables
from app.data.models.local import Device, OutboxEntry, SyncState
from app.data.models.sync import ChangeLogEntry, RowClock, SyncConflict, SyncPeer
from app.domain.ids import device_prefix, new_id

__all__ = [
    "JsonValue",
    "LogRow",
    "OutboxRow",
    "TableSpec",
    "replicated_tables",
]

Clocks = dict[str, list[Any]]  # field -> [hlc, version, device]


@dataclass(frozen=True)
class OutboxRow:
    """One outbox entry as the push needs it."""

    seq: int
    table_name: str
    row_id: uuid.UUID
    op: str
    fields: dict[str, JsonValue]
    hlc: str
    bases: dict[str, int]
    base_version: int
    tx_id: str


@dataclass(frozen=True)
class LogRow:
    """One server change-log row as the pull needs it."""

    id: int
    xid: int
    table_name: str
    row_id: uuid.UUID
    op: str
    fields: dict[str, list[Any]]  # field -> [value, hlc]
    hlc: str
    device_id: str


@dataclass(frozen=True)
class ConflictRow:
    """A conflict record as shown by `status` and the tests."""

    id: uuid.UUID
    table_name: str
    row_id: uuid.UUID
    field: str
    kind: str
    winner_value: str
    winner_hlc: str
    winner_device: str
    loser_value: str
    loser_hlc: str
    loser_device: str
    resolved: bool


# --- key/value state --------------------------------------------------------------------------


def get_state(session: Session, key: str) -> str | None:
    return session.scalar(select(SyncState.value).where(SyncState.key == key))


def set_state(session: Session, key: str, value: str) -> None:
    if session.execute(update(SyncState).where(SyncState.key == key).values(value=value)).rowcount:  # type: ignore[attr-defined]
        return
    session.execute(insert(SyncState).values(key=key, value=value))


def delete_state(session: Session, key: str) -> None:
    session.execute(delete(SyncState).where(SyncState.key == key))


# --- device ---------------------------------------------------------------------------------


def persist_clock(session: Session, last_hlc: str) -> None:
    """Save the clock's last stamp so it never goes backwards across restarts."""
    session.execute(update(Device).where(Device.last_hlc < last_hlc).values(last_hlc=last_hlc))


def reset_device_identity(session: Session) -> str:
    """Give this database a new device id (it was copied from another desktop's file).

    Pending outbox entries move to the new identity; returns the new id (hex).
    """
    new = new_id()
    session.execute(update(Device).values(id=new, prefix=device_prefix(new)))
    session.execute(update(OutboxEntry).values(device_id=new.hex))
    return new.hex


# --- outbox ---------------------------------------------------------------------------------


def outbox_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0)


def next_outbox_batch(session: Session, limit: int) -> list[OutboxRow]:
    """The oldest pending entries, about `limit` of them, never splitting a local transaction."""
    first = session.execute(
        select(OutboxEntry.seq, OutboxEntry.tx_id).order_by(OutboxEntry.seq).limit(limit)
    ).all()
    if not first:
        return []
    last_tx = first[-1].tx_id
    upto = first[-1].seq
    # Entries of one transaction are contiguous (SQLite has one writer at a time).
    tail = session.scalar(
        select(func.max(OutboxEntry.seq)).where(
            OutboxEntry.tx_id == last_tx, OutboxEntry.seq >= upto
        )
    )
    rows = session.scalars(
        select(OutboxEntry).where(OutboxEntry.seq <= (tail or upto)).order_by(OutboxEntry.seq)
    ).all()
    return [
        OutboxRow(
            seq=r.seq,
            table_name=r.table_name,
            row_id=r.row_id,
            op=r.op,
            fields=json.loads(r.fields),
            hlc=r.hlc,
            bases={k: int(v) for k, v in json.loads(r.bases or "{}").items()},
            base_version=int(r.base_version or 0),
            tx_id=r.tx_id,
        )
        for r in rows
    ]


def acknowledge_outbox(session: Session, entries: Sequence[OutboxRow], device: str) -> None:
    """Drop pushed entries and remember the stamps of the values they carried."""
    if not entries:
        return
    for entry in entries:
        clocks = load_clocks(session, entry.table_name, entry.row_id)
        for field in entry.fields:
            old = clocks.get(field)
            if old is None:
                clocks[field] = [entry.hlc, 0, device]
            elif entry.hlc > old[0]:
                clocks[field] = [entry.hlc, old[1], device]
        save_clocks(session, entry.table_name, entry.row_id, clocks)
    session.execute(delete(OutboxEntry).where(OutboxEntry.seq <= entries[-1].seq))


def drop_outbox(session: Session, upto_seq: int) -> None:
    session.execute(delete(OutboxEntry).where(OutboxEntry.seq <= upto_seq))


def pending_stamps(
    session: Session, keys: Iterable[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], dict[str, str]]:
    """For rows with unpushed local edits: the newest local stamp of each edited field."""
    wanted = set(keys)
    if not wanted:
        return {}
    ids = {row_id for _t, row_id in wanted}
    out: dict[tuple[str, uuid.UUID], dict[str, str]] = {}
    for r in session.execute(
        select(OutboxEntry.table_name, OutboxEntry.row_id, OutboxEntry.fields, OutboxEntry.hlc)
        .where(OutboxEntry.row_id.in_(ids))
        .order_by(OutboxEntry.seq)
    ):
        key = (r.table_name, r.row_id)
        if key not in wanted:
            continue
        stamps = out.setdefault(key, {})
        for field in json.loads(r.fields):
            if r.hlc > stamps.get(field, ""):
                stamps[field] = r.hlc
    return out


def snapshot_unsynced_rows(session: Session, device: str, fallback_hlc: str) -> int:
    """Queue every row that never went through the outbox (bulk-inserted data) for upload.

    Returns how many rows were queued. Rows with clocks (already replicated) or with a pending
    entry are left alone.
    """
    queued = 0
    for spec in replicated_tables().values():
        table = spec.model.__table__
        has_clock = exists().where(RowClock.table_name == spec.name, RowClock.row_id == table.c.id)
        pending = exists().where(
            OutboxEntry.table_name == spec.name, OutboxEntry.row_id == table.c.id
        )
        tx_id = uuid.uuid4().hex
        result = session.execute(
            select(table).where(~has_clock, ~pending).order_by(table.c.created_at)
        )
        batch: list[dict[str, Any]] = []
        for row in result.mappings():
            values = {f: encode_value(row[f]) for f in spec.fields}
            batch.append(
                {
                    "table_name": spec.name,
                    "row_id": row["id"],
                    "op": "insert",
                    "fields": dumps(values),
                    "hlc": row["hlc"] or fallback_hlc,
                    "bases": "{}",
                    "base_version": 0,
                    "device_id": device,
                    "tx_id": tx_id,
                    "created_at": datetime.now(UTC),
                }
            )
        if batch:
            session.execute(insert(OutboxEntry), batch)
            queued += len(batch)
    return queued


# --- rows and clocks --------------------------------------------------------------------------


def load_row(
    session: Session, spec: TableSpec, row_id: uuid.UUID, *, for_update: bool = False
) -> dict[str, JsonValue] | None:
    """A replicated row as JSON values (fields plus `hlc`), or None when it does not exist."""
    table = spec.model.__table__
    stmt = select(table).where(table.c.id == row_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.execute(stmt).mappings().first()
    if row is None:
        return None
    values = {f: encode_value(row[f]) for f in spec.fields}
    values["hlc"] = row["hlc"]
    return values


def write_row(
    session: Session,
    spec: TableSpec,
    row_id: uuid.UUID,
    values: dict[str, JsonValue],
    row_hlc: str,
    *,
    current: dict[str, JsonValue] | None,
) -> None:
    """Insert the row (when `current` is None) or update the given fields of it."""
    table = spec.model.__table__
    decoded = spec.decode(values)
    decoded["hlc"] = row_hlc
    if current is None:
        decoded["id"] = row_id
        session.execute(insert(table).values(**decoded))
        return
    if "updated_at" not in decoded:
        # Name it, or the column's onupdate would restamp it with this computer's time.
        decoded["updated_at"] = spec.decoders["updated_at"](current["updated_at"])
    session.execute(update(table).where(table.c.id == row_id).values(**decoded))


def load_clocks(session: Session, table: str, row_id: uuid.UUID) -> Clocks:
    text_ = session.scalar(
        select(RowClock.clocks).where(RowClock.table_name == table, RowClock.row_id == row_id)
    )
    return json.loads(text_) if text_ else {}


def save_clocks(session: Session, table: str, row_id: uuid.UUID, clocks: Clocks) -> None:
    payload = dumps(clocks)
    done = session.execute(
        update(RowClock)
        .where(RowClock.table_name == table, RowClock.row_id == row_id)
        .values(clocks=payload)
    ).rowcount  # type: ignore[attr-defined]
    if not done:
        session.execute(insert(RowClock).values(table_name=table, row_id=row_id, clocks=payload))


def defer_foreign_keys(session: Session) -> None:
    """SQLite: check foreign keys at commit, so one pulled page may arrive in any order."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA defer_foreign_keys = ON"))


def rows_as_json(session: Session, spec: TableSpec) -> dict[uuid.UUID, dict[str, JsonValue]]:
    """Every row of a table as JSON values (tests and consistency checks)."""
    table = spec.model.__table__
    out: dict[uuid.UUID, dict[str, JsonValue]] = {}
    for row in session.execute(select(table)).mappings():
        values = {f: encode_value(row[f]) for f in spec.fields}
        values["hlc"] = row["hlc"]
        out[row["id"]] = values
    return out


# --- server: peers, change log ----------------------------------------------------------------


def lock_peer(session: Session, device: str, schema_revision: str) -> int:
    """The last outbox sequence applied for a device, holding its row until commit."""
    stmt = select(SyncPeer.last_seq).where(SyncPeer.device_id == device).with_for_update()
    last = session.scalar(stmt)
    if last is None:
        session.execute(
            insert(SyncPeer).values(device_id=device, last_seq=0, schema_revision=schema_revision)
        )
        session.flush()
        last = session.scalar(stmt)
    return int(last or 0)


def set_peer(session: Session, device: str, last_seq: int, schema_revision: str) -> None:
    session.execute(
        update(SyncPeer)
        .where(SyncPeer.device_id == device)
        .values(last_seq=last_seq, schema_revision=schema_revision, updated_at=datetime.now(UTC))
    )


def peer_exists(session: Session, device: str) -> bool:
    return (
        session.scalar(select(SyncPeer.device_id).where(SyncPeer.device_id == device)) is not None
    )


def append_log(
    session: Session,
    table: str,
    row_id: uuid.UUID,
    op: str,
    fields: dict[str, list[Any]],
    row_hlc: str,
    device: str,
) -> int:
    """Append one change to the server change log; returns its id (the new server version)."""
    return int(
        session.execute(
            insert(ChangeLogEntry)
            .values(
                table_name=table,
                row_id=row_id,
                op=op,
                fields=dumps(fields),
                hlc=row_hlc,
                device_id=device,
                created_at=datetime.now(UTC),
            )
            .returning(ChangeLogEntry.id)
        ).scalar_one()
    )


def read_log_page(session: Session, after: tuple[int, int], limit: int) -> list[LogRow]:
    """Change-log rows after the cursor (xid, id), only of transactions that have finished.

    `pg_snapshot_xmin` is the oldest transaction still running: every row below it is
    committed (or never will be), so the cursor can move past it without skipping a row that
    a slower transaction is still about to commit.
    """
    rows = session.execute(
        text(
            "SELECT id, tx_xid::text::bigint AS xid, table_name, row_id, op, fields, hlc, "
            "device_id FROM sync_change_log "
            "WHERE tx_xid < pg_snapshot_xmin(pg_current_snapshot()) "
            "AND (tx_xid, id) > (CAST(CAST(:xid AS text) AS xid8), :id) "
            "ORDER BY tx_xid, id LIMIT :limit"
        ),
        {"xid": after[0], "id": after[1], "limit": limit},
    ).all()
    return [
        LogRow(
            id=int(r.id),
            xid=int(r.xid),
            table_name=r.table_name,
            row_id=r.row_id if isinstance(r.row_id, uuid.UUID) else uuid.UUID(str(r.row_id)),
            op=r.op,
            fields=json.loads(r.fields),
            hlc=r.hlc,
            device_id=r.device_id,
        )
        for r in rows
    ]


def log_size(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ChangeLogEntry)) or 0)


def server_now_ms(session: Session) -> int:
    now = session.scalar(text("SELECT now()"))
    assert isinstance(now, datetime)
    return int(now.timestamp() * 1000)


def unlogged_rows(
    session: Session, spec: TableSpec
) -> list[tuple[uuid.UUID, dict[str, JsonValue]]]:
    """Server rows that never reached the change log (written without replication)."""
    table = spec.model.__table__
    has_clock = exists().where(RowClock.table_name == spec.name, RowClock.row_id == table.c.id)
    out = []
    for row in session.execute(
        select(table).where(~has_clock).order_by(table.c.created_at)
    ).mappings():
        values = {f: encode_value(row[f]) for f in spec.fields}
        values["hlc"] = row["hlc"]
        out.append((row["id"], values))
    return out


# --- conflicts --------------------------------------------------------------------------------


def conflict_count(session: Session, *, unresolved_only: bool = True) -> int:
    stmt = select(func.count()).select_from(SyncConflict).where(SyncConflict.deleted_at.is_(None))
    if unresolved_only:
        stmt = stmt.where(SyncConflict.resolved_at.is_(None))
    return int(session.scalar(stmt) or 0)


def list_conflicts(session: Session) -> list[ConflictRow]:
    rows = session.scalars(
        select(SyncConflict).where(SyncConflict.deleted_at.is_(None)).order_by(SyncConflict.id)
    ).all()
    return [
        ConflictRow(
            id=r.id,
            table_name=r.table_name,
            row_id=r.row_id,
            field=r.field,
            kind=r.kind,
            winner_value=r.winner_value,
            winner_hlc=r.winner_hlc,
            winner_device=r.winner_device,
            loser_value=r.loser_value,
            loser_hlc=r.loser_hlc,
            loser_device=r.loser_device,
            resolved=r.resolved_at is not None,
        )
        for r in rows
    ]
