"""Alembic environment for SQLite and PostgreSQL alike (batch mode for SQLite)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, text

from app.data.engine import make_engine
from app.data.migrate import include_object
from app.data.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        # Batch mode rebuilds tables; foreign keys must be off meanwhile (checked after).
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    if is_sqlite:
        problems = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        if problems:
            raise RuntimeError(f"foreign key check failed after migration: {problems[:5]}")
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        # The caller owns this connection and commits its transaction.
        _run(given)
        return
    # pytest-alembic hands its engine over as "connection": treat it like our own "engine".
    engine: Engine | None = given if isinstance(given, Engine) else config.attributes.get("engine")
    own = engine is None
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        if own:
            engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
