"""sync server: transaction id (xid8) on the change log, for a cursor that never skips

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

PostgreSQL only. Each change-log row records the id of the transaction that wrote it
(`pg_current_xact_id()`); a pull reads only rows below `pg_snapshot_xmin(pg_current_snapshot())`
so a transaction that commits late can never be skipped by a cursor that already moved on.
The column is hidden from autogenerate (app.data.migrate.include_object). The replication
tables themselves are in 0001 (pre-release: regenerated from the models).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE sync_change_log ADD COLUMN tx_xid xid8 NOT NULL DEFAULT pg_current_xact_id()"
    )
    op.execute("CREATE INDEX ix_sync_change_log_tx_xid ON sync_change_log (tx_xid, id)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_sync_change_log_tx_xid")
    op.execute("ALTER TABLE sync_change_log DROP COLUMN IF EXISTS tx_xid")
