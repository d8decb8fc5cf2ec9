"""Run one sync round in a separate process (killed on purpose by test_process_kill).

Usage: python -m tests.sync.child_sync SQLITE_PATH PG_URL PAGE_SIZE BATCH_SIZE
The engine's pause hook (SUPPORTDESK_SYNC_PAUSE_AT / _FILE) stops it where the test wants.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.data.database import Database, sqlite_url
from app.sync.engine import SyncEngine


def main() -> None:
    path, url, page, batch = sys.argv[1:5]
    local = Database(sqlite_url(Path(path)))
    local.attach_device()
    server = Database(url)
    SyncEngine(local, server, page_size=int(page), batch_size=int(batch)).sync_once()


if __name__ == "__main__":
    main()
