"""Background replication: one worker in its own QThread, driven from the GUI thread.

Every round (and a first connect) runs in the worker's thread, one at a time, so the window
never waits for the network. The worker opens its own sessions there (SQLAlchemy's pool hands
that thread its own SQLite connection); it shares the desktop's `Database` with the GUI so both
stamp edits from the one hybrid-logical clock. Rounds run every `interval_s` seconds, a few
seconds after local changes (debounced) and on demand.

Stopping (the window closes) asks a running round to stop at its next safe point (between
batches and pages, each its own transaction) and waits a few seconds at most. A round stuck
in a network call past that keeps its thread object alive, detached from the window, until
the call returns: a running QThread is never destroyed.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import traceback

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from app.errors import SupportDeskError
from app.services.base import Area, Changes
from app.services.sync_service import SyncCancelledError, SyncReport, SyncService, SyncStatus
from app.ui.signals import AppSignals

log = logging.getLogger(__name__)

#: How long `stop()` waits for a running round to reach a safe point.
STOP_WAIT_MS = 3000
#: How long the process waits at exit for a round that outlived `stop()` (a network call).
EXIT_WAIT_MS = 60000

#: Sync threads that outlived `stop()`, with their workers: kept referenced (never destroyed
#: while running) until they end; the process waits for them at exit.
_LINGERING: list[tuple[QThread, QObject]] = []
_exit_wait_registered = False


def _reap_lingering() -> None:
    _LINGERING[:] = [(t, w) for t, w in _LINGERING if not t.isFinished()]


def _wait_for_lingering() -> None:
    """At exit: let cancelled rounds finish their network call rather than abort mid-way."""
    deadline = time.monotonic() + EXIT_WAIT_MS / 1000
    for thread, _worker in list(_LINGERING):
        left = max(0, int((deadline - time.monotonic()) * 1000))
        if not thread.wait(left):
            log.error("a sync round was still running at exit")
    _reap_lingering()


def _linger(thread: QThread, worker: QObject) -> None:
    global _exit_wait_registered
    thread.setParent(None)  # the window may go; the thread object must not go with it
    _LINGERING.append((thread, worker))
    if not _exit_wait_registered:
        atexit.register(_wait_for_lingering)
        _exit_wait_registered = True


#: Every area a pulled change may touch: panes refresh what they show.
REMOTE_CHANGES = Changes.of(Area.TICKETS, Area.KNOWLEDGE, Area.TRAINING, Area.PEOPLE)


def _message(exc: BaseException) -> str:
    if isinstance(exc, SupportDeskError | PermissionError):
        return str(exc)
    log.error("sync failed:\n%s", "".join(traceback.format_exception(exc)))
    return (
        f"Sync stopped because of a bug in SupportDesk ({type(exc).__name__}: {exc}). "
        "Nothing was lost; the edits wait on this computer."
    )


class SyncWorker(QObject):
    """Lives in the sync thread: its slots run there, its signals arrive queued in the GUI.

    Signals:
        started(): a round began.
        finished(SyncReport): the round worked.
        failed(str): the round failed; the message says why and what to do.
        status_changed(SyncStatus): the replication state after a round or a status check.
        connect_finished(SyncReport): a first connection worked.
        connect_failed(str): a first connection failed; nothing was saved.
        idle(): the requested work is done (after the status).
    """

    started = Signal()
    finished = Signal(SyncReport)
    failed = Signal(str)
    status_changed = Signal(SyncStatus)
    connect_finished = Signal(SyncReport)
    connect_failed = Signal(str)
    idle = Signal()

    def __init__(self, service: SyncService, cancel: threading.Event | None = None) -> None:
        super().__init__()
        self._service = service
        self._cancel = cancel or threading.Event()

    def _emit_status(self) -> None:
        try:
            self.status_changed.emit(self._service.status())
        except Exception as exc:  # the local file itself is in trouble: say so, keep going
            self.failed.emit(_message(exc))

    @Slot()
    def sync(self) -> None:
        try:
            configured = self._service.status().configured
        except Exception as exc:
            self.failed.emit(_message(exc))
            self.idle.emit()
            return
        if configured and not self._cancel.is_set():
            self.started.emit()
            try:
                report = self._service.sync_once(cancel=self._cancel)
            except SyncCancelledError:
                self.idle.emit()  # stopping: no status read, no message
                return
            except Exception as exc:
                self.failed.emit(_message(exc))
            else:
                self.finished.emit(report)
        self._emit_status()
        self.idle.emit()

    @Slot()
    def refresh_status(self) -> None:
        self._emit_status()

    @Slot(str, str)
    def connect_server(self, url: str, password: str) -> None:
        self.started.emit()
        try:
            report = self._service.connect(url, password or None, cancel=self._cancel)
        except Exception as exc:
            self.connect_failed.emit(_message(exc))
        else:
            self.connect_finished.emit(report)
        self._emit_status()
        self.idle.emit()


class SyncController(QObject):
    """Schedules rounds and relays the worker's signals on the GUI thread.

    Does nothing while no team server is configured (the indicator says "Local only"): the
    thread starts with the first configured round or a connect, and `stop()` ends it.

    Signals:
        started(): a round or a connect began.
        finished(SyncReport): a round worked.
        failed(str): a round failed (offline, schema mismatch, ...).
        status_changed(SyncStatus): the latest replication state.
        connect_finished(SyncReport) / connect_failed(str): outcome of `connect_server`.
    """

    started = Signal()
    finished = Signal(SyncReport)
    failed = Signal(str)
    status_changed = Signal(SyncStatus)
    connect_finished = Signal(SyncReport)
    connect_failed = Signal(str)

    _sync_requested = Signal()
    _status_requested = Signal()
    _connect_requested = Signal(str, str)

    def __init__(
        self,
        service: SyncService,
        signals: AppSignals | None = None,
        *,
        interval_s: int = 60,
        debounce_ms: int = 3000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._signals = signals
        self._thread: QThread | None = None
        self._worker: SyncWorker | None = None
        self._busy = False
        self._again = False
        self._stopped = False
        self._cancel = threading.Event()
        self._status: SyncStatus | None = None
        #: True while this controller announces pulled changes (not local edits).
        self.announcing_remote = False

        self._timer = QTimer(self)
        self._timer.setInterval(max(1, interval_s) * 1000)
        self._timer.timeout.connect(self.sync_now)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.sync_now)
        if signals is not None:
            signals.changed.connect(self._on_local_change)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    # --- state ----------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus | None:
        return self._status

    @property
    def busy(self) -> bool:
        """A round or a connect is running (or queued) in the sync thread."""
        return self._busy

    @property
    def running(self) -> bool:
        """The sync thread exists and runs."""
        return self._thread is not None and self._thread.isRunning()

    # --- control --------------------------------------------------------------------------

    def start(self) -> None:
        """Read the state now; when a server is configured, start syncing in the background."""
        self._stopped = False
        status = self._read_status()
        if status is not None and status.configured:
            self._ensure_thread()
            self.sync_now()

    def sync_now(self) -> None:
        """A round now (or right after the running one)."""
        if self._stopped:
            return
        self._debounce.stop()
        if self._busy:
            self._again = True
            return
        if self._thread is None:
            status = self._status or self._read_status()
            if status is None or not status.configured:
                return
            self._ensure_thread()
        self._busy = True
        self._sync_requested.emit()

    def connect_server(self, url: str, password: str = "") -> None:
        """Connect to a team server and download its data, in the sync thread."""
        if self._stopped:
            return
        self._ensure_thread()
        self._busy = True
        self._connect_requested.emit(url, password)

    def refresh_status(self) -> None:
        if self._thread is not None:
            self._status_requested.emit()
        else:
            self._read_status()

    def stop(self, timeout_ms: int = STOP_WAIT_MS) -> None:
        """Stop the timers and the thread, asking a round in progress to stop.

        The round stops at its next safe point (everything done so far is kept; the next
        round resumes). Waits at most `timeout_ms`; a thread still inside a network call then
        is kept alive, detached, until the call returns.
        """
        self._stopped = True
        self._timer.stop()
        self._debounce.stop()
        self._cancel.set()
        thread, self._thread = self._thread, None
        worker, self._worker = self._worker, None
        if thread is not None:
            thread.quit()
            deadline = time.monotonic() + timeout_ms / 1000
            while not thread.wait(50) and time.monotonic() < deadline:
                pass
            if thread.isRunning() and worker is not None:
                log.warning("the sync round is still in a network call; it ends in the background")
                _linger(thread, worker)
        self._busy = False
        _reap_lingering()

    # --- internals ------------------------------------------------------------------------

    def _read_status(self) -> SyncStatus | None:
        try:
            status = self._service.status()
        except Exception as exc:
            self.failed.emit(_message(exc))
            return None
        self._on_status(status)
        return status

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        thread = QThread(self)
        thread.setObjectName("supportdesk-sync")
        self._cancel = threading.Event()
        worker = SyncWorker(self._service, self._cancel)
        # No parent and no deleteLater: the worker is dropped in `stop()` after its thread
        # has ended, when nothing can run in it any more.
        worker.moveToThread(thread)
        self._sync_requested.connect(worker.sync)
        self._status_requested.connect(worker.refresh_status)
        self._connect_requested.connect(worker.connect_server)
        worker.started.connect(self.started)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self.failed)
        worker.status_changed.connect(self._on_status)
        worker.connect_finished.connect(self._on_connect_finished)
        worker.connect_failed.connect(self.connect_failed)
        worker.idle.connect(self._on_idle)
        self._thread, self._worker = thread, worker
        thread.start()
        self._timer.start()

    @Slot(SyncReport)
    def _on_finished(self, report: SyncReport) -> None:
        if report.pulled:
            self._announce_remote()
        self.finished.emit(report)

    @Slot(SyncReport)
    def _on_connect_finished(self, report: SyncReport) -> None:
        self._announce_remote()
        self.connect_finished.emit(report)

    def _announce_remote(self) -> None:
        if self._signals is None:
            return
        self.announcing_remote = True
        try:
            self._signals.changed.emit(REMOTE_CHANGES)
        finally:
            self.announcing_remote = False

    @Slot(SyncStatus)
    def _on_status(self, status: SyncStatus) -> None:
        self._status = status
        self.status_changed.emit(status)

    @Slot()
    def _on_idle(self) -> None:
        self._busy = False
        if self._again:
            self._again = False
            self.sync_now()

    @Slot(object)
    def _on_local_change(self, _changes: Changes) -> None:
        if self.announcing_remote or self._stopped:
            return
        self.refresh_status()
        if self._status is not None and self._status.configured:
            self._debounce.start()
