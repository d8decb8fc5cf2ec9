"""Tools → Team server: connect this desktop to the team's PostgreSQL server.

Host, port, database and user make the server address (kept without the password); the
password goes to the OS keyring once the connection worked, never to a settings file.
"Connect and download" runs in the sync thread and reports a clear reason when it fails.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

import shiboken6
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.sync_service import SyncReport, SyncStatus
from app.ui.icons import icon
from app.ui.sync.sync_controller import SyncController

DEFAULT_PORT = 5432


def build_url(host: str, port: int, database: str, user: str) -> str:
    """``postgresql://user@host:port/database`` from the form; ValueError says what to fix."""
    host, database, user = host.strip(), database.strip(), user.strip()
    if not host:
        raise ValueError("Enter the server's name or address, e.g. desk.example.org.")
    if any(c in host for c in " /@?#"):
        raise ValueError("The server name has a character that cannot be in it; check it.")
    if not 1 <= port <= 65535:
        raise ValueError("The port is a number from 1 to 65535 (PostgreSQL uses 5432).")
    if not database:
        raise ValueError("Enter the database name on the server (ask whoever set it up).")
    if not user:
        raise ValueError("Enter your user name on the server.")
    bracketed = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"postgresql://{quote(user, safe='')}@{bracketed}:{port}/{quote(database, safe='')}"


def split_url(url: str) -> tuple[str, int, str, str]:
    """(host, port, database, user) of a server URL, blanks where it says nothing."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORT
    except ValueError:
        return "", DEFAULT_PORT, "", ""
    return (
        parts.hostname or "",
        port,
        unquote(parts.path.lstrip("/")),
        unquote(parts.username or ""),
    )


def friendly_error(message: str, host: str, port: int) -> str:
    """The service's message, preceded by what to check for the usual causes."""
    low = message.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        return (
            "The server refused this user name or password. Check both and try again.\n\n" + message
        )
    if "does not exist" in low and "database" in low:
        return "The server has no database of that name. Check the spelling.\n\n" + message
    if "schema revision" in low:
        return message
    if any(
        s in low for s in ("connection refused", "timeout", "timed out", "translate host", "reach")
    ):
        return (
            f"Cannot reach the team server at {host}:{port}. Check the address and that this "
            "computer is on the network (or the VPN).\n\n" + message
        )
    return message


class TeamServerDialog(QDialog):
    """The connection form, the current server, and the outcome of connecting."""

    def __init__(
        self,
        controller: SyncController,
        status: SyncStatus | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Team server")
        self.setWindowIcon(icon("sync-server"))
        self.setModal(True)
        self.setMinimumWidth(480)
        self._controller = controller
        self._busy = False

        intro = QLabel(
            "Connect this computer to your team's PostgreSQL server. SupportDesk keeps working "
            "on this computer's own file and syncs whenever the server can be reached."
        )
        intro.setWordWrap(True)
        self.current_label = QLabel("")
        self.current_label.setProperty("role", "muted")
        self.current_label.setWordWrap(True)

        self.host = QLineEdit()
        self.host.setPlaceholderText("desk.example.org")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database = QLineEdit()
        self.database.setPlaceholderText("supportdesk")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Kept in this computer's password store")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("&Server:", self.host)
        form.addRow("&Port:", self.port)
        form.addRow("&Database:", self.database)
        form.addRow("&User:", self.user)
        form.addRow("Pass&word:", self.password)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)

        self.connect_button = QPushButton(icon("sync"), "Connect and download")
        self.connect_button.setProperty("role", "primary")
        self.connect_button.setDefault(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.current_label)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.connect_button.clicked.connect(self._on_connect_clicked)
        controller.connect_finished.connect(self._on_connect_finished)
        controller.connect_failed.connect(self._on_connect_failed)
        self._show_current(status)

    @property
    def busy(self) -> bool:
        return self._busy

    def url(self) -> str:
        return build_url(
            self.host.text(), self.port.value(), self.database.text(), self.user.text()
        )

    def _show_current(self, status: SyncStatus | None) -> None:
        if status is None or not status.configured:
            self.current_label.setText("Not connected: this computer works on its own.")
            return
        host, port, database, user = split_url(status.server_url)
        self.host.setText(host)
        self.port.setValue(port)
        self.database.setText(database)
        self.user.setText(user)
        last = status.last_sync or "never"
        self.current_label.setText(
            f"Connected to {user}@{host}:{port}/{database} (last sync {last[:16].replace('T', ' ')}"
            " UTC). Connecting again, to this or another server, keeps this computer's edits."
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        for widget in (self.host, self.port, self.database, self.user, self.password):
            widget.setEnabled(not busy)
        self.connect_button.setEnabled(not busy)
        self.connect_button.setText("Connecting…" if busy else "Connect and download")

    def _show_message(self, text: str, *, problem: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "" if problem else "muted")
        self.message.setVisible(True)

    @Slot()
    def _on_connect_clicked(self) -> None:
        try:
            url = self.url()
        except ValueError as exc:
            self._show_message(str(exc), problem=True)
            return
        self._set_busy(True)
        self._show_message(
            "Connecting, uploading this computer's edits and downloading the team's data…",
            problem=False,
        )
        self._controller.connect_server(url, self.password.text())

    @Slot(SyncReport)
    def _on_connect_finished(self, report: SyncReport) -> None:
        # The controller outlives this dialog: its answer may come after the dialog is gone.
        if not shiboken6.isValid(self) or not self._busy:
            return
        self._set_busy(False)
        self.password.clear()
        self._show_message(
            f"Connected. Sent {report.pushed} and received {report.pulled} change(s); "
            "from now on this computer syncs by itself.",
            problem=False,
        )
        self.current_label.setText(
            f"Connected to {self.user.text().strip()}@{self.host.text().strip()}:"
            f"{self.port.value()}/{self.database.text().strip()}."
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()

    @Slot(str)
    def _on_connect_failed(self, message: str) -> None:
        if not shiboken6.isValid(self) or not self._busy:
            return
        self._set_busy(False)
        self._show_message(
            friendly_error(message, self.host.text().strip(), self.port.value()), problem=True
        )
