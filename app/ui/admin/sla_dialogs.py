"""Dialogs of the Service levels tab: an SLA policy, a holiday, a new business calendar."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt, QTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from app.domain.enums import Priority
from app.domain.sla import DEFAULT_TARGETS
from app.errors import ValidationError
from app.services.sla_service import (
    MAX_TARGET_MINUTES,
    WEEKDAY_NAMES,
    CalendarView,
    OrganisationOption,
    PolicyView,
    canonical_time_zone,
    time_zones,
)
from app.ui.form_dialog import FormDialog, index_of_data

NEW_TICKETS_ONLY = (
    "Changes apply to tickets opened from now on; tickets already open keep their due times."
)


# --- shared fields ----------------------------------------------------------------------------


def system_time_zone() -> str:
    """This computer's IANA time zone, or UTC if it has none the tz database knows."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")
    return name if name in time_zones() else "UTC"


class TimeZoneCombo(QComboBox):
    """Every IANA time zone; type part of a name ("london", "new_york") to find it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.addItems(list(time_zones()))
        self.setMaxVisibleItems(15)
        completer = QCompleter(self.model(), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        line = self.lineEdit()
        assert line is not None
        line.setPlaceholderText("Type a city, e.g. London")
        self.setToolTip("The time zone the working hours are in. Type part of a city to search.")

    def set_zone(self, name: str) -> None:
        row = self.findText(name)
        if row >= 0:
            self.setCurrentIndex(row)
        else:
            self.setEditText(name)

    def zone(self) -> str:
        """The canonical name typed or chosen; raises ValueError with a message if unknown."""
        try:
            return canonical_time_zone(self.currentText())
        except ValidationError as exc:
            raise ValueError(str(exc)) from exc


class WorkdayChecks(QWidget):
    """Seven check boxes, Monday first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[QCheckBox] = []
        for name in WEEKDAY_NAMES:
            box = QCheckBox(name[:3])
            box.setToolTip(name)
            self.boxes.append(box)
            layout.addWidget(box)
        layout.addStretch(1)

    def set_days(self, days: frozenset[int]) -> None:
        for number, box in enumerate(self.boxes):
            box.setChecked(number in days)

    def days(self) -> frozenset[int]:
        return frozenset(n for n, box in enumerate(self.boxes) if box.isChecked())


def _time_edit(minutes: int) -> QTimeEdit:
    edit = QTimeEdit()
    edit.setDisplayFormat("HH:mm")
    minutes = min(minutes, 24 * 60 - 1)
    edit.setTime(QTime(minutes // 60, minutes % 60))
    return edit


def minutes_of(edit: QTimeEdit) -> int:
    t = edit.time()
    return t.hour() * 60 + t.minute()


@dataclass(frozen=True)
class CalendarForm:
    name: str
    timezone: str
    workdays: frozenset[int]
    day_start_minute: int
    day_end_minute: int


class CalendarFields:
    """Name, time zone, working days and hours, as rows of a form layout."""

    def __init__(self, form: QFormLayout, calendar: CalendarView | None = None) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Head office")
        self.zone_combo = TimeZoneCombo()
        self.workdays = WorkdayChecks()
        self.start_edit = _time_edit(8 * 60)
        self.end_edit = _time_edit(18 * 60)
        hours = QWidget()
        row = QHBoxLayout(hours)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.start_edit)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end_edit)
        self.length_label = QLabel()
        row.addWidget(self.length_label)
        row.addStretch(1)
        form.addRow("&Name", self.name_edit)
        form.addRow("&Time zone", self.zone_combo)
        form.addRow("Working days", self.workdays)
        form.addRow("Working &hours", hours)
        self.start_edit.timeChanged.connect(self._update_length)
        self.end_edit.timeChanged.connect(self._update_length)
        self.load(calendar)

    def load(self, calendar: CalendarView | None) -> None:
        self.name_edit.setText(calendar.name if calendar else "")
        self.zone_combo.set_zone(calendar.timezone if calendar else system_time_zone())
        self.workdays.set_days(calendar.workdays if calendar else frozenset(range(5)))
        for edit, minutes in (
            (self.start_edit, calendar.day_start_minute if calendar else 8 * 60),
            (self.end_edit, calendar.day_end_minute if calendar else 18 * 60),
        ):
            minutes = min(minutes, 24 * 60 - 1)
            edit.setTime(QTime(minutes // 60, minutes % 60))
        self._update_length()

    def _update_length(self) -> None:
        span = minutes_of(self.end_edit) - minutes_of(self.start_edit)
        if span <= 0:
            self.length_label.setText("— the day must end after it starts")
        else:
            hours, rest = divmod(span, 60)
            self.length_label.setText(f"({hours} h{f' {rest} min' if rest else ''} a day)")

    def values(self) -> CalendarForm:
        """The form's values; raises ValueError with a message for the user."""
        name = " ".join(self.name_edit.text().split())
        if not name:
            raise ValueError("Give the calendar a name, e.g. 'Head office'.")
        zone = self.zone_combo.zone()
        days = self.workdays.days()
        if not days:
            raise ValueError("Tick at least one working day.")
        start, end = minutes_of(self.start_edit), minutes_of(self.end_edit)
        if end <= start:
            raise ValueError("The working day must end after it starts, e.g. 08:00 to 18:00.")
        return CalendarForm(name, zone, days, start, end)


class NewCalendarDialog(FormDialog):
    """A further business calendar, e.g. for a branch in another time zone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New business calendar", "Add calendar", parent=parent)
        self.fields = CalendarFields(self.form)
        self.fields.name_edit.setFocus()

    def values(self) -> CalendarForm:
        return self.fields.values()


# --- holidays ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayForm:
    day: date
    name: str


class HolidayDialog(FormDialog):
    """A day without business hours, e.g. a bank holiday or an office closure."""

    def __init__(self, calendar_name: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Add a holiday to {calendar_name}", "Add holiday", parent=parent)
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Office closed for the move")
        self.form.addRow("&Date", self.date_edit)
        self.form.addRow("&Name", self.name_edit)
        self.setMinimumWidth(400)
        self.date_edit.setFocus()

    def values(self) -> HolidayForm:
        picked = self.date_edit.date()
        return HolidayForm(date(picked.year(), picked.month(), picked.day()), self.name_edit.text())


# --- policies ---------------------------------------------------------------------------------


class DurationEdit(QWidget):
    """Business hours and minutes, e.g. 4 h 30 min."""

    def __init__(self, minutes: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.hours = QSpinBox()
        self.hours.setRange(0, MAX_TARGET_MINUTES // 60)
        self.hours.setSuffix(" h")
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 59)
        self.minutes.setSingleStep(5)
        self.minutes.setSuffix(" min")
        layout.addWidget(self.hours)
        layout.addWidget(self.minutes)
        layout.addStretch(1)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: int) -> None:
        self.hours.setValue(minutes // 60)
        self.minutes.setValue(minutes % 60)

    def total_minutes(self) -> int:
        return self.hours.value() * 60 + self.minutes.value()


@dataclass(frozen=True)
class PolicyForm:
    priority: Priority
    organisation_id: uuid.UUID | None
    calendar_id: uuid.UUID
    first_response_minutes: int
    resolution_minutes: int
    name: str


class PolicyDialog(FormDialog):
    """Targets for one priority (for all organisations or one), over a business calendar."""

    def __init__(
        self,
        calendars: list[CalendarView],
        organisations: list[OrganisationOption],
        policy: PolicyView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "New SLA policy" if policy is None else f"Edit {policy.name}",
            "Add policy" if policy is None else "Save policy",
            parent=parent,
        )
        self.policy = policy
        self.calendars = {c.id: c for c in calendars}
        self.priority_combo = QComboBox()
        for priority in sorted(Priority, key=lambda p: -p.rank):
            self.priority_combo.addItem(priority.label, priority.value)
        self.organisation_combo = QComboBox()
        self.organisation_combo.addItem("All organisations", None)
        for org in organisations:
            self.organisation_combo.addItem(org.name, org.id)
        self.calendar_combo = QComboBox()
        for cal in calendars:
            self.calendar_combo.addItem(cal.name, cal.id)
        self.first_edit = DurationEdit()
        self.resolution_edit = DurationEdit()
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Optional, e.g. High priority – Acme")
        self.day_label = QLabel()
        self.day_label.setWordWrap(True)

        self.form.addRow("&Priority", self.priority_combo)
        self.form.addRow("&Organisation", self.organisation_combo)
        self.form.addRow("&Calendar", self.calendar_combo)
        self.form.addRow("&First response within", self.first_edit)
        self.form.addRow("&Resolved within", self.resolution_edit)
        self.form.addRow("", self.day_label)
        self.form.addRow("&Name", self.name_edit)
        note = QLabel(NEW_TICKETS_ONLY)
        note.setWordWrap(True)
        self.body.insertWidget(1, note)

        if policy is not None:
            self.priority_combo.setCurrentIndex(
                max(0, self.priority_combo.findData(policy.priority.value))
            )
            self.organisation_combo.setCurrentIndex(
                max(0, index_of_data(self.organisation_combo, policy.organisation_id))
            )
            self.calendar_combo.setCurrentIndex(
                max(0, index_of_data(self.calendar_combo, policy.calendar_id))
            )
            self.first_edit.set_minutes(policy.first_response_minutes)
            self.resolution_edit.set_minutes(policy.resolution_minutes)
            self.name_edit.setText(policy.name)
            # Tickets point at the policy: it keeps what it covers.
            for combo in (self.priority_combo, self.organisation_combo):
                combo.setEnabled(False)
                combo.setToolTip(
                    "A policy keeps its priority and organisation. To cover another, "
                    "delete this policy and add a new one."
                )
            self.first_edit.hours.setFocus()
        else:
            self._on_priority_changed()
            self.priority_combo.setFocus()
            self.priority_combo.currentIndexChanged.connect(self._on_priority_changed)
        self.calendar_combo.currentIndexChanged.connect(self._update_day_label)
        self._update_day_label()

    def _on_priority_changed(self) -> None:
        """Start a new policy from the built-in targets of the priority."""
        targets = DEFAULT_TARGETS[Priority(self.priority_combo.currentData())]
        self.first_edit.set_minutes(targets.first_response_minutes)
        self.resolution_edit.set_minutes(targets.resolution_minutes)

    def _update_day_label(self) -> None:
        cal = self.calendars.get(self.calendar_combo.currentData())
        if cal is None:
            self.day_label.setText("")
            return
        hours = cal.hours_per_day
        shown = f"{hours:g}"
        self.day_label.setText(
            f"Business time on {cal.name}: {cal.summary()} — a working day is {shown} hours."
        )

    def values(self) -> PolicyForm:
        calendar_id = self.calendar_combo.currentData()
        if calendar_id is None:
            raise ValueError("Add a business calendar first: a policy counts time on one.")
        first, resolution = self.first_edit.total_minutes(), self.resolution_edit.total_minutes()
        if first <= 0 or resolution <= 0:
            raise ValueError("Set both targets longer than zero, e.g. 1 h and 8 h.")
        if first > resolution:
            raise ValueError("The first response must be due no later than the resolution.")
        return PolicyForm(
            priority=Priority(self.priority_combo.currentData()),
            organisation_id=self.organisation_combo.currentData(),
            calendar_id=calendar_id,
            first_response_minutes=first,
            resolution_minutes=resolution,
            name=self.name_edit.text(),
        )
