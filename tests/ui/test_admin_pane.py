"""The Admin pane on a real SQLite file: people, roles, the audit log, permissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

from app.domain.enums import AuditKind, Role
from app.domain.sla import SlaState
from app.services.registry import Services
from app.ui import theme
from app.ui.admin.admin_pane import AdminPane
from app.ui.admin.person_dialog import PersonDialog
from app.ui.admin.roles_dialog import RolesDialog
from app.ui.form_dialog import FormDialog
from app.ui.models.audit_model import AuditModel
from app.ui.models.people_model import PeopleModel
from app.ui.models.roles import ROW_ROLE
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner
from tests.helpers.people import services_as

pytestmark = pytest.mark.gui


@pytest.fixture
def pane(make_pane: Callable[[type[Pane]], Pane]) -> AdminPane:
    built = make_pane(AdminPane)
    assert isinstance(built, AdminPane)
    return built


def _people(pane: AdminPane) -> dict[str, int]:
    return {p.username: i for i, p in enumerate(pane.people_model.loaded_rows())}


def _cell(model: PeopleModel | AuditModel, row: int, column: int) -> str:
    return str(model.data(model.index(row, column)))


def _ok(qtbot: QtBot, dialog: FormDialog) -> None:
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )


def _select(pane: AdminPane, qtbot: QtBot, username: str) -> None:
    qtbot.waitUntil(lambda: username in _people(pane))
    pane.people_view.selectRow(_people(pane)[username])
    assert pane.selected_person() is not None


def _create_tina(pane: AdminPane, qtbot: QtBot) -> None:
    qtbot.mouseClick(pane.new_button, Qt.MouseButton.LeftButton)
    dialog = pane.dialog
    assert isinstance(dialog, PersonDialog)
    assert dialog.isVisible()
    dialog.full_name_edit.setText("Tina Tech")
    dialog.username_edit.setText("tina")
    dialog.email_edit.setText("tina@example.org")
    assert dialog.role_checks is not None
    assert dialog.password_edit is not None
    assert dialog.repeat_edit is not None
    dialog.password_edit.setText("tech password 1")
    dialog.repeat_edit.setText("tech password 1")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):  # saved, then closed
        _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: "tina" in _people(pane), timeout=10000)


def test_people_and_audit_models_are_sound(pane: AdminPane, qtmodeltester: object) -> None:
    assert pane.people_model.rowCount() == 1  # the administrator
    assert _cell(pane.people_model, 0, 0) == "Ada Admin"
    assert _cell(pane.people_model, 0, 4) == "Active"
    assert pane.audit_model.rowCount() >= 1
    qtmodeltester.check(pane.people_model)  # type: ignore[attr-defined]
    qtmodeltester.check(pane.audit_model)  # type: ignore[attr-defined]


def test_create_person_through_the_dialog(pane: AdminPane, qtbot: QtBot) -> None:
    _create_tina(pane, qtbot)
    row = _people(pane)["tina"]
    assert _cell(pane.people_model, row, 2) == "Technician"
    assert _cell(pane.people_model, row, 5) == "Never"
    qtbot.waitUntil(lambda: _cell(pane.audit_model, 0, 2) == "person.create")
    assert "tina" in _cell(pane.audit_model, 0, 4)


def test_dialog_shows_problems_and_stays_open(pane: AdminPane, qtbot: QtBot) -> None:
    qtbot.mouseClick(pane.new_button, Qt.MouseButton.LeftButton)
    dialog = pane.dialog
    assert isinstance(dialog, PersonDialog)
    assert dialog.password_edit is not None
    assert dialog.repeat_edit is not None
    dialog.full_name_edit.setText("Second Admin")
    dialog.username_edit.setText("ADMIN")  # taken (user names ignore case)
    dialog.password_edit.setText("long enough 1")
    dialog.repeat_edit.setText("different 2")
    _ok(qtbot, dialog)
    assert "passwords differ" in dialog.problem_label.text()
    dialog.repeat_edit.setText("long enough 1")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: "taken" in dialog.problem_label.text(), timeout=10000)
    assert dialog.isVisible()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.reject()


def test_change_roles_and_see_the_security_event(pane: AdminPane, qtbot: QtBot) -> None:
    _create_tina(pane, qtbot)
    _select(pane, qtbot, "tina")
    assert pane.roles_button.isEnabled()
    qtbot.mouseClick(pane.roles_button, Qt.MouseButton.LeftButton)
    dialog = pane.dialog
    assert isinstance(dialog, RolesDialog)
    dialog.role_checks.boxes[Role.TECHNICIAN].setChecked(False)
    dialog.role_checks.boxes[Role.TRAINER].setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        _ok(qtbot, dialog)
    qtbot.waitUntil(
        lambda: _cell(pane.people_model, _people(pane)["tina"], 2) == "Trainer", timeout=10000
    )
    qtbot.waitUntil(lambda: _cell(pane.audit_model, 0, 2) == "person.roles")
    assert _cell(pane.audit_model, 0, 1) == "Security"
    colour = pane.audit_model.data(pane.audit_model.index(0, 1), Qt.ItemDataRole.ForegroundRole)
    assert colour == theme.sla_colour(SlaState.BREACHED)
    assert "technician → trainer" in _cell(pane.audit_model, 0, 4)


def test_disable_and_enable(pane: AdminPane, qtbot: QtBot) -> None:
    _select(pane, qtbot, "admin")
    assert not pane.active_button.isEnabled()  # nobody can lock themselves out
    _create_tina(pane, qtbot)
    _select(pane, qtbot, "tina")
    assert pane.active_button.text() == "Disable"
    qtbot.mouseClick(pane.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: _cell(pane.people_model, _people(pane)["tina"], 4) == "Disabled", timeout=10000
    )
    assert pane.selected_person() is not None  # the selection survives the reload
    assert pane.active_button.text() == "Enable"


def test_audit_filter_and_search(pane: AdminPane, qtbot: QtBot, services: Services) -> None:
    services.people.create_person(
        username="tina",
        full_name="Tina Tech",
        email="",
        password="tech password 1",
        roles=frozenset({Role.TECHNICIAN}),
    )
    pane.refresh()
    pane.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: pane.audit_model.rowCount() == 2)
    pane.audit_filter.setCurrentIndex(1)  # changes only
    assert pane.audit_model.rowCount() == 0
    assert pane.audit_empty.isVisible()
    assert "Clear the search box" in pane.audit_empty.text()
    pane.audit_filter.setCurrentIndex(2)  # security events
    rows = [pane.audit_model.data(pane.audit_model.index(i, 0), ROW_ROLE) for i in range(2)]
    assert {r.kind for r in rows} == {AuditKind.SECURITY}
    pane.audit_search.setText("tina")  # debounced: the model changes a moment later
    qtbot.waitUntil(lambda: pane.audit_model.rowCount() == 1, timeout=5000)
    assert _cell(pane.audit_model, 0, 2) == "person.create"
    assert pane.audit_count_label.text() == "1 events"
    pane.audit_view.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # sorted in SQL
    assert pane.audit_model.rowCount() == 1


def test_without_permissions_buttons_are_off_and_audit_is_explained(
    services: Services, app_signals: AppSignals, tasks: TaskRunner, qtbot: QtBot
) -> None:
    pane = AdminPane(
        services_as(services, Role.TECHNICIAN, "tina", "Tina Tech"), app_signals, tasks
    )
    qtbot.addWidget(pane)
    pane.show()
    pane.activate()
    qtbot.waitUntil(lambda: pane.people_model.rowCount() == 2, timeout=10000)
    pane.people_view.selectRow(0)
    for button in (pane.new_button, pane.roles_button, pane.active_button):
        assert not button.isEnabled()
    assert pane.audit_view is None
    pane.tabs.setCurrentIndex(1)
    texts = [label.text() for label in pane.tabs.widget(1).findChildren(QLabel)]
    assert any("Only supervisors and administrators" in t for t in texts)
