"""Bad input: each case gives a clear error and leaves every file on disk exactly as it was."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring

from app import secrets
from app.data import migrate
from app.data.database import Database, sqlite_url
from app.errors import (
    CorruptDatabaseError,
    DatabaseUnavailableError,
    SchemaTooNewError,
    SecretStoreUnavailableError,
)
from app.paths import backup_dir, data_dir
from app.services import storage

UNREACHABLE_PG = "postgresql://postgres@127.0.0.1:1/x"


def snapshot(*roots: Path) -> dict[str, str]:
    """Every file under the roots with its SHA-256 (directory listing and content at once)."""
    out = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "dbs"
    path.mkdir()
    return path


@pytest.fixture
def real_db_file(folder: Path) -> Path:
    """A database as SupportDesk leaves it (WAL mode, migrated, closed cleanly)."""
    path = folder / "desk.db"
    db, _ = storage.open_database(sqlite_url(path))
    db.dispose()
    assert sorted(p.name for p in folder.iterdir()) == ["desk.db"]
    return path


def expect_untouched(error: type[Exception], url: str, match: str, *roots: Path) -> None:
    roots = (*roots, data_dir())
    before = snapshot(*roots)
    for upgrade in (True, False):
        with pytest.raises(error, match=match) as info:
            storage.open_database(url, upgrade=upgrade)
        assert "\n" not in str(info.value)  # one line, shown to the user as it is
        assert snapshot(*roots) == before
    assert list(backup_dir().iterdir()) == []


@pytest.mark.parametrize(
    ("url", "match"),
    [("not a url", "is not a database URL"), ("mysql://x/y", "not 'mysql'")],
)
def test_malformed_url(url: str, match: str, folder: Path) -> None:
    expect_untouched(DatabaseUnavailableError, url, match, folder)
    with pytest.raises(DatabaseUnavailableError):
        storage.revisions(url)


def test_unreachable_postgresql() -> None:
    expect_untouched(DatabaseUnavailableError, UNREACHABLE_PG, "Cannot reach")
    with pytest.raises(DatabaseUnavailableError, match=r"127\.0\.0\.1:1"):
        storage.open_database(UNREACHABLE_PG)


def test_random_bytes_are_not_a_database(folder: Path) -> None:
    path = folder / "desk.db"
    path.write_bytes(os.urandom(64 * 1024))
    expect_untouched(CorruptDatabaseError, sqlite_url(path), "not a SupportDesk database", folder)


def test_text_file_is_not_a_database(folder: Path) -> None:
    path = folder / "notes.db"
    path.write_text("Meeting notes\n" * 100)
    expect_untouched(CorruptDatabaseError, sqlite_url(path), "damaged or of another kind", folder)


def test_truncated_database(real_db_file: Path, folder: Path) -> None:
    data = real_db_file.read_bytes()
    real_db_file.write_bytes(data[: len(data) // 3])
    expect_untouched(CorruptDatabaseError, sqlite_url(real_db_file), "desk.db", folder)


def test_folder_instead_of_file(folder: Path) -> None:
    (folder / "desk.db").mkdir()
    expect_untouched(CorruptDatabaseError, sqlite_url(folder / "desk.db"), "is a folder", folder)


def test_missing_folder_is_not_created(folder: Path) -> None:
    url = sqlite_url(folder / "nowhere" / "desk.db")
    expect_untouched(DatabaseUnavailableError, url, "does not exist", folder)
    assert not (folder / "nowhere").exists()


def _stamp_future(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def test_newer_schema_is_refused_and_left_alone(real_db_file: Path, folder: Path) -> None:
    _stamp_future(real_db_file)
    expect_untouched(
        SchemaTooNewError, sqlite_url(real_db_file), "newer SupportDesk.*9999_future", folder
    )
    con = sqlite3.connect(real_db_file)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999_future",)]
    con.close()


def test_newer_schema_in_rollback_journal_mode_is_left_alone(
    real_db_file: Path, folder: Path
) -> None:
    _stamp_future(real_db_file)
    con = sqlite3.connect(real_db_file)
    con.execute("PRAGMA journal_mode=DELETE")  # as a file copied by other tools may be
    con.close()
    expect_untouched(SchemaTooNewError, sqlite_url(real_db_file), "newer SupportDesk", folder)


@pytest.mark.postgres
def test_newer_schema_on_postgresql(pg_db: Database) -> None:
    with pg_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num='9999_future'")
    url = pg_db.url.render_as_string(hide_password=False)
    for upgrade in (True, False):
        with pytest.raises(SchemaTooNewError, match="9999_future"):
            storage.open_database(url, upgrade=upgrade)
    assert migrate.current_revision(pg_db) == "9999_future"
    assert list(backup_dir().iterdir()) == []


# --- the keyring ----------------------------------------------------------------------------


def _no_keyring() -> NoKeyring:
    """keyring's own backend for "no password store on this computer" (raises NoKeyringError)."""
    return NoKeyring()  # type: ignore[no-untyped-call]


@pytest.mark.postgres
def test_postgresql_password_comes_from_the_keyring(pg_db: Database) -> None:
    url = pg_db.url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    name = storage.postgres_secret_name(url)
    assert name == f"{pg_db.url.username}@{pg_db.url.host}:{pg_db.url.port or 5432}/" + str(
        pg_db.url.database
    )
    secrets.set_secret("postgres", name, "x")
    db, _ = storage.open_database(url, upgrade=False)
    try:
        assert db.engine.url.password == "x"
        assert "x@" not in db.display_url
    finally:
        db.dispose()


@pytest.mark.postgres
def test_password_in_the_url_wins_and_skips_the_keyring(pg_db: Database) -> None:
    keyring.set_keyring(_no_keyring())
    url = pg_db.url.set(drivername="postgresql", password="typed").render_as_string(
        hide_password=False
    )
    db, _ = storage.open_database(url, upgrade=False)
    try:
        assert db.engine.url.password == "typed"
    finally:
        db.dispose()


def test_missing_keyring_is_reported_when_the_server_refuses() -> None:
    keyring.set_keyring(_no_keyring())
    # Without a password store the server is tried without a password; when that fails the
    # message names both problems.
    with pytest.raises(DatabaseUnavailableError, match="No password store"):
        storage.open_database(UNREACHABLE_PG)
    with pytest.raises(SecretStoreUnavailableError, match="not saved"):
        secrets.set_secret("postgres", "a@b:5432/c", "x")


@pytest.mark.postgres
def test_no_keyring_still_opens_a_server_that_needs_no_password(pg_db: Database) -> None:
    keyring.set_keyring(_no_keyring())
    url = pg_db.url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    db, _ = storage.open_database(url, upgrade=False)  # this server trusts local connections
    try:
        assert db.engine.url.password is None
    finally:
        db.dispose()


def test_sqlite_never_asks_the_keyring(folder: Path) -> None:
    keyring.set_keyring(_no_keyring())
    db, _ = storage.open_database(sqlite_url(folder / "desk.db"))
    db.dispose()


def test_secret_round_trip_through_the_store() -> None:
    assert secrets.get_secret("postgres", "a@b:5432/c") is None
    secrets.set_secret("postgres", "a@b:5432/c", "pw")
    assert secrets.get_secret("postgres", "a@b:5432/c") == "pw"
    secrets.delete_secret("postgres", "a@b:5432/c")
    secrets.delete_secret("postgres", "a@b:5432/c")  # deleting twice is fine
    assert secrets.get_secret("postgres", "a@b:5432/c") is None


def test_another_programs_sqlite_database_is_refused(folder: Path) -> None:
    path = folder / "places.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    con.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    con.commit()
    con.close()
    expect_untouched(
        CorruptDatabaseError,
        sqlite_url(path),
        "not a SupportDesk database.*another program",
        folder,
    )


@pytest.mark.postgres
def test_another_programs_postgresql_database_is_refused(pg_empty_url: str) -> None:
    db = Database(pg_empty_url)
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE invoices (id serial PRIMARY KEY)")
        with pytest.raises(CorruptDatabaseError, match="another program"):
            storage.open_database(pg_empty_url)
        with db.engine.connect() as conn:
            assert migrate.table_names(conn) == ["invoices"]
    finally:
        db.dispose()


def test_database_downgraded_to_base_opens_again(folder: Path) -> None:
    from alembic import command

    path = folder / "desk.db"
    db, _ = storage.open_database(sqlite_url(path))
    command.downgrade(migrate.alembic_config(db), "base")
    db.dispose()
    db, report = storage.open_database(sqlite_url(path))
    db.dispose()
    assert report is not None
    assert report.to_revision == migrate.head_revision()
