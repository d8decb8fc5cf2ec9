"""The Tickets pane driven like a technician would: new ticket, reply, status, search."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.data.models.people import Contact, Organisation
from app.domain.enums import Priority, TicketEventKind, TicketStatus
from app.services.registry import Services
from app.ui.models.roles import ID_ROLE
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.tickets.new_ticket_dialog import NewTicketDialog
from app.ui.tickets.ticket_detail_widget import NO_SELECTION_TEXT
from app.ui.tickets.tickets_pane import NO_MATCH_TEXT, NO_TICKETS_TEXT, TicketsPane

pytestmark = pytest.mark.gui


def _pane(make_pane: Callable[[type[Pane]], Pane]) -> TicketsPane:
    pane = make_pane(TicketsPane)
    assert isinstance(pane, TicketsPane)
    return pane


def _add_contact(services: Services) -> None:
    with services.db.session() as s:
        org = Organisation(name="Acme Ltd")
        s.add(org)
        s.flush()
        s.add(Contact(full_name="Rita Requester", email="rita@acme.test", organisation_id=org.id))


def test_empty_database_says_what_to_do(make_pane: Callable[[type[Pane]], Pane]) -> None:
    pane = _pane(make_pane)
    assert pane.list_stack.currentWidget() is pane.empty_label
    assert pane.empty_label.text() == NO_TICKETS_TEXT.format(new="Ctrl+N")
    assert pane.detail.empty_label.text() == NO_SELECTION_TEXT
    assert pane.detail.stack.currentWidget() is pane.detail.empty_label


def test_create_reply_and_change_status(
    qtbot: QtBot,
    services: Services,
    app_signals: AppSignals,
    make_pane: Callable[[type[Pane]], Pane],
) -> None:
    _add_contact(services)
    pane = _pane(make_pane)

    pane.new_action.trigger()
    dialog = pane.findChild(NewTicketDialog)
    assert dialog is not None
    assert dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "Enter a subject" in dialog.error_label.text()  # refused, dialog stays open
    assert dialog.isVisible()

    qtbot.keyClicks(dialog.subject_edit, "Scanner offline in accounts")
    qtbot.keyClicks(dialog.requester_edit, "Rita Requester")
    dialog.priority_combo.setCurrentIndex(dialog.priority_combo.findData(Priority.HIGH))
    qtbot.keyClicks(dialog.description_edit, "Shows a red light since Monday")
    with qtbot.waitSignal(app_signals.changed, timeout=3000) as changed:
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    ticket_id = next(iter(changed.args[0].ids))
    qtbot.waitUntil(lambda: pane.findChild(NewTicketDialog) is None or not dialog.isVisible())

    # The new ticket is listed and selected, its detail shown.
    assert pane.list_stack.currentWidget() is pane.table
    assert pane.model.rowCount() == 1
    assert pane.model.data(pane.table.currentIndex(), ID_ROLE) == ticket_id
    detail = pane.detail.detail
    assert detail is not None
    assert detail.subject == "Scanner offline in accounts"
    assert detail.requester_name == "Rita Requester"
    assert detail.priority is Priority.HIGH
    assert pane.detail.requester_org.text() == "Acme Ltd"

    # Ctrl+Enter in the reply editor sends a public reply.
    editor = pane.detail.reply_editor
    editor.setFocus()
    qtbot.keyClicks(editor, "We are sending a technician")
    with qtbot.waitSignal(app_signals.changed, timeout=3000):
        qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == ""
    stored = services.tickets.get(ticket_id)
    assert stored.events[-2].kind is TicketEventKind.REPLY
    assert stored.events[-2].body == "We are sending a technician"
    assert stored.status is TicketStatus.OPEN  # the first public reply opened it
    assert "We are sending a technician" in pane.detail.timeline.toPlainText()

    # An internal note is visibly marked as one.
    pane.detail.note_radio.setChecked(True)
    qtbot.keyClicks(editor, "Toner ordered")
    with qtbot.waitSignal(app_signals.changed, timeout=3000):
        qtbot.mouseClick(pane.detail.send_button, Qt.MouseButton.LeftButton)
    assert services.tickets.get(ticket_id).events[-1].kind is TicketEventKind.NOTE
    assert "Internal note" in pane.detail.timeline.toPlainText()

    # Choosing a status applies it at once.
    combo = pane.detail.status_combo
    index = combo.findData(TicketStatus.RESOLVED)
    assert index > 0
    combo.setCurrentIndex(index)
    with qtbot.waitSignal(app_signals.changed, timeout=3000):
        combo.activated.emit(index)
    assert services.tickets.get(ticket_id).status is TicketStatus.RESOLVED
    # "All open" no longer lists it (the empty view says so), but its detail stays in view.
    assert pane.current_view().name == "All open"
    assert pane.model.rowCount() == 0
    assert pane.empty_label.text().startswith("No tickets in “All open”.")
    assert pane.detail.detail is not None
    assert pane.detail.detail.status is TicketStatus.RESOLVED
    assert "changed the status from open to resolved" in pane.detail.timeline.toPlainText()


def test_search_filters_list_after_typing_pause(
    qtbot: QtBot, services: Services, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    for subject in ("Printer jammed", "Password expired", "Printer toner low"):
        services.tickets.create(subject)
    pane = _pane(make_pane)
    assert pane.model.rowCount() == 3
    pane.find_action.trigger()
    assert pane.search_edit.hasFocus() or QApplication.focusWidget() is pane.search_edit
    qtbot.keyClicks(pane.search_edit, "print")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2, timeout=3000)
    subjects = {r.subject for r in pane.model.loaded_rows()}
    assert subjects == {"Printer jammed", "Printer toner low"}
    assert pane.count_label.text() == "2 tickets"

    pane.search_edit.setText("zebra")
    qtbot.waitUntil(lambda: pane.list_stack.currentWidget() is pane.empty_label, timeout=3000)
    assert pane.empty_label.text() == NO_MATCH_TEXT
    pane.search_edit.clear()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 3, timeout=3000)


def test_header_click_sorts_in_sql_and_is_remembered(
    services: Services, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    for subject, priority in (("b", Priority.LOW), ("a", Priority.URGENT), ("c", Priority.HIGH)):
        services.tickets.create(subject, priority=priority)
    pane = _pane(make_pane)
    column = pane.model.column_of("priority")
    pane.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    assert [r.priority for r in pane.model.loaded_rows()] == [
        Priority.URGENT,
        Priority.HIGH,
        Priority.LOW,
    ]
    pane.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    assert pane.model.loaded_rows()[0].priority is Priority.LOW
    pane.save_layout()
    assert QSettings().value("tickets/sort") == "priority asc"
    assert QSettings().value("tickets/splitter3") is not None
    again = _pane(make_pane)  # a new pane (next start) sorts the same way
    assert again.model.loaded_rows()[0].priority is Priority.LOW
    header = again.table.horizontalHeader()
    assert header.sortIndicatorSection() == column
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder


def test_open_ticket_request_shows_that_ticket(
    services: Services, app_signals: AppSignals, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    first, _ = services.tickets.create("First")
    services.tickets.create("Second")
    services.tickets.change_status(first, TicketStatus.RESOLVED)  # not in "All open"
    pane = _pane(make_pane)
    app_signals.open_ticket_requested.emit(first)
    assert pane.detail.detail is not None
    assert pane.detail.detail.id == first
    app_signals.open_ticket_requested.emit(uuid.uuid4())  # gone: back to the empty state
    assert pane.detail.stack.currentWidget() is pane.detail.empty_label
