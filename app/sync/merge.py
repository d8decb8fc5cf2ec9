"""The merge rules of replication, as pure functions (no database, no I/O).

Per field, the last writer wins by hybrid-logical-clock stamp; the stamp's encoding ends with
the device id, so equal times are broken by device and every copy picks the same winner. The
tombstone `deleted_at` is the exception: a set tombstone beats an unset one whatever the
stamps, so nothing deleted comes back. Both rules are a maximum over a total order, which makes
the merge commutative, associative and idempotent: copies that saw the same edits in any order
hold the same values.

Whether two edits *conflict* is not decided by clocks but by the server version each edit was
based on (`is_concurrent`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TOMBSTONE = "deleted_at"

#: Fields where a silent overwrite would hurt: both values are kept as a conflict record.
SENSITIVE_FIELDS: Mapping[str, frozenset[str]] = {
    "tickets": frozenset(
        {"status", "assignee_id", "priority", "description", "resolved_at", "closed_at"}
    ),
    "contacts": frozenset({"full_name", "email", "phone", "organisation_id"}),
    "organisations": frozenset({"name", "domain"}),
    "users": frozenset({"full_name", "email"}),
}

#: Insert-only history: rows are never edited, so they never conflict.
APPEND_ONLY_TABLES = frozenset(
    {"ticket_events", "article_revisions", "attendance_marks", "audit_events"}
)

#: Bookkeeping fields every edit changes; a difference in them alone is no conflict.
META_FIELDS = frozenset({"updated_at", "updated_by", "created_at"})


@dataclass(frozen=True)
class FieldState:
    """One value of one field with the stamp of the edit that wrote it."""

    value: Any
    hlc: str


def _key(field: str, state: FieldState) -> tuple[bool, str, str]:
    tombstoned = field == TOMBSTONE and state.value is not None
    # The JSON text only breaks ties between equal stamps, which one edit never produces twice.
    return (tombstoned, state.hlc, json.dumps(state.value, sort_keys=True, default=str))


def beats(field: str, a: FieldState, b: FieldState) -> bool:
    """True when `a` strictly wins over `b` for this field (the order of `_key`)."""
    if field != TOMBSTONE and a.hlc != b.hlc:
        return a.hlc > b.hlc  # the usual case: no JSON needed to decide
    return _key(field, a) > _key(field, b)


def merge_field(field: str, a: FieldState, b: FieldState) -> FieldState:
    """The surviving value of a field given two states of it."""
    return a if _key(field, a) >= _key(field, b) else b


def merge_rows(a: Mapping[str, FieldState], b: Mapping[str, FieldState]) -> dict[str, FieldState]:
    """Field-wise merge of two copies of a row (fields missing on one side are taken)."""
    out = dict(a)
    for field, state in b.items():
        out[field] = merge_field(field, out[field], state) if field in out else state
    return out


def is_sensitive(table: str, field: str) -> bool:
    return field in SENSITIVE_FIELDS.get(table, frozenset())


def is_concurrent(server_version: int, server_device: str, base: int, device: str) -> bool:
    """Did the server's value come from an edit the pushing device had not seen?

    `base` is the server version of the field the device knew when it edited; the device's
    own earlier edits are never a conflict with itself.
    """
    return server_version > base and server_device != device and server_version > 0


def needs_conflict_record(
    table: str, field: str, mine: Any, theirs: Any, *, concurrent: bool
) -> bool:
    """A concurrent edit of a sensitive field to a different value keeps both values."""
    return (
        concurrent
        and table not in APPEND_ONLY_TABLES
        and field not in META_FIELDS
        and mine != theirs
        and is_sensitive(table, field)
    )
