"""Local-first replication with the team's PostgreSQL server (see ARCHITECTURE.md).

- `merge`: the per-field rules (last writer wins by HLC, tombstones stick, conflicts by version).
- `apply`: applying pushed outbox entries on the server and pulled change-log rows on a desktop.
- `engine`: the round (schema check, clock check, push, pull) and the first `connect`.
Capture (the outbox) is `app.data.capture`; all SQL is in `app.data.repos.sync`.
"""
