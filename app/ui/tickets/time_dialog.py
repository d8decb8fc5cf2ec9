"""Logging time spent on a ticket: hours and minutes, the day of the work, a short note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLineEdit, QSpinBox, QWidget

from app.ui.form_dialog import FormDialog

#: The longest single entry: a working day and a half is already suspicious.
MAX_ENTRY_MINUTES = 24 * 60


@dataclass(frozen=True)
class TimeEntryForm:
    minutes: int
    note: str
    worked_on: date


class TimeDialog(FormDialog):
    """Asks how long was spent and when; `submitted` carries a `TimeEntryForm`."""

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Log time on {number}", "Log time", parent=parent)
        self.setMinimumWidth(400)
        self.hours_spin = QSpinBox()
        self.hours_spin.setRange(0, 24)
        self.hours_spin.setSuffix(" h")
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setRange(0, 59)
        self.minutes_spin.setSingleStep(5)
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setValue(15)
        spent = QWidget()
        row = QHBoxLayout(spent)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.hours_spin)
        row.addWidget(self.minutes_spin)
        row.addStretch(1)
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("What was done, e.g. replaced the toner, tested printing")
        self.note_edit.setMaxLength(500)
        self.form.addRow("Time &spent", spent)
        self.form.addRow("&Day", self.date_edit)
        self.form.addRow("&Note", self.note_edit)
        self.minutes_spin.setFocus()

    def values(self) -> TimeEntryForm:
        minutes = self.hours_spin.value() * 60 + self.minutes_spin.value()
        if minutes <= 0:
            raise ValueError("Enter the time spent: at least one minute.")
        if minutes > MAX_ENTRY_MINUTES:
            raise ValueError("One entry can be at most 24 hours; log longer work day by day.")
        return TimeEntryForm(
            minutes, self.note_edit.text().strip(), _as_date(self.date_edit.date().toPython())
        )


def _as_date(value: object) -> date:
    if not isinstance(value, date):
        raise ValueError("Choose the day the work was done.")
    return value
