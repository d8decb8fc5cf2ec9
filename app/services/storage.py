"""Opening the database the app works on: URL choice, keyring password, schema upgrade."""

from __future__ import annotations

import os
from pathlib import Path

from app import secrets
from app.data import migrate
from app.data.database import Database, sqlite_url
from app.data.engine import normalise_url
from app.errors import DatabaseUnavailableError, SecretStoreUnavailableError
from app.paths import backup_dir, default_database_path, demo_database_path

ENV_URL = "SUPPORTDESK_DATABASE_URL"


def resolve_url(url: str | None, *, demo: bool = False) -> str:
    """The URL to open: explicit, then the environment, then the per-user default file."""
    if url:
        return url
    if demo:
        return sqlite_url(demo_database_path())
    return os.environ.get(ENV_URL) or sqlite_url(default_database_path())


def postgres_secret_name(url: str) -> str:
    parsed = normalise_url(url)
    return f"{parsed.username}@{parsed.host}:{parsed.port or 5432}/{parsed.database}"


def open_database(
    url: str, *, upgrade: bool = True
) -> tuple[Database, migrate.PrepareReport | None]:
    """Open and (by default) upgrade a database, with clear errors; changes nothing on failure.

    A PostgreSQL password is never taken from a settings file: it is in the URL the user typed,
    or in the OS keyring under the server's name.
    """
    parsed = normalise_url(url)
    password = None
    keyring_problem: SecretStoreUnavailableError | None = None
    if parsed.get_backend_name() == "postgresql" and parsed.password is None:
        try:
            password = secrets.get_secret("postgres", postgres_secret_name(url))
        except SecretStoreUnavailableError as exc:
            # No password store: the server may still let us in without one (trust or peer
            # authentication, ~/.pgpass, PGPASSWORD). Say why only if that fails too.
            keyring_problem = exc
    db = Database(parsed, password=password)
    try:
        if upgrade:
            return db, migrate.prepare(db, backup_dir())
        migrate.check_sqlite_file_first(db)
        db.check_reachable()
        migrate.check_not_newer(db)
        return db, None
    except DatabaseUnavailableError as exc:
        db.dispose()
        if keyring_problem is None:
            raise
        raise DatabaseUnavailableError(f"{exc} {keyring_problem}") from exc
    except BaseException:
        db.dispose()
        raise


def sqlite_file(url: str) -> Path | None:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database))
    return None


def schema_check(url: str) -> list[str]:
    """Differences between models and migrations, on a scratch copy upgraded to head.

    With no database given (the default file), a temporary SQLite file is used, so the check
    never changes the user's data.
    """
    import tempfile

    normalise_url(url)  # a mistyped URL is an error here too, not silently ignored
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Database(sqlite_url(Path(tmp) / "check.db"))
        try:
            migrate.upgrade(scratch)
            return [str(d) for d in migrate.schema_differences(scratch)]
        finally:
            scratch.dispose()


def revisions(url: str) -> tuple[str | None, str]:
    path = sqlite_file(url)
    if path is not None and not path.exists() and path.parent.is_dir():
        # Opening would create an empty file as a side effect of merely asking.
        return None, migrate.head_revision()
    db, _ = open_database(url, upgrade=False)
    try:
        return migrate.current_revision(db), migrate.head_revision()
    finally:
        db.dispose()


def backup(url: str, to: Path | None) -> Path:
    from app.errors import ValidationError

    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise ValidationError(f"There is no database file at {path}; there is nothing to back up.")
    db, _ = open_database(url, upgrade=False)
    try:
        if db.sqlite_path is None:
            raise ValidationError(
                "Only a SQLite database can be backed up from here; back up PostgreSQL with "
                "pg_dump on the server."
            )
        target = migrate.backup_sqlite(db, to or backup_dir(), "manual")
        if target is None:
            raise ValidationError("The database file is empty; there is nothing to back up.")
        return target
    finally:
        db.dispose()
