"""New session: which course, who trains, when (in local time), where, and how many seats."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QTime, Slot
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QSpinBox, QWidget

from app.services.training_service import CourseRow, PersonOption
from app.ui.form_dialog import FormDialog, index_of_data


@dataclass(frozen=True)
class SessionForm:
    course_id: uuid.UUID
    trainer_id: uuid.UUID | None
    starts_at: datetime  # timezone-aware
    ends_at: datetime
    location: str
    capacity: int


def to_qdatetime(moment: datetime) -> QDateTime:
    """A QDateTime in local time for an aware datetime."""
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()))


def from_qdatetime(value: QDateTime) -> datetime:
    """The aware UTC moment a QDateTime edit shows (in whatever time zone it shows it)."""
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


class NewSessionDialog(FormDialog):
    """Collects a new session; the length defaults from the chosen course."""

    def __init__(
        self,
        courses: list[CourseRow],
        trainers: list[PersonOption],
        course_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("New session", "Schedule session", parent=parent)
        self._courses = {c.id: c for c in courses}
        self.course_combo = QComboBox()
        for course in courses:
            self.course_combo.addItem(course.label, course.id)
        if course_id is not None:
            self.course_combo.setCurrentIndex(max(0, index_of_data(self.course_combo, course_id)))
        self.trainer_combo = QComboBox()
        self.trainer_combo.addItem("No trainer yet", None)
        for trainer in trainers:
            self.trainer_combo.addItem(trainer.full_name, trainer.id)
        if trainers:
            self.trainer_combo.setCurrentIndex(1)
        self.start_edit = QDateTimeEdit()
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        tomorrow_nine = QDateTime(QDateTime.currentDateTime().date().addDays(1), QTime(9, 0))
        self.start_edit.setDateTime(tomorrow_nine)
        self.duration_spin = QSpinBox()
        self.duration_spin.setRange(15, 7 * 24 * 60)
        self.duration_spin.setSingleStep(15)
        self.duration_spin.setSuffix(" minutes")
        self.location_edit = QLineEdit()
        self.location_edit.setMaxLength(200)
        self.location_edit.setPlaceholderText("Room, building or video link")
        self.capacity_spin = QSpinBox()
        self.capacity_spin.setRange(1, 1000)
        self.capacity_spin.setValue(12)
        self.capacity_spin.setSuffix(" seats")
        self.form.addRow("Course", self.course_combo)
        self.form.addRow("Trainer", self.trainer_combo)
        self.form.addRow("Starts", self.start_edit)
        self.form.addRow("Length", self.duration_spin)
        self.form.addRow("Location", self.location_edit)
        self.form.addRow("Seats", self.capacity_spin)
        self._use_course_length()
        self.course_combo.currentIndexChanged.connect(self._on_course_combo_changed)

    def _use_course_length(self) -> None:
        course = self._courses.get(self.course_combo.currentData())
        if course is not None:
            self.duration_spin.setValue(course.duration_minutes)

    @Slot(int)
    def _on_course_combo_changed(self, _index: int) -> None:
        self._use_course_length()

    def values(self) -> SessionForm:
        course_id = self.course_combo.currentData()
        if not isinstance(course_id, uuid.UUID):
            raise ValueError("Create a course first, then schedule a session of it.")
        starts_at = from_qdatetime(self.start_edit.dateTime())
        trainer_id = self.trainer_combo.currentData()
        return SessionForm(
            course_id,
            trainer_id if isinstance(trainer_id, uuid.UUID) else None,
            starts_at,
            starts_at + timedelta(minutes=self.duration_spin.value()),
            self.location_edit.text().strip(),
            self.capacity_spin.value(),
        )
