"""Set a new password for a person (for example after a lock-out)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from app.services.people_service import PersonView
from app.ui.form_dialog import FormDialog


class PasswordDialog(FormDialog):
    """New password typed twice; `submitted` carries it as a str."""

    def __init__(self, person: PersonView, parent: QWidget | None = None) -> None:
        super().__init__(f"New password for {person.full_name}", parent=parent)
        self.person = person
        note = QLabel("This also unlocks the account. Tell the person the new password in person.")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.password_edit = QLineEdit()
        self.repeat_edit = QLineEdit()
        for edit in (self.password_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("At least 8 characters")
        self.form.addRow("New password", self.password_edit)
        self.form.addRow("Repeat password", self.repeat_edit)

    def values(self) -> str:
        if self.password_edit.text() != self.repeat_edit.text():
            raise ValueError("The two passwords differ. Type the same password twice.")
        return self.password_edit.text()
