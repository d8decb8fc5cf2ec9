"""Base of the Admin dialogs: a form whose OK hands the values to the pane to save.

The dialog stays open while the pane saves (on the task runner; hashing a password takes a
moment) and shows the service's refusal in place, so the user can correct and try again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import Role

ROLE_HELP = {
    Role.TECHNICIAN: "works on tickets and writes articles",
    Role.SUPERVISOR: "assigns tickets, reads the audit log",
    Role.TRAINER: "runs courses and records attendance",
    Role.ADMIN: "manages people and roles",
}


class FormDialog(QDialog):
    """A form with OK/Cancel and a line for problems.

    Signals:
        submitted(object): the form's values; the owner saves them and then calls
            `accept()`, or `show_problem()` if saving was refused.
    """

    submitted = Signal(object)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        outer = QVBoxLayout(self)
        self.form = QFormLayout()
        outer.addLayout(self.form)
        self.problem_label = QLabel("")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        outer.addWidget(self.problem_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        outer.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def values(self) -> Any:
        """The values to save, or raise ValueError with a message for the user."""
        raise NotImplementedError

    def show_problem(self, text: str) -> None:
        self.set_busy(False)
        self.problem_label.setText(text)
        self.problem_label.show()

    def set_busy(self, busy: bool) -> None:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(not busy)
        button.setText("Saving…" if busy else "OK")

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            values = self.values()
        except ValueError as exc:
            self.show_problem(str(exc))
            return
        self.problem_label.hide()
        self.set_busy(True)
        self.submitted.emit(values)


class RoleChecks(QWidget):
    """One check box per role, with a few words on what the role may do."""

    def __init__(self, roles: frozenset[Role] = frozenset(), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[Role, QCheckBox] = {}
        for role in Role:
            box = QCheckBox(f"{role.label} — {ROLE_HELP[role]}")
            box.setChecked(role in roles)
            self.boxes[role] = box
            layout.addWidget(box)

    def roles(self) -> frozenset[Role]:
        return frozenset(role for role, box in self.boxes.items() if box.isChecked())
