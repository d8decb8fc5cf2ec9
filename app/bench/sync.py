"""Replication at scale: `supportdesk bench sync [--json] [--pg-url URL]`.

Creates its own PostgreSQL database (dropped at the end) and SQLite files under `workdir`, then
times what replication does on a loopback server:

- ``initial_download_100k_rows_s``: a fresh desktop's `connect` to a server holding `rows`
  contacts (loaded on the server in bulk and put into the change log first);
- ``pull_100k_changes_s``: a desktop pulling `changes` edits another desktop pushed (the
  edits are written to that desktop's outbox in bulk, the way capture writes them, so the
  set-up stays quick; the pull is the real one);
- ``push_10k_edits_s``: pushing `edits` edits made through the ORM (captured as usual);
- ``idle_round_trip_ms``: a round with nothing to do (median of five);
- ``local_save_overhead_ratio``: ticket saves (create + two edits) through `TicketService`
  with capture ÷ the same saves on a database whose sessions switch capture off (a
  bench-only `Database` subclass; the app never switches it off).

Targets: push ≤ 10 s, pull ≤ 30 s, initial download ≤ 60 s, idle ≤ 200 ms, ratio ≤ 2.5.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.data import migrate
from app.data.database import Database, Session, sqlite_url
from app.data.repos import sync as sync_repo
from app.data.repos import sync_bench as bench_repo
from app.services.people_service import AuthService
from app.services.registry import Services
from app.sync.apply import log_unlogged_rows
from app.sync.engine import SyncEngine

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
_BENCH_ADMIN = "bench.admin"
_BENCH_PASSWORD = "bench-only-password-1"  # a throw-away file nobody signs in to


class _NoCaptureDatabase(Database):
    """A database whose units of work write no outbox entries (the bench's baseline only)."""

    @contextmanager
    def session(self, actor_id: uuid.UUID | None = None) -> Iterator[Session]:
        with super().session(actor_id) as s:
            s.info["capture"] = False
            yield s


def _template(workdir: Path) -> Path:
    path = workdir / "template.db"
    db = Database(sqlite_url(path))
    migrate.prepare(db, None)
    db.dispose()
    _fold_wal(path)
    return path


def _fold_wal(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _desktop(template: Path, path: Path, cls: type[Database] = Database) -> Database:
    shutil.copyfile(template, path)
    db = cls(sqlite_url(path))
    db.attach_device()
    with db.session() as s:
        sync_repo.reset_device_identity(s)
    db.attach_device()
    return db


def _load_server(server: Database, rows: int) -> None:
    """`rows` contacts written on the server in bulk, then put into the change log."""
    with server.session() as s:
        bench_repo.insert_contacts(s, rows)
        log_unlogged_rows(s, "server")


def _bulk_edits(db: Database, changes: int) -> None:
    """`changes` edits of contacts' phone numbers written with their outbox entries.

    The same rows and entries capture writes for ORM edits (changed field, `updated_at`, the
    stamp, the field versions the edit was based on), in bulk.
    """
    assert db.clock is not None
    with db.session() as s:
        bench_repo.bulk_phone_edits(s, db.clock, db.device_id, changes)


def _orm_edits(db: Database, edits: int) -> None:
    """`edits` captured edits through ORM objects, 500 to a transaction."""
    with db.read_session() as s:
        ids = bench_repo.contact_ids(s, edits)
    for start in range(0, edits, 500):
        with db.session() as s:
            bench_repo.orm_email_edits(s, ids, start, min(edits, start + 500))


def _save_seconds(db: Database, saves: int) -> float:
    services = Services(db, AuthService(db).principal_for(_BENCH_ADMIN))
    start = time.perf_counter()
    for n in range(saves):
        ticket_id, _changes = services.tickets.create(f"Printer {n} jams", description="Jam")
        services.tickets.set_category(ticket_id, "Hardware")
        services.tickets.set_category(ticket_id, "Printers")
    return time.perf_counter() - start


def _overhead_ratio(template: Path, workdir: Path, saves: int) -> float:
    timings: dict[bool, list[float]] = {True: [], False: []}
    for capture in (True, False) * 3:
        cls = Database if capture else _NoCaptureDatabase
        db = _desktop(template, workdir / f"save-{capture}-{uuid.uuid4().hex[:6]}.db", cls)
        try:
            AuthService(db).create_first_admin(_BENCH_ADMIN, "Bench Admin", _BENCH_PASSWORD)
            _save_seconds(db, max(5, saves // 10))  # warm up
            timings[capture].append(_save_seconds(db, saves))
            if not capture:
                with db.read_session() as s:
                    assert sync_repo.outbox_count(s) <= 1  # only the admin's own creation
        finally:
            db.dispose()
    return round(min(timings[True]) / min(timings[False]), 2)


def run(
    pg_url: str | None = None,
    workdir: Path | None = None,
    *,
    rows: int = 100_000,
    changes: int = 100_000,
    edits: int = 10_000,
    saves: int = 100,
) -> dict[str, Any]:
    """Run the replication benchmark; returns the figures (seconds / milliseconds / ratio)."""
    pg_url = pg_url or os.environ.get("SUPPORTDESK_TEST_PG_URL") or DEFAULT_PG_URL
    own_dir = workdir is None
    base = Path(tempfile.mkdtemp(prefix="sd-bench-sync-")) if workdir is None else workdir
    base.mkdir(parents=True, exist_ok=True)
    name = f"sd_bench_sync_{uuid.uuid4().hex[:10]}"
    server_url = bench_repo.create_database(pg_url, name)
    server = Database(server_url)
    desktops: list[Database] = []
    result: dict[str, Any] = {"rows": rows, "changes": changes, "edits": edits}
    try:
        migrate.prepare(server, None)
        template = _template(base)
        _load_server(server, rows)

        a = _desktop(template, base / f"a-{name}.db")
        desktops.append(a)
        ea = SyncEngine(a, server)
        start = time.perf_counter()
        ea.connect(server.display_url)
        result["initial_download_100k_rows_s"] = round(time.perf_counter() - start, 2)

        # A second desktop with the same data: a copy of the first (it only pulls here).
        a.dispose()
        _fold_wal(base / f"a-{name}.db")
        shutil.copyfile(base / f"a-{name}.db", base / f"b-{name}.db")
        b = Database(sqlite_url(base / f"b-{name}.db"))
        b.attach_device()
        desktops.append(b)
        eb = SyncEngine(b, server)

        _bulk_edits(a, changes)
        revision = ea.check_schema()
        start = time.perf_counter()
        ea.push(revision)
        result["push_100k_edits_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        eb.pull()
        result["pull_100k_changes_s"] = round(time.perf_counter() - start, 2)

        ea.pull()
        _orm_edits(a, edits)
        start = time.perf_counter()
        ea.push(revision)
        result["push_10k_edits_s"] = round(time.perf_counter() - start, 2)
        ea.sync_once()
        eb.sync_once()

        idle = []
        for _ in range(5):
            start = time.perf_counter()
            ea.sync_once()
            idle.append((time.perf_counter() - start) * 1000)
        result["idle_round_trip_ms"] = round(statistics.median(idle), 1)
        result["local_save_overhead_ratio"] = _overhead_ratio(template, base, saves)
    finally:
        for db in desktops:
            db.dispose()
        server.dispose()
        bench_repo.drop_database(pg_url, name)
        if own_dir:
            shutil.rmtree(base, ignore_errors=True)
    return result
