"""pytest-alembic's standard checks, run by hand for SQLite and PostgreSQL (see conftest)."""

from __future__ import annotations

from pytest_alembic.runner import MigrationContext
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)

from app.data import migrate

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


def test_runner_reaches_our_head(alembic_runner: MigrationContext) -> None:
    alembic_runner.migrate_up_to("heads")
    assert alembic_runner.current == migrate.head_revision()
    alembic_runner.migrate_down_to("base")
    assert alembic_runner.current == "base"
