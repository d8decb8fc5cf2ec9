"""ticket count and sort indexes for a million tickets

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

Measured with `supportdesk bench --tickets 1000000` (app/bench/tickets.py):

- ``ix_tickets_live`` (deleted_at): the deleted tickets are a short range of it, so the "All
  tickets" total is every row (SQLite counts a table from its b-tree pages) minus that range:
  about 7 ms for a million tickets instead of 60-90 ms reading ``ix_tickets_live_updated``.
- ``ix_tickets_live_channel`` (deleted_at, channel, id) and ``ix_tickets_live_tier``
  (deleted_at, tier, id): the unfiltered list sorted by channel or tier comes out of an index
  walk instead of a sort of every ticket (about 10 s → 13 ms).

Status, priority, category and the name columns sort by expressions (workflow rank, lower
case, a join) that a plain index cannot serve; the filtered views stay quick without one.
Plain indexes on both dialects; the models carry the same `Index` lines.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX, not a batch block: a batch rebuild of `tickets` on SQLite would drop
    # the full-text triggers and renumber the rowids the FTS index points at.
    op.create_index("ix_tickets_live", "tickets", ["deleted_at"])
    op.create_index("ix_tickets_live_channel", "tickets", ["deleted_at", "channel", "id"])
    op.create_index("ix_tickets_live_tier", "tickets", ["deleted_at", "tier", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_live_tier", table_name="tickets")
    op.drop_index("ix_tickets_live_channel", table_name="tickets")
    op.drop_index("ix_tickets_live", table_name="tickets")
