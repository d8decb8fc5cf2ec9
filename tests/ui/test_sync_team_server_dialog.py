"""Tools → Team server: validation, an unreachable server (nothing saved), a real connect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.data.database import Database
from app.services.registry import Services
from app.services.sync_service import SyncReport, SyncService
from app.ui.sync.sync_controller import SyncController
from app.ui.sync.team_server_dialog import TeamServerDialog, build_url, split_url
from tests.helpers.memory_keyring import MemoryKeyring
from tests.sync.conftest import server  # noqa: F401  (fixture)


@pytest.fixture
def controller(services: Services) -> Iterator[SyncController]:
    ctl = SyncController(SyncService(services.db, services.actor), interval_s=3600)
    yield ctl
    ctl.stop()
    assert not ctl.running


def _dialog(qtbot: QtBot, controller: SyncController) -> TeamServerDialog:
    dialog = TeamServerDialog(controller, controller.status)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(dialog: TeamServerDialog, host: str, port: int, database: str, user: str) -> None:
    dialog.host.setText(host)
    dialog.port.setValue(port)
    dialog.database.setText(database)
    dialog.user.setText(user)


def test_urls_are_built_and_read_back() -> None:
    url = build_url(" desk.example.org ", 5433, "support desk", "ann@corp")
    assert url == "postgresql://ann%40corp@desk.example.org:5433/support%20desk"
    assert split_url(url) == ("desk.example.org", 5433, "support desk", "ann@corp")
    assert split_url("postgresql+psycopg://bo@10.0.0.5/desk") == ("10.0.0.5", 5432, "desk", "bo")
    for host, database, user in (("", "d", "u"), ("a b", "d", "u"), ("h", "", "u"), ("h", "d", "")):
        with pytest.raises(ValueError, match=r"Enter|character"):
            build_url(host, 5432, database, user)


def test_missing_fields_are_explained_and_nothing_starts(
    qtbot: QtBot, controller: SyncController
) -> None:
    dialog = _dialog(qtbot, controller)
    assert "Not connected" in dialog.current_label.text()
    _fill(dialog, "", 5432, "desk", "ann")
    dialog.connect_button.click()
    assert dialog.message.isVisible()
    assert "server's name" in dialog.message.text()
    assert not controller.running
    assert not dialog.busy


def test_unreachable_server_says_so_and_saves_nothing(
    qtbot: QtBot,
    controller: SyncController,
    services: Services,
    isolated_environment: MemoryKeyring,
) -> None:
    dialog = _dialog(qtbot, controller)
    _fill(dialog, "127.0.0.1", 1, "desk", "ann")
    dialog.password.setText("not saved")
    with qtbot.waitSignal(controller.connect_failed, timeout=30000):
        dialog.connect_button.click()
        assert dialog.busy
        assert not dialog.connect_button.isEnabled()
        assert dialog.progress.isVisible()
    assert not dialog.busy
    assert dialog.connect_button.isEnabled()
    assert "Cannot reach the team server at 127.0.0.1:1" in dialog.message.text()
    status = SyncService(services.db).status()
    assert not status.configured
    assert status.server_url == ""
    assert isolated_environment.store == {}


@pytest.mark.postgres
def test_connect_and_download(
    qtbot: QtBot,
    controller: SyncController,
    services: Services,
    server: Database,  # noqa: F811
    isolated_environment: MemoryKeyring,
) -> None:
    host, port, database, user = split_url(server.url.render_as_string(hide_password=False))
    dialog = _dialog(qtbot, controller)
    _fill(dialog, host, port, database, user)
    dialog.password.setText("s3cret")  # the test server trusts local connections
    with qtbot.waitSignal(controller.connect_finished, timeout=60000) as blocker:
        dialog.connect_button.click()
    assert blocker.args[0].pushed > 0  # this desktop's first admin went up
    assert "Connected" in dialog.message.text()
    assert dialog.password.text() == ""
    qtbot.waitUntil(lambda: controller.status is not None and controller.status.configured)
    assert "s3cret" not in controller.status.server_url  # type: ignore[union-attr]
    assert "s3cret" in isolated_environment.store.values()
    assert controller.running  # from now on it syncs by itself

    again = _dialog(qtbot, controller)
    assert again.host.text() == host
    assert again.database.text() == database
    assert "Connected to" in again.current_label.text()


def test_a_closed_dialog_ignores_the_outcome_of_its_connect(
    qtbot: QtBot, controller: SyncController
) -> None:
    dialog = TeamServerDialog(controller, controller.status)
    dialog._set_busy(True)  # a connect was started from it
    shiboken6.delete(dialog)
    # The controller outlives the dialog; its answers must not reach the deleted widgets.
    controller.connect_failed.emit("Cannot reach the team server")
    controller.connect_finished.emit(SyncReport(0, 0))
    QApplication.processEvents()
    assert not shiboken6.isValid(dialog)
