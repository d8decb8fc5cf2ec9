"""full-text search: SQLite FTS5 tables with triggers, PostgreSQL tsvector + GIN

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Objects here are per dialect and hidden from autogenerate (app.data.migrate.include_object).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, fts table, indexed columns)
_SOURCES = [
    ("tickets", "ticket_fts", ("number", "subject", "description")),
    ("articles", "article_fts", ("title", "summary", "body")),
]


def _sqlite_upgrade() -> None:
    for table, fts, cols in _SOURCES:
        col_list = ", ".join(cols)
        new_vals = ", ".join(f"new.{c}" for c in cols)
        old_vals = ", ".join(f"old.{c}" for c in cols)
        # External-content FTS5 over the table's implicit rowid; prefix index for type-ahead.
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({col_list}, content='{table}', "
            f"content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {col_list}) VALUES (new.rowid, {new_vals}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {col_list}) VALUES ('delete', old.rowid, {old_vals});"
            " END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {col_list} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {col_list}) VALUES ('delete', old.rowid, {old_vals});"
            f" INSERT INTO {fts}(rowid, {col_list}) VALUES (new.rowid, {new_vals}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _pg_upgrade() -> None:
    for table, _fts, cols in _SOURCES:
        doc = " || ' ' || ".join(f"coalesce({c}, '')" for c in cols)
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_tsv tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('english', {doc})) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search_tsv ON {table} USING gin (search_tsv)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for _table, fts, _cols in _SOURCES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    else:
        for table, _fts, _cols in _SOURCES:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_tsv")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_tsv")
