"""The Admin pane's Service levels tab on a real SQLite file: the business calendar, its
holidays and the SLA policies, driven through the real widgets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from app.domain.enums import Priority, Role
from app.services.registry import Services
from app.ui.admin.admin_pane import AdminPane
from app.ui.admin.sla_dialogs import HolidayDialog, NewCalendarDialog, PolicyDialog
from app.ui.admin.sla_tab import SlaTab
from app.ui.form_dialog import FormDialog
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner
from tests.helpers.people import services_as

pytestmark = pytest.mark.gui

WEEKDAYS = frozenset(range(5))


@pytest.fixture
def pane(make_pane: Callable[[type[Pane]], Pane]) -> AdminPane:
    built = make_pane(AdminPane)
    assert isinstance(built, AdminPane)
    built.tabs.setCurrentWidget(built.sla_tab)
    return built


def _click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _ok(qtbot: QtBot, dialog: FormDialog) -> None:
    _click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))


def _reload(tab: SlaTab, tasks: TaskRunner) -> None:
    tab.refresh()
    tasks.wait()
    QApplication.processEvents()


def _head_office(services: Services) -> uuid.UUID:
    changes = services.sla.save_calendar("Head office", "Europe/London", WEEKDAYS, 480, 1080)
    return next(iter(changes.ids))


def _cells(tab: SlaTab) -> list[list[str]]:
    model = tab.policy_model
    return [
        [str(model.data(model.index(r, c))) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_empty_tab_says_what_to_do_and_saves_the_first_calendar(
    pane: AdminPane, services: Services, qtbot: QtBot
) -> None:
    tab = pane.sla_tab
    assert tab.calendar_empty.isVisible()
    assert "Save calendar" in tab.calendar_empty.text()
    assert tab.policy_empty.isVisible()
    assert "New policy" in tab.policy_empty.text()
    assert not tab.add_holiday_button.isEnabled()  # nothing to add holidays to yet

    tab.fields.name_edit.setText("Head office")
    tab.fields.zone_combo.setEditText("europe/london")
    tab.fields.workdays.boxes[5].setChecked(True)  # Saturday too
    tab.fields.start_edit.setTime(QTime(7, 30))
    tab.fields.end_edit.setTime(QTime(16, 0))
    assert tab.fields.length_label.text() == "(8 h 30 min a day)"
    _click(qtbot, tab.save_calendar_button)
    qtbot.waitUntil(lambda: tab.calendar_combo.count() == 1, timeout=10000)

    [saved] = services.sla.calendars()
    assert (saved.name, saved.timezone) == ("Head office", "Europe/London")
    assert saved.workdays == frozenset(range(6))
    assert (saved.day_start_minute, saved.day_end_minute) == (450, 960)
    assert not tab.calendar_empty.isVisible()
    assert tab.fields.zone_combo.currentText() == "Europe/London"
    assert tab.add_holiday_button.isEnabled()
    assert "No policy uses this calendar" in tab.calendar_usage.text()


def test_bad_time_zone_is_refused_with_a_message(
    pane: AdminPane, services: Services, tasks: TaskRunner, qtbot: QtBot
) -> None:
    tab = pane.sla_tab
    _head_office(services)
    _reload(tab, tasks)
    tab.fields.zone_combo.setEditText("Europe/Lodnon")
    _click(qtbot, tab.save_calendar_button)
    assert tab.calendar_problem.isVisible()
    assert "'Europe/Lodnon' is not a time zone" in tab.calendar_problem.text()
    tasks.wait()
    assert services.sla.calendars()[0].timezone == "Europe/London"  # unchanged

    # The day must end after it starts; the service's refusals show in the same place.
    tab.fields.zone_combo.setEditText("asia/tokyo")
    tab.fields.end_edit.setTime(QTime(7, 0))
    assert "must end after it starts" in tab.fields.length_label.text()
    _click(qtbot, tab.save_calendar_button)
    assert "must end after it starts" in tab.calendar_problem.text()
    tab.fields.end_edit.setTime(QTime(17, 0))
    _click(qtbot, tab.save_calendar_button)
    assert not tab.calendar_problem.isVisible()
    qtbot.waitUntil(lambda: services.sla.calendars()[0].timezone == "Asia/Tokyo", timeout=10000)
    # Shown again as stored, in the tz database's spelling.
    qtbot.waitUntil(lambda: tab.fields.zone_combo.currentText() == "Asia/Tokyo", timeout=10000)
    assert tab.fields.end_edit.time() == QTime(17, 0)


def test_time_zone_combo_completes_part_of_a_city(pane: AdminPane) -> None:
    combo = pane.sla_tab.fields.zone_combo
    completer = combo.completer()
    assert completer is not None
    completer.setCompletionPrefix("new_y")
    matches = [
        completer.completionModel().index(r, 0).data()
        for r in range(completer.completionModel().rowCount())
    ]
    assert "America/New_York" in matches


def test_a_second_calendar_through_the_dialog(
    pane: AdminPane, services: Services, tasks: TaskRunner, qtbot: QtBot
) -> None:
    tab = pane.sla_tab
    _head_office(services)
    _reload(tab, tasks)
    _click(qtbot, tab.new_calendar_button)
    dialog = tab.dialog
    assert isinstance(dialog, NewCalendarDialog)
    dialog.fields.name_edit.setText("head office")
    dialog.fields.zone_combo.setEditText("America/New_York")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.problem_label.isVisible(), timeout=10000)
    assert "already a calendar called 'Head office'" in dialog.problem_label.text()
    dialog.fields.name_edit.setText("New York branch")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: tab.calendar_combo.count() == 2, timeout=10000)
    assert tab.calendar_combo.currentText() == "New York branch"  # the new one is shown
    assert tab.fields.zone_combo.currentText() == "America/New_York"


def test_add_holiday_remove_it_and_add_bank_holidays(
    pane: AdminPane, services: Services, tasks: TaskRunner, qtbot: QtBot
) -> None:
    tab = pane.sla_tab
    calendar_id = _head_office(services)
    _reload(tab, tasks)
    assert tab.holiday_empty.isVisible()
    assert "Add holiday" in tab.holiday_empty.text()

    _click(qtbot, tab.add_holiday_button)
    dialog = tab.dialog
    assert isinstance(dialog, HolidayDialog)
    dialog.date_edit.setDate(QDate(2031, 7, 4))
    dialog.name_edit.setText("Office move")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: tab.holiday_model.rowCount() == 1, timeout=10000)
    model = tab.holiday_model
    assert [model.data(model.index(0, c)) for c in range(3)] == [
        "2031-07-04",
        "Friday",
        "Office move",
    ]
    assert tab.holiday_box.title() == "Holidays (1)"
    assert not tab.holiday_empty.isVisible()

    # The same day again: refused in the dialog, which stays open.
    _click(qtbot, tab.add_holiday_button)
    dialog = tab.dialog
    assert isinstance(dialog, HolidayDialog)
    dialog.date_edit.setDate(QDate(2031, 7, 4))
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.problem_label.isVisible(), timeout=10000)
    assert "already a holiday" in dialog.problem_label.text()
    dialog.reject()

    tab.holiday_view.selectRow(0)
    assert tab.remove_holiday_button.isEnabled()
    _click(qtbot, tab.remove_holiday_button)
    qtbot.waitUntil(lambda: tab.holiday_model.rowCount() == 0, timeout=10000)
    assert services.sla.calendars()[0].holidays == ()

    tab.bank_year_spin.setValue(2027)
    _click(qtbot, tab.bank_holidays_button)
    qtbot.waitUntil(lambda: tab.holiday_model.rowCount() == 8, timeout=10000)
    days = [h.day for h in services.sla.calendars()[0].holidays]
    assert date(2027, 3, 26) in days  # Good Friday
    assert all(h.calendar_id == calendar_id for h in tab.holiday_model.loaded_rows())


def test_create_edit_and_delete_a_policy(
    pane: AdminPane,
    services: Services,
    tasks: TaskRunner,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tab = pane.sla_tab
    _head_office(services)
    _reload(tab, tasks)

    _click(qtbot, tab.new_policy_button)
    dialog = tab.dialog
    assert isinstance(dialog, PolicyDialog)
    assert "tickets opened from now on" in " ".join(
        w.text() for w in dialog.findChildren(type(dialog.day_label))
    )
    dialog.priority_combo.setCurrentIndex(dialog.priority_combo.findData(Priority.HIGH.value))
    assert dialog.first_edit.total_minutes() == 60  # starts from the built-in target
    dialog.first_edit.set_minutes(9 * 60)
    dialog.resolution_edit.set_minutes(8 * 60)
    _ok(qtbot, dialog)
    assert "no later than the resolution" in dialog.problem_label.text()
    dialog.first_edit.set_minutes(90)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        _ok(qtbot, dialog)
    tasks.wait()  # every tab's load, not only this one's
    QApplication.processEvents()
    qtbot.waitUntil(lambda: tab.policy_model.rowCount() == 1, timeout=10000)
    assert _cells(tab) == [["High", "All", "1:30", "8:00", "Head office", "High priority"]]
    assert not tab.policy_empty.isVisible()
    assert "Used by 1 policy" in tab.calendar_usage.text()

    tab.policy_view.selectRow(0)
    _click(qtbot, tab.edit_policy_button)
    dialog = tab.dialog
    assert isinstance(dialog, PolicyDialog)
    assert not dialog.priority_combo.isEnabled()  # a policy keeps what it covers
    assert dialog.first_edit.total_minutes() == 90
    dialog.first_edit.minutes.setValue(45)
    dialog.first_edit.hours.setValue(0)
    dialog.name_edit.setText("High, fast")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: _cells(tab)[0][2] == "0:45", timeout=10000)
    [policy] = services.sla.policies()
    assert (policy.name, policy.first_response_minutes, policy.resolution_minutes) == (
        "High, fast",
        45,
        480,
    )

    tab.policy_view.selectRow(0)
    asked: list[str] = []

    def say_yes(_title: str, text: str) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(tab, "confirm", say_yes)
    _click(qtbot, tab.delete_policy_button)
    qtbot.waitUntil(lambda: tab.policy_model.rowCount() == 0, timeout=10000)
    assert "Tickets already open keep their due times" in asked[0]
    assert services.sla.policies() == []
    assert tab.policy_empty.isVisible()


def test_a_duplicate_policy_is_refused_in_the_dialog(
    pane: AdminPane, services: Services, tasks: TaskRunner, qtbot: QtBot
) -> None:
    tab = pane.sla_tab
    calendar_id = _head_office(services)
    services.sla.save_policy(Priority.URGENT, None, calendar_id, 30, 240)
    _reload(tab, tasks)
    _click(qtbot, tab.new_policy_button)
    dialog = tab.dialog
    assert isinstance(dialog, PolicyDialog)
    dialog.priority_combo.setCurrentIndex(dialog.priority_combo.findData(Priority.URGENT.value))
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.problem_label.isVisible(), timeout=10000)
    assert "already a urgent priority policy for all organisations" in (dialog.problem_label.text())
    assert dialog.isVisible()
    dialog.reject()


def test_models_are_sound(
    pane: AdminPane,
    services: Services,
    tasks: TaskRunner,
    qtmodeltester: object,
) -> None:
    tab = pane.sla_tab
    calendar_id = _head_office(services)
    services.sla.add_uk_bank_holidays(calendar_id, 2030)
    services.sla.save_policy(Priority.LOW, None, calendar_id, 60, 600)
    _reload(tab, tasks)
    assert tab.holiday_model.rowCount() == 8
    assert tab.policy_model.rowCount() == 1
    qtmodeltester.check(tab.holiday_model)  # type: ignore[attr-defined]
    qtmodeltester.check(tab.policy_model)  # type: ignore[attr-defined]


def test_technicians_see_but_cannot_change(
    services: Services, app_signals: AppSignals, tasks: TaskRunner, qtbot: QtBot
) -> None:
    calendar_id = _head_office(services)
    services.sla.save_policy(Priority.LOW, None, calendar_id, 60, 600)
    pane = AdminPane(
        services_as(services, Role.TECHNICIAN, "tina", "Tina Tech"), app_signals, tasks
    )
    qtbot.addWidget(pane)
    pane.show()
    pane.activate()
    tab = pane.sla_tab
    tasks.wait()  # every tab's load, not only this one's
    QApplication.processEvents()
    qtbot.waitUntil(lambda: tab.policy_model.rowCount() == 1, timeout=10000)
    tab.policy_view.selectRow(0)
    for widget in (
        tab.save_calendar_button,
        tab.add_holiday_button,
        tab.new_policy_button,
        tab.edit_policy_button,
        tab.delete_policy_button,
        tab.fields.name_edit,
    ):
        assert not widget.isEnabled()
    assert "Only supervisors and administrators" in tab.new_policy_button.toolTip()


def test_closing_the_pane_while_it_loads_is_safe(
    services: Services, app_signals: AppSignals, tasks: TaskRunner
) -> None:
    _head_office(services)
    pane = AdminPane(services, app_signals, tasks)
    pane.activate()  # loads start on the task runner
    shiboken6.delete(pane)
    tasks.wait()
    QApplication.processEvents()  # results arrive for widgets that are gone: ignored
    assert not shiboken6.isValid(pane)
