"""pytest-alembic fixtures for our history, on a fresh SQLite file and on PostgreSQL.

The plugin's own auto-collection is off (pyproject: it breaks on pytest 9); the test modules
import its test functions, and the plugin's `alembic_runner` fixture uses these two.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_alembic.config import Config
from sqlalchemy import Engine

from app.data import migrate
from app.data.database import sqlite_url
from app.data.engine import make_engine


@pytest.fixture
def alembic_config() -> Config:
    # The same code-built Alembic config the app uses (script location from app.paths).
    return Config(alembic_config=migrate.alembic_config())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def alembic_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(sqlite_url(tmp_path / "alembic.db"))
    else:
        engine = make_engine(request.getfixturevalue("pg_empty_url"))
    try:
        yield engine
    finally:
        engine.dispose()
