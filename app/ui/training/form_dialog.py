"""Base of the Training dialogs: a form whose OK hands the values to the pane to save.

The dialog stays open while the pane saves and shows the service's refusal in place (a code
already taken, an end before the start), so the user can correct it and try again.
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


class TrainingFormDialog(QDialog):
    """A form with an OK button named for what it does, Cancel, and a line for problems.

    Signals:
        submitted(object): the form's values; the owner saves them and then calls
            `accept()`, or `show_problem()` if saving was refused.
    """

    submitted = Signal(object)

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
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
        self.ok_button.setEnabled(True)
        self.problem_label.setText(text)
        self.problem_label.show()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        try:
            values = self.values()
        except ValueError as exc:
            self.show_problem(str(exc))
            return
        self.problem_label.hide()
        self.submitted.emit(values)
