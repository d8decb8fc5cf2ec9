"""The detail side under the conditions a day at the desk brings: refreshes while typing,
windows closed while work runs, slow lists, risky attachments and platform shortcuts.
Real widgets on a real SQLite database."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from app.data.models.people import Team
from app.domain.enums import Priority
from app.services.base import Changes
from app.services.registry import Services
from app.services.ticket_service import TicketFilter
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.tickets.escalate_dialog import Escalation
from app.ui.tickets.import_dialog import ImportDialog
from app.ui.tickets.new_ticket_dialog import NewTicketDialog
from app.ui.tickets.ticket_detail_widget import (
    RISKY_FILE_TEXT,
    TicketDetailWidget,
    is_risky_file,
    send_keys_text,
)
from app.ui.tickets.tickets_pane import TicketsPane
from app.ui.worker import TaskRunner

pytestmark = pytest.mark.gui


def _settle(tasks: TaskRunner, rounds: int = 3) -> None:
    for _ in range(rounds):
        tasks.wait()
        QApplication.processEvents()


@pytest.fixture
def detail(
    qtbot: QtBot, services: Services, app_signals: AppSignals, tasks: TaskRunner
) -> Iterator[TicketDetailWidget]:
    """As in the pane: each broadcast change reloads the ticket shown."""
    widget = TicketDetailWidget()
    widget.attach(services, app_signals, tasks)
    widget.set_permissions(may_write=True, may_assign_others=True, me=services.actor.user_id)
    qtbot.addWidget(widget)
    widget.resize(760, 820)
    widget.show()

    def reload(_changes: Changes) -> None:
        if shiboken6.isValid(widget) and widget.detail is not None:
            widget.show_detail(services.tickets.get(widget.detail.id))

    app_signals.changed.connect(reload)
    yield widget
    _settle(tasks)


def _open(detail: TicketDetailWidget, services: Services, tasks: TaskRunner, ticket_id: uuid.UUID):
    detail.show_detail(services.tickets.get(ticket_id))
    _settle(tasks)


def _refresh(detail: TicketDetailWidget, services: Services) -> None:
    """What the pane does every minute and after each sync: the same ticket, read again."""
    assert detail.detail is not None
    detail.show_detail(services.tickets.get(detail.detail.id))


# --- refreshes keep what is being typed ----------------------------------------------


def test_refresh_keeps_typed_tags_category_and_reply_until_another_ticket(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    first, _ = services.tickets.create("VPN drops every hour", category="Network")
    second, _ = services.tickets.create("Printer offline")
    services.tickets.set_tags(first, ["vpn"])
    _open(detail, services, tasks, first)
    assert detail.tags_edit.text() == "vpn"

    detail.tags_edit.setText("vpn, laptop")  # typed, Enter not pressed yet
    detail.category_combo.setEditText("Remote access")
    detail.reply_editor.setPlainText("Half-written answer")
    # Meanwhile a colleague (or a sync) changes the ticket, and the minute refresh comes.
    services.tickets.change_priority(first, Priority.HIGH)
    _refresh(detail, services)
    _settle(tasks)

    assert detail.detail is not None
    assert detail.detail.priority is Priority.HIGH
    assert detail.priority_combo.currentData() == Priority.HIGH  # the rest did refresh
    assert detail.tags_edit.text() == "vpn, laptop"
    assert detail.category_combo.currentText() == "Remote access"
    assert detail.reply_editor.toPlainText() == "Half-written answer"

    # Another ticket: every box shows that ticket, nothing of the first one's typing.
    _open(detail, services, tasks, second)
    assert detail.tags_edit.text() == ""
    assert detail.category_combo.currentText() == ""
    assert detail.reply_editor.toPlainText() == ""


def test_untouched_tags_follow_changes_made_elsewhere(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id, _ = services.tickets.create("Laptop fan loud")
    _open(detail, services, tasks, ticket_id)
    services.tickets.set_tags(ticket_id, ["hardware"])
    services.tickets.set_category(ticket_id, "Hardware")
    _refresh(detail, services)
    assert detail.tags_edit.text() == "hardware"
    assert detail.category_combo.currentText() == "Hardware"


def test_committed_tags_show_as_stored_even_with_the_focus_in_the_box(
    qtbot: QtBot,
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
) -> None:
    ticket_id, _ = services.tickets.create("Wifi weak on floor 2")
    _open(detail, services, tasks, ticket_id)
    detail.activateWindow()
    detail.tabs.setCurrentIndex(1)  # Details
    detail.tags_edit.setFocus()
    qtbot.waitUntil(detail.tags_edit.hasFocus, timeout=3000)
    qtbot.keyClicks(detail.tags_edit, "wifi, Floor 2, WIFI")
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        qtbot.keyClick(detail.tags_edit, Qt.Key.Key_Return)
    _settle(tasks)
    stored = services.tickets.get(ticket_id).tags
    assert sorted(stored) == ["floor 2", "wifi"]
    assert detail.tags_edit.hasFocus()
    assert detail.tags_edit.text() == ", ".join(stored)  # tidied, as stored


def test_focused_box_waits_and_catches_up_without_writing_stale_tags(
    qtbot: QtBot, detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id, _ = services.tickets.create("Outlook asks for the password")
    services.tickets.set_tags(ticket_id, ["mail"])
    _open(detail, services, tasks, ticket_id)
    detail.activateWindow()
    detail.tabs.setCurrentIndex(1)
    detail.tags_edit.setFocus()
    qtbot.waitUntil(detail.tags_edit.hasFocus, timeout=3000)

    # A sync brings a tag from a colleague while the cursor sits in the box.
    services.tickets.set_tags(ticket_id, ["mail", "mfa"])
    _refresh(detail, services)
    assert detail.tags_edit.text() == "mail"  # not pulled from under the cursor

    # Enter on the unchanged box must not write the old tags back over the colleague's.
    qtbot.keyClick(detail.tags_edit, Qt.Key.Key_Return)
    _settle(tasks)
    assert sorted(services.tickets.get(ticket_id).tags) == ["mail", "mfa"]
    assert detail.tags_edit.text() == "mail, mfa"

    # And a box left without typing catches up when the focus goes elsewhere.
    services.tickets.set_tags(ticket_id, ["mail", "mfa", "vip"])
    _refresh(detail, services)
    assert detail.tags_edit.text() == "mail, mfa"
    detail.reply_editor.setFocus()
    qtbot.waitUntil(lambda: not detail.tags_edit.hasFocus(), timeout=3000)
    assert detail.tags_edit.text() == "mail, mfa, vip"


def test_refused_tags_put_the_box_back_to_what_is_stored(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id, _ = services.tickets.create("Badge reader dead")
    _open(detail, services, tasks, ticket_id)
    detail.tags_edit.setText("x" * 500)
    detail.tags_edit.returnPressed.emit()
    _settle(tasks)
    assert services.tickets.get(ticket_id).tags == ()
    assert detail.problem_bar.isVisible()
    assert "64" in detail.problem_label.text() or "65" in detail.problem_label.text()
    assert detail.tags_edit.text() == ""


# --- background work that ends after its window closed -------------------------------


def test_write_ending_after_the_detail_was_deleted_still_broadcasts(
    qtbot: QtBot, services: Services, app_signals: AppSignals, tasks: TaskRunner
) -> None:
    ticket_id, _ = services.tickets.create("Server room too warm")
    widget = TicketDetailWidget()
    widget.attach(services, app_signals, tasks)
    widget.set_permissions(may_write=True, may_assign_others=True, me=services.actor.user_id)
    widget.show_detail(services.tickets.get(ticket_id))
    widget.escalate(Escalation(tier=2, reason="Needs the facilities team"))
    widget.attach_files([])  # nothing to do: no task
    shiboken6.delete(widget)  # the window closed before the results came back
    assert not shiboken6.isValid(widget)

    with qtbot.waitSignal(app_signals.changed, timeout=5000) as changed:
        _settle(tasks)  # any touch of the dead widget would raise here and fail the test
    assert ticket_id in changed.args[0].ids
    assert services.tickets.get(ticket_id).tier == 2


def test_dialog_deleted_before_its_write_returns_is_left_alone(
    qtbot: QtBot, detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id, _ = services.tickets.create("Monitor flickers")
    _open(detail, services, tasks, ticket_id)
    detail.escalate_button.click()
    dialog = detail.dialog
    assert dialog is not None
    dialog.reason_edit.setPlainText("Needs a replacement part")  # type: ignore[attr-defined]
    dialog.ok_button.click()  # type: ignore[attr-defined]
    shiboken6.delete(dialog)
    detail.dialog = None
    _settle(tasks)
    assert services.tickets.get(ticket_id).tier == 2
    assert detail.tier_chip.text() == "L2"


def test_import_closed_midway_still_reloads_the_list(
    qtbot: QtBot,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
    tmp_path: Path,
    make_pane: Callable[[type[Pane]], Pane],
) -> None:
    pane = make_pane(TicketsPane)
    assert isinstance(pane, TicketsPane)
    dialog = pane.open_import_dialog()
    assert isinstance(dialog, ImportDialog)
    path = tmp_path / "tickets.csv"
    path.write_text("Title,Urgency\nWifi slow,high\nProjector dim,low\n", encoding="utf-8")
    dialog.load_file(path)
    _settle(tasks)
    dialog.check()
    _settle(tasks)
    assert dialog.import_button.isEnabled()

    dialog.run_import()
    dialog.close()
    shiboken6.delete(dialog)  # gone before the import's result is delivered
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        _settle(tasks)
    _settle(tasks, rounds=4)
    assert services.tickets.count(TicketFilter()) == 2
    assert pane.model.rowCount() == 2


# --- slow lists load off the GUI thread ----------------------------------------------


class _SlowCategories:
    """The ticket service with a `categories` that takes its time, as on a big database."""

    def __init__(self, tickets: object, delay_s: float) -> None:
        self._tickets = tickets
        self._delay_s = delay_s
        self.calls = 0

    def categories(self) -> list[str]:
        import time

        self.calls += 1
        time.sleep(self._delay_s)
        return self._tickets.categories()  # type: ignore[attr-defined, no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self._tickets, name)


def test_new_ticket_form_is_usable_before_its_lists_arrive(
    qtbot: QtBot, services: Services, tasks: TaskRunner
) -> None:
    services.tickets.create("Old one", category="Printing")
    slow = _SlowCategories(services.tickets, 0.8)
    dialog = NewTicketDialog(slow, tasks=tasks)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    # Back at once: the categories are still being read.
    assert dialog.category_combo.findText("Printing") < 0
    assert dialog.loading > 0

    dialog.category_combo.setEditText("Netw")
    qtbot.keyClicks(dialog.subject_edit, "Phone system down")
    with qtbot.waitSignal(dialog.ticket_created, timeout=3000) as created:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    stored = services.tickets.get(created.args[0])
    assert stored.subject == "Phone system down"
    assert stored.category == "Netw"
    _settle(tasks)  # late results for a closed (still existing) form do no harm


def test_new_ticket_lists_fill_in_and_keep_typing(
    qtbot: QtBot, services: Services, tasks: TaskRunner
) -> None:
    with services.db.session() as s:
        team = Team(name="Field service")
        s.add(team)
        s.flush()
        team_id = team.id
    services.tickets.create("Old one", category="Printing")
    dialog = NewTicketDialog(_SlowCategories(services.tickets, 0.3), tasks=tasks)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.category_combo.setEditText("Pri")
    _settle(tasks)
    assert dialog.loading == 0
    assert dialog.category_combo.findText("Printing") > 0
    assert dialog.category_combo.currentText() == "Pri"  # typing kept
    teams = [dialog.team_combo.itemData(i) for i in range(dialog.team_combo.count())]
    assert teams[0] is None
    assert team_id in teams
    people = [dialog.assignee_combo.itemData(i) for i in range(dialog.assignee_combo.count())]
    assert people[0] is None
    assert services.actor.user_id in people


def test_new_ticket_form_closed_before_its_lists_arrive(
    qtbot: QtBot, services: Services, tasks: TaskRunner
) -> None:
    dialog = NewTicketDialog(_SlowCategories(services.tickets, 0.3), tasks=tasks)  # type: ignore[arg-type]
    shiboken6.delete(dialog)
    _settle(tasks)  # the late lists must not touch the deleted combos (would raise)
    assert not shiboken6.isValid(dialog)


def test_detail_reads_categories_off_the_gui_thread_and_not_on_every_refresh(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id, _ = services.tickets.create("Scanner jams", category="Printing")
    slow = _SlowCategories(services.tickets, 0.2)
    services_view = type("S", (), {})()
    services_view.tickets = slow  # type: ignore[attr-defined]
    services_view.conversation = services.conversation  # type: ignore[attr-defined]
    services_view.actor = services.actor  # type: ignore[attr-defined]
    detail.attach(services_view, None, tasks)
    detail.show_detail(services.tickets.get(ticket_id))
    assert detail.category_combo.findText("Printing") < 0  # not waited for
    _settle(tasks)
    assert detail.category_combo.findText("Printing") > 0
    for _ in range(3):
        _refresh(detail, services)
        _settle(tasks)
    assert slow.calls == 1  # the count over every ticket is not redone each minute


# --- risky attachments ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "risky"),
    [
        ("fix.bat", True),
        ("Setup.EXE", True),
        ("invoice.pdf.js", True),
        ("run.sh", True),
        ("shortcut.lnk", True),
        ("tool.py", True),
        ("invoice.pdf", False),
        ("photo.jpg", False),
        ("notes.txt", False),
    ],
)
def test_risky_file_names(name: str, risky: bool) -> None:
    assert is_risky_file(name) is risky


def _attached(detail: TicketDetailWidget, services: Services, tasks: TaskRunner, name: str):
    ticket_id, _ = services.tickets.create("Script from the vendor")
    services.conversation.attach_bytes(ticket_id, name, b"@echo off\r\necho hi\r\n")
    _open(detail, services, tasks, ticket_id)
    rows = services.conversation.attachments(ticket_id)
    assert [r.filename for r in rows] == [name]
    return rows[0]


def test_script_attachment_asks_first_and_cancel_opens_nothing(
    qtbot: QtBot,
    detail: TicketDetailWidget,
    services: Services,
    tasks: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    attachment = _attached(detail, services, tasks, "fix-printer.bat")

    detail.open_attachment(attachment)
    box = detail.risky_box
    assert isinstance(box, QMessageBox)
    assert box.isVisible()
    assert RISKY_FILE_TEXT in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    _settle(tasks)
    assert opened == []
    assert detail.risky_box is None
    assert not hasattr(detail, "last_opened")  # not even copied out

    detail.open_attachment(attachment)
    box = detail.risky_box
    assert box is not None
    box.button(QMessageBox.StandardButton.Open).click()
    _settle(tasks)
    assert len(opened) == 1
    assert opened[0].toLocalFile().endswith("fix-printer.bat")


def test_ordinary_attachment_opens_without_asking(
    detail: TicketDetailWidget,
    services: Services,
    tasks: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    attachment = _attached(detail, services, tasks, "error-log.txt")
    detail.open_attachment(attachment)
    assert detail.risky_box is None
    _settle(tasks)
    assert [Path(u.toLocalFile()).name for u in opened] == ["error-log.txt"]


# --- shortcuts as the platform writes them -------------------------------------------


def test_send_hint_uses_the_platforms_own_key_names(detail: TicketDetailWidget) -> None:
    keys = send_keys_text()
    key = Qt.Key.Key_Return if sys.platform == "darwin" else Qt.Key.Key_Enter
    native = QKeySequence(Qt.KeyboardModifier.ControlModifier | key).toString(
        QKeySequence.SequenceFormat.NativeText
    )
    assert keys == native
    assert keys in detail.send_button.toolTip()
    assert keys in detail.reply_editor.placeholderText()
    detail.note_radio.setChecked(True)
    assert keys in detail.reply_editor.placeholderText()
    if sys.platform != "darwin":
        assert keys == "Ctrl+Enter"
