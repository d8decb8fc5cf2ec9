"""Engine factory: SQLite (local, default) or PostgreSQL (team server) through psycopg 3."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.errors import DatabaseUnavailableError

SQLITE_BUSY_TIMEOUT_MS = 5000


def normalise_url(url: str) -> URL:
    """Parse a database URL, steering PostgreSQL to psycopg 3. Raises a clear error."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailableError(
            f"'{redact(url)}' is not a database URL. Use sqlite:///path/to/file.db or "
            "postgresql://user@host:5432/database."
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise DatabaseUnavailableError(f"SupportDesk works with SQLite or PostgreSQL, not '{backend}'.")


def redact(url: str | URL) -> str:
    """A URL safe to show or log: the password is hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<malformed URL>"


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Per connection: foreign keys are off by default and busy_timeout is 0 by default.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_wal(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def make_engine(
    url: str | URL,
    *,
    password: str | None = None,
    wal: bool = True,
    connect_timeout: int = 5,
    on_connect: Callable[[Any, Any], None] | None = None,
) -> Engine:
    """An engine with our pragmas and pool choices. Does not connect yet."""
    parsed = url if isinstance(url, URL) else normalise_url(url)
    if password is not None and parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(password=password)
    if parsed.get_backend_name() == "sqlite":
        # The default pool for files (QueuePool) keeps connections per thread; the GUI's worker
        # threads each open short sessions, which SQLite's WAL handles with one writer at a time.
        engine = create_engine(parsed, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        if wal and parsed.database not in (None, "", ":memory:"):
            event.listen(engine, "first_connect", _sqlite_wal)
    else:
        # pre_ping: a laptop that slept or changed network finds its pooled connections dead.
        engine = create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=4,
            max_overflow=4,
            connect_args={"connect_timeout": connect_timeout, "application_name": "supportdesk"},
        )
    if on_connect is not None:
        event.listen(engine, "connect", on_connect)
    return engine
