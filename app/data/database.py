"""A database the app works on: engine, session factory, and opening with clear errors."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.data import stamping as _stamping  # noqa: F401  (registers the flush listener)
from app.data.engine import make_engine, normalise_url, redact
from app.data.repos.device import ensure_device
from app.domain.hlc import HybridLogicalClock, Timestamp
from app.errors import CorruptDatabaseError, DatabaseUnavailableError

__all__ = ["Database", "Session", "sqlite_url"]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve().as_posix()}"


class Database:
    """One database (a SQLite file or a PostgreSQL server) and its session factory.

    Attributes:
        url: the parsed URL (password never shown by `display_url`).
        engine: the SQLAlchemy engine; only the data layer touches it.
    """

    def __init__(self, url: str | URL, *, password: str | None = None) -> None:
        self.url = normalise_url(url) if isinstance(url, str) else url
        self.engine: Engine = make_engine(self.url, password=password)
        # expire_on_commit=False: read models are built after commit without a new query.
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.device_id = ""
        self.device_prefix = ""
        self.clock: HybridLogicalClock | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        if self.is_sqlite and self.url.database not in (None, "", ":memory:"):
            return Path(str(self.url.database))
        return None

    @property
    def display_url(self) -> str:
        return redact(self.url)

    def attach_device(self) -> None:
        """Load (or create) this database's device row and start its clock. After migrations."""
        with self._sessions() as session, session.begin():
            device = ensure_device(session)
            self.device_id = device.id.hex
            self.device_prefix = device.prefix
            last = Timestamp.decode(device.last_hlc) if device.last_hlc else None
            self.clock = HybridLogicalClock(device.id.hex, last)

    @contextmanager
    def session(self, actor_id: uuid.UUID | None = None) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception.

        Args:
            actor_id: the signed-in user, stamped as `updated_by` on every changed row.
        """
        with self._sessions() as session, session.begin():
            session.info["actor_id"] = actor_id
            session.info["clock"] = self.clock
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def check_reachable(self) -> None:
        """Connect once and read the file header, translating failures to clear messages."""
        path = self.sqlite_path
        if path is not None:
            if path.exists() and path.is_dir():
                raise CorruptDatabaseError(f"{path} is a folder, not a database file.")
            if not path.parent.exists():
                raise DatabaseUnavailableError(f"The folder {path.parent} does not exist.")
            if path.exists() and path.stat().st_size > 0:
                with path.open("rb") as fh:
                    if fh.read(16) != b"SQLite format 3\x00":
                        raise CorruptDatabaseError(
                            f"{path} is not a SupportDesk database (the file is damaged or of "
                            "another kind). It was left untouched; restore it from a backup or "
                            "choose another file."
                        )
            if path.exists() and not os.access(path, os.W_OK):
                raise DatabaseUnavailableError(f"{path} is read-only for your account.")
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                if path is not None and path.exists() and path.stat().st_size > 0:
                    row = conn.execute(text("PRAGMA quick_check")).scalar()
                    if row != "ok":
                        raise CorruptDatabaseError(
                            f"{path} is damaged ({row}). It was left untouched; restore it "
                            "from a backup in the backups folder."
                        )
        except CorruptDatabaseError:
            self.engine.dispose()
            raise
        except OperationalError as exc:
            self.engine.dispose()
            raise DatabaseUnavailableError(
                f"Cannot reach the database at {self.display_url}: {_first_line(exc.orig)}"
            ) from exc
        except SADatabaseError as exc:
            self.engine.dispose()
            raise CorruptDatabaseError(
                f"Cannot read the database at {self.display_url}: {_first_line(exc.orig)}"
            ) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0] if exc and str(exc).strip() else "unknown error"
