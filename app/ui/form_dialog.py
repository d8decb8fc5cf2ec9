"""The base of the panes' form dialogs: OK hands the values to the pane, which saves them.

The dialog stays open while the pane saves (possibly on the task runner: hashing a password
takes a moment) and shows the service's refusal in place (a user name or course code already
taken, an end before the start), so the user can correct it and try again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)


def index_of_data(combo: QComboBox, value: object) -> int:
    """The row whose item data equals `value`, or -1.

    `QComboBox.findData` compares wrapped Python objects by identity, so an equal UUID from a
    fresh query would not be found.
    """
    for row in range(combo.count()):
        if combo.itemData(row) == value:
            return row
    return -1


class FormDialog(QDialog):
    """A form with an OK button named for what it does, Cancel, and a line for problems.

    Signals:
        submitted(object): the form's values; the owner saves them and then calls
            `accept()`, or `show_problem()` if saving was refused.
    """

    submitted = Signal(object)

    def __init__(self, title: str, ok_text: str = "OK", *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self._ok_text = ok_text
        outer = self.body = QVBoxLayout(self)
        self.form = QFormLayout()
        # Right-aligned labels on every platform, so the fields line up in one column.
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        outer.addLayout(self.form)
        self.problem_label = QLabel("")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        outer.addWidget(self.problem_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
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
        self.ok_button.setEnabled(not busy)
        self.ok_button.setText("Saving…" if busy else self._ok_text)

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
