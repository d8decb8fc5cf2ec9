"""Engine factory: URLs, SQLite pragmas on every connection, PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from app.data.database import Database, sqlite_url
from app.data.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, normalise_url, redact
from app.errors import DatabaseUnavailableError


def test_sqlite_pragmas_on_every_pooled_connection(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "p.db"))
    try:
        # Hold three connections at once so the pool must open three distinct ones.
        conns = [engine.connect() for _ in range(3)]
        try:
            ids = set()
            for conn in conns:
                ids.add(id(conn.connection.dbapi_connection))
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
                assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert len(ids) == 3
        finally:
            for conn in conns:
                conn.close()
    finally:
        engine.dispose()
    assert SQLITE_BUSY_TIMEOUT_MS == 5000


def test_pragmas_survive_reopening_an_existing_file(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "p.db")
    for _ in range(2):
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        engine.dispose()


def test_migrated_database_connections_enforce_foreign_keys(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with pytest.raises(IntegrityError):
            conn.execute(
                text(
                    "INSERT INTO user_roles (id, user_id, role, created_at, updated_at, hlc) "
                    "VALUES (:id, :uid, 'admin', '2026-01-01', '2026-01-01', '')"
                ),
                {"id": "0" * 32, "uid": "f" * 32},
            )


def test_in_memory_sqlite_skips_wal(tmp_path: Path) -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "memory"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_wal_can_be_turned_off(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "p.db"), wal=False)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "delete"
    engine.dispose()


def test_on_connect_hook_runs_per_connection(tmp_path: Path) -> None:
    calls: list[object] = []
    engine = make_engine(sqlite_url(tmp_path / "p.db"), on_connect=lambda c, r: calls.append(c))
    a, b = engine.connect(), engine.connect()
    a.close()
    b.close()
    engine.dispose()
    assert len(calls) == 2


def test_postgresql_urls_use_psycopg3() -> None:
    url = normalise_url("postgresql://alice@db.example.org:5432/desk")
    assert url.drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://a@h/d").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"


def test_password_argument_reaches_postgresql_url_only() -> None:
    pg = make_engine("postgresql://alice@db.example.org:5432/desk", password="s3cret")
    assert pg.url.password == "s3cret"
    assert pg.url.username == "alice"
    pg.dispose()
    lite = make_engine("sqlite://", password="ignored")
    assert lite.url.password is None
    lite.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database URL"),
        ("", "is not a database URL"),
        ("mysql://x/y", "SQLite or PostgreSQL, not 'mysql'"),
        ("oracle://scott:tiger@h/d", "not 'oracle'"),
    ],
)
def test_bad_urls_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(DatabaseUnavailableError, match=message):
        normalise_url(url)
    with pytest.raises(DatabaseUnavailableError, match=message):
        Database(url)


def test_redact_hides_passwords() -> None:
    shown = redact("postgresql://alice:s3cret@db.example.org:5432/desk")
    assert "s3cret" not in shown
    assert "alice" in shown
    assert redact("not a url at all") == "<malformed URL>"
    assert "s3cret" not in Database("postgresql://alice:s3cret@h/d").display_url
