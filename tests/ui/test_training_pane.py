"""The Training pane on a real SQLite file: dialogs, enrolment, attendance, layout memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt
from pytestqt.qtbot import QtBot

from app.data.models.people import User
from app.data.repos import people as people_repo
from app.domain.enums import AttendanceStatus, EnrolmentStatus, Role
from app.domain.sla import SlaState
from app.services.base import Area
from app.services.registry import Services
from app.ui import theme
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.training.enrol_dialog import EnrolDialog
from app.ui.training.new_course_dialog import NewCourseDialog
from app.ui.training.new_session_dialog import NewSessionDialog, to_qdatetime
from app.ui.training.training_pane import (
    NO_MATCH,
    NO_SELECTION,
    NO_SESSIONS,
    SPLITTER_KEY,
    TrainingPane,
)

pytestmark = pytest.mark.gui


def add_people(services: Services, *names: str, role: Role = Role.TECHNICIAN) -> list[uuid.UUID]:
    """People who never sign in here, so no (slow) password hashing."""
    ids = []
    with services.db.session() as s:
        for name in names:
            user = User(username=name.lower().replace(" ", "."), full_name=name, password_hash="!")
            s.add(user)
            s.flush()
            people_repo.set_roles(s, user.id, frozenset({role}))
            ids.append(user.id)
    return ids


def add_session(
    services: Services, starts_in: timedelta, capacity: int = 12, code: str = "NET-101"
) -> uuid.UUID:
    courses = {c.code: c.id for c in services.training.list_courses()}
    course_id = courses.get(code) or services.training.create_course(code, code, "", 60, 0)[0]
    start = datetime.now(UTC) + starts_in
    session_id, _ = services.training.create_session(
        course_id, None, start, start + timedelta(hours=1), "Room 1", capacity
    )
    return session_id


@pytest.fixture
def build(make_pane: Callable[[type[Pane]], Pane]) -> Callable[[], TrainingPane]:
    def go() -> TrainingPane:
        pane = make_pane(TrainingPane)
        assert isinstance(pane, TrainingPane)
        return pane

    return go


def select_session(pane: TrainingPane, session_id: uuid.UUID) -> None:
    row = pane.sessions_model.row_of_id(session_id)
    assert row >= 0
    pane.sessions_view.selectRow(row)


def select_roster(pane: TrainingPane, *rows: int) -> None:
    selection = pane.roster_view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(
            pane.roster_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def test_empty_states_say_what_to_do(build: Callable[[], TrainingPane]) -> None:
    pane = build()
    assert pane.sessions_stack.currentWidget() is pane.sessions_empty
    assert pane.sessions_empty.text() == NO_SESSIONS
    assert pane.detail_stack.currentWidget() is pane.no_selection_label
    assert pane.no_selection_label.text() == NO_SELECTION
    assert not pane.new_session_button.isEnabled()  # no course yet
    assert not pane.enrol_button.isEnabled()


def test_create_course_then_session_through_dialogs(
    build: Callable[[], TrainingPane], services: Services, qtbot: QtBot, app_signals: AppSignals
) -> None:
    add_people(services, "Tom Trainer", role=Role.TRAINER)
    pane = build()

    pane.new_course_button.click()
    course_dialog = pane.dialog
    assert isinstance(course_dialog, NewCourseDialog)
    course_dialog.code_edit.setText("SAFE-1")
    course_dialog.title_edit.setText("Electrical safety")
    course_dialog.duration_spin.setValue(150)
    course_dialog.months_spin.setValue(24)
    with qtbot.waitSignal(app_signals.changed) as changed:
        course_dialog.ok_button.click()
    assert changed.args[0].touches(Area.TRAINING)
    assert pane.dialog is None
    assert [c.code for c in services.training.list_courses()] == ["SAFE-1"]
    assert pane.course_combo.findText("SAFE-1 – Electrical safety") > 0
    assert pane.new_session_button.isEnabled()

    # The same code again is refused inside the dialog, which stays open to be corrected.
    pane.new_course_button.click()
    again = pane.dialog
    assert isinstance(again, NewCourseDialog)
    again.code_edit.setText("safe-1")
    again.title_edit.setText("Copy")
    again.ok_button.click()
    assert again.isVisible()
    assert "already a course" in again.problem_label.text()
    again.reject()

    pane.new_session_button.click()
    session_dialog = pane.dialog
    assert isinstance(session_dialog, NewSessionDialog)
    assert session_dialog.duration_spin.value() == 150  # from the course
    assert session_dialog.trainer_combo.currentText() == "Tom Trainer"
    # 10:00 two days ahead: the session (150 min) never crosses midnight, whatever the hour.
    start = (
        (datetime.now(UTC) + timedelta(days=2))
        .astimezone()
        .replace(hour=10, minute=0, second=0, microsecond=0)
        .astimezone(UTC)
    )
    session_dialog.start_edit.setDateTime(to_qdatetime(start))
    session_dialog.location_edit.setText("Workshop B")
    session_dialog.capacity_spin.setValue(2)
    with qtbot.waitSignal(app_signals.changed):
        session_dialog.ok_button.click()

    assert pane.sessions_stack.currentWidget() is pane.sessions_view
    assert pane.sessions_model.rowCount() == 1
    assert pane.sessions_model.index(0, 5).data() == "0 / 2"
    # The new session is selected and shown on the right, in local time.
    assert pane.detail_stack.currentIndex() == 1
    assert pane.heading_label.text() == "Electrical safety"
    local = start.astimezone()
    assert f"{local:%H:%M}–{local + timedelta(minutes=150):%H:%M}" in pane.when_label.text()
    assert "Tom Trainer" in pane.trainer_label.text()
    assert "Workshop B" in pane.location_label.text()
    [row] = services.training.sessions_page("upcoming", None, 0, 10)
    assert row.starts_at == start
    assert row.ends_at == start + timedelta(minutes=150)


def test_enrol_and_mark_attendance_with_buttons(
    build: Callable[[], TrainingPane], services: Services, qtbot: QtBot, app_signals: AppSignals
) -> None:
    session_id = add_session(services, timedelta(days=1), capacity=2)
    ann, bob, cat = add_people(services, "Ann", "Bob", "Cat")
    pane = build()
    select_session(pane, session_id)
    assert pane.detail_stack.currentIndex() == 1
    assert pane.roster_empty.isVisible()

    pane.enrol_button.click()
    dialog = pane.dialog
    assert isinstance(dialog, EnrolDialog)
    assert not dialog.ok_button.isEnabled()
    dialog.filter_edit.setText("bo")
    assert dialog.proxy.rowCount() == 1
    dialog.filter_edit.clear()
    for person in (ann, bob, cat):
        dialog.people_model.set_checked(person, True)
    assert "2 of 2 seats left" in dialog.seats_label.text()
    assert "1 person goes on the waiting list" in dialog.seats_label.text()
    with qtbot.waitSignal(app_signals.changed):
        dialog.ok_button.click()

    model = pane.roster_model
    assert [model.index(r, 0).data() for r in range(3)] == ["Ann", "Bob", "Cat"]
    assert model.index(2, 1).data() == "Waiting list"
    assert pane.sessions_model.index(0, 5).data() == "2 / 2 (+1 waiting)"
    assert not pane.present_button.isEnabled()  # nothing selected yet

    select_roster(pane, 0, 1)
    assert pane.present_button.isEnabled()
    with qtbot.waitSignal(app_signals.changed):
        pane.present_button.click()
    assert [model.index(r, 2).data() for r in range(3)] == ["Present", "Present", "Not marked"]
    fg = Qt.ItemDataRole.ForegroundRole
    assert model.index(0, 2).data(fg) == theme.sla_colour(SlaState.MET)
    # The same people stay selected, so a slip can be corrected at once: the latest mark wins.
    assert pane.selected_enrolment_ids() == [
        model.row_at(0).enrolment_id,
        model.row_at(1).enrolment_id,
    ]  # type: ignore[union-attr]
    select_roster(pane, 1)
    pane.absent_button.click()
    assert model.index(1, 2).data() == "Absent"
    assert model.index(1, 2).data(fg) == theme.sla_colour(SlaState.BREACHED)
    select_roster(pane, 0)
    pane.excused_button.click()
    assert model.index(0, 2).data() == "Excused"
    roster = {r.person_name: r.attendance for r in services.training.roster(session_id)}
    assert roster == {"Ann": AttendanceStatus.EXCUSED, "Bob": AttendanceStatus.ABSENT, "Cat": None}

    # Waiting-list people have no seat: they cannot be marked.
    select_roster(pane, 2)
    assert not pane.present_button.isEnabled()

    # Cancelling Bob gives Cat his seat.
    select_roster(pane, 1)
    with qtbot.waitSignal(app_signals.changed):
        pane.cancel_enrolment_button.click()
    statuses = {r.person_name: r.status for r in services.training.roster(session_id)}
    assert statuses == {"Ann": EnrolmentStatus.ENROLLED, "Cat": EnrolmentStatus.ENROLLED}
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["Ann", "Cat"]


def test_upcoming_past_and_course_filters(
    build: Callable[[], TrainingPane], services: Services
) -> None:
    soon = add_session(services, timedelta(days=1))
    later = add_session(services, timedelta(days=5))
    past = add_session(services, timedelta(days=-3))
    other = add_session(services, timedelta(days=2), code="OTHER")
    pane = build()

    def listed() -> list[uuid.UUID]:
        return [r.id for r in pane.sessions_model.loaded_rows()]

    assert listed() == [soon, other, later]
    pane.when_combo.setCurrentIndex(pane.when_combo.findData("past"))
    assert listed() == [past]
    pane.when_combo.setCurrentIndex(pane.when_combo.findData("all"))
    assert listed() == [later, other, soon, past]  # most recent first
    pane.course_combo.setCurrentIndex(pane.course_combo.findText("OTHER – OTHER"))
    assert listed() == [other]
    pane.when_combo.setCurrentIndex(pane.when_combo.findData("past"))
    assert listed() == []
    assert pane.sessions_empty.text() == NO_MATCH


def test_splitter_sizes_are_remembered(
    build: Callable[[], TrainingPane], services: Services
) -> None:
    add_session(services, timedelta(days=1))
    pane = build()
    pane.splitter.setSizes([700, 480])
    pane.splitter.splitterMoved.emit(700, 1)  # what a drag of the handle reports
    assert QSettings().value(SPLITTER_KEY) is not None
    first = pane.splitter.sizes()
    again = build()
    assert again.splitter.sizes() == first
