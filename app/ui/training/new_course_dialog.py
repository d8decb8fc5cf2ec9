"""New course: code, title, description, usual length and how long a certification lasts."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from app.ui.form_dialog import FormDialog


@dataclass(frozen=True)
class CourseForm:
    code: str
    title: str
    description: str
    duration_minutes: int
    certification_months: int


class NewCourseDialog(FormDialog):
    """Collects a new course; the pane saves it through the training service."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New course", "Create course", parent=parent)
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(32)
        self.code_edit.setPlaceholderText("A short code, e.g. NET-101")
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(200)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("What people learn (optional)")
        self.description_edit.setMaximumHeight(100)
        self.duration_spin = QSpinBox()
        self.duration_spin.setRange(15, 7 * 24 * 60)
        self.duration_spin.setSingleStep(15)
        self.duration_spin.setValue(60)
        self.duration_spin.setSuffix(" minutes")
        self.months_spin = QSpinBox()
        self.months_spin.setRange(0, 120)
        self.months_spin.setSuffix(" months")
        self.months_spin.setSpecialValueText("No certificate")
        self.months_spin.setToolTip(
            "People marked present get a certification that lasts this long. "
            "Leave at “No certificate” if the course does not certify."
        )
        self.form.addRow("Code", self.code_edit)
        self.form.addRow("Title", self.title_edit)
        self.form.addRow("Description", self.description_edit)
        self.form.addRow("Usual length", self.duration_spin)
        self.form.addRow("Certification lasts", self.months_spin)
        self.code_edit.setFocus()

    def values(self) -> CourseForm:
        code = self.code_edit.text().strip()
        title = self.title_edit.text().strip()
        if not code:
            raise ValueError("Enter a short code for the course.")
        if not title:
            raise ValueError("Enter the course title.")
        return CourseForm(
            code,
            title,
            self.description_edit.toPlainText().strip(),
            self.duration_spin.value(),
            self.months_spin.value(),
        )
