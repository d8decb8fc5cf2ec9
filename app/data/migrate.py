"""Programmatic Alembic: the only way the schema changes.

At start-up the app calls `prepare`: it refuses a database newer than itself, backs the SQLite
file up (SQLite's online backup API, never a file copy) and upgrades to head.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from app.data.database import Database
from app.data.models import Base
from app.errors import CorruptDatabaseError, SchemaTooNewError
from app.paths import migrations_dir


def alembic_config(db: Database | None = None) -> Config:
    """Alembic configuration built in code, so the wheel and the frozen app need no .ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if db is not None:
        cfg.set_main_option(
            "sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%")
        )
        cfg.attributes["engine"] = db.engine
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads; expected one")
    return heads[0]


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True)
class PrepareReport:
    """What `prepare` did: from which revision to which, and where the backup went."""

    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def upgraded(self) -> bool:
        return self.from_revision != self.to_revision


def _refuse_foreign_or_newer(where: str, current: str | None, tables: set[str]) -> None:
    if current is None and tables - {"alembic_version"}:
        # Tables but no Alembic revision: another program's database. Creating our schema
        # inside it would mix our tables into its data.
        raise CorruptDatabaseError(
            f"{where} is not a SupportDesk database (it holds another program's tables). "
            "It was left untouched; choose another file or an empty database."
        )
    if current is not None and current not in known_revisions():
        raise SchemaTooNewError(
            f"This database ({where}) was upgraded by a newer SupportDesk "
            f"(schema {current}). Install the newer SupportDesk to open it; nothing was changed."
        )


def check_not_newer(db: Database) -> str | None:
    """The database's revision, after refusing one that is newer than us or not ours at all."""
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        tables = set(table_names(conn))
    _refuse_foreign_or_newer(db.display_url, current, tables)
    return current


def check_sqlite_file_first(db: Database) -> None:
    """Refuse a newer or foreign SQLite file through a read-only connection of its own.

    Runs before the engine's first connection, which switches a rollback-journal file to WAL
    (a change to its header): a file we refuse must stay byte for byte as it was. A file this
    probe cannot read is left to `Database.check_reachable`, which explains the damage in its
    own words.
    """
    path = db.sqlite_path
    if path is None or not path.is_file():
        return
    with path.open("rb") as fh:
        header = fh.read(20)
    # Only a rollback-journal file needs this (header bytes 18-19 are 1, WAL files have 2):
    # opening a WAL file is no change, and a read-only reader would leave -wal/-shm behind.
    if len(header) < 20 or header[:16] != b"SQLite format 3\x00" or header[18:20] != b"\x01\x01":
        return
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        tables = {
            row[0]
            for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        row = (
            con.execute("SELECT version_num FROM alembic_version").fetchone()
            if "alembic_version" in tables
            else None
        )
    except sqlite3.Error:
        return
    finally:
        con.close()
    _refuse_foreign_or_newer(db.display_url, row[0] if row else None, tables)


def backup_sqlite(db: Database, target_dir: Path, label: str) -> Path | None:
    """Copy a SQLite database consistently with the online backup API."""
    path = db.sqlite_path
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = target_dir / f"{path.stem}-{label}-{stamp}.db"
    n = 1
    while target.exists():
        target = target_dir / f"{path.stem}-{label}-{stamp}-{n}.db"
        n += 1
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def upgrade(db: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(db), revision)


def prepare(db: Database, backup_to: Path | None) -> PrepareReport:
    """Bring a database to the app's schema: refuse newer, back up, upgrade."""
    check_sqlite_file_first(db)
    db.check_reachable()
    current = check_not_newer(db)
    head = head_revision()
    backup = None
    if current != head:
        if current is not None and backup_to is not None:
            backup = backup_sqlite(db, backup_to, f"before-{head}")
        upgrade(db)
    db.attach_device()
    return PrepareReport(current, head, backup)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Hide objects that migrations create by hand (FTS tables, triggers) from autogenerate."""
    if name is None:
        return True
    if type_ == "table" and (name.endswith("_fts") or "_fts_" in name):
        return False
    if type_ == "column" and name in ("search_tsv", "tx_xid"):
        return False
    return not (type_ == "index" and name.endswith(("_search_tsv", "_tx_xid")))


def schema_differences(db: Database) -> list[Any]:
    """Differences between the mapped models and the database (empty = in agreement)."""
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": include_object,
                "render_as_batch": True,
            },
        )
        return list(compare_metadata(ctx, Base.metadata))


def table_names(conn: Connection) -> list[str]:
    return inspect(conn).get_table_names()
