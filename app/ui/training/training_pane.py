"""Training: scheduled sessions on the left, the chosen session's roster and attendance right."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import AttendanceStatus, EnrolmentStatus
from app.domain.permissions import Permission
from app.errors import SupportDeskError
from app.services.base import Area, Changes
from app.services.registry import Services
from app.services.training_service import CourseRow, SessionRow, When
from app.ui.form_dialog import FormDialog, index_of_data
from app.ui.icons import icon
from app.ui.models.training_models import (
    RosterModel,
    SessionsModel,
    date_text,
    seats_text,
    time_range_text,
)
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.training.enrol_dialog import EnrolDialog
from app.ui.training.new_course_dialog import CourseForm, NewCourseDialog
from app.ui.training.new_session_dialog import NewSessionDialog, SessionForm
from app.ui.worker import TaskRunner

WHEN_LABELS: list[tuple[str, When]] = [("Upcoming", "upcoming"), ("Past", "past"), ("All", "all")]
NO_SESSIONS = "No training sessions scheduled. Create a course, then schedule a session."
NO_MATCH = "No sessions match this view. Choose “All” or another course, or schedule a session."
NO_SELECTION = "Select a session to see who is enrolled."
NOBODY_ENROLLED = "Nobody is enrolled yet. Use “Enrol people” to add people to this session."
SPLITTER_KEY = "training/splitter"


class TrainingPane(Pane):
    """Courses, sessions, enrolment and attendance marking.

    Attributes:
        sessions_model: the paged sessions of the chosen view and course.
        roster_model: who is enrolled in the selected session.
    """

    title = "Training"
    icon_name = "graduation"
    areas = frozenset({Area.TRAINING})

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services, signals, tasks, parent)
        self._courses: list[CourseRow] = []
        self._selected_id: uuid.UUID | None = None
        self._sort: tuple[str, bool] | None = None
        self.dialog: FormDialog | None = None
        self._build()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        actor = self.services.actor
        outer = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.when_combo = QComboBox()
        for text, key in WHEN_LABELS:
            self.when_combo.addItem(text, key)
        self.when_combo.setToolTip("Which sessions to list")
        self.course_combo = QComboBox()
        self.course_combo.setMinimumContentsLength(18)
        self.course_combo.setToolTip("Only sessions of this course")
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.when_combo)
        bar.addWidget(self.course_combo)
        bar.addStretch(1)
        self.new_course_button = QPushButton(icon("book"), "New course")
        self.new_session_button = QPushButton(icon("calendar"), "New session")
        self.enrol_button = QPushButton(icon("training-enrol"), "Enrol people")
        for button in (self.new_course_button, self.new_session_button, self.enrol_button):
            button.setVisible(actor.can(Permission.TRAINING_MANAGE))
            bar.addWidget(button)
        outer.addLayout(bar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)

        # Left: the sessions, or a hint when there are none.
        self.sessions_model = SessionsModel(self)
        self.sessions_view = QTableView()
        self.sessions_view.setModel(self.sessions_model)
        self.sessions_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sessions_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.sessions_view.setSortingEnabled(True)
        self.sessions_view.horizontalHeader().setSortIndicatorShown(False)
        self.sessions_view.verticalHeader().hide()
        self.sessions_view.setAlternatingRowColors(True)
        self.sessions_view.setWordWrap(False)
        header = self.sessions_view.horizontalHeader()
        header.setStretchLastSection(False)
        for column in range(self.sessions_model.columnCount()):
            # Course titles take the spare width; the short columns fit their text.
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column == 2
                else (QHeaderView.ResizeMode.ResizeToContents)
            )
            header.setSectionResizeMode(column, mode)
        self.sessions_empty = QLabel(NO_SESSIONS)
        self._centre(self.sessions_empty)
        self.sessions_stack = QStackedWidget()
        self.sessions_stack.addWidget(self.sessions_view)
        self.sessions_stack.addWidget(self.sessions_empty)
        self.splitter.addWidget(self.sessions_stack)

        # Right: the selected session, or a hint to pick one.
        self.detail_stack = QStackedWidget()
        self.no_selection_label = QLabel(NO_SELECTION)
        self._centre(self.no_selection_label)
        self.detail_stack.addWidget(self.no_selection_label)
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(8, 0, 0, 0)
        self.heading_label = QLabel()
        font = QFont(self.heading_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading_label.setFont(font)
        self.heading_label.setWordWrap(True)
        self.when_label = QLabel()
        self.trainer_label = QLabel()
        self.location_label = QLabel()
        self.seats_label = QLabel()
        for label in (self.when_label, self.trainer_label, self.location_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dl.addWidget(self.heading_label)
        dl.addWidget(self.when_label)
        dl.addWidget(self.trainer_label)
        dl.addWidget(self.location_label)
        dl.addWidget(self.seats_label)
        self.roster_model = RosterModel(self)
        self.roster_view = QTableView()
        self.roster_view.setModel(self.roster_model)
        self.roster_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.roster_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.roster_view.verticalHeader().hide()
        self.roster_view.setWordWrap(False)
        self.roster_view.setAlternatingRowColors(True)
        self.roster_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.roster_empty = QLabel(NOBODY_ENROLLED)
        self.roster_empty.setWordWrap(True)
        dl.addWidget(self.roster_view, 1)
        dl.addWidget(self.roster_empty)
        marks = QHBoxLayout()
        marks.addWidget(QLabel("Mark selected people:"))
        self.present_button = QPushButton(icon("check"), "Present")
        self.absent_button = QPushButton(icon("close"), "Absent")
        self.excused_button = QPushButton(icon("training-excused"), "Excused")
        self.cancel_enrolment_button = QPushButton("Cancel enrolment")
        self.cancel_enrolment_button.setToolTip(
            "Take the selected people off this session; the waiting list moves up"
        )
        can_mark = actor.can(Permission.TRAINING_ATTENDANCE)
        for button in (self.present_button, self.absent_button, self.excused_button):
            button.setVisible(can_mark)
            marks.addWidget(button)
        marks.addStretch(1)
        self.cancel_enrolment_button.setVisible(actor.can(Permission.TRAINING_MANAGE))
        marks.addWidget(self.cancel_enrolment_button)
        dl.addLayout(marks)
        self.detail_stack.addWidget(detail)
        self.splitter.addWidget(self.detail_stack)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        state = QSettings().value(SPLITTER_KEY)
        if not (
            isinstance(state, QByteArray | bytes) and self.splitter.restoreState(QByteArray(state))
        ):
            self.splitter.setSizes([640, 480])  # the list is wider: it has six columns
        outer.addWidget(self.splitter, 1)

        self.when_combo.currentIndexChanged.connect(self._on_when_combo_changed)
        self.course_combo.currentIndexChanged.connect(self._on_course_combo_changed)
        self.new_course_button.clicked.connect(self._on_new_course_button_clicked)
        self.new_session_button.clicked.connect(self._on_new_session_button_clicked)
        self.enrol_button.clicked.connect(self._on_enrol_button_clicked)
        self.present_button.clicked.connect(self._on_present_button_clicked)
        self.absent_button.clicked.connect(self._on_absent_button_clicked)
        self.excused_button.clicked.connect(self._on_excused_button_clicked)
        self.cancel_enrolment_button.clicked.connect(self._on_cancel_enrolment_button_clicked)
        self.sessions_model.sort_requested.connect(self._on_sessions_model_sort_requested)
        self.sessions_view.selectionModel().selectionChanged.connect(
            self._on_sessions_selection_changed
        )
        self.roster_view.selectionModel().selectionChanged.connect(
            self._on_roster_selection_changed
        )
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        self._show_session(None)

    @staticmethod
    def _centre(label: QLabel) -> None:
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setMargin(24)

    # --- state --------------------------------------------------------------------------

    def when(self) -> When:
        key: When = self.when_combo.currentData()
        return key

    def course_filter(self) -> uuid.UUID | None:
        data = self.course_combo.currentData()
        return data if isinstance(data, uuid.UUID) else None

    def selected_session(self) -> SessionRow | None:
        rows = self.sessions_view.selectionModel().selectedRows()
        return self.sessions_model.row_at(rows[0].row()) if rows else None

    def selected_enrolment_ids(self) -> list[uuid.UUID]:
        rows = sorted(i.row() for i in self.roster_view.selectionModel().selectedRows())
        return [r.enrolment_id for i in rows if (r := self.roster_model.row_at(i)) is not None]

    # --- loading ------------------------------------------------------------------------

    def refresh(self) -> None:
        try:
            self._load_courses()
            self._load_sessions()
        except Exception as exc:
            self.show_error(exc, "Could not load the training sessions")

    def _load_courses(self) -> None:
        self._courses = self.services.training.list_courses()
        current = self.course_filter()
        self.course_combo.blockSignals(True)
        self.course_combo.clear()
        self.course_combo.addItem("All courses", None)
        for course in self._courses:
            self.course_combo.addItem(course.label, course.id)
        self.course_combo.setCurrentIndex(max(0, index_of_data(self.course_combo, current)))
        self.course_combo.blockSignals(False)
        self.new_session_button.setEnabled(bool(self._courses))
        self.new_session_button.setToolTip(
            "Schedule a session of a course" if self._courses else "Create a course first"
        )

    def _load_sessions(self) -> None:
        training = self.services.training
        when, course_id, sort = self.when(), self.course_filter(), self._sort
        # One "now" per listing, so paging further down does not shift the rows.
        now = datetime.now(UTC)

        def fetch(offset: int, limit: int) -> list[SessionRow]:
            return training.sessions_page(
                when,
                course_id,
                offset,
                limit,
                now,
                sort=sort[0] if sort else None,
                descending=sort[1] if sort else False,
            )

        keep = self._selected_id
        self.sessions_model.reset(fetch)
        empty = self.sessions_model.rowCount() == 0
        self.sessions_empty.setText(
            NO_SESSIONS if course_id is None and when != "past" else NO_MATCH
        )
        self.sessions_stack.setCurrentWidget(self.sessions_empty if empty else self.sessions_view)
        self._select_session(keep)

    def _select_session(self, session_id: uuid.UUID | None) -> None:
        row = self.sessions_model.row_of_id(session_id) if session_id is not None else -1
        selection = self.sessions_view.selectionModel()
        if row < 0:
            selection.clearSelection()
            self._show_session(None)
            return
        index = self.sessions_model.index(row, 0)
        self.sessions_view.setCurrentIndex(index)
        self.sessions_view.selectRow(row)
        self.sessions_view.scrollTo(index)
        # The row's read model may be unchanged while its roster moved on: reload it too.
        self._show_session(self.sessions_model.row_at(row))

    def _show_session(self, row: SessionRow | None) -> None:
        self._selected_id = row.id if row is not None else None
        if row is None:
            self.detail_stack.setCurrentWidget(self.no_selection_label)
            self.roster_model.set_rows([])
            self.enrol_button.setEnabled(False)
            self._update_roster_buttons()
            return
        self.detail_stack.setCurrentIndex(1)
        self.heading_label.setText(row.course_title)
        self.when_label.setText(
            f"{date_text(row.starts_at)}, {time_range_text(row.starts_at, row.ends_at)} "
            "(your local time)"
        )
        self.trainer_label.setText(f"Trainer: {row.trainer_name or 'no trainer yet'}")
        self.location_label.setText(f"Location: {row.location or 'not set'}")
        self.seats_label.setText(
            f"Seats: {seats_text(row)} — {row.seats_left} left"
            + (f", {row.attended} attended" if row.attended else "")
        )
        self.enrol_button.setEnabled(True)
        try:
            roster = self.services.training.roster(row.id)
        except Exception as exc:
            self.show_error(exc, "Could not load who is enrolled")
            roster = []
        self.roster_model.set_rows(roster)
        self.roster_empty.setVisible(not roster)
        self.roster_view.setVisible(bool(roster))
        self._update_roster_buttons()

    def _update_roster_buttons(self) -> None:
        rows = [
            r
            for i in self.roster_view.selectionModel().selectedRows()
            if (r := self.roster_model.row_at(i.row())) is not None
        ]
        seated = bool(rows) and all(r.status != EnrolmentStatus.WAITLISTED for r in rows)
        for button in (self.present_button, self.absent_button, self.excused_button):
            button.setEnabled(seated)
            button.setToolTip(
                ""
                if seated or not rows
                else "People on the waiting list have no seat and cannot be marked"
            )
        self.cancel_enrolment_button.setEnabled(bool(rows))

    # --- writes -------------------------------------------------------------------------

    def _apply(self, changes: Changes, message: str) -> None:
        # The pane refreshes itself through `changed`, like every other pane of the area.
        self.signals.changed.emit(changes)
        self.signals.status_message.emit(message)

    def _open(self, dialog: FormDialog, save: Any) -> None:
        self.dialog = dialog
        dialog.submitted.connect(save)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    def _save_in(self, dialog: FormDialog, action: Any) -> None:
        """Run `action()`; close the dialog on success, show the refusal in it otherwise."""
        try:
            action()
        except (SupportDeskError, PermissionError) as exc:
            dialog.show_problem(str(exc))  # the service's words: the user can fix and retry
            return
        except Exception as exc:
            dialog.show_problem("That did not work. Nothing was saved.")
            self.show_error(exc)
            return
        dialog.accept()

    @Slot()
    def _on_new_course_button_clicked(self) -> None:
        dialog = NewCourseDialog(self)

        def save(form: CourseForm) -> None:
            def action() -> None:
                _id, changes = self.services.training.create_course(
                    form.code,
                    form.title,
                    form.description,
                    form.duration_minutes,
                    form.certification_months,
                )
                self._apply(changes, f"Course {form.code} created")

            self._save_in(dialog, action)

        self._open(dialog, save)

    @Slot()
    def _on_new_session_button_clicked(self) -> None:
        try:
            trainers = self.services.training.trainers()
        except Exception as exc:
            self.show_error(exc, "Could not load the trainers")
            return
        dialog = NewSessionDialog(self._courses, trainers, self.course_filter(), self)

        def save(form: SessionForm) -> None:
            def action() -> None:
                session_id, changes = self.services.training.create_session(
                    form.course_id,
                    form.trainer_id,
                    form.starts_at,
                    form.ends_at,
                    form.location,
                    form.capacity,
                )
                self._selected_id = session_id  # show the new session once listed
                self._apply(changes, "Session scheduled")

            self._save_in(dialog, action)

        self._open(dialog, save)

    @Slot()
    def _on_enrol_button_clicked(self) -> None:
        row = self.selected_session()
        if row is None:
            return
        try:
            people = self.services.training.people()
        except Exception as exc:
            self.show_error(exc, "Could not load the people")
            return
        already = {r.user_id for r in self.roster_model.rows()}
        dialog = EnrolDialog(row, people, already, self)

        def save(user_ids: list[uuid.UUID]) -> None:
            def action() -> None:
                changes = self.services.training.enrol(row.id, user_ids)
                self._apply(changes, f"{len(user_ids)} enrolled in {row.course_title}")

            self._save_in(dialog, action)

        self._open(dialog, save)

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        dialog = self.dialog
        self.dialog = None
        if dialog is not None:
            dialog.deleteLater()

    def _mark(self, status: AttendanceStatus) -> None:
        ids = self.selected_enrolment_ids()
        if not ids:
            return
        try:
            changes = self.services.training.mark_attendance_many(ids, status)
        except Exception as exc:
            self.show_error(exc, "Could not record attendance")
            return
        self._apply(changes, f"Marked {len(ids)} {status.label.lower()}")
        self._reselect_roster(ids)

    def _reselect_roster(self, enrolment_ids: list[uuid.UUID]) -> None:
        """Keep the same people selected after the roster reloads (mark several in a row)."""
        selection = self.roster_view.selectionModel()
        for enrolment_id in enrolment_ids:
            row = self.roster_model.row_of_enrolment(enrolment_id)
            if row >= 0:
                selection.select(
                    self.roster_model.index(row, 0),
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )

    @Slot()
    def _on_present_button_clicked(self) -> None:
        self._mark(AttendanceStatus.PRESENT)

    @Slot()
    def _on_absent_button_clicked(self) -> None:
        self._mark(AttendanceStatus.ABSENT)

    @Slot()
    def _on_excused_button_clicked(self) -> None:
        self._mark(AttendanceStatus.EXCUSED)

    @Slot()
    def _on_cancel_enrolment_button_clicked(self) -> None:
        ids = self.selected_enrolment_ids()
        if not ids:
            return
        try:
            changes = Changes.of(Area.TRAINING)
            for enrolment_id in ids:
                done = self.services.training.cancel_enrolment(enrolment_id)
                changes = Changes(changes.areas | done.areas, changes.ids | done.ids)
        except Exception as exc:
            self.show_error(exc, "Could not cancel the enrolment")
            self.refresh()
            return
        self._apply(changes, f"Cancelled {len(ids)} enrolment{'s' if len(ids) > 1 else ''}")

    # --- view events --------------------------------------------------------------------

    @Slot(int)
    def _on_when_combo_changed(self, _index: int) -> None:
        self._sort = None
        self.refresh()

    @Slot(int)
    def _on_course_combo_changed(self, _index: int) -> None:
        self.refresh()

    @Slot(str, bool)
    def _on_sessions_model_sort_requested(self, key: str, descending: bool) -> None:
        self._sort = (key, descending)
        self.sessions_view.horizontalHeader().setSortIndicatorShown(True)
        self.refresh()

    @Slot(QItemSelection, QItemSelection)
    def _on_sessions_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        row = self.selected_session()
        if row is None or row.id != self._selected_id:
            self._show_session(row)

    @Slot(QItemSelection, QItemSelection)
    def _on_roster_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._update_roster_buttons()

    @Slot(int, int)
    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        QSettings().setValue(SPLITTER_KEY, self.splitter.saveState())
