"""Item models of the Training pane: sessions (paged), a session's roster, people to enrol."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from app.domain.enums import AttendanceStatus, EnrolmentStatus
from app.domain.sla import SlaState
from app.services.training_service import PersonOption, RosterRow, SessionRow
from app.ui import theme
from app.ui.models.paged_table_model import Column, PagedTableModel
from app.ui.models.roles import ID_ROLE, ROW_ROLE, SORT_ROLE

Index = QModelIndex | QPersistentModelIndex

ENROLMENT_LABELS = {
    EnrolmentStatus.ENROLLED: "Enrolled",
    EnrolmentStatus.WAITLISTED: "Waiting list",
    EnrolmentStatus.CANCELLED: "Cancelled",
    EnrolmentStatus.COMPLETED: "Completed",
}
NOT_MARKED = "Not marked"


def local(moment: datetime) -> datetime:
    """The moment in the user's own time zone (the database keeps UTC)."""
    return moment.astimezone()


def date_text(moment: datetime) -> str:
    return local(moment).strftime("%a %d %b %Y")


def time_range_text(starts_at: datetime, ends_at: datetime) -> str:
    start, end = local(starts_at), local(ends_at)
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%H:%M} – {end:%d %b %H:%M}"


def seats_text(row: SessionRow) -> str:
    text = f"{row.enrolled} / {row.capacity}"
    return f"{text} (+{row.waitlisted} waiting)" if row.waitlisted else text


def attendance_colour(status: AttendanceStatus | None) -> QColor | None:
    """Green, red and amber from the theme's SLA colours, which already read well in both
    light and dark schemes; no mark keeps the view's own text colour."""
    if status is None:
        return None
    return theme.sla_colour(
        {
            AttendanceStatus.PRESENT: SlaState.MET,
            AttendanceStatus.ABSENT: SlaState.BREACHED,
            AttendanceStatus.EXCUSED: SlaState.DUE_SOON,
        }[status]
    )


def session_columns() -> list[Column[SessionRow]]:
    """Columns of the sessions list; the keys are the service's SQL sort keys."""
    return [
        Column("date", "Date", lambda r: date_text(r.starts_at), lambda r: r.starts_at),
        Column(
            "time",
            "Time",
            lambda r: time_range_text(r.starts_at, r.ends_at),
            lambda r: local(r.starts_at).time(),
            sortable=False,
        ),
        Column(
            "course",
            "Course",
            lambda r: r.course_title,
            tooltip=lambda r: f"{r.course_code} – {r.course_title}",
        ),
        Column("trainer", "Trainer", lambda r: r.trainer_name or "No trainer yet"),
        Column("location", "Location", lambda r: r.location),
        Column(
            "seats",
            "Seats",
            seats_text,
            lambda r: r.enrolled,
            tooltip=lambda r: (
                f"{r.enrolled} enrolled, {r.seats_left} seats free, "
                f"{r.waitlisted} on the waiting list, {r.attended} attended"
            ),
            align_right=True,
            sortable=False,
        ),
    ]


class SessionsModel(PagedTableModel[SessionRow]):
    """Training sessions paged in from `TrainingService.sessions_page`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(session_columns(), None, page_size=100, parent=parent)


class RosterModel(QAbstractTableModel):
    """Who is enrolled in one session, with their latest attendance mark."""

    PERSON, ENROLMENT, ATTENDANCE = range(3)
    HEADERS = ("Person", "Enrolment", "Attendance")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RosterRow] = []

    def set_rows(self, rows: Sequence[RosterRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> RosterRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[RosterRow]:
        return list(self._rows)

    def row_of_enrolment(self, enrolment_id: uuid.UUID) -> int:
        for i, row in enumerate(self._rows):
            if row.enrolment_id == enrolment_id:
                return i
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.PERSON:
                return row.person_name
            if column == self.ENROLMENT:
                return ENROLMENT_LABELS[row.status]
            if column == self.ATTENDANCE:
                return row.attendance.label if row.attendance else NOT_MARKED
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.ATTENDANCE:
                return attendance_colour(row.attendance)
            if column == self.ENROLMENT and row.status == EnrolmentStatus.WAITLISTED:
                return theme.sla_colour(SlaState.DUE_SOON)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.ATTENDANCE and row.marked_at is not None:
                return f"Marked {local(row.marked_at):%d %b %Y %H:%M}"
            if column == self.ENROLMENT and row.status == EnrolmentStatus.WAITLISTED:
                return "Gets a seat when someone enrolled cancels"
            return None
        if role == SORT_ROLE:
            if column == self.PERSON:
                return row.person_name
            if column == self.ENROLMENT:
                return list(EnrolmentStatus).index(row.status)
            if column == self.ATTENDANCE:
                return row.attendance.value if row.attendance else ""
            return None
        if role == ID_ROLE:
            return row.enrolment_id
        if role == ROW_ROLE:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class PeopleChoiceModel(QAbstractListModel):
    """People to tick for enrolment; those already on the session are shown but locked.

    Signals:
        checked_changed(int): how many people are ticked now.
    """

    checked_changed = Signal(int)

    def __init__(
        self,
        people: Sequence[PersonOption],
        already: Iterable[uuid.UUID] = (),
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._people = list(people)
        self._already = set(already)
        self._checked: set[uuid.UUID] = set()

    def checked_ids(self) -> list[uuid.UUID]:
        """The ticked people, in the order they are listed."""
        return [p.id for p in self._people if p.id in self._checked]

    def set_checked(self, person_id: uuid.UUID, checked: bool) -> None:
        for i, person in enumerate(self._people):
            if person.id == person_id:
                state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                self.setData(self.index(i), state, Qt.ItemDataRole.CheckStateRole)
                return

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._people)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._people):
            return None
        person = self._people[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            suffix = " (already on this session)" if person.id in self._already else ""
            return f"{person.full_name}{suffix}"
        if role == Qt.ItemDataRole.CheckStateRole:
            ticked = person.id in self._checked or person.id in self._already
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return person.username
        if role == SORT_ROLE:
            return person.full_name.casefold()
        if role == ID_ROLE:
            return person.id
        if role == ROW_ROLE:
            return person
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.CheckStateRole
            or not index.isValid()
            or not 0 <= index.row() < len(self._people)
        ):
            return False
        person = self._people[index.row()]
        if person.id in self._already:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        if checked == (person.id in self._checked):
            return True
        if checked:
            self._checked.add(person.id)
        else:
            self._checked.discard(person.id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checked_changed.emit(len(self._checked))
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._people[index.row()].id in self._already:
            return Qt.ItemFlag.NoItemFlags  # shown for context, not choosable
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )
