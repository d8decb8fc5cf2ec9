"""Local-first replication with the team's PostgreSQL server (see ARCHITECTURE.md).

The tables it needs (device, sync_outbox, sync_state) and the sync-ready columns of every
replicated table exist from the first schema; the replication engine itself is built by the
offline-replication issue.
"""
