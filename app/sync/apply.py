"""Applying changes: outbox entries to the server (push) and change-log rows to a desktop (pull).

Both sides use the same per-field rule (`app.sync.merge`), so the server and every desktop
converge. Only the server decides conflicts, from the server version each edit was based on,
and stores them as ordinary replicated rows of `sync_conflicts`.

Speed: a batch (or a pulled page) is applied in memory over a `_Cache` that loads every row
and field clock it needs with a few queries, then writes the result with `executemany`
(inserts per table, updates grouped by the fields they set, clocks as one upsert). When that
fast write hits a constraint (two desktops created the same unique value offline), the caller
runs the batch again with ``careful=True``: one entry at a time, each checked for unique
clashes before it is written.

Unique clashes (the server decides; every desktop follows it):
- a name-like column (ticket number, user name, tag name, ...) of the later row is renamed
  deterministically ("printer (2)", "K7Q-12-2") and the rename is logged as a `fix` that
  every desktop applies unconditionally; a conflict record of kind ``unique`` shows it;
- an article revision number is moved past the highest one;
- a row that only states a fact twice (the same tag on a ticket, the same person enrolled
  twice) is *dropped*: the server keeps the first row, logs a `drop` naming the survivor,
  sends later edits of the dropped row to the survivor, and desktops delete their copy
  (re-pointing references to it).
A desktop that pulls a row clashing with one of its own not yet settled rows moves its row
aside (a provisional value whose stamp loses to anything) until the server's decision arrives.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
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
Key = tuple[str, uuid.UUID]
Row = dict[str, JsonValue]

CONFLICTS_TABLE = "sync_conflicts"
#: Server-side clock marker of a dropped duplicate: ``{"__into__": [survivor id, 0, ""]}``.
INTO = "__into__"

#: Unique columns renamed on a clash, with the suffix format ({n} = 2, 3, ...).
RENAMABLE: dict[str, dict[str, str]] = {
    "tickets": {"number": "-{n}"},
    "users": {"username": "-{n}"},
    "courses": {"code": "-{n}"},
    "tags": {"name": " ({n})"},
    "teams": {"name": " ({n})"},
    "organisations": {"name": " ({n})"},
    "business_calendars": {"name": " ({n})"},
    "article_categories": {"name": " ({n})"},
}
#: Unique integer columns moved past the highest value on a clash.
RENUMBERED: dict[str, str] = {"article_revisions": "revision"}


def _spec(table: str) -> TableSpec:
    spec = repo.replicated_tables().get(table)
    if spec is None:
        raise SyncError(
            f"The change names a table this SupportDesk does not know ({table}). "
            "Upgrade SupportDesk on this computer."
        )
    return spec


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


@cache
def _droppable(table: str) -> bool:
    """Rows of this table may be dropped as duplicates (a unique constraint nothing renames)."""
    spec = repo.replicated_tables().get(table)
    if spec is None:
        return False
    renamable = set(RENAMABLE.get(table, {})) | (
        {RENUMBERED[table]} if table in RENUMBERED else set()
    )
    return any(not (set(cols) & renamable) for cols in spec.uniques)


class _Cache:
    """The rows and field clocks one batch or page touches, read once and written once."""

    def __init__(self, session: Session, *, server: bool) -> None:
        self.session = session
        self.server = server
        self.rows: dict[Key, Row | None] = {}
        self.original: dict[Key, Row | None] = {}
        self.clocks: dict[Key, repo.Clocks] = {}
        self.clocks_dirty: set[Key] = set()
        self.logs: list[dict[str, Any]] = []
        self.redirects: list[tuple[str, uuid.UUID, uuid.UUID]] = []
        self._versions: list[int] = []
        self.version_hint = 64
        #: Per table, the only fields worth reading (a pulled page names them); else all.
        self.fields: dict[str, set[str]] | None = None

    def load(self, keys: Iterable[Key]) -> None:
        missing_rows: dict[str, dict[uuid.UUID, None]] = {}  # ordered sets
        missing_clocks: dict[Key, None] = {}
        for key in keys:
            if key not in self.rows:
                missing_rows.setdefault(key[0], {})[key[1]] = None
            if key not in self.clocks:
                missing_clocks[key] = None
        for table, wanted in missing_rows.items():
            ids = list(wanted)
            found = repo.load_rows(
                self.session,
                _spec(table),
                ids,
                for_update=self.server,
                fields=self.fields.get(table) if self.fields is not None else None,
            )
            for row_id in ids:
                row = found.get(row_id)
                self.rows[(table, row_id)] = row
                self.original[(table, row_id)] = dict(row) if row is not None else None
        if missing_clocks:
            found_clocks = repo.load_clocks_many(self.session, list(missing_clocks))
            for key in missing_clocks:
                self.clocks[key] = found_clocks.get(key, {})

    def row(self, key: Key) -> Row | None:
        if key not in self.rows:
            self.load([key])
        return self.rows[key]

    def clocks_of(self, key: Key) -> repo.Clocks:
        if key not in self.clocks:
            self.load([key])
        return self.clocks[key]

    def set_clocks(self, key: Key, clocks: repo.Clocks) -> None:
        self.clocks[key] = clocks
        self.clocks_dirty.add(key)

    def new_row(self, key: Key, row: Row) -> None:
        """A row created here (a conflict record): known not to exist yet."""
        self.rows[key] = row
        self.original[key] = None
        self.clocks.setdefault(key, {})

    def version(self) -> int:
        """The next server version (change-log id), allocated in chunks."""
        if not self._versions:
            self._versions = repo.allocate_versions(self.session, max(self.version_hint, 16))
        return self._versions.pop(0)

    def log(
        self,
        table: str,
        row_id: uuid.UUID,
        op: str,
        fields: dict[str, list[Any]],
        hlc: str,
        device: str,
        version: int | None = None,
    ) -> int:
        version = version if version is not None else self.version()
        self.logs.append(
            {
                "id": version,
                "table_name": table,
                "row_id": row_id,
                "op": op,
                "fields": fields,
                "hlc": hlc,
                "device_id": device,
            }
        )
        return version

    def drop(self, key: Key, into: uuid.UUID) -> None:
        """Desktop: remove a duplicate row, its references moved to the survivor."""
        self.rows[key] = None
        self.redirects.append((key[0], key[1], into))

    def flush(self) -> None:
        """Write every change since the last flush."""
        specs = repo.replicated_tables()
        inserts: dict[str, list[tuple[uuid.UUID, Row]]] = {}
        updates: dict[str, list[tuple[uuid.UUID, Row]]] = {}
        deletes: dict[str, list[uuid.UUID]] = {}
        for key, now in self.rows.items():
            before = self.original.get(key)
            if now == before:
                continue
            table, row_id = key
            if now is None:
                deletes.setdefault(table, []).append(row_id)
            elif before is None:
                inserts.setdefault(table, []).append((row_id, now))
            else:
                changed = {f: v for f, v in now.items() if before.get(f) != v}
                if "updated_at" in now:
                    changed.setdefault("updated_at", now["updated_at"])
                updates.setdefault(table, []).append((row_id, changed))
        for table, old, new in self.redirects:
            for ref in repo.redirect_references(self.session, table, old, new):
                self.rows.pop(ref, None)  # reread if needed again
                self.original.pop(ref, None)
        self.redirects.clear()
        for table, ids in deletes.items():
            repo.delete_rows(self.session, specs[table], ids)
        ordered = [t for t in specs if t in inserts or t in updates]
        if self.server:
            # PostgreSQL checks foreign keys at once: parents first, new rows before edits.
            for table in ordered:
                repo.insert_rows(self.session, specs[table], inserts.get(table, []))
            for table in ordered:
                repo.update_rows(self.session, specs[table], updates.get(table, []))
        else:
            # SQLite defers foreign keys to commit; edits first free values a new row may take.
            for table in ordered:
                repo.update_rows(self.session, specs[table], updates.get(table, []))
            for table in ordered:
                repo.insert_rows(self.session, specs[table], inserts.get(table, []))
        repo.append_log_many(self.session, self.logs)
        self.logs.clear()
        gone = [k for k, v in self.rows.items() if v is None and self.original.get(k) is not None]
        if gone and not self.server:
            repo.delete_clocks(self.session, gone)
        repo.save_clocks_many(
            self.session,
            [(t, r, self.clocks[(t, r)]) for t, r in self.clocks_dirty if (t, r) not in gone],
        )
        self.clocks_dirty.clear()
        for key, now in self.rows.items():
            self.original[key] = dict(now) if now is not None else None


# --- server side ----------------------------------------------------------------------------


def apply_batch(
    session: Session,
    entries: Sequence[OutboxRow],
    device: str,
    schema_revision: str,
    fault: Fault | None = None,
    *,
    careful: bool = False,
) -> int:
    """Apply one pushed batch in the caller's server transaction; returns entries applied.

    Entries the server already applied for this device (a retry after a crash or a dropped
    connection) are skipped, so a batch applies once however often it is sent. A constraint
    error from the fast path aborts the transaction: run the batch again with `careful`.
    """
    last = repo.lock_peer(session, device, schema_revision)
    todo = [e for e in entries if e.seq > last]
    cache = _Cache(session, server=True)
    cache.version_hint = len(todo) + 16
    if not careful:
        cache.load((e.table_name, e.row_id) for e in todo)
    for entry in todo:
        apply_entry(cache, entry, device, careful=careful)
        if careful:
            cache.flush()
        if fault is not None:
            fault("push:entry-applied")
    cache.flush()
    if entries:
        repo.set_peer(session, device, max(last, entries[-1].seq), schema_revision)
    return len(todo)


def apply_entry(cache: _Cache, entry: OutboxRow, device: str, *, careful: bool = False) -> None:
    """Merge one local change into the server row, log what changed, keep conflicts."""
    spec = _spec(entry.table_name)
    key = (spec.name, entry.row_id)
    current = cache.row(key)
    clocks = cache.clocks_of(key)
    if current is None:
        into = clocks.get(INTO)
        if into is not None:
            apply_entry(cache, _redirected(cache, entry, uuid.UUID(str(into[0]))), device)
            return
        if entry.op != "insert" and entry.base_version > 0:
            # The row was deleted and its tombstone purged while this desktop was away.
            edits = {f: v for f, v in entry.fields.items() if f not in META_FIELDS}
            _record_conflict(
                cache,
                _conflict(
                    spec.name,
                    entry.row_id,
                    "",
                    "deleted",
                    winner=(FieldState("purged", ""), ""),
                    loser=(FieldState(edits, entry.hlc), device),
                ),
                device,
            )
            return
        if entry.op != "insert":
            raise SyncError(
                f"An edit of a {spec.name} row that the server never received is in the "
                "outbox; run 'supportdesk sync connect' again to upload the full data."
            )
    fields = dict(entry.fields)
    fixes: dict[str, list[Any]] = {}
    for field, target in spec.foreign_keys.items():
        value = fields.get(field)
        if value is not None and _droppable(target):
            into = cache.clocks_of((target, uuid.UUID(str(value)))).get(INTO)
            if into is not None:
                fields[field] = str(into[0])
                fixes[field] = [str(into[0]), entry.hlc]
    won: dict[str, list[Any]] = {}
    conflicts: list[dict[str, JsonValue]] = []
    if current is None:
        won = {f: [v, entry.hlc] for f, v in fields.items()}
    else:
        conflicts.extend(_deletion_conflicts(cache, spec, entry, current, clocks, device))
        for field, value in fields.items():
            hlc, version, writer = clocks.get(field) or ["", 0, ""]
            mine = FieldState(value, entry.hlc)
            theirs = FieldState(current.get(field), hlc)
            if beats(field, mine, theirs):
                won[field] = [value, entry.hlc]
            base = entry.bases.get(field, 0)
            concurrent = is_concurrent(int(version), writer, base, device)
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
                        base=_base_value(cache, spec.name, entry.row_id, [field], base),
                    )
                )
    if careful and won:
        resolved = _resolve_unique_clashes(cache, spec, entry, device, current, clocks, won)
        if resolved is None:
            for conflict in conflicts:
                _record_conflict(cache, conflict, device)
            return
        fix_fields, clash_conflicts = resolved
        fixes.update(fix_fields)
        conflicts.extend(clash_conflicts)
    old_hlc = str(current["hlc"]) if current is not None else ""
    row_hlc = max(old_hlc, entry.hlc)
    if won or row_hlc != old_hlc:
        op = "insert" if current is None else "update"
        version = cache.log(spec.name, entry.row_id, op, won, row_hlc, device)
        new: Row = dict(current) if current is not None else {}
        for field, (value, _h) in won.items():
            new[field] = value
        new["hlc"] = row_hlc
        cache.rows[key] = new
        for field in won:
            clocks[field] = [entry.hlc, version, device]
        cache.set_clocks(key, clocks)
    if fixes:
        cache.log(spec.name, entry.row_id, "fix", fixes, row_hlc, device)
    for conflict in conflicts:
        _record_conflict(cache, conflict, device)


def _redirected(cache: _Cache, entry: OutboxRow, survivor: uuid.UUID) -> OutboxRow:
    """An edit of a dropped duplicate, aimed at the row it was merged into."""
    spec = _spec(entry.table_name)
    keys = {c for cols in spec.uniques for c in cols}
    clocks = cache.clocks_of((spec.name, survivor))
    fields = {f: v for f, v in entry.fields.items() if f not in keys}
    # Based on what the survivor holds now: the edit is no news to itself.
    bases = {f: int(clocks[f][1]) for f in fields if f in clocks}
    top = max((int(c[1]) for f, c in clocks.items() if f != INTO), default=0)
    return replace(
        entry, row_id=survivor, op="update", fields=fields, bases=bases, base_version=top
    )


def _resolve_unique_clashes(
    cache: _Cache,
    spec: TableSpec,
    entry: OutboxRow,
    device: str,
    current: Row | None,
    clocks: repo.Clocks,
    won: dict[str, list[Any]],
) -> tuple[dict[str, list[Any]], list[dict[str, JsonValue]]] | None:
    """Make the incoming values fit the unique constraints; None when the row was dropped.

    Returns the fields to log as a `fix` (the pushing desktop must take the server's choice)
    and the conflict records that show what happened.
    """
    new: Row = {f: (won[f][0] if f in won else (current or {}).get(f)) for f in spec.fields}
    fixes: dict[str, list[Any]] = {}
    conflicts: list[dict[str, JsonValue]] = []
    session = cache.session
    for cols in spec.uniques:
        if not any(c in won for c in cols):
            continue
        other = repo.find_clash(session, spec, cols, new, entry.row_id)
        if other is None:
            continue
        rename = next((c for c in cols if c in RENAMABLE.get(spec.name, {})), None)
        renumber = RENUMBERED.get(spec.name)
        if rename is not None:
            value: JsonValue = _free_name(cache, spec, cols, rename, new)
        elif renumber is not None and renumber in cols:
            scope = {c: new[c] for c in cols if c != renumber}
            value = repo.max_int(session, spec, renumber, scope) + 1
            rename = renumber
        elif current is None:
            _drop_duplicate(cache, spec, entry, device, new, other, cols)
            return None
        else:
            # An edit would duplicate another row's key: the server keeps its values.
            for c in cols:
                if c in won:
                    del won[c]
                    old = clocks.get(c) or ["", 0, ""]
                    fixes[c] = [current.get(c), str(old[0])]
                    new[c] = current.get(c)
            conflicts.append(
                _conflict(
                    spec.name,
                    entry.row_id,
                    ",".join(cols),
                    "unique",
                    winner=(FieldState({c: current.get(c) for c in cols}, ""), ""),
                    loser=(FieldState({c: entry.fields.get(c) for c in cols}, entry.hlc), device),
                )
            )
            continue
        original = new[rename]
        new[rename] = value
        won[rename] = [value, entry.hlc]
        fixes[rename] = [value, entry.hlc]
        conflicts.append(
            _conflict(
                spec.name,
                entry.row_id,
                rename,
                "unique",
                winner=(FieldState(value, entry.hlc), device),
                loser=(FieldState(original, entry.hlc), device),
                base=_json(original),
            )
        )
    return fixes, conflicts


def _free_name(
    cache: _Cache, spec: TableSpec, cols: Sequence[str], column: str, values: Row
) -> str:
    """The first "value (n)" / "value-n" not taken, cut to the column's length."""
    base = str(values[column])
    pattern = RENAMABLE[spec.name][column]
    limit = spec.lengths.get(column, 255)
    for n in range(2, 10_000):
        suffix = pattern.format(n=n)
        candidate = base[: max(1, limit - len(suffix))] + suffix
        trial = dict(values)
        trial[column] = candidate
        if not repo.value_taken(cache.session, spec, cols, trial):
            return candidate
    return new_id().hex[:limit]


def _drop_duplicate(
    cache: _Cache,
    spec: TableSpec,
    entry: OutboxRow,
    device: str,
    new: Row,
    survivor: uuid.UUID,
    cols: Sequence[str],
) -> None:
    """The incoming row states a fact the server already has: keep the first row only."""
    key = (spec.name, entry.row_id)
    cache.set_clocks(key, {INTO: [str(survivor), 0, ""]})
    cache.log(
        spec.name, entry.row_id, "drop", {INTO: [str(survivor), entry.hlc]}, entry.hlc, device
    )
    kept = cache.row((spec.name, survivor)) or {}
    differing = [
        f
        for f in spec.fields
        if f not in META_FIELDS and f not in cols and f != TOMBSTONE and new.get(f) != kept.get(f)
    ]
    if differing:
        cache_conflict = _conflict(
            spec.name,
            survivor,
            ",".join(cols),
            "unique",
            winner=(FieldState({f: kept.get(f) for f in differing}, str(kept.get("hlc", ""))), ""),
            loser=(FieldState({f: new.get(f) for f in differing}, entry.hlc), device),
        )
        _record_conflict(cache, cache_conflict, device)


#: `sync_conflicts.base_value` when the common base is not known (the change log no longer
#: reaches back to it, or the edit was not based on any server version). A known base is
#: always JSON, so a base that really was empty is ``"null"`` and never confused with this.
UNKNOWN_BASE = ""


def _base_value(
    cache: _Cache,
    table: str,
    row_id: uuid.UUID,
    fields: Sequence[str],
    version: int,
    *,
    as_dict: bool = False,
) -> str:
    """JSON of the value(s) both edits started from; `UNKNOWN_BASE` when the log lacks them.

    One field gives its bare value (``"null"`` for a real empty value); several fields, or
    `as_dict`, give an object of the fields found.
    """
    found = repo.field_value_at(cache.session, table, row_id, fields, version)
    if found is None:
        return UNKNOWN_BASE
    if len(fields) == 1 and not as_dict:
        if fields[0] not in found:
            return UNKNOWN_BASE
        return _json(found[fields[0]])
    return _json(found)


def _deletion_conflicts(
    cache: _Cache,
    spec: TableSpec,
    entry: OutboxRow,
    current: Row,
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
                    base=_base_value(
                        cache,
                        spec.name,
                        entry.row_id,
                        sorted(edits),
                        entry.base_version,
                        as_dict=True,
                    ),
                )
            ]
    if incoming_tomb is not None and current.get(TOMBSTONE) is None:
        theirs = {
            f: current.get(f)
            for f, (_h, version, writer) in clocks.items()
            if f not in META_FIELDS
            and f != TOMBSTONE
            and f != INTO
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
                    base=_base_value(
                        cache,
                        spec.name,
                        entry.row_id,
                        sorted(theirs),
                        entry.base_version,
                        as_dict=True,
                    ),
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
    base: str = UNKNOWN_BASE,
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
        "base_value": base,
        "resolved_at": None,
        "resolved_by": None,
    }


def _record_conflict(cache: _Cache, values: dict[str, JsonValue], device: str) -> None:
    spec = _spec(CONFLICTS_TABLE)
    now = datetime.now(UTC).isoformat()
    hlc = max(str(values["winner_hlc"]), str(values["loser_hlc"]))
    row: Row = {
        **values,
        "created_at": now,
        "updated_at": now,
        "updated_by": None,
        "deleted_at": None,
    }
    row = {f: row.get(f) for f in spec.fields}
    conflict_id = new_id()
    fields = {f: [v, hlc] for f, v in row.items()}
    version = cache.log(spec.name, conflict_id, "insert", fields, hlc, device)
    key = (spec.name, conflict_id)
    cache.new_row(key, {**row, "hlc": hlc})
    cache.set_clocks(key, {f: [hlc, version, device] for f in row})


def log_unlogged_rows(session: Session, device: str) -> int:
    """Put server rows written without replication (bulk loads) into the change log."""
    count = 0
    for spec in repo.replicated_tables().values():
        while True:
            rows = repo.unlogged_rows(session, spec, limit=5000)
            if not rows:
                break
            versions = repo.allocate_versions(session, len(rows))
            logs = []
            clocks = []
            for (row_id, values), version in zip(rows, versions, strict=True):
                row_hlc = str(values.pop("hlc") or "")
                logs.append(
                    {
                        "id": version,
                        "table_name": spec.name,
                        "row_id": row_id,
                        "op": "insert",
                        "fields": {f: [v, row_hlc] for f, v in values.items()},
                        "hlc": row_hlc,
                        "device_id": device,
                    }
                )
                clocks.append((spec.name, row_id, {f: [row_hlc, version, device] for f in values}))
            repo.append_log_many(session, logs)
            repo.save_clocks_many(session, clocks)
            count += len(rows)
    return count


# --- desktop side ---------------------------------------------------------------------------


def apply_page(
    session: Session,
    rows: Sequence[LogRow],
    fault: Fault | None = None,
    *,
    careful: bool = False,
) -> str:
    """Apply pulled change-log rows to this desktop; returns the highest stamp seen.

    A field takes the server's value unless this desktop holds a winning value: a newer
    unpushed edit (still in the outbox) or a newer value already applied. A `fix` (the
    server's decision on a unique clash) is taken whatever the stamps; a `drop` removes a
    duplicate. A constraint error from the fast path: run the page again with `careful`.
    """
    repo.defer_foreign_keys(session)
    pending = repo.pending_stamps(session, {(r.table_name, r.row_id) for r in rows})
    cache = _Cache(session, server=False)
    if not careful:
        # Only the fields the page sets are compared and written: read just those.
        fields: dict[str, set[str]] = {}
        for r in rows:
            fields.setdefault(r.table_name, set()).update(r.fields)
        cache.fields = fields
        cache.load((r.table_name, r.row_id) for r in rows)
    top = ""
    for n, log in enumerate(rows):
        top = max(top, _apply_log(cache, log, pending, careful=careful))
        if careful:
            cache.flush()
        if fault is not None and n == len(rows) // 2:
            fault("pull:row-applied")
    cache.flush()
    return top


def _apply_log(
    cache: _Cache,
    log: LogRow,
    pending: dict[Key, dict[str, str]],
    *,
    careful: bool,
) -> str:
    spec = _spec(log.table_name)
    key = (spec.name, log.row_id)
    current = cache.row(key)
    if log.op == "drop":
        if current is not None:
            cache.drop(key, uuid.UUID(str(log.fields[INTO][0])))
            if careful:
                cache.flush()
        return log.hlc
    if current is None and log.op != "insert":
        if log.op == "fix":
            return log.hlc  # a row this desktop dropped meanwhile
        raise SyncError(
            f"The server sent an edit of a {spec.name} row this computer never received."
        )
    clocks = cache.clocks_of(key)
    mine = pending.get(key, {})
    won: dict[str, JsonValue] = {}
    top = ""
    force = log.op == "fix"
    ticked = False  # whether any field clock changed (else the clocks row is not rewritten)
    for field, (value, hlc) in log.fields.items():
        old = clocks.get(field)
        version = max(int(old[1]) if old else 0, log.id)
        if force or (
            current is None
            or beats(
                field,
                FieldState(value, hlc),
                FieldState(
                    current.get(field), max(str(old[0]) if old else "", mine.get(field, ""))
                ),
            )
        ):
            won[field] = value
            stamp = [hlc, version, log.device_id]
        elif old is None:
            stamp = [hlc, version, log.device_id]
        else:
            stamp = [old[0], version, old[2]]
        if stamp != old:
            clocks[field] = stamp
            ticked = True
        top = max(top, str(hlc))
    old_hlc = str(current["hlc"]) if current is not None else ""
    row_hlc = max(old_hlc, log.hlc)
    if careful and won:
        _move_aside_local_clashes(cache, spec, log.row_id, current, won)
    if won or current is None or row_hlc != old_hlc:
        new: Row = dict(current) if current is not None else {}
        new.update(won)
        new["hlc"] = row_hlc
        cache.rows[key] = new
    if ticked:
        cache.set_clocks(key, clocks)
    return max(top, log.hlc)


def _move_aside_local_clashes(
    cache: _Cache, spec: TableSpec, row_id: uuid.UUID, current: Row | None, won: Row
) -> None:
    """A pulled value clashes with a row of this desktop the server has not settled yet.

    The server already holds the pulled value, so its decision about our row (rename,
    renumber or drop) is on its way; meanwhile our row takes a provisional value whose field
    stamp is empty, so any value from the server replaces it.
    """
    new: Row = dict(current) if current is not None else dict.fromkeys(spec.fields)
    new.update(won)
    moved = False
    for cols in spec.uniques:
        if not any(c in won for c in cols):
            continue
        other = repo.find_clash(cache.session, spec, cols, new, row_id)
        if other is None:
            continue
        okey = (spec.name, other)
        held = cache.row(okey)
        if held is None:
            continue
        rename = next((c for c in cols if c in RENAMABLE.get(spec.name, {})), None)
        renumber = RENUMBERED.get(spec.name)
        if rename is None and renumber is not None and renumber in cols:
            rename = renumber
        if rename is None:
            cache.drop(okey, row_id)
            moved = True
            continue
        moved_row = dict(held)
        if rename == renumber:
            scope = {c: new[c] for c in cols if c != renumber}
            moved_row[rename] = repo.max_int(cache.session, spec, renumber, scope) + 1
        else:
            moved_row[rename] = f"{held[rename]}~{other.hex[-6:]}"
        cache.rows[okey] = moved_row
        oclocks = cache.clocks_of(okey)
        old = oclocks.get(rename) or ["", 0, ""]
        oclocks[rename] = ["", old[1], old[2]]
        cache.set_clocks(okey, oclocks)
        moved = True
    if moved:
        cache.flush()
