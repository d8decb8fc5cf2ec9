"""The replication loop between this desktop's SQLite file and the team's PostgreSQL server.

One round (`sync_once`): check both sides are on the same schema revision, measure the clock
difference, push the outbox in batches (one server transaction per batch, never splitting a
local transaction, idempotent on retry), then pull the change log page by page (each page and
the new cursor in one SQLite transaction). Everything that can fail leaves the outbox and the
cursor as they were, so the next round simply resumes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from time import time

from app.data import migrate
from app.data.database import Database
from app.data.repos import sync as repo
from app.domain.hlc import MAX_DRIFT_MS, HybridLogicalClock, Timestamp
from app.sync.apply import Fault, apply_batch, apply_page, log_unlogged_rows
from app.sync.errors import NotConnectedError, SchemaMismatchError, SyncError

# Keys of the desktop's sync_state table.
KEY_SERVER_URL = "server_url"
KEY_SERVER_ID = "server_id"
KEY_CURSOR = "cursor"
KEY_LAST_SYNC = "last_sync"
KEY_SERVER_REVISION = "server_revision"
KEY_CLOCK_SKEW = "clock_skew_ms"
KEY_CLOCK_FLAGGED = "clock_flagged"
# Key of the server's sync_state table.
KEY_THIS_SERVER = "this_server_id"


@dataclass(frozen=True)
class SyncReport:
    """What one round did.

    Attributes:
        pushed: outbox entries the server applied (retries already applied count 0).
        pulled: change-log rows applied to this desktop.
        queued: rows queued for a first upload (connect only).
        clock_skew_ms: this computer's clock minus the server's.
        clock_flagged: the difference was too big; stamps follow the server's time instead.
    """

    pushed: int
    pulled: int
    queued: int = 0
    clock_skew_ms: int = 0
    clock_flagged: bool = False


class SyncEngine:
    """Replicates one desktop database with one server database.

    Args:
        local: this desktop's database (SQLite), device attached.
        server: the team server (PostgreSQL).
        batch_size: outbox entries per pushed batch (a local transaction is never split).
        page_size: change-log rows per pulled page.
        fault: test hook called at named points ("push:entry-applied", "push:before-ack",
            "pull:row-applied"); raising there simulates a crash or a dropped connection.
    """

    def __init__(
        self,
        local: Database,
        server: Database,
        *,
        batch_size: int = 200,
        page_size: int = 500,
        fault: Fault | None = None,
        wall: Callable[[], int] | None = None,
    ) -> None:
        if server.dialect != "postgresql":
            raise SyncError("The team server must be a PostgreSQL database.")
        if local.clock is None:
            local.attach_device()
        self.local = local
        self.server = server
        self.batch_size = batch_size
        self.page_size = page_size
        self.fault = fault
        self._wall = wall or (lambda: int(time() * 1000))

    # --- helpers ----------------------------------------------------------------------------

    @property
    def device(self) -> str:
        return self.local.device_id

    def _hit(self, point: str) -> None:
        if self.fault is not None:
            self.fault(point)

    def check_schema(self) -> str:
        """The shared schema revision; raises when desktop and server differ."""
        mine = migrate.current_revision(self.local)
        theirs = migrate.current_revision(self.server)
        if mine != theirs:
            with self.local.read_session() as s:
                pending = repo.outbox_count(s)
            raise SchemaMismatchError(
                f"This computer's database is at schema revision {mine} and the team server "
                f"at {theirs or '(empty)'}. Upgrade SupportDesk on the older side, then sync "
                f"again; the {pending} edit(s) waiting on this computer are kept."
            )
        assert mine is not None
        return mine

    def _server_id(self) -> str:
        with self.server.session() as s:
            sid = repo.get_state(s, KEY_THIS_SERVER)
            if not sid:
                sid = uuid.uuid4().hex
                repo.set_state(s, KEY_THIS_SERVER, sid)
            return sid

    def _cursor(self) -> tuple[int, int]:
        with self.local.read_session() as s:
            text = repo.get_state(s, KEY_CURSOR) or "0:0"
        xid, _, row = text.partition(":")
        return int(xid), int(row or 0)

    # --- the steps --------------------------------------------------------------------------

    def connect(self, url_for_display: str) -> SyncReport:
        """First contact with a server: identity, snapshot upload, then a full round.

        A desktop file copied from another desktop (same device id already known to the server)
        takes a new identity first, or the server would take its edits for the other's.
        """
        revision = self.check_schema()
        server_id = self._server_id()
        with self.local.read_session() as s:
            known = repo.get_state(s, KEY_SERVER_ID)
        queued = 0
        if known != server_id:
            with self.server.read_session() as s:
                copied = repo.peer_exists(s, self.device)
            with self.local.session() as s:
                if copied:
                    repo.reset_device_identity(s)
                repo.set_state(s, KEY_SERVER_ID, server_id)
                repo.set_state(s, KEY_CURSOR, "0:0")
            if copied:
                self.local.attach_device()
            assert self.local.clock is not None
            with self.local.session() as s:
                queued = repo.snapshot_unsynced_rows(
                    s, self.device, self.local.clock.now().encode()
                )
                repo.persist_clock(s, self.local.clock.last.encode())
        with self.local.session() as s:
            repo.set_state(s, KEY_SERVER_URL, url_for_display)
            repo.set_state(s, KEY_SERVER_REVISION, revision)
        with self.server.session() as s:
            log_unlogged_rows(s, "server")
        report = self.sync_once()
        return SyncReport(
            report.pushed, report.pulled, queued, report.clock_skew_ms, report.clock_flagged
        )

    def sync_once(self) -> SyncReport:
        """One full round: schema check, clock check, push, pull."""
        with self.local.read_session() as s:
            if not repo.get_state(s, KEY_SERVER_ID):
                raise NotConnectedError(
                    "This computer is not connected to a team server yet: run "
                    "'supportdesk sync connect URL' first."
                )
        revision = self.check_schema()
        skew, flagged = self.check_clock()
        self.drain_server_outbox(revision)
        pushed = self.push(revision)
        pulled = self.pull()
        with self.local.session() as s:
            repo.set_state(s, KEY_LAST_SYNC, datetime.now(UTC).isoformat())
            repo.set_state(s, KEY_SERVER_REVISION, revision)
        return SyncReport(pushed, pulled, 0, skew, flagged)

    def check_clock(self) -> tuple[int, bool]:
        """Measure this computer's clock against the server's; follow the server if far off.

        A device clock more than `MAX_DRIFT_MS` off would win (or lose) every edit unfairly:
        its clock is then corrected by the measured difference (clamped) and the fact flagged.
        """
        with self.server.read_session() as s:
            server_ms = repo.server_now_ms(s)
        skew = self._wall() - server_ms
        flagged = abs(skew) > MAX_DRIFT_MS
        clock = self.local.clock
        assert clock is not None
        if flagged:
            wall = self._wall
            self.local.clock = clock = HybridLogicalClock(
                clock.device, clock.last, wall=lambda: wall() - skew
            )
        clock.observe(Timestamp(server_ms, 0, ""))
        flagged = flagged or clock.drift_flagged
        with self.local.session() as s:
            repo.set_state(s, KEY_CLOCK_SKEW, str(skew))
            repo.set_state(s, KEY_CLOCK_FLAGGED, "1" if flagged else "0")
            repo.persist_clock(s, clock.last.encode())
        return skew, flagged

    def drain_server_outbox(self, revision: str) -> int:
        """Edits made directly on the server (shared mode) enter the change log like pushes."""
        done = 0
        while True:
            with self.server.session() as s:
                batch = repo.next_outbox_batch(s, self.batch_size)
                if not batch:
                    return done
                done += apply_batch(s, batch, "server", revision)
                repo.drop_outbox(s, batch[-1].seq)

    def push(self, revision: str) -> int:
        """Send the outbox in batches; each batch is one server transaction."""
        pushed = 0
        while True:
            with self.local.read_session() as s:
                batch = repo.next_outbox_batch(s, self.batch_size)
            if not batch:
                return pushed
            with self.server.session() as s:
                pushed += apply_batch(s, batch, self.device, revision, self.fault)
            self._hit("push:before-ack")
            with self.local.session() as s:
                repo.acknowledge_outbox(s, batch, self.device)

    def pull(self) -> int:
        """Apply the server change log after the cursor, one SQLite transaction per page."""
        pulled = 0
        clock = self.local.clock
        assert clock is not None
        while True:
            cursor = self._cursor()
            with self.server.read_session() as s:
                rows = repo.read_log_page(s, cursor, self.page_size)
            if not rows:
                return pulled
            with self.local.session() as s:
                s.info["capture"] = False
                top = apply_page(s, rows, self.fault)
                repo.set_state(s, KEY_CURSOR, f"{rows[-1].xid}:{rows[-1].id}")
                if top:
                    # Later local edits must stamp after everything seen (causality).
                    clock.observe(Timestamp.decode(top))
                    repo.persist_clock(s, clock.last.encode())
            pulled += len(rows)
            if len(rows) < self.page_size:
                return pulled
