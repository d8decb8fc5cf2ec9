"""Desktops (copies of the migrated SQLite template) and a team server (PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.data.database import Database, sqlite_url
from app.data.repos import sync as repo
from app.sync.engine import SyncEngine

Desktop = Callable[[str], Database]


@pytest.fixture
def server(pg_db: Database) -> Database:
    return pg_db


@pytest.fixture
def make_desktop(sqlite_template: Path, tmp_path: Path) -> Iterator[Desktop]:
    """A new desktop database file with its own device identity."""
    made: list[Database] = []

    def make(name: str) -> Database:
        path = tmp_path / f"{name}-{uuid.uuid4().hex[:6]}.db"
        path.write_bytes(sqlite_template.read_bytes())
        db = Database(sqlite_url(path))
        db.attach_device()
        with db.session() as s:
            repo.reset_device_identity(s)
        db.attach_device()
        made.append(db)
        return db

    yield make
    for db in made:
        db.dispose()


def connect(desktop: Database, server: Database, **kwargs: object) -> SyncEngine:
    engine = SyncEngine(desktop, server, **kwargs)  # type: ignore[arg-type]
    engine.connect(server.display_url)
    return engine
