"""Starting the GUI: QApplication set-up, opening the database, signing in, main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import __version__
from app.errors import EnvironmentProblemError, SupportDeskError
from app.paths import APP_NAME, ORG_NAME, resources_dir
from app.services.base import Principal
from app.services.people_service import AuthService
from app.services.registry import Services
from app.ui.icons import icon


def configure_settings() -> None:
    """QSettings in INI files everywhere; under SUPPORTDESK_HOME when set (tests, portable)."""
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    home = os.environ.get("SUPPORTDESK_HOME")
    if home:
        QSettings.setPath(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(Path(home) / "settings")
        )


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        configure_settings()
        return existing
    configure_settings()
    QGuiApplication.setDesktopFileName("org.supportdesk.SupportDesk")
    app = QApplication(argv if argv is not None else sys.argv)
    app.setWindowIcon(icon("app", "#2563eb"))
    style = resources_dir() / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def sign_in_interactively(auth: AuthService) -> Principal | None:
    """First run asks for the first administrator; later runs ask to sign in."""
    from app.ui.signin_dialog import FirstAdminDialog, SignInDialog

    dialog: FirstAdminDialog | SignInDialog
    dialog = FirstAdminDialog(auth) if auth.needs_first_admin() else SignInDialog(auth)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.principal


def show_startup_error(exc: BaseException) -> None:
    if isinstance(exc, EnvironmentProblemError):
        QMessageBox.critical(None, "SupportDesk cannot open the database", str(exc))
    elif isinstance(exc, SupportDeskError):
        QMessageBox.warning(None, "SupportDesk", str(exc))
    else:
        QMessageBox.critical(
            None,
            "SupportDesk",
            f"SupportDesk stopped because of a bug:\n{type(exc).__name__}: {exc}",
        )


def run_gui(url: str, *, demo_user: str | None = None) -> int:
    """Open `url`, sign in (or use `demo_user`), show the main window; returns the exit code."""
    from app.services.storage import open_database
    from app.ui.main_window import MainWindow

    app = create_application()
    try:
        db, _report = open_database(url)
    except Exception as exc:
        show_startup_error(exc)
        return 2
    auth = AuthService(db)
    principal = auth.principal_for(demo_user) if demo_user else sign_in_interactively(auth)
    if principal is None:
        db.dispose()
        return 0
    window = MainWindow(Services(db, principal))
    window.show()
    code = app.exec()
    db.dispose()
    return int(code)
