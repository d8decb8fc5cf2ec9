"""The Admin pane's Canned replies tab on a real SQLite file: write, preview, list, edit and
delete canned replies through the real widgets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.domain.enums import Role
from app.services.registry import Services
from app.ui.admin.admin_pane import AdminPane
from app.ui.admin.canned_tab import CannedTab
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner
from tests.helpers.people import services_as

pytestmark = pytest.mark.gui


@pytest.fixture
def pane(make_pane: Callable[[type[Pane]], Pane]) -> AdminPane:
    built = make_pane(AdminPane)
    assert isinstance(built, AdminPane)
    built.tabs.setCurrentWidget(built.canned_tab)
    return built


def _listed(tab: CannedTab) -> list[tuple[str, str]]:
    model = tab.model
    return [
        (str(model.data(model.index(r, 0))), str(model.data(model.index(r, 1))))
        for r in range(model.rowCount())
    ]


def _insert(tab: CannedTab, placeholder: str) -> None:
    action = next(a for a in tab.insert_menu.actions() if a.data() == placeholder)
    action.trigger()


def test_create_a_canned_reply_and_see_it_listed(
    pane: AdminPane, services: Services, qtbot: QtBot
) -> None:
    tab = pane.canned_tab
    assert tab.empty_label.isVisible()
    assert "press Save" in tab.empty_label.text()
    assert not tab.save_button.isEnabled()  # nothing typed yet

    tab.title_edit.setText("Password reset")
    tab.body_edit.setPlainText("Hello ")
    tab.body_edit.moveCursor(tab.body_edit.textCursor().MoveOperation.End)
    _insert(tab, "{requester.first_name}")
    tab.body_edit.insertPlainText(", your ticket ")
    _insert(tab, "{ticket.number}")
    tab.body_edit.insertPlainText(" is done.\n")
    _insert(tab, "{agent.name}")
    assert tab.body_edit.toPlainText() == (
        "Hello {requester.first_name}, your ticket {ticket.number} is done.\n{agent.name}"
    )
    assert tab.preview.toPlainText() == "Hello Rita, your ticket SD1-000123 is done.\nAda Admin"
    assert tab.dirty_label.text() == "Unsaved changes"
    assert tab.save_button.isEnabled()

    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _listed(tab) == [("Password reset", "Team")], timeout=10000)
    assert not tab.empty_label.isVisible()
    assert tab.dirty_label.text() == ""
    [saved] = services.conversation.canned_responses()
    assert saved.shared
    assert saved.body.endswith("{agent.name}")
    assert tab.editing_id == saved.id
    assert tab.selected() == saved  # the saved reply stays selected

    # A personal one, saved with the keyboard.
    tab.new_action.trigger()
    assert tab.title_edit.text() == ""
    tab.title_edit.setText("My signature")
    tab.shared_check.setChecked(False)
    tab.body_edit.setPlainText("Cheers, {agent.name}")
    tab.save_action.trigger()
    qtbot.waitUntil(lambda: len(_listed(tab)) == 2, timeout=10000)
    assert _listed(tab) == [("My signature", "Only me"), ("Password reset", "Team")]


def test_unknown_placeholders_are_pointed_out(pane: AdminPane) -> None:
    tab = pane.canned_tab
    tab.body_edit.setPlainText("Dear {requester.nmae}, about {ticket.subject}")
    assert tab.unknown_label.isVisible()
    assert "{requester.nmae}" in tab.unknown_label.text()
    assert tab.preview.toPlainText() == "Dear {requester.nmae}, about Printer on floor 2 jams"
    tab.body_edit.setPlainText("Dear {requester.name}")
    assert not tab.unknown_label.isVisible()


def test_edit_and_delete(
    pane: AdminPane,
    services: Services,
    tasks: TaskRunner,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tab = pane.canned_tab
    services.conversation.save_canned("Known outage", "We know, {requester.name}.", True)
    services.conversation.save_canned("Ask for a screenshot", "Please send one.", True)
    tab.refresh()
    tasks.wait()
    QApplication.processEvents()
    assert [title for title, _ in _listed(tab)] == ["Ask for a screenshot", "Known outage"]

    tab.view.selectRow(1)
    assert tab.title_edit.text() == "Known outage"
    assert tab.preview.toPlainText() == "We know, Rita van Dam."
    assert tab.delete_action.isEnabled()
    tab.body_edit.setPlainText("Fixed by 3 pm, {requester.first_name}.")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_dirty(), timeout=10000)
    tasks.wait()
    QApplication.processEvents()
    bodies = {c.title: c.body for c in services.conversation.canned_responses()}
    assert bodies["Known outage"] == "Fixed by 3 pm, {requester.first_name}."

    # Moving away from unsaved changes asks first; "no" keeps the editor as it is.
    tab.body_edit.setPlainText("half-written")
    monkeypatch.setattr(tab, "confirm", lambda title, text: False)
    tab.view.selectRow(0)
    qtbot.waitUntil(lambda: getattr(tab.selected(), "id", None) == tab.editing_id)
    assert tab.body_edit.toPlainText() == "half-written"
    assert tab.title_edit.text() == "Known outage"

    asked: list[str] = []

    def say_yes(_title: str, text: str) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(tab, "confirm", say_yes)
    tab.delete_action.trigger()
    qtbot.waitUntil(lambda: len(_listed(tab)) == 1, timeout=10000)
    assert "whole team" in asked[0]
    assert [c.title for c in services.conversation.canned_responses()] == ["Ask for a screenshot"]
    assert tab.editing_id is None
    assert tab.title_edit.text() == ""


def test_refusal_is_shown_next_to_the_editor(pane: AdminPane, qtbot: QtBot) -> None:
    tab = pane.canned_tab
    tab.title_edit.setText("No text yet")
    tab.body_edit.setPlainText("   ")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.problem_label.isVisible(), timeout=10000)
    assert "Write the text of the canned response" in tab.problem_label.text()
    assert tab.model.rowCount() == 0


def test_model_is_sound(
    pane: AdminPane, services: Services, tasks: TaskRunner, qtmodeltester: object
) -> None:
    services.conversation.save_canned("One", "Text", True)
    services.conversation.save_canned("Two", "Text", False)
    pane.canned_tab.refresh()
    tasks.wait()
    QApplication.processEvents()
    assert pane.canned_tab.model.rowCount() == 2
    qtmodeltester.check(pane.canned_tab.model)  # type: ignore[attr-defined]


def test_without_ticket_write_the_editor_is_read_only(
    services: Services, app_signals: AppSignals, tasks: TaskRunner, qtbot: QtBot
) -> None:
    services.conversation.save_canned("Shared one", "Text", True)
    pane = AdminPane(
        services_as(services, Role.TRAINER, "terry", "Terry Trainer"), app_signals, tasks
    )
    qtbot.addWidget(pane)
    pane.show()
    pane.activate()
    tab = pane.canned_tab
    tasks.wait()  # every tab's load, not only this one's
    QApplication.processEvents()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=10000)
    tab.view.selectRow(0)
    assert tab.title_edit.text() == "Shared one"
    assert not tab.title_edit.isEnabled()
    assert not tab.save_button.isEnabled()
    assert not tab.delete_action.isEnabled()
    assert not tab.new_action.isEnabled()
