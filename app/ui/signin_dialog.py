"""Sign-in, and the first-run dialog that creates the first administrator."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import SupportDeskError
from app.services.base import Principal
from app.services.passwords import MIN_PASSWORD_LENGTH
from app.services.people_service import AuthService


class _Dialog(QDialog):
    def __init__(self, auth: AuthService, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.auth = auth
        self.principal: Principal | None = None
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: palette(bright-text); background: #b91c1c; padding: 6px;")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        raise NotImplementedError


class SignInDialog(_Dialog):
    def __init__(self, auth: AuthService, parent: QWidget | None = None) -> None:
        super().__init__(
            auth, "Sign in to SupportDesk", "Sign in with your SupportDesk account.", parent
        )
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow("&User name", self.username)
        self.form.addRow("&Password", self.password)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            self.principal = self.auth.sign_in(self.username.text(), self.password.text())
        except SupportDeskError as exc:
            self.password.clear()
            self.password.setFocus()
            self.show_error(str(exc))
            return
        self.accept()


class FirstAdminDialog(_Dialog):
    def __init__(self, auth: AuthService, parent: QWidget | None = None) -> None:
        super().__init__(
            auth,
            "Welcome to SupportDesk",
            "This database has no accounts yet. Create the first administrator; you can add "
            "technicians, supervisors and trainers afterwards in Admin.",
            parent,
        )
        self.full_name = QLineEdit()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"At least {MIN_PASSWORD_LENGTH} characters")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow("&Full name", self.full_name)
        self.form.addRow("&User name", self.username)
        self.form.addRow("&Password", self.password)
        self.form.addRow("&Repeat password", self.confirm)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create administrator")

    @Slot()
    def _on_buttons_accepted(self) -> None:
        if self.password.text() != self.confirm.text():
            self.show_error("The two passwords differ.")
            return
        try:
            self.principal = self.auth.create_first_admin(
                self.username.text(), self.full_name.text(), self.password.text()
            )
        except SupportDeskError as exc:
            self.show_error(str(exc))
            return
        self.accept()
