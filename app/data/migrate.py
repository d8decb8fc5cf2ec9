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
from app.errors import SchemaTooNewError
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


def check_not_newer(db: Database) -> str | None:
    current = current_revision(db)
    if current is not None and current not in known_revisions():
        raise SchemaTooNewError(
            f"This database ({db.display_url}) was upgraded by a newer SupportDesk "
            f"(schema {current}). Install the newer SupportDesk to open it; nothing was changed."
        )
    return current


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
    if type_ == "column" and name == "search_tsv":
        return False
    return not (type_ == "index" and name.endswith("_search_tsv"))


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
