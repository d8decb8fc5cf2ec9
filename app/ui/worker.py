"""The one way to run slow work: a callable on QThreadPool, its result back on the GUI thread.

The callable receives no widgets and opens its own database session (services do that).
Picard's `run_task` and Anki's TaskManager are the models.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread; its signals deliver the outcome there (queued connection).

    Signals:
        succeeded(object): the callable's return value.
        failed(object): the exception it raised.
    """

    succeeded = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # delivered to the caller, who shows it
            log.debug("background task failed:\n%s", traceback.format_exc())
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


class TaskRunner(QObject):
    """Runs callables off the GUI thread and counts how many are in flight.

    Signals:
        busy_changed(bool): True when the first task starts, False when the last one ends.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    @property
    def in_flight(self) -> int:
        return len(self._relays)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        relay = _Relay()  # created on the GUI thread, so its slots run there
        self._relays.add(relay)
        if len(self._relays) == 1:
            self.busy_changed.emit(True)

        def finish() -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if not self._relays:
                self.busy_changed.emit(False)

        @Slot(object)
        def done(result: Any) -> None:
            finish()
            if on_done is not None:
                on_done(result)

        @Slot(object)
        def error(exc: Exception) -> None:
            finish()
            if on_error is not None:
                on_error(exc)
            else:
                log.error("background task failed: %s", exc)

        relay.succeeded.connect(done)
        relay.failed.connect(error)
        self._pool.start(_Task(fn, relay))

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the pool is idle (tests and shutdown only)."""
        return self._pool.waitForDone(msecs)
