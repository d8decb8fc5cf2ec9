"""ticket list indexes for a million tickets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

Measured with `supportdesk bench --tickets 1000000` (app/bench/tickets.py):

- ``ix_tickets_live_updated`` (deleted_at, updated_at, id): the default list order (updated,
  newest first, id as the tie-break) is an index walk instead of a sort of every ticket, and
  counting the live tickets reads this index alone (``deleted_at IS NULL`` is an equality on
  its first column; SQLite's planner does not count through a partial index).
- ``ix_tickets_live_status`` (status, deleted_at, assignee_id, updated_at): status and
  assignee filters and the saved-view counts are answered from the index (covering), and a
  filtered page comes out in updated order without a sort.

Plain indexes on both dialects; the models carry the same `Index` lines.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX, not a batch block: a batch rebuild of `tickets` on SQLite would drop
    # the full-text triggers and renumber the rowids the FTS index points at.
    op.create_index("ix_tickets_live_updated", "tickets", ["deleted_at", "updated_at", "id"])
    op.create_index(
        "ix_tickets_live_status", "tickets", ["status", "deleted_at", "assignee_id", "updated_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_live_status", table_name="tickets")
    op.drop_index("ix_tickets_live_updated", table_name="tickets")
