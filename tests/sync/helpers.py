"""Comparing copies: every replicated row and every conflict, as JSON values."""

from __future__ import annotations

import time
import uuid
from typing import Any

from app.data.database import Database
from app.data.repos import sync as repo

Snapshot = dict[str, dict[uuid.UUID, dict[str, Any]]]


def snapshot(db: Database) -> Snapshot:
    with db.read_session() as s:
        return {name: repo.rows_as_json(s, spec) for name, spec in repo.replicated_tables().items()}


def conflicts(db: Database) -> set[tuple[Any, ...]]:
    with db.read_session() as s:
        return {
            (c.id, c.table_name, c.row_id, c.field, c.kind, c.winner_value, c.loser_value)
            for c in repo.list_conflicts(s)
        }


def pending(db: Database) -> int:
    with db.read_session() as s:
        return repo.outbox_count(s)


def diff(a: Snapshot, b: Snapshot) -> list[str]:
    """Human-readable differences (empty when equal), for assertion messages."""
    out = []
    for table in a:
        for row_id in a[table].keys() | b[table].keys():
            left, right = a[table].get(row_id), b[table].get(row_id)
            if left != right:
                out.append(f"{table} {row_id}: {left} != {right}")
    return out[:10]


def wait_log_visible(server: Database, timeout: float = 60.0) -> None:
    """Wait until no running transaction (any database of the cluster: xids are shared)
    holds back change-log rows from a pull, so a round is sure to bring everything."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with server.read_session() as s:
            if repo.log_fully_visible(s):
                return
        time.sleep(0.05)
