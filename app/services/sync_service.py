"""Replication use cases for the CLI and the GUI: connect, one sync round, status.

The server password is never stored in a settings file: it comes from the URL the user typed,
from ``SUPPORTDESK_SYNC_PASSWORD``, or from the OS keyring (saved there by `connect`).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from app import secrets
from app.data import migrate
from app.data.database import Database
from app.data.engine import normalise_url
from app.data.repos import sync as repo
from app.errors import SecretStoreUnavailableError
from app.services.storage import postgres_secret_name
from app.sync import engine as sync_engine
from app.sync.engine import SyncEngine, SyncReport
from app.sync.errors import NotConnectedError, SyncError

__all__ = ["PASSWORD_ENV", "SyncReport", "SyncService", "SyncStatus"]

PASSWORD_ENV = "SUPPORTDESK_SYNC_PASSWORD"


@dataclass(frozen=True)
class SyncStatus:
    """Replication state of this desktop, for `sync status` and the status bar.

    Attributes:
        connected: a team server is configured.
        server_url: the server (never with a password).
        pending_edits: local changes not yet on the server.
        conflicts: unresolved conflict records.
        last_sync: ISO time of the last completed round, or None.
        server_revision: schema revision of the server at the last round.
        local_revision: schema revision of this desktop.
        clock_skew_ms: this computer's clock minus the server's at the last round.
        clock_flagged: the difference was too big and stamps follow the server's time.
        device_id: this desktop's identity.
    """

    connected: bool
    server_url: str
    pending_edits: int
    conflicts: int
    last_sync: str | None
    server_revision: str | None
    local_revision: str | None
    clock_skew_ms: int
    clock_flagged: bool
    device_id: str


def _without_password(url: str) -> tuple[str, str | None]:
    parsed = normalise_url(url)
    password = parsed.password
    plain = parsed.set(password=None).render_as_string(hide_password=False)
    return plain, (str(password) if password is not None else None)


class SyncService:
    """Replication of one desktop database (usually the per-user SQLite file)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _server_url(self) -> str:
        with self._db.read_session() as s:
            url = repo.get_state(s, sync_engine.KEY_SERVER_URL)
        if not url:
            raise NotConnectedError(
                "This computer is not connected to a team server yet: run "
                "'supportdesk sync connect URL' first."
            )
        return url

    def _open_server(self, url: str, password: str | None) -> Database:
        plain, in_url = _without_password(url)
        password = password or in_url or os.environ.get(PASSWORD_ENV)
        if password is None:
            try:
                password = secrets.get_secret("postgres", postgres_secret_name(plain))
            except SecretStoreUnavailableError:
                password = None
        server = Database(plain, password=password)
        server.check_reachable()
        return server

    def _run(self, server: Database, action: str) -> SyncReport:
        engine = SyncEngine(self._db, server)
        try:
            if action == "connect":
                return engine.connect(_without_password(server.display_url)[0])
            return engine.sync_once()
        except SyncError:
            raise
        except Exception as exc:
            if type(exc).__module__.startswith(("sqlalchemy", "psycopg")):
                # The environment's fault (network, server restart): nothing was lost, the
                # outbox and the cursor are as they were before this round.
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "error"
                raise SyncError(
                    f"The connection to the team server failed ({first}). Nothing was lost; "
                    "sync again when the server is reachable."
                ) from exc
            raise

    def connect(
        self, url: str, password: str | None = None, *, remember: bool = True
    ) -> SyncReport:
        """Connect this desktop to a server, upload its data and download the server's.

        Args:
            url: ``postgresql://user@host:5432/db``.
            password: the server password (else from the URL, the environment or the keyring).
            remember: save the password in the OS keyring for later rounds.
        """
        plain, in_url = _without_password(url)
        password = password or in_url
        server = self._open_server(plain, password)
        try:
            if migrate.current_revision(server) is None:
                # An empty server database gets the schema of this SupportDesk.
                migrate.prepare(server, None)
            report = self._run(server, "connect")
        finally:
            server.dispose()
        if remember and password:
            # The round worked; without a keyring the user is asked for the password next time.
            with contextlib.suppress(SecretStoreUnavailableError):
                secrets.set_secret("postgres", postgres_secret_name(plain), password)
        return report

    @staticmethod
    def needs_password(url: str) -> bool:
        """True when no password is in the URL, the environment or the keyring."""
        plain, in_url = _without_password(url)
        if in_url or os.environ.get(PASSWORD_ENV):
            return False
        try:
            return secrets.get_secret("postgres", postgres_secret_name(plain)) is None
        except SecretStoreUnavailableError:
            return True

    def sync_once(self, password: str | None = None) -> SyncReport:
        """One round with the configured server: push the outbox, pull the change log."""
        server = self._open_server(self._server_url(), password)
        try:
            return self._run(server, "sync")
        finally:
            server.dispose()

    def status(self) -> SyncStatus:
        with self._db.read_session() as s:
            url = repo.get_state(s, sync_engine.KEY_SERVER_URL) or ""
            return SyncStatus(
                connected=bool(repo.get_state(s, sync_engine.KEY_SERVER_ID)),
                server_url=url,
                pending_edits=repo.outbox_count(s),
                conflicts=repo.conflict_count(s),
                last_sync=repo.get_state(s, sync_engine.KEY_LAST_SYNC),
                server_revision=repo.get_state(s, sync_engine.KEY_SERVER_REVISION),
                local_revision=migrate.current_revision(self._db),
                clock_skew_ms=int(repo.get_state(s, sync_engine.KEY_CLOCK_SKEW) or 0),
                clock_flagged=repo.get_state(s, sync_engine.KEY_CLOCK_FLAGGED) == "1",
                device_id=self._db.device_id,
            )
