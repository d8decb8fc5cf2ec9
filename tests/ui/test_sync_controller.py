"""The background sync controller: rounds in its own thread against the real PostgreSQL server,
after local changes and on demand; nothing while local only; a clean stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.data.database import Database
from app.data.models import Contact
from app.data.repos import sync as sync_repo
from app.services.base import Area, Changes, Principal
from app.services.registry import Services
from app.services.sync_service import SyncReport, SyncService, SyncStatus
from app.sync import engine as sync_engine
from app.sync.engine import SyncEngine
from app.ui.main_window import MainWindow
from app.ui.signals import AppSignals
from app.ui.sync import sync_controller
from app.ui.sync.sync_controller import SyncController
from tests.conftest import make_admin
from tests.helpers.sync_pair import server_url, settle
from tests.sync.conftest import Desktop, make_desktop, server  # noqa: F401  (fixtures)


class RecordingSyncService(SyncService):
    """The real service, noting the thread each round ran on."""

    def __init__(self, db: Database, actor: Principal) -> None:
        super().__init__(db, actor)
        self.threads: list[int] = []

    def sync_once(
        self, password: str | None = None, *, cancel: threading.Event | None = None
    ) -> SyncReport:
        self.threads.append(threading.get_ident())
        return super().sync_once(password, cancel=cancel)


@pytest.fixture
def connected(
    make_desktop: Desktop,  # noqa: F811
    server: Database,  # noqa: F811
) -> tuple[Database, Principal]:
    desk = make_desktop("a")
    admin = make_admin(desk)
    SyncService(desk).connect(server_url(server))
    return desk, admin


@pytest.fixture
def controllers() -> Iterator[list[SyncController]]:
    made: list[SyncController] = []
    yield made
    for controller in made:
        controller.stop()
        assert not controller.running


def _controller(
    made: list[SyncController], service: SyncService, signals: AppSignals | None = None, **kw: int
) -> SyncController:
    controller = SyncController(service, signals, **kw)  # type: ignore[arg-type]
    made.append(controller)
    return controller


@pytest.mark.postgres
def test_rounds_run_in_the_sync_thread_and_stop_cleanly(
    qtbot: QtBot, connected: tuple[Database, Principal], controllers: list[SyncController]
) -> None:
    desk, admin = connected
    ticket_id, _ = Services(desk, admin).tickets.create("Boiler room laptop")
    service = RecordingSyncService(desk, admin)
    controller = _controller(controllers, service, interval_s=3600)
    statuses: list[SyncStatus] = []
    controller.status_changed.connect(statuses.append)

    with qtbot.waitSignal(controller.finished, timeout=30000) as blocker:
        controller.start()

    report = blocker.args[0]
    assert isinstance(report, SyncReport)
    assert report.pushed >= 1
    assert service.threads
    assert threading.get_ident() not in service.threads  # never on the GUI thread
    assert controller.running
    qtbot.waitUntil(lambda: bool(statuses) and statuses[-1].pending_edits == 0, timeout=10000)
    assert isinstance(statuses[-1], SyncStatus)
    assert statuses[-1].configured
    assert ticket_id not in service.pending_row_ids("tickets")
    qtbot.waitUntil(lambda: not controller.busy)

    controller.stop()
    assert not controller.running
    controller.sync_now()  # after stop: nothing starts again
    assert not controller.running


@pytest.mark.postgres
def test_a_local_change_starts_a_round_soon_after(
    qtbot: QtBot, connected: tuple[Database, Principal], controllers: list[SyncController]
) -> None:
    desk, admin = connected
    signals = AppSignals()
    controller = _controller(
        controllers, SyncService(desk, admin), signals, interval_s=3600, debounce_ms=50
    )
    with qtbot.waitSignal(controller.finished, timeout=30000):
        controller.start()
    qtbot.waitUntil(lambda: not controller.busy)

    Services(desk, admin).tickets.create("Made a moment ago")
    with qtbot.waitSignal(controller.finished, timeout=30000) as blocker:
        signals.changed.emit(Changes.of(Area.TICKETS))
    assert blocker.args[0].pushed >= 1


@pytest.mark.postgres
def test_pulled_changes_refresh_the_panes_without_a_new_round(
    qtbot: QtBot,
    make_desktop: Desktop,  # noqa: F811
    server: Database,  # noqa: F811
    connected: tuple[Database, Principal],
    controllers: list[SyncController],
) -> None:
    desk, admin = connected
    other = make_desktop("b")
    SyncService(other).connect(server_url(server))  # uploads nothing, pulls a's data
    signals = AppSignals()
    seen: list[Changes] = []
    signals.changed.connect(seen.append)
    controller = _controller(
        controllers, SyncService(other), signals, interval_s=3600, debounce_ms=50
    )
    Services(desk, admin).tickets.create("From the other desktop")
    SyncService(desk).sync_once()
    pulled = 0
    for _attempt in range(60):  # a parallel test's transaction may hold the change back
        with qtbot.waitSignal(controller.finished, timeout=30000) as blocker:
            controller.sync_now()
        qtbot.waitUntil(lambda: not controller.busy)
        pulled = blocker.args[0].pulled
        if pulled:
            break
    assert pulled
    assert seen
    assert seen[-1].touches(Area.TICKETS)
    qtbot.wait(300)  # longer than the debounce: the announcement started no round
    assert not controller.busy


def test_nothing_runs_while_local_only(
    qtbot: QtBot, db: Database, admin: Principal, controllers: list[SyncController]
) -> None:
    signals = AppSignals()
    controller = _controller(controllers, SyncService(db, admin), signals, debounce_ms=10)
    statuses: list[SyncStatus] = []
    controller.status_changed.connect(statuses.append)
    controller.start()
    controller.sync_now()
    signals.changed.emit(Changes.of(Area.TICKETS))
    qtbot.wait(50)
    assert not controller.running
    assert QThread.currentThread() is controller.thread()
    assert statuses
    assert not statuses[-1].configured


@pytest.mark.postgres
def test_an_unreachable_server_reports_offline(
    qtbot: QtBot, connected: tuple[Database, Principal], controllers: list[SyncController]
) -> None:
    desk, admin = connected
    with desk.session() as s:
        sync_repo.set_state(
            s, sync_engine.KEY_SERVER_URL, "postgresql://postgres@127.0.0.1:1/nowhere"
        )
    controller = _controller(controllers, SyncService(desk, admin), interval_s=3600)
    with qtbot.waitSignal(controller.failed, timeout=30000) as blocker:
        controller.start()
    assert "reach" in blocker.args[0]
    qtbot.waitUntil(lambda: controller.status is not None and controller.status.offline)


def _contact_names(desk: Database) -> set[str]:
    with desk.read_session() as s:
        return set(s.scalars(select(Contact.full_name)).all())


@pytest.mark.postgres
def test_closing_the_window_mid_round_stops_soon_and_the_next_round_resumes(
    qtbot: QtBot,
    connected: tuple[Database, Principal],
    make_desktop: Desktop,  # noqa: F811
    server: Database,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk, admin = connected
    # Another desktop sends the server more change-log rows than one pulled page holds.
    other = make_desktop("b")
    SyncService(other).connect(server_url(server))
    count = SyncEngine.__init__.__kwdefaults__["page_size"] + 500
    with other.session() as s:
        s.add_all(Contact(full_name=f"Caller {n}") for n in range(count))
    SyncService(other).sync_once()
    wanted = {f"Caller {n}" for n in range(count)}
    local_edit, _ = Services(desk, admin).tickets.create("Written before the round")

    # The window's first round stops (paused) right after its first pulled page.
    marker = tmp_path / "paused"
    monkeypatch.setenv(sync_engine.PAUSE_ENV, "pull:page-applied")
    monkeypatch.setenv(sync_engine.PAUSE_FILE_ENV, str(marker))
    window = MainWindow(Services(desk, admin))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(marker.exists, timeout=30000)
    assert window.sync.running
    assert window.sync.busy
    partial = _contact_names(desk) & wanted
    assert 0 < len(partial) < count  # one page arrived, the rest is still to come

    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 3
    assert not window.sync.running
    assert sync_controller._LINGERING == []  # the round stopped; no thread left behind

    monkeypatch.delenv(sync_engine.PAUSE_ENV)
    service = SyncService(desk, admin)
    assert service.status().last_error == ""  # stopping is not a failure
    assert local_edit not in service.pending_row_ids("tickets")  # pushed before the pull
    settle(service.sync_once, lambda: wanted <= _contact_names(desk))
    assert service.status().pending_edits == 0
    with desk.read_session() as s:  # nothing lost, nothing twice
        assert s.scalar(select(func.count()).where(Contact.full_name.like("Caller %"))) == count


def test_stop_keeps_a_thread_stuck_past_the_wait_alive_until_it_ends(
    qtbot: QtBot, services: Services
) -> None:
    release = threading.Event()

    class StuckService(SyncService):
        """A round stuck in a call that does not look at the cancel flag (a network call)."""

        def status(self) -> SyncStatus:
            real = super().status()
            return SyncStatus(**{**real.__dict__, "configured": True})

        def sync_once(
            self, password: str | None = None, *, cancel: threading.Event | None = None
        ) -> SyncReport:
            release.wait(30)
            return SyncReport(0, 0)

    controller = SyncController(StuckService(services.db, services.actor), interval_s=3600)
    with qtbot.waitSignal(controller.started, timeout=10000):
        controller.start()
    started = time.monotonic()
    controller.stop(timeout_ms=300)
    assert time.monotonic() - started < 2
    assert not controller.running
    ((thread, _worker),) = sync_controller._LINGERING
    assert thread.parent() is None  # not destroyed with the controller or the window
    assert thread.isRunning()
    controller.deleteLater()
    QApplication.processEvents()
    release.set()
    assert thread.wait(10000)
    sync_controller._reap_lingering()
    assert sync_controller._LINGERING == []
