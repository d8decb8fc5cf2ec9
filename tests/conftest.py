"""Shared fixtures: isolated paths and keyring, migrated template databases copied per test.

PostgreSQL tests carry the ``postgres`` marker and use ``SUPPORTDESK_TEST_PG_URL``. Without it
they skip with a reason, except under CI (``CI=true``), where a missing server is a failure.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.data import migrate
from app.data.database import Database, sqlite_url
from app.services.base import Principal
from app.services.people_service import AuthService
from app.services.registry import Services
from tests.helpers.memory_keyring import MemoryKeyring

PG_ENV = "SUPPORTDESK_TEST_PG_URL"
ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MemoryKeyring]:
    """Per-test home folder (data, backups, QSettings) and an in-memory keyring."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SUPPORTDESK_HOME", str(home))
    monkeypatch.delenv("SUPPORTDESK_DATABASE_URL", raising=False)
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


# --- SQLite -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test session; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(sqlite_url(path))
    migrate.prepare(db, None)
    db.dispose()
    # Fold the WAL into the main file so a plain copy is complete.
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "supportdesk.db"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(sqlite_url(path))
    db.attach_device()
    yield db
    db.dispose()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set in CI; .ci/run must start PostgreSQL and set it")
        pytest.skip(f"no PostgreSQL server: set {PG_ENV}=postgresql://user@host:5432/db to run")
    return url


def _pg_url_for(base: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _pg_exec(base: str, sql: str) -> None:
    from sqlalchemy import create_engine

    from app.data.engine import normalise_url

    engine = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL template database, created once per test session (per worker)."""
    base = _pg_admin_url()
    name = f"sd_tmpl_{uuid.uuid4().hex[:10]}"
    _pg_exec(base, f"CREATE DATABASE {name}")
    db = Database(_pg_url_for(base, name))
    try:
        migrate.prepare(db, None)
    finally:
        db.dispose()
    yield name
    _pg_exec(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_empty_url() -> Iterator[str]:
    """An empty PostgreSQL database for this test (migration tests start from nothing)."""
    base = _pg_admin_url()
    name = f"sd_test_{uuid.uuid4().hex[:12]}"
    _pg_exec(base, f"CREATE DATABASE {name}")
    yield _pg_url_for(base, name)
    _pg_exec(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_db(pg_template: str) -> Iterator[Database]:
    base = _pg_admin_url()
    name = f"sd_test_{uuid.uuid4().hex[:12]}"
    _pg_exec(base, f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    db = Database(_pg_url_for(base, name))
    db.attach_device()
    yield db
    db.dispose()
    _pg_exec(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- Either database ----------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on a real SQLite file and on the real PostgreSQL server."""
    fixture = "sqlite_db" if request.param == "sqlite" else "pg_db"
    db: Database = request.getfixturevalue(fixture)
    return db


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    """The default database of a test: a fresh migrated SQLite file."""
    return sqlite_db


def make_admin(database: Database) -> Principal:
    return AuthService(database).create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)


@pytest.fixture
def admin(db: Database) -> Principal:
    return make_admin(db)


@pytest.fixture
def services(db: Database, admin: Principal) -> Services:
    return Services(db, admin)


@pytest.fixture
def any_services(any_db: Database) -> Services:
    return Services(any_db, make_admin(any_db))
