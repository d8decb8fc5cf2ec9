"""Change capture: every flush of replicated rows appends outbox entries in the same transaction.

Runs after `app.data.stamping` (which stamps `hlc` in `before_flush`): this listener works in
`after_flush`, when the stamped values and the values of column defaults (`updated_at`) are in
each object's state while its attribute history still says what changed. Inserts record every
field; updates record the changed fields plus the server versions they were based on (read
from `sync_row_clocks`), which is what decides later whether two edits conflict.

Bulk Core statements bypass the ORM flush and so this capture: `sync connect` uploads such
rows as a snapshot instead.

Also home of the value codec shared by the outbox, the change log and the merge: JSON values
stay typed (UUIDs as strings, datetimes as ISO UTC, enums by value) and are decoded back by
the column types of the model.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Enum, String, UniqueConstraint, Uuid, event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from app.data.base import Base, Replicated, UtcDateTime
from app.data.models.local import OutboxEntry
from app.data.models.sync import RowClock

#: Fields that are never replicated as values: the key, and the row stamp (kept as the max of
#: the field stamps on every copy).
NOT_FIELDS = frozenset({"id", "hlc"})

JsonValue = str | int | float | bool | None


# --- codec ----------------------------------------------------------------------------------


def encode_value(value: Any) -> JsonValue:
    """A Python column value as a JSON-safe value that decodes back to the same value."""
    if isinstance(value, enum.Enum):  # before str: a StrEnum is a str too
        return encode_value(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        result: JsonValue = value
        return result
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        moment: datetime = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    return str(value)


def _identity(value: JsonValue) -> Any:
    return value


def _decoder(col_type: Any) -> Callable[[JsonValue], Any]:
    if isinstance(col_type, UtcDateTime):
        return lambda v: None if v is None else datetime.fromisoformat(str(v)).astimezone(UTC)
    if isinstance(col_type, Uuid):
        return lambda v: None if v is None else uuid.UUID(str(v))
    if isinstance(col_type, Enum) and col_type.enum_class is not None:
        enum_cls = col_type.enum_class
        return lambda v: None if v is None else enum_cls(v)
    return _identity


@dataclass(frozen=True)
class TableSpec:
    """What replication needs to know about one replicated table.

    Attributes:
        name: the table name.
        model: the mapped class.
        fields: replicated column names (everything but `id` and `hlc`).
        decoders: column name -> function from the JSON value to the column's Python value.
        uniques: the column sets of the table's unique constraints (not the key).
        foreign_keys: column name -> the replicated table it points at.
        lengths: column name -> the maximum length of a string column.
    """

    name: str
    model: type[Any]
    fields: tuple[str, ...]
    decoders: Mapping[str, Callable[[JsonValue], Any]]
    uniques: tuple[tuple[str, ...], ...] = ()
    foreign_keys: Mapping[str, str] = dataclass_field(default_factory=dict)
    lengths: Mapping[str, int] = dataclass_field(default_factory=dict)

    def decode(self, values: Mapping[str, JsonValue]) -> dict[str, Any]:
        """JSON values (by field) to Python values for a Core insert or update."""
        return {k: self.decoders[k](v) for k, v in values.items() if k in self.decoders}


@cache
def replicated_tables() -> dict[str, TableSpec]:
    """Every replicated table in dependency order (parents before children)."""
    import app.data.models  # noqa: F401  (every model registered)

    by_table: dict[str, type[Any]] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Replicated):
            by_table[mapper.local_table.name] = cls  # type: ignore[attr-defined]
    specs: dict[str, TableSpec] = {}
    for table in Base.metadata.sorted_tables:
        if table.name not in by_table:
            continue
        cols = [c for c in table.columns if c.name not in NOT_FIELDS]
        uniques = sorted(
            tuple(c.name for c in con.columns)
            for con in table.constraints
            if isinstance(con, UniqueConstraint)
        )
        foreign_keys = {
            fk.parent.name: fk.column.table.name
            for fk in table.foreign_keys
            if fk.column.table.name in by_table
        }
        lengths = {
            c.name: int(c.type.length)
            for c in cols
            if isinstance(c.type, String) and not isinstance(c.type, Enum) and c.type.length
        }
        specs[table.name] = TableSpec(
            name=table.name,
            model=by_table[table.name],
            fields=tuple(c.name for c in cols),
            decoders={c.name: _decoder(c.type) for c in table.columns},
            uniques=tuple(uniques),
            foreign_keys=foreign_keys,
            lengths=lengths,
        )
    return specs


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# --- capture --------------------------------------------------------------------------------


@event.listens_for(Session, "after_begin")
def _new_local_transaction(session: Session, _transaction: Any, _connection: Any) -> None:
    # One id per database transaction, so a push can keep a transaction's entries together.
    session.info["sync_tx"] = uuid.uuid4().hex


@event.listens_for(Session, "after_flush")
def _capture(session: Session, _ctx: UOWTransaction) -> None:
    clock = session.info.get("clock")
    if clock is None or session.info.get("capture") is False:
        # No device attached (migrations, set-up) or a replication write that must not echo.
        return
    specs = replicated_tables()
    device = clock.device
    tx_id = session.info.get("sync_tx") or uuid.uuid4().hex
    rows: list[dict[str, Any]] = []
    updates: list[tuple[str, Any, dict[str, JsonValue], str]] = []
    for obj in session.new:
        if not isinstance(obj, Replicated):
            continue
        state = inspect(obj)
        spec = specs[state.mapper.local_table.name]
        data = state.dict
        values = {f: encode_value(data.get(f)) for f in spec.fields}
        rows.append(_entry(spec.name, obj.id, "insert", values, obj.hlc, {}, 0, device, tx_id))
    for obj in session.dirty:
        if not isinstance(obj, Replicated):
            continue
        state = inspect(obj)
        data = state.dict
        # Setting a field to its old value is no change (the same test stamping makes).
        changed = [
            k
            for k, old in state.committed_state.items()
            if k not in NOT_FIELDS and old != data.get(k)
        ]
        if not changed:
            continue
        spec = specs[state.mapper.local_table.name]
        keys = set(changed) | {"updated_at", "updated_by"}
        values = {f: encode_value(data.get(f)) for f in spec.fields if f in keys}
        updates.append((spec.name, obj.id, values, obj.hlc))
    if updates:
        conn = session.connection()
        for table, row_id, values, hlc in updates:
            clocks = _clocks_of(conn, table, row_id)
            bases = {f: int(clocks[f][1]) for f in (*values, "deleted_at") if f in clocks}
            top = max((int(c[1]) for c in clocks.values()), default=0)
            rows.append(_entry(table, row_id, "update", values, hlc, bases, top, device, tx_id))
    for obj in session.deleted:
        if isinstance(obj, Replicated):
            # Replicated rows are tombstoned (deleted_at), never deleted: a hard delete could
            # not reach the other copies.
            raise RuntimeError(
                f"{type(obj).__name__} rows replicate and must be soft-deleted (deleted_at)"
            )
    if rows:
        session.connection().execute(insert(OutboxEntry), rows)


def _entry(
    table: str,
    row_id: uuid.UUID,
    op: str,
    values: dict[str, JsonValue],
    hlc: str,
    bases: dict[str, int],
    base_version: int,
    device: str,
    tx_id: str,
) -> dict[str, Any]:
    return {
        "table_name": table,
        "row_id": row_id,
        "op": op,
        "fields": dumps(values),
        "hlc": hlc,
        "bases": dumps(bases),
        "base_version": base_version,
        "device_id": device,
        "tx_id": tx_id,
        "created_at": datetime.now(UTC),
    }


def _clocks_of(conn: Any, table: str, row_id: uuid.UUID) -> dict[str, list[Any]]:
    text = conn.execute(
        select(RowClock.clocks).where(RowClock.table_name == table, RowClock.row_id == row_id)
    ).scalar()
    return json.loads(text) if text else {}
