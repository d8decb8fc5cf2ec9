"""Applying changes: outbox entries to the server (push) and change-log rows to a desktop (pull).

Both sides use the same per-field rule (`app.sync.merge`), so the server and every desktop
converge. Only the server decides conflicts, from the server version each edit was based on,
and stores them as ordinary replicated rows of `sync_conflicts`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from app.data.database import Session
from app.data.repos import sync as repo
from app.data.repos.sync import JsonValue, LogRow, OutboxRow, TableSpec
from app.domain.ids import new_id
from app.sync.errors import SyncError
from app.sync.merge import (
    APPEND_ONLY_TABLES,
    META_FIELDS,
    TOMBSTONE,
    FieldState,
    beats,
    is_concurrent,
    needs_conflict_record,
)

Fault = Callable[[str], None]

CONFLICTS_TABLE = "sync_conflicts"


def _spec(table: str) -> TableSpec:
    spec = repo.replicated_tables().get(table)
    if spec is None:
        raise SyncError(
            f"The change names a table this SupportDesk does not know ({table}). "
            "Upgrade SupportDesk on this computer."
        )
    return spec


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- server side ----------------------------------------------------------------------------


def apply_batch(
    session: Session,
    entries: Sequence[OutboxRow],
    device: str,
    schema_revision: str,
    fault: Fault | None = None,
) -> int:
    """Apply one pushed batch in the caller's server transaction; returns entries applied.

    Entries the server already applied for this device (a retry after a crash or a dropped
    connection) are skipped, so a batch applies once however often it is sent.
    """
    last = repo.lock_peer(session, device, schema_revision)
    applied = 0
    for entry in entries:
        if entry.seq <= last:
            continue
        apply_entry(session, entry, device)
        applied += 1
        if fault is not None:
            fault("push:entry-applied")
    if entries:
        repo.set_peer(session, device, max(last, entries[-1].seq), schema_revision)
    return applied


def apply_entry(session: Session, entry: OutboxRow, device: str) -> None:
    """Merge one local change into the server row, log what changed, keep conflicts."""
    spec = _spec(entry.table_name)
    current = repo.load_row(session, spec, entry.row_id, for_update=True)
    clocks = repo.load_clocks(session, spec.name, entry.row_id)
    won: dict[str, list[Any]] = {}
    conflicts: list[dict[str, JsonValue]] = []
    if current is None:
        if entry.op != "insert":
            raise SyncError(
                f"An edit of a {spec.name} row that the server never received is in the "
                "outbox; run 'supportdesk sync connect' again to upload the full data."
            )
        won = {f: [v, entry.hlc] for f, v in entry.fields.items()}
    else:
        conflicts.extend(_deletion_conflicts(spec, entry, current, clocks, device))
        for field, value in entry.fields.items():
            hlc, version, writer = clocks.get(field) or ["", 0, ""]
            mine = FieldState(value, entry.hlc)
            theirs = FieldState(current.get(field), hlc)
            if beats(field, mine, theirs):
                won[field] = [value, entry.hlc]
            concurrent = is_concurrent(int(version), writer, entry.bases.get(field, 0), device)
            if needs_conflict_record(spec.name, field, value, theirs.value, concurrent=concurrent):
                mine_wins = field in won
                conflicts.append(
                    _conflict(
                        spec.name,
                        entry.row_id,
                        field,
                        "field",
                        winner=(mine if mine_wins else theirs, device if mine_wins else writer),
                        loser=(theirs if mine_wins else mine, writer if mine_wins else device),
                    )
                )
    old_hlc = str(current["hlc"]) if current is not None else ""
    row_hlc = max(old_hlc, entry.hlc)
    if won or row_hlc != old_hlc:
        op = "insert" if current is None else "update"
        version = repo.append_log(session, spec.name, entry.row_id, op, won, row_hlc, device)
        repo.write_row(
            session,
            spec,
            entry.row_id,
            {f: v[0] for f, v in won.items()},
            row_hlc,
            current=current,
        )
        for field in won:
            clocks[field] = [entry.hlc, version, device]
        repo.save_clocks(session, spec.name, entry.row_id, clocks)
    for conflict in conflicts:
        _record_conflict(session, conflict, device)


def _deletion_conflicts(
    spec: TableSpec,
    entry: OutboxRow,
    current: dict[str, JsonValue],
    clocks: repo.Clocks,
    device: str,
) -> list[dict[str, JsonValue]]:
    """An edit of a row another desktop deleted, or a deletion of a row another one edited."""
    if spec.name in APPEND_ONLY_TABLES or spec.name == CONFLICTS_TABLE:
        return []
    incoming_tomb = entry.fields.get(TOMBSTONE)
    edits = {f: v for f, v in entry.fields.items() if f not in META_FIELDS and f != TOMBSTONE}
    if current.get(TOMBSTONE) is not None and incoming_tomb is None and edits:
        hlc, version, writer = clocks.get(TOMBSTONE) or ["", 0, ""]
        if entry.op == "update" and is_concurrent(
            int(version), writer, entry.bases.get(TOMBSTONE, 0), device
        ):
            return [
                _conflict(
                    spec.name,
                    entry.row_id,
                    "",
                    "deleted",
                    winner=(FieldState(current[TOMBSTONE], hlc), writer),
                    loser=(FieldState(edits, entry.hlc), device),
                )
            ]
    if incoming_tomb is not None and current.get(TOMBSTONE) is None:
        theirs = {
            f: current.get(f)
            for f, (_h, version, writer) in clocks.items()
            if f not in META_FIELDS
            and f != TOMBSTONE
            and writer != device
            and int(version) > entry.base_version
        }
        if theirs:
            stamps = [clocks[f] for f in theirs]
            top = max(stamps, key=lambda c: str(c[0]))
            return [
                _conflict(
                    spec.name,
                    entry.row_id,
                    "",
                    "deleted",
                    winner=(FieldState(incoming_tomb, entry.hlc), device),
                    loser=(FieldState(theirs, str(top[0])), str(top[2])),
                )
            ]
    return []


def _conflict(
    table: str,
    row_id: uuid.UUID,
    field: str,
    kind: str,
    *,
    winner: tuple[FieldState, str],
    loser: tuple[FieldState, str],
) -> dict[str, JsonValue]:
    return {
        "table_name": table,
        "row_id": str(row_id),
        "field": field,
        "kind": kind,
        "winner_value": _json(winner[0].value),
        "winner_hlc": winner[0].hlc,
        "winner_device": winner[1],
        "loser_value": _json(loser[0].value),
        "loser_hlc": loser[0].hlc,
        "loser_device": loser[1],
        "resolved_at": None,
        "resolved_by": None,
    }


def _record_conflict(session: Session, values: dict[str, JsonValue], device: str) -> None:
    spec = _spec(CONFLICTS_TABLE)
    now = datetime.now(UTC).isoformat()
    hlc = max(str(values["winner_hlc"]), str(values["loser_hlc"]))
    row: dict[str, JsonValue] = {
        **values,
        "created_at": now,
        "updated_at": now,
        "updated_by": None,
        "deleted_at": None,
    }
    row = {f: row.get(f) for f in spec.fields}
    conflict_id = new_id()
    fields = {f: [v, hlc] for f, v in row.items()}
    version = repo.append_log(session, spec.name, conflict_id, "insert", fields, hlc, device)
    repo.write_row(session, spec, conflict_id, row, hlc, current=None)
    repo.save_clocks(session, spec.name, conflict_id, {f: [hlc, version, device] for f in row})


def log_unlogged_rows(session: Session, device: str) -> int:
    """Put server rows written without replication (bulk loads) into the change log."""
    count = 0
    for spec in repo.replicated_tables().values():
        for row_id, values in repo.unlogged_rows(session, spec):
            row_hlc = str(values.pop("hlc") or "")
            fields = {f: [v, row_hlc] for f, v in values.items()}
            version = repo.append_log(session, spec.name, row_id, "insert", fields, row_hlc, device)
            repo.save_clocks(
                session, spec.name, row_id, {f: [row_hlc, version, device] for f in values}
            )
            count += 1
    return count


# --- desktop side ---------------------------------------------------------------------------


def apply_page(session: Session, rows: Sequence[LogRow], fault: Fault | None = None) -> str:
    """Apply pulled change-log rows to this desktop; returns the highest stamp seen.

    A field takes the server's value unless this desktop holds a winning value: a newer
    unpushed edit (still in the outbox) or a newer value already applied.
    """
    repo.defer_foreign_keys(session)
    pending = repo.pending_stamps(session, {(r.table_name, r.row_id) for r in rows})
    top = ""
    for n, log in enumerate(rows):
        spec = _spec(log.table_name)
        current = repo.load_row(session, spec, log.row_id)
        if current is None and log.op != "insert":
            raise SyncError(
                f"The server sent an edit of a {spec.name} row this computer never received."
            )
        clocks = repo.load_clocks(session, spec.name, log.row_id)
        mine = pending.get((spec.name, log.row_id), {})
        won: dict[str, JsonValue] = {}
        for field, (value, hlc) in log.fields.items():
            old = clocks.get(field)
            local_hlc = max(str(old[0]) if old else "", mine.get(field, ""))
            version = max(int(old[1]) if old else 0, log.id)
            if current is None or beats(
                field, FieldState(value, hlc), FieldState(current.get(field), local_hlc)
            ):
                won[field] = value
                clocks[field] = [hlc, version, log.device_id]
            elif old is None:
                clocks[field] = [hlc, version, log.device_id]
            else:
                clocks[field] = [old[0], version, old[2]]
            top = max(top, str(hlc))
        old_hlc = str(current["hlc"]) if current is not None else ""
        row_hlc = max(old_hlc, log.hlc)
        if won or current is None or row_hlc != old_hlc:
            repo.write_row(session, spec, log.row_id, won, row_hlc, current=current)
        repo.save_clocks(session, spec.name, log.row_id, clocks)
        top = max(top, log.hlc)
        if fault is not None and n == len(rows) // 2:
            fault("pull:row-applied")
    return top
