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
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.data.capture import JsonValue, TableSpec, dumps, encode_value, replicated_tables
from app.data.models.local import Device, OutboxEntry, SyncState
from app.data.models.sync import ChangeLogEntry, RowClock, SyncConflict, SyncPeer
from app.data.models.tickets import Attachment, AttachmentBlob
from app.domain.ids import device_prefix, new_id

#: A write broke a constraint (raised by the fast apply path; the careful one resolves it).
ConstraintError = IntegrityError

__all__ = [
    "ConstraintError",
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
    base_value: str
    created_at: datetime


def conflict_row(r: SyncConflict) -> ConflictRow:
    """The plain record of one conflict row (no live ORM object leaves the repo)."""
    return ConflictRow(
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
        base_value=r.base_value,
        created_at=r.created_at,
    )


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
    keys = [(e.table_name, e.row_id) for e in entries]
    known = load_clocks_many(session, keys)
    touched: dict[tuple[str, uuid.UUID], Clocks] = {}
    for entry in entries:
        key = (entry.table_name, entry.row_id)
        clocks = touched.get(key)
        if clocks is None:
            clocks = touched[key] = known.get(key, {})
        for field in entry.fields:
            old = clocks.get(field)
            if old is None:
                clocks[field] = [entry.hlc, 0, device]
            elif entry.hlc > old[0]:
                clocks[field] = [entry.hlc, old[1], device]
    save_clocks_many(session, [(t, r, c) for (t, r), c in touched.items()])
    session.execute(delete(OutboxEntry).where(OutboxEntry.seq <= entries[-1].seq))


def drop_outbox(session: Session, upto_seq: int) -> None:
    session.execute(delete(OutboxEntry).where(OutboxEntry.seq <= upto_seq))


def pending_stamps(
    session: Session, keys: Iterable[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], dict[str, str]]:
    """For rows with unpushed local edits: the newest local stamp of each edited field."""
    wanted = set(keys)
    if not wanted or session.scalar(select(OutboxEntry.seq).limit(1)) is None:
        return {}  # nothing waits to be pushed (a pulling desktop's usual state)
    ids = list({row_id for _t, row_id in wanted})
    out: dict[tuple[str, uuid.UUID], dict[str, str]] = {}
    found: list[Any] = []
    for chunk in _chunks(ids):
        found.extend(
            session.execute(
                select(
                    OutboxEntry.seq,
                    OutboxEntry.table_name,
                    OutboxEntry.row_id,
                    OutboxEntry.fields,
                    OutboxEntry.hlc,
                ).where(OutboxEntry.row_id.in_(chunk))
            )
        )
    found.sort(key=lambda r: r.seq)
    for r in found:
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


def log_fully_visible(session: Session) -> bool:
    """True when no running transaction holds back any change-log row from a pull."""
    return bool(
        session.scalar(
            text(
                "SELECT coalesce(max(tx_xid) < pg_snapshot_xmin(pg_current_snapshot()), true) "
                "FROM sync_change_log"
            )
        )
    )


def log_size(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ChangeLogEntry)) or 0)


def server_now_ms(session: Session) -> int:
    now = session.scalar(text("SELECT now()"))
    assert isinstance(now, datetime)
    return int(now.timestamp() * 1000)


def unlogged_rows(
    session: Session, spec: TableSpec, *, limit: int | None = None
) -> list[tuple[uuid.UUID, dict[str, JsonValue]]]:
    """Server rows that never reached the change log (written without replication)."""
    table = spec.model.__table__
    has_clock = exists().where(RowClock.table_name == spec.name, RowClock.row_id == table.c.id)
    out = []
    stmt = select(table).where(~has_clock).order_by(table.c.created_at, table.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in session.execute(stmt).mappings():
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
    return [conflict_row(r) for r in rows]


# --- batched reads and writes (one page or batch at a time) ----------------------------------

_CHUNK = 900  # bound parameters per IN (...) list: below SQLite's old 999 limit


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_rows(
    session: Session,
    spec: TableSpec,
    ids: Iterable[uuid.UUID],
    *,
    for_update: bool = False,
    fields: Iterable[str] | None = None,
) -> dict[uuid.UUID, dict[str, JsonValue]]:
    """Many rows of one table as JSON values (fields plus `hlc`), by id; absent ones left out.

    On PostgreSQL with `for_update` the rows are locked until commit (ids in sorted order, so
    two batches touching the same rows wait for each other instead of deadlocking). `fields`
    limits the columns read (always with `hlc` and `updated_at`); default: every field.
    """
    table = spec.model.__table__
    lock = for_update and session.get_bind().dialect.name == "postgresql"
    # Sorted only for the locks (UUID comparisons are slow in Python).
    wanted = sorted(set(ids)) if lock else list(dict.fromkeys(ids))
    out: dict[uuid.UUID, dict[str, JsonValue]] = {}
    if fields is None:
        names = list(spec.fields)
        columns: list[Any] = [table]
    else:
        keep = set(fields) | {"updated_at"}
        names = [f for f in spec.fields if f in keep]
        columns = [table.c.id, table.c.hlc, *(table.c[f] for f in names)]
    fields = names
    for chunk in _chunks(wanted):
        stmt = select(*columns).where(table.c.id.in_(chunk))
        if lock:
            stmt = stmt.order_by(table.c.id).with_for_update()
        for row in session.execute(stmt).mappings():
            values = {f: encode_value(row[f]) for f in fields}
            values["hlc"] = row["hlc"]
            out[row["id"]] = values
    return out


def load_clocks_many(
    session: Session, keys: Iterable[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], Clocks]:
    """Field clocks of many rows at once (by the primary key); rows without clocks left out."""
    by_table: dict[str, set[uuid.UUID]] = {}
    for table, row_id in keys:
        by_table.setdefault(table, set()).add(row_id)
    out: dict[tuple[str, uuid.UUID], Clocks] = {}
    for table, wanted in by_table.items():
        for chunk in _chunks(list(wanted)):
            for r in session.execute(
                select(RowClock.row_id, RowClock.clocks).where(
                    RowClock.table_name == table, RowClock.row_id.in_(chunk)
                )
            ):
                out[(table, r.row_id)] = json.loads(r.clocks) if r.clocks else {}
    return out


def save_clocks_many(session: Session, items: Sequence[tuple[str, uuid.UUID, Clocks]]) -> None:
    """Insert or replace the field clocks of many rows (one executemany per chunk)."""
    if not items:
        return
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    # The Core table, not the ORM class: a plain executemany without the ORM's bulk layer.
    clocks_table = cast(Table, RowClock.__table__)
    stmt = maker(clocks_table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[clocks_table.c.table_name, clocks_table.c.row_id],
        set_={"clocks": stmt.excluded.clocks},
    )
    rows = [{"table_name": t, "row_id": r, "clocks": dumps(c)} for t, r, c in items]
    for chunk in _chunks(rows, 2000):
        session.execute(stmt, list(chunk))


def delete_clocks(session: Session, keys: Sequence[tuple[str, uuid.UUID]]) -> None:
    for table, row_id in keys:
        session.execute(
            delete(RowClock).where(RowClock.table_name == table, RowClock.row_id == row_id)
        )


def insert_rows(
    session: Session, spec: TableSpec, rows: Sequence[tuple[uuid.UUID, dict[str, JsonValue]]]
) -> None:
    """Insert many rows (values include `hlc`) with one executemany."""
    if not rows:
        return
    table = spec.model.__table__
    params = []
    for row_id, values in rows:
        decoded = spec.decode(values)
        decoded["hlc"] = values["hlc"]
        decoded["id"] = row_id
        params.append(decoded)
    session.execute(insert(table), params)


def update_rows(
    session: Session,
    spec: TableSpec,
    rows: Sequence[tuple[uuid.UUID, dict[str, JsonValue]]],
) -> None:
    """Update the given fields of many rows; rows changing the same fields share a statement.

    `updated_at` is always named (from the values, which hold the full row), or the column's
    onupdate would restamp it with this computer's time.
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in rows:
        names = tuple(sorted(values))
        decoded = spec.decode(values)
        if "hlc" in values:
            decoded["hlc"] = values["hlc"]
        decoded["_row_id"] = row_id
        groups.setdefault(names, []).append(decoded)
    table = spec.model.__table__
    for names, params in groups.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_row_id"))
            .values({n: bindparam(n) for n in names})
        )
        session.execute(stmt, params)


def delete_rows(session: Session, spec: TableSpec, ids: Sequence[uuid.UUID]) -> None:
    """Remove rows for good (a duplicate the server merged into another row)."""
    table = spec.model.__table__
    for chunk in _chunks(list(ids)):
        session.execute(delete(table).where(table.c.id.in_(chunk)))


def redirect_references(
    session: Session, target: str, old: uuid.UUID, new: uuid.UUID
) -> list[tuple[str, uuid.UUID]]:
    """Point every replicated row that references `target` row `old` at `new` instead.

    Returns the (table, id) of the rows changed (not captured: the server does the same).
    """
    changed: list[tuple[str, uuid.UUID]] = []
    for spec in replicated_tables().values():
        table = spec.model.__table__
        for column, points_at in spec.foreign_keys.items():
            if points_at != target:
                continue
            col = table.c[column]
            ids = session.scalars(select(table.c.id).where(col == old)).all()
            if ids:
                session.execute(update(table).where(col == old).values({column: new}))
                changed.extend((spec.name, i) for i in ids)
    return changed


def find_clash(
    session: Session,
    spec: TableSpec,
    columns: Sequence[str],
    values: dict[str, JsonValue],
    row_id: uuid.UUID,
) -> uuid.UUID | None:
    """Another row holding the same values in these (unique) columns, if any.

    A NULL in any column never clashes (SQL unique constraints treat NULLs as distinct).
    """
    if any(values.get(c) is None for c in columns):
        return None
    table = spec.model.__table__
    decoded = spec.decode({c: values[c] for c in columns})
    stmt = select(table.c.id).where(table.c.id != row_id)
    for c in columns:
        stmt = stmt.where(table.c[c] == decoded[c])
    return session.scalars(stmt.limit(1)).first()


def value_taken(
    session: Session, spec: TableSpec, columns: Sequence[str], values: dict[str, JsonValue]
) -> bool:
    return find_clash(session, spec, columns, values, uuid.UUID(int=0)) is not None


def max_int(session: Session, spec: TableSpec, column: str, scope: dict[str, JsonValue]) -> int:
    """The largest value of an integer column among rows sharing the `scope` values."""
    table = spec.model.__table__
    decoded = spec.decode(scope)
    stmt = select(func.max(table.c[column]))
    for c, v in decoded.items():
        stmt = stmt.where(table.c[c] == v)
    return int(session.scalar(stmt) or 0)


def allocate_versions(session: Session, count: int) -> list[int]:
    """`count` new change-log ids (server versions), in increasing order."""
    rows = session.execute(
        text(
            "SELECT nextval(pg_get_serial_sequence('sync_change_log', 'id')) "
            "FROM generate_series(1, :n)"
        ),
        {"n": count},
    ).scalars()
    return sorted(int(v) for v in rows)


def append_log_many(session: Session, records: Sequence[dict[str, Any]]) -> None:
    """Write change-log rows whose ids were allocated (`allocate_versions`)."""
    if not records:
        return
    now = datetime.now(UTC)
    rows = [
        {
            "id": r["id"],
            "table_name": r["table_name"],
            "row_id": r["row_id"],
            "op": r["op"],
            "fields": dumps(r["fields"]),
            "hlc": r["hlc"],
            "device_id": r["device_id"],
            "created_at": now,
        }
        for r in records
    ]
    for chunk in _chunks(rows, 2000):
        session.execute(insert(cast(Table, ChangeLogEntry.__table__)), list(chunk))


def field_value_at(
    session: Session, table: str, row_id: uuid.UUID, fields: Sequence[str], version: int
) -> dict[str, JsonValue] | None:
    """The values the server held for these fields at a version (from the change log).

    None when the log no longer reaches back that far (purged) or never had the fields.
    """
    if version <= 0:
        return None
    found: dict[str, JsonValue] = {}
    for r in session.execute(
        select(ChangeLogEntry.fields)
        .where(
            ChangeLogEntry.table_name == table,
            ChangeLogEntry.row_id == row_id,
            ChangeLogEntry.id <= version,
        )
        .order_by(ChangeLogEntry.id.desc())
    ):
        logged = json.loads(r.fields)
        for f in fields:
            if f not in found and f in logged:
                found[f] = logged[f][0]
        if len(found) == len(fields):
            return found
    return found or None


# --- device prefixes ----------------------------------------------------------------------------


def set_device_prefix(session: Session, prefix: str) -> None:
    """This desktop's ticket numbers use `prefix` from now on (numbers given keep theirs)."""
    session.execute(update(Device).values(prefix=prefix))


def assign_prefix(
    session: Session,
    device: str,
    schema_revision: str,
    candidates: Iterable[str],
) -> str:
    """The server: this device's ticket-number prefix, allocating a free one the first time.

    Allocation is serialised by a transaction-level advisory lock, so two desktops connecting
    at once never get the same prefix (the column is also unique). The first candidate (the
    desktop's own prefix) is taken when no other desktop holds it; later ones only when no
    ticket on the server uses them either.
    """
    session.execute(text("SELECT pg_advisory_xact_lock(7262001)"))
    lock_peer(session, device, schema_revision)
    held = session.scalar(select(SyncPeer.prefix).where(SyncPeer.device_id == device))
    if held:
        return held
    taken = set(session.scalars(select(SyncPeer.prefix).where(SyncPeer.prefix.is_not(None))))
    from app.data.models.tickets import Ticket

    for n, candidate in enumerate(candidates):
        if candidate in taken:
            continue
        if n > 0 and session.scalar(
            select(Ticket.id).where(Ticket.number.like(f"{candidate}-%")).limit(1)
        ):
            continue
        session.execute(
            update(SyncPeer).where(SyncPeer.device_id == device).values(prefix=candidate)
        )
        return candidate
    raise RuntimeError("no free ticket-number prefix")  # 32**3 of them: never in practice


# --- pull cursors and tombstone purge ---------------------------------------------------------


def report_cursor(session: Session, device: str, xid: int, row_id: int) -> None:
    """The server: where this desktop's pulls have reached (tombstones below may go)."""
    session.execute(
        update(SyncPeer)
        .where(SyncPeer.device_id == device)
        .values(pulled_xid=xid, pulled_id=row_id, updated_at=datetime.now(UTC))
    )


def purge_horizon(session: Session, active_since: datetime) -> tuple[int, int] | None:
    """The lowest pull cursor of the desktops active since then (None: no active desktop)."""
    row = session.execute(
        select(SyncPeer.pulled_xid, SyncPeer.pulled_id)
        .where(SyncPeer.updated_at >= active_since, SyncPeer.device_id != "server")
        .order_by(SyncPeer.pulled_xid, SyncPeer.pulled_id)
        .limit(1)
    ).first()
    return (int(row.pulled_xid), int(row.pulled_id)) if row is not None else None


def purge_tombstones(
    session: Session, horizon: tuple[int, int], limit: int = 5000
) -> tuple[int, tuple[int, int]]:
    """The server: remove tombstoned rows every active desktop has pulled, with their log.

    A row goes only when its last change is at or below `horizon` (every cursor has it) and
    no other row references it.
    Returns (rows removed, highest change-log position removed).
    """
    specs = replicated_tables()
    referencing: dict[str, list[tuple[str, str]]] = {}
    for spec in specs.values():
        for column, target in spec.foreign_keys.items():
            referencing.setdefault(target, []).append((spec.name, column))
    removed = 0
    top = (0, 0)
    params = {"hx": horizon[0], "hid": horizon[1], "limit": limit}
    for name in reversed(list(specs)):
        refs = " ".join(
            f"AND NOT EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = t.id)"
            for child, column in referencing.get(name, [])
        )
        ids = session.scalars(
            text(
                f"SELECT t.id FROM {name} t WHERE t.deleted_at IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM sync_change_log l WHERE l.table_name = :tn "
                "AND l.row_id = t.id AND (l.tx_xid, l.id) > "
                "(CAST(CAST(:hx AS text) AS xid8), :hid)) "
                f"{refs} LIMIT :limit"
            ),
            {**params, "tn": name},
        ).all()
        if not ids:
            continue
        last = session.execute(
            text(
                "SELECT tx_xid::text::bigint AS xid, id FROM sync_change_log "
                "WHERE table_name = :tn AND row_id = ANY(:ids) ORDER BY tx_xid DESC, id DESC "
                "LIMIT 1"
            ),
            {"tn": name, "ids": list(ids)},
        ).first()
        if last is not None:
            top = max(top, (int(last.xid), int(last.id)))
        session.execute(
            delete(ChangeLogEntry).where(
                ChangeLogEntry.table_name == name, ChangeLogEntry.row_id.in_(ids)
            )
        )
        session.execute(
            delete(RowClock).where(RowClock.table_name == name, RowClock.row_id.in_(ids))
        )
        table = specs[name].model.__table__
        session.execute(delete(table).where(table.c.id.in_(ids)))
        removed += len(ids)
    return removed, top


def local_synced_ids(
    session: Session, spec: TableSpec, *, tombstoned_only: bool
) -> list[uuid.UUID]:
    """Rows of this desktop the server has seen (they have clocks) with no pending edit."""
    table = spec.model.__table__
    has_clock = exists().where(RowClock.table_name == spec.name, RowClock.row_id == table.c.id)
    pending = exists().where(OutboxEntry.table_name == spec.name, OutboxEntry.row_id == table.c.id)
    stmt = select(table.c.id).where(has_clock, ~pending)
    if tombstoned_only:
        stmt = stmt.where(table.c.deleted_at.is_not(None))
    return list(session.scalars(stmt))


def existing_ids(session: Session, spec: TableSpec, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    table = spec.model.__table__
    found: set[uuid.UUID] = set()
    for chunk in _chunks(list(ids)):
        found.update(session.scalars(select(table.c.id).where(table.c.id.in_(chunk))))
    return found


def forget_rows(session: Session, spec: TableSpec, ids: Sequence[uuid.UUID]) -> None:
    """A desktop: remove rows the server purged, with their clocks."""
    table = spec.model.__table__
    for chunk in _chunks(list(ids)):
        session.execute(
            delete(RowClock).where(RowClock.table_name == spec.name, RowClock.row_id.in_(chunk))
        )
        session.execute(delete(table).where(table.c.id.in_(chunk)))


# --- attachment blobs -----------------------------------------------------------------------


@dataclass(frozen=True)
class BlobInfo:
    """One stored blob: its position in this file (SQLite rowid), hash and size."""

    position: int
    sha256: str
    size_bytes: int


def blobs_after(session: Session, position: int, limit: int) -> list[BlobInfo]:
    """This desktop's blobs stored after a position (SQLite rowid order)."""
    return [
        BlobInfo(int(r.rowid), r.sha256, int(r.size_bytes))
        for r in session.execute(
            text(
                "SELECT rowid, sha256, size_bytes FROM attachment_blobs WHERE rowid > :p "
                "ORDER BY rowid LIMIT :n"
            ),
            {"p": position, "n": limit},
        )
    ]


def blob_sizes(session: Session, hashes: Sequence[str]) -> dict[str, int]:
    """Of these hashes, the ones stored here, with their sizes."""
    out: dict[str, int] = {}
    for chunk in _chunks(list(hashes)):
        for r in session.execute(
            select(AttachmentBlob.sha256, AttachmentBlob.size_bytes).where(
                AttachmentBlob.sha256.in_(chunk)
            )
        ):
            out[r.sha256] = int(r.size_bytes)
    return out


def read_blobs(session: Session, hashes: Sequence[str]) -> list[tuple[str, int, bytes]]:
    return [
        (r.sha256, int(r.size_bytes), bytes(r.data))
        for r in session.execute(
            select(AttachmentBlob.sha256, AttachmentBlob.size_bytes, AttachmentBlob.data).where(
                AttachmentBlob.sha256.in_(list(hashes))
            )
        )
    ]


def write_blobs(session: Session, blobs: Sequence[tuple[str, int, bytes]]) -> None:
    """Store blobs (a hash already stored is left as it is)."""
    if not blobs:
        return
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = datetime.now(UTC)
    stmt = maker(AttachmentBlob).on_conflict_do_nothing(index_elements=[AttachmentBlob.sha256])
    session.execute(
        stmt,
        [{"sha256": h, "size_bytes": n, "data": d, "created_at": now} for h, n, d in blobs],
    )


def missing_blob_hashes(session: Session) -> list[str]:
    """Hashes of live attachments whose bytes this database does not hold yet."""
    return list(
        session.scalars(
            select(Attachment.sha256)
            .distinct()
            .where(
                Attachment.deleted_at.is_(None),
                ~exists().where(AttachmentBlob.sha256 == Attachment.sha256),
            )
        )
    )
