from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.data.database import Database
from app.services.people_service import AuthService
from app.services.registry import Services
from app.ui.kpi.kpi_pane import KpiPane
from app.ui.main_window import PANE_CLASSES, MainWindow
from app.ui.signin_dialog import FirstAdminDialog, SignInDialog
from tests.conftest import ADMIN_PASSWORD


def _window(qtbot: QtBot, services: Services) -> MainWindow:
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    # The offscreen platform activates a window only when asked; shortcuts need an active one.
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def test_ctrl_number_switches_panes(qtbot: QtBot, services: Services) -> None:
    window = _window(qtbot, services)
    assert len(window.panes) == 5
    for number, cls in enumerate(PANE_CLASSES, start=1):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert isinstance(window.stack.currentWidget(), cls)
        assert window.nav.currentRow() == number - 1
    window.settle()


def test_layout_is_remembered(qtbot: QtBot, services: Services) -> None:
    window = _window(qtbot, services)
    window.resize(790, 640)  # inside the offscreen screen (800x800)
    window.show_pane(KpiPane)
    window.settle()
    window.close()
    assert isinstance(QSettings().value("main_window/geometry"), QByteArray)

    again = _window(qtbot, services)
    assert isinstance(again.stack.currentWidget(), KpiPane)
    assert (again.width(), again.height()) == (790, 640)
    again.settle()


def test_status_bar_names_user_and_database(qtbot: QtBot, services: Services) -> None:
    window = _window(qtbot, services)
    assert "Ada Admin" in window.user_label.text()
    assert window.db_label.text().startswith("sqlite:///")
    window.settle()


def test_first_admin_dialog_creates_account(qtbot: QtBot, db: Database) -> None:
    auth = AuthService(db)
    dialog = FirstAdminDialog(auth)
    qtbot.addWidget(dialog)
    dialog.full_name.setText("Fran First")
    dialog.username.setText("fran")
    dialog.password.setText("long enough pw")
    dialog.confirm.setText("different pw!!")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.principal is None
    assert "differ" in dialog.error.text()

    dialog.confirm.setText("long enough pw")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.principal is not None
    assert not auth.needs_first_admin()


def test_sign_in_dialog_wrong_password_then_right(qtbot: QtBot, services: Services) -> None:
    dialog = SignInDialog(AuthService(services.db))
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText("wrong password")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.principal is None
    assert "Wrong user name or password" in dialog.error.text()
    assert dialog.password.text() == ""

    dialog.password.setText(ADMIN_PASSWORD)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.principal is not None
    assert dialog.principal.username == "admin"
