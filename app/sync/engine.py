"""The replication loop between this desktop's SQLite file and the team's PostgreSQL server.

One round (`sync_once`): check both sides are on the same schema revision, measure the clock
difference, push the outbox in batches (one server transaction per batch, never splitting a
local transaction, idempotent on retry), then pull the change log page by page (each page and
the new cursor in one SQLite transaction). Everything that can fail leaves the outbox and the
cursor as they were, so the next round simply resumes.
"""

from __future__ import annotations

import os
import threading
import time as _time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import time

from app.data import migrate
from app.data.database import Database
from app.data.repos import sync as repo
from app.domain.hlc import MAX_DRIFT_MS, HybridLogicalClock, Timestamp
from app.domain.ids import device_prefix
from app.sync.apply import Fault, apply_batch, apply_page, log_unlogged_rows
from app.sync.errors import NotConnectedError, SchemaMismatchError, SyncCancelledError, SyncError

# Keys of the desktop's sync_state table.
KEY_SERVER_URL = "server_url"
KEY_SERVER_ID = "server_id"
KEY_CURSOR = "cursor"
KEY_LAST_SYNC = "last_sync"
KEY_SERVER_REVISION = "server_revision"
KEY_CLOCK_SKEW = "clock_skew_ms"
KEY_CLOCK_FLAGGED = "clock_flagged"
KEY_PREFIX = "device_prefix"  # the ticket-number prefix the server gave this desktop
KEY_BLOB_MARK = "blobs_sent_upto"  # rowid of the last local blob offered to the server
KEY_PURGE_SEEN = "purged_upto_seen"  # the server's purge position this desktop caught up with
# Keys of the server's sync_state table.
KEY_THIS_SERVER = "this_server_id"
KEY_PURGED_UPTO = "purged_upto"  # highest change-log position purged ("xid:id")
KEY_LAST_PURGE = "last_purge"  # ISO time of the last purge run

#: A desktop that has not synced for this long no longer holds back the tombstone purge; when
#: it comes back below the purge position it downloads a fresh copy instead.
ACTIVE_DAYS = 30
#: The server purges at most this often (a round stays cheap).
PURGE_EVERY = timedelta(hours=1)
#: Attachment blobs per transfer, by total size (one bigger blob travels alone).
BLOB_BATCH_BYTES = 8 * 1024 * 1024

#: Test hook for real process kills: "point" or "point:n" (the n-th time) makes the engine
#: write the file named by PAUSE_FILE_ENV and sleep there, so a test can SIGKILL it.
PAUSE_ENV = "SUPPORTDESK_SYNC_PAUSE_AT"
PAUSE_FILE_ENV = "SUPPORTDESK_SYNC_PAUSE_FILE"


def _parse_cursor(text: str | None) -> tuple[int, int]:
    xid, _, row = (text or "0:0").partition(":")
    return int(xid or 0), int(row or 0)


@dataclass(frozen=True)
class SyncReport:
    """What one round did.

    Attributes:
        pushed: outbox entries the server applied (retries already applied count 0).
        pulled: change-log rows applied to this desktop.
        queued: rows queued for a first upload (connect only).
        clock_skew_ms: this computer's clock minus the server's.
        clock_flagged: the difference was too big; stamps follow the server's time instead.
        blobs_sent: attachment blobs uploaded (the server lacked them).
        blobs_received: attachment blobs downloaded (this desktop lacked them).
        redownloaded: this desktop was away past the tombstone purge and took a fresh copy.
        purged: tombstoned rows removed for good in this round (server and this desktop).
    """

    pushed: int
    pulled: int
    queued: int = 0
    clock_skew_ms: int = 0
    clock_flagged: bool = False
    blobs_sent: int = 0
    blobs_received: int = 0
    redownloaded: bool = False
    purged: int = 0


class SyncEngine:
    """Replicates one desktop database with one server database.

    Args:
        local: this desktop's database (SQLite), device attached.
        server: the team server (PostgreSQL).
        batch_size: outbox entries per pushed batch (a local transaction is never split).
        page_size: change-log rows per pulled page.
        fault: test hook called at named points ("push:entry-applied", "push:before-ack",
            "pull:row-applied"); raising there simulates a crash or a dropped connection.
        cancel: once set, the round stops at the next step boundary (between batches, pages
            and blob transfers) with `SyncCancelledError`; every finished step stays.
    """

    def __init__(
        self,
        local: Database,
        server: Database,
        *,
        batch_size: int = 200,
        page_size: int = 2000,
        fault: Fault | None = None,
        wall: Callable[[], int] | None = None,
        cancel: threading.Event | None = None,
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
        self.cancel = cancel
        self._wall = wall or (lambda: int(time() * 1000))
        self._hits: dict[str, int] = {}
        self._redownloaded = False
        self._purged = 0

    # --- helpers ----------------------------------------------------------------------------

    @property
    def device(self) -> str:
        return self.local.device_id

    def _check_cancel(self) -> None:
        """Stop here when asked to (called only where everything done so far is committed)."""
        if self.cancel is not None and self.cancel.is_set():
            raise SyncCancelledError()

    def _hit(self, point: str) -> None:
        if self.fault is not None:
            self.fault(point)
        wanted = os.environ.get(PAUSE_ENV)
        if wanted:
            self._hits[point] = count = self._hits.get(point, 0) + 1
            name, _, nth = wanted.partition("@")
            if name == point and count == int(nth or 1):
                marker = os.environ.get(PAUSE_FILE_ENV)
                if marker:
                    Path(marker).write_text(point, encoding="utf-8")
                # The test kills this process here, or asks the round to stop.
                if self.cancel is not None:
                    self.cancel.wait(3600)
                else:
                    _time.sleep(3600)

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
            return _parse_cursor(repo.get_state(s, KEY_CURSOR))

    def ensure_prefix(self, revision: str) -> str:
        """This desktop's ticket-number prefix, given by the server once and kept.

        New tickets use it; tickets already numbered keep their numbers.
        """
        with self.local.read_session() as s:
            known = repo.get_state(s, KEY_PREFIX)
        if known:
            return known

        def candidates() -> Iterator[str]:
            yield self.local.device_prefix or device_prefix(uuid.UUID(self.device))
            while True:
                yield device_prefix(uuid.uuid4())

        with self.server.session() as s:
            prefix = repo.assign_prefix(s, self.device, revision, candidates())
        with self.local.session() as s:
            repo.set_device_prefix(s, prefix)
            repo.set_state(s, KEY_PREFIX, prefix)
        self.local.device_prefix = prefix
        return prefix

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
                    repo.delete_state(s, KEY_PREFIX)
                repo.set_state(s, KEY_SERVER_ID, server_id)
                repo.set_state(s, KEY_CURSOR, "0:0")
                repo.delete_state(s, KEY_BLOB_MARK)
                repo.delete_state(s, KEY_PURGE_SEEN)
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
            report.pushed,
            report.pulled,
            queued,
            report.clock_skew_ms,
            report.clock_flagged,
            report.blobs_sent,
            report.blobs_received,
            report.redownloaded,
            report.purged,
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
        self.ensure_prefix(revision)
        skew, flagged = self.check_clock()
        self.drain_server_outbox(revision)
        self._redownloaded = False
        self._purged = 0
        self._check_cancel()
        pushed = self.push(revision)
        self._check_cancel()
        sent = self.upload_blobs()
        self._check_cancel()
        pulled = self.pull()
        self._check_cancel()
        received = self.download_blobs()
        self._check_cancel()
        self.report_cursor()
        self.purge_tombstones()
        with self.local.session() as s:
            repo.set_state(s, KEY_LAST_SYNC, datetime.now(UTC).isoformat())
            repo.set_state(s, KEY_SERVER_REVISION, revision)
        return SyncReport(
            pushed, pulled, 0, skew, flagged, sent, received, self._redownloaded, self._purged
        )

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
            self._check_cancel()
            with self.server.read_session() as s:
                batch = repo.next_outbox_batch(s, self.batch_size)
            if not batch:
                return done
            done += self._apply_server_batch(batch, "server", revision, drop_outbox=True)

    def _apply_server_batch(
        self, batch: list[repo.OutboxRow], device: str, revision: str, *, drop_outbox: bool = False
    ) -> int:
        """One server transaction for one batch; the careful path when the fast one clashes."""
        for careful in (False, True):
            try:
                with self.server.session() as s:
                    done = apply_batch(s, batch, device, revision, self._hit, careful=careful)
                    if drop_outbox:
                        repo.drop_outbox(s, batch[-1].seq)
                    return done
            except repo.ConstraintError:
                if careful:
                    raise
        raise AssertionError("unreachable")

    def push(self, revision: str) -> int:
        """Send the outbox in batches; each batch is one server transaction."""
        pushed = 0
        while True:
            self._check_cancel()
            with self.local.read_session() as s:
                batch = repo.next_outbox_batch(s, self.batch_size)
            if not batch:
                return pushed
            pushed += self._apply_server_batch(batch, self.device, revision)
            self._hit("push:before-ack")
            with self.local.session() as s:
                repo.acknowledge_outbox(s, batch, self.device)
            self._hit("push:acked")

    def pull(self) -> int:
        """Apply the server change log after the cursor, one SQLite transaction per page.

        A desktop whose cursor is below the server's purge position (it was away longer than
        tombstones are kept) starts again from the beginning of the log and then removes the
        rows the server purged, instead of bringing them back.
        """
        pulled = 0
        with self.server.read_session() as s:
            purged_upto = _parse_cursor(repo.get_state(s, KEY_PURGED_UPTO))
        cursor = self._cursor()
        if purged_upto > (0, 0) and cursor != (0, 0) and cursor < purged_upto:
            with self.local.session() as s:
                repo.set_state(s, KEY_CURSOR, "0:0")
            self._redownloaded = True
        while True:
            if not self._redownloaded:
                # A fresh download runs to its end: the rows the server purged are removed
                # only after it, and a stopped one would not know to do that next time.
                self._check_cancel()
            cursor = self._cursor()
            with self.server.read_session() as s:
                rows = repo.read_log_page(s, cursor, self.page_size)
            if not rows:
                break
            self._apply_pulled_page(rows)
            self._hit("pull:page-applied")
            pulled += len(rows)
            if len(rows) < self.page_size:
                break
        if self._redownloaded:
            self._purged += self.forget_purged_rows(tombstoned_only=False)
        self._catch_up_with_purge(purged_upto)
        return pulled

    def _apply_pulled_page(self, rows: list[repo.LogRow]) -> None:
        clock = self.local.clock
        assert clock is not None
        for careful in (False, True):
            try:
                with self.local.session() as s:
                    s.info["capture"] = False
                    # A write first, so the page is one SQLite transaction from here on.
                    repo.set_state(s, KEY_CURSOR, f"{rows[-1].xid}:{rows[-1].id}")
                    top = apply_page(s, rows, self._hit, careful=careful)
                    if top:
                        # Later local edits must stamp after everything seen (causality).
                        clock.observe(Timestamp.decode(top))
                        repo.persist_clock(s, clock.last.encode())
                return
            except repo.ConstraintError:
                if careful:
                    raise

    # --- tombstones -------------------------------------------------------------------------

    def report_cursor(self) -> None:
        """Tell the server how far this desktop has pulled (it holds back the purge)."""
        xid, row = self._cursor()
        with self.server.session() as s:
            repo.report_cursor(s, self.device, xid, row)

    def purge_tombstones(self, *, force: bool = False, now: datetime | None = None) -> int:
        """The server: remove tombstones every active desktop has pulled (at most hourly)."""
        now = now or datetime.now(UTC)
        with self.server.session() as s:
            last = repo.get_state(s, KEY_LAST_PURGE)
            if not force and last and now - datetime.fromisoformat(last) < PURGE_EVERY:
                return 0
            repo.set_state(s, KEY_LAST_PURGE, now.isoformat())
            horizon = repo.purge_horizon(s, now - timedelta(days=ACTIVE_DAYS))
            if horizon is None or horizon == (0, 0):
                return 0
            removed, top = repo.purge_tombstones(s, horizon)
            if removed:
                before = _parse_cursor(repo.get_state(s, KEY_PURGED_UPTO))
                upto = max(before, top)
                repo.set_state(s, KEY_PURGED_UPTO, f"{upto[0]}:{upto[1]}")
        self._purged += removed
        return removed

    def _catch_up_with_purge(self, purged_upto: tuple[int, int]) -> None:
        """Remove local tombstones the server has purged (once per purge on the server)."""
        if purged_upto == (0, 0):
            return
        mark = f"{purged_upto[0]}:{purged_upto[1]}"
        with self.local.read_session() as s:
            seen = repo.get_state(s, KEY_PURGE_SEEN)
        if seen == mark:
            return
        self._purged += self.forget_purged_rows(tombstoned_only=True)
        with self.local.session() as s:
            repo.set_state(s, KEY_PURGE_SEEN, mark)

    def forget_purged_rows(self, *, tombstoned_only: bool) -> int:
        """Remove local rows the server has seen but no longer holds (purged there)."""
        gone: list[tuple[repo.TableSpec, list[uuid.UUID]]] = []
        for spec in repo.replicated_tables().values():
            with self.local.read_session() as s:
                ids = repo.local_synced_ids(s, spec, tombstoned_only=tombstoned_only)
            if not ids:
                continue
            with self.server.read_session() as s:
                present = repo.existing_ids(s, spec, ids)
            missing = [i for i in ids if i not in present]
            if missing:
                gone.append((spec, missing))
        if not gone:
            return 0
        with self.local.session() as s:
            repo.defer_foreign_keys(s)
            for spec, ids in reversed(gone):
                repo.forget_rows(s, spec, ids)
        return sum(len(ids) for _spec, ids in gone)

    # --- attachment blobs -------------------------------------------------------------------

    def upload_blobs(self) -> int:
        """Send the blobs stored here since the last round that the server lacks."""
        sent = 0
        while True:
            self._check_cancel()
            with self.local.read_session() as s:
                mark = int(repo.get_state(s, KEY_BLOB_MARK) or 0)
                items = repo.blobs_after(s, mark, 200)
            if not items:
                return sent
            with self.server.read_session() as s:
                present = repo.blob_sizes(s, [b.sha256 for b in items])
            wanted = [(b.sha256, b.size_bytes) for b in items if b.sha256 not in present]
            for group in _by_size(wanted):
                self._check_cancel()
                with self.local.read_session() as s:
                    blobs = repo.read_blobs(s, group)
                with self.server.session() as s:
                    repo.write_blobs(s, blobs)
                sent += len(blobs)
            with self.local.session() as s:
                repo.set_state(s, KEY_BLOB_MARK, str(items[-1].position))

    def download_blobs(self) -> int:
        """Fetch the blobs of attachments this desktop has but cannot open yet."""
        with self.local.read_session() as s:
            missing = repo.missing_blob_hashes(s)
        if not missing:
            return 0
        with self.server.read_session() as s:
            sizes = repo.blob_sizes(s, missing)  # not there yet: the uploader has not synced
        received = 0
        for group in _by_size(list(sizes.items())):
            self._check_cancel()
            with self.server.read_session() as s:
                blobs = repo.read_blobs(s, group)
            with self.local.session() as s:
                repo.write_blobs(s, blobs)
            received += len(blobs)
        return received


def _by_size(items: list[tuple[str, int]]) -> Iterator[list[str]]:
    """Hashes in groups of at most BLOB_BATCH_BYTES (a bigger blob goes alone)."""
    group: list[str] = []
    total = 0
    for sha, size in items:
        if group and total + size > BLOB_BATCH_BYTES:
            yield group
            group, total = [], 0
        group.append(sha)
        total += size
    if group:
        yield group
