"""The list side of the Tickets pane, driven like a technician would: saved views with
counts, the column chooser, sort, full-text search, bulk actions, CSV export and import,
notifications and empty states.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.domain.enums import Priority, TicketStatus
from app.services.registry import Services
from app.services.ticket_service import TicketFilter
from app.ui.models.roles import ID_ROLE
from app.ui.models.ticket_model import HTML_ROLE, PENDING_SYNC_TEXT
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.tickets.import_dialog import ImportDialog
from app.ui.tickets.tickets_pane import TicketsPane
from app.ui.worker import TaskRunner

pytestmark = pytest.mark.gui


def _pane(make_pane: Callable[[type[Pane]], Pane]) -> TicketsPane:
    pane = make_pane(TicketsPane)
    assert isinstance(pane, TicketsPane)
    return pane


def _settle(tasks: TaskRunner) -> None:
    """Let background work finish and its results arrive on the GUI thread."""
    for _ in range(4):
        tasks.wait()
        QApplication.processEvents()


def _view_names(pane: TicketsPane) -> list[str]:
    return [v.name for v in pane.views.model.views()]


def _choose_view(pane: TicketsPane, name: str) -> None:
    view = next(v for v in pane.views.model.views() if v.name == name)
    assert pane.views.select_view(view.id)


def _count_shown(pane: TicketsPane, name: str) -> int | None:
    view = next(v for v in pane.views.model.views() if v.name == name)
    return pane.views.model.count_of(view.id)


# --- saved views -----------------------------------------------------------------------


def test_saved_views_show_counts_filter_and_can_be_saved_and_deleted(
    qtbot: QtBot,
    services: Services,
    tasks: TaskRunner,
    make_pane: Callable[[type[Pane]], Pane],
) -> None:
    me = services.actor.user_id
    mine, _ = services.tickets.create("VPN drops every hour", assignee_id=me)
    services.tickets.create("Printer jammed on floor 2")
    services.tickets.create("Printer toner low")
    waiting, _ = services.tickets.create("Laptop won't charge", assignee_id=me)
    services.tickets.change_status(waiting, TicketStatus.OPEN)
    services.tickets.change_status(waiting, TicketStatus.PENDING)

    pane = _pane(make_pane)
    _settle(tasks)
    names = _view_names(pane)
    for name in ("My open", "Unassigned", "Due soon", "Breached", "Waiting on requester"):
        assert name in names
    assert _count_shown(pane, "My open") == 2
    assert _count_shown(pane, "Unassigned") == 2
    assert _count_shown(pane, "Waiting on requester") == 1
    row = pane.views.model.row_of_id(pane.current_view().id)
    assert pane.views.model.index(row, 1).data() == "4"  # All open, shown in the sidebar

    _choose_view(pane, "Unassigned")
    assert {r.subject for r in pane.model.loaded_rows()} == {
        "Printer jammed on floor 2",
        "Printer toner low",
    }
    assert not pane.assignee_combo.isEnabled()  # the view says whose tickets
    _choose_view(pane, "My open")
    assert {r.id for r in pane.model.loaded_rows()} == {mine, waiting}

    # A new ticket changes the counts (refreshed off the GUI thread after the change).
    _, changes = services.tickets.create("Printer out of paper")
    pane.signals.changed.emit(changes)
    _settle(tasks)
    assert _count_shown(pane, "Unassigned") == 3

    # Save the current view with a search: it becomes the person's own view, chosen.
    _choose_view(pane, "Unassigned")
    pane.search_edit.setText("toner")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1, timeout=3000)
    view_id = pane.save_current_view("Toner trouble")
    assert view_id is not None
    _settle(tasks)
    assert "Toner trouble" in _view_names(pane)
    assert pane.current_view().id == view_id
    assert pane.current_view().personal
    assert pane.search_edit.text() == ""  # the view holds the search now
    assert [r.subject for r in pane.model.loaded_rows()] == ["Printer toner low"]
    assert _count_shown(pane, "Toner trouble") == 1
    assert pane.views.delete_button.isEnabled()
    assert QSettings().value("tickets/view_id") == str(view_id)

    # Built-in views cannot be deleted; personal ones can.
    _choose_view(pane, "Unassigned")
    assert not pane.views.delete_button.isEnabled()
    own = next(v for v in pane.views.model.views() if v.id == view_id)
    pane.delete_view(own)
    assert "Toner trouble" not in _view_names(pane)


def test_empty_view_says_what_to_do_next(
    services: Services, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    services.tickets.create("Someone else's problem")
    pane = _pane(make_pane)
    _choose_view(pane, "My open")
    assert pane.list_stack.currentWidget() is pane.empty_label
    text = pane.empty_label.text()
    assert text.startswith("No tickets in “My open”.")
    assert "Unassigned" in text  # where to find work


# --- columns and sort ------------------------------------------------------------------


def test_column_chooser_shows_hides_and_remembers_columns(
    services: Services, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    services.tickets.create("Projector flickers", category="Hardware")
    pane = _pane(make_pane)
    header = pane.table.horizontalHeader()
    menu = pane.chooser.build_menu()
    actions = {a.data(): a for a in menu.actions() if a.isCheckable()}
    assert {"number", "subject", "channel", "team", "sla", "tier"} <= set(actions)
    assert actions["subject"].isChecked()
    assert not actions["channel"].isChecked()  # hidden by default

    actions["channel"].setChecked(True)
    actions["requester"].setChecked(False)
    channel = pane.model.column_of("channel")
    assert not header.isSectionHidden(channel)
    assert header.isSectionHidden(pane.model.column_of("requester"))
    header.moveSection(header.visualIndex(channel), 0)  # drag it to the front
    header.resizeSection(channel, 133)
    shown = pane.chooser.visible_keys()
    assert shown[0] == "channel"
    assert "requester" not in shown
    row = pane.model.loaded_rows()[0]
    assert pane.model.index(0, channel).data() == row.channel.label

    # The next start shows the same columns, in the same order and width.
    again = _pane(make_pane)
    assert again.chooser.visible_keys() == shown
    assert again.table.horizontalHeader().sectionSize(again.model.column_of("channel")) == 133

    # Back to the defaults; the last column can never be hidden.
    again.chooser.show_defaults()
    assert "requester" in again.chooser.visible_keys()
    assert "channel" not in again.chooser.visible_keys()
    for key in list(again.chooser.visible_keys())[1:]:
        again.chooser.set_visible(key, False)
    only = again.chooser.visible_keys()
    again.chooser.set_visible(only[0], False)
    assert again.chooser.visible_keys() == only


def test_every_column_sorts_in_sql(
    services: Services, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    for subject, priority in (("b", Priority.LOW), ("a", Priority.URGENT), ("c", Priority.HIGH)):
        services.tickets.create(subject, priority=priority)
    pane = _pane(make_pane)
    for column, spec in enumerate(pane.model.columns):
        if not spec.sortable:
            continue
        pane.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        assert pane.model.rowCount() == 3, spec.key
    subject = pane.model.column_of("subject")
    pane.table.sortByColumn(subject, Qt.SortOrder.DescendingOrder)
    assert [r.subject for r in pane.model.loaded_rows()] == ["c", "b", "a"]


# --- search ----------------------------------------------------------------------------


def test_search_lists_hits_with_bold_matches_and_opens_the_ticket(
    qtbot: QtBot, services: Services, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    printer, _ = services.tickets.create("Printer in room 4", "It prints blank pages")
    services.tickets.add_reply(printer, "Ordered a new toner cartridge for you", public=True)
    other, _ = services.tickets.create("Password expired")
    services.tickets.add_reply(other, "Reset it and asked about the toner budget", public=False)
    services.tickets.create("Monitor flickers")
    pane = _pane(make_pane)

    pane.find_action.trigger()
    qtbot.keyClicks(pane.search_edit, "toner")
    qtbot.waitUntil(lambda: pane.search_results.isVisible(), timeout=3000)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2, timeout=3000)
    hits = pane.search_results.model
    assert hits.rowCount() == 2
    rendered = [hits.data(hits.index(r), HTML_ROLE) for r in range(hits.rowCount())]
    assert all("<b>toner</b>" in h.lower() for h in rendered)
    where = {hits.data(hits.index(r), ID_ROLE): rendered[r] for r in range(hits.rowCount())}
    assert "in a reply" in where[printer]
    assert "in an internal note" in where[other]
    assert "\x02" not in hits.data(hits.index(0))  # plain text has no markers

    # Down moves into the hits; Enter opens that ticket.
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Down)
    first = pane.search_results.list.currentIndex()
    qtbot.keyClick(pane.search_results.list, Qt.Key.Key_Return)
    assert pane.detail.detail is not None
    assert pane.detail.detail.id == first.data(ID_ROLE)

    # Escape clears the search; the panel goes away and the list is whole again.
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 3, timeout=3000)
    assert not pane.search_results.isVisible()


# --- bulk actions ----------------------------------------------------------------------


def test_bulk_bar_changes_selected_rows_and_reports_refusals(
    qtbot: QtBot,
    services: Services,
    app_signals: AppSignals,
    make_pane: Callable[[type[Pane]], Pane],
) -> None:
    a, _ = services.tickets.create("Keyboard sticky")
    b, _ = services.tickets.create("Mouse lag")
    c, _ = services.tickets.create("Old request")
    services.tickets.change_status(c, TicketStatus.CLOSED)
    pane = _pane(make_pane)
    _choose_view(pane, "All tickets")
    assert pane.model.rowCount() == 3

    pane.table.selectRow(0)
    assert not pane.bulk_bar.isVisible()  # one row: the detail side is enough
    pane.table.selectAll()
    assert pane.bulk_bar.isVisible()
    assert "3" in pane.bulk_bar.count_label.text()
    assert set(pane.selected_ids()) == {a, b, c}

    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        pane.bulk_bar.request(priority=Priority.URGENT)
    qtbot.waitUntil(lambda: pane.bulk_result.isVisible(), timeout=3000)
    assert services.tickets.get(a).priority is Priority.URGENT
    assert services.tickets.get(b).priority is Priority.URGENT
    assert services.tickets.get(c).priority is not Priority.URGENT
    closed_number = services.tickets.get(c).number
    text = pane.bulk_result_label.text()
    assert "Changed 2 tickets" in text
    assert "1 not changed" in text
    assert closed_number in text
    assert {r.priority for r in pane.model.loaded_rows() if r.id != c} == {Priority.URGENT}

    # Assign to me through the menu the bar offers.
    pane.table.selectAll()
    to_me = next(a for a in pane.bulk_bar.assign_button.menu().actions() if a.text() == "To me")
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        to_me.trigger()
    assert services.tickets.get(a).assignee_id == services.actor.user_id
    assert services.tickets.get(b).assignee_id == services.actor.user_id


# --- export and import -----------------------------------------------------------------


def test_export_writes_the_view_with_the_shown_columns(
    qtbot: QtBot,
    services: Services,
    app_signals: AppSignals,
    tmp_path: Path,
    make_pane: Callable[[type[Pane]], Pane],
) -> None:
    services.tickets.create("Printer jammed", priority=Priority.HIGH)
    services.tickets.create("Printer toner low")
    services.tickets.create("Password expired")
    pane = _pane(make_pane)
    pane.chooser.set_visible("requester", False)
    pane.chooser.set_visible("channel", True)
    pane.search_edit.setText("printer")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2, timeout=3000)
    assert pane.default_export_path().name.startswith("tickets-all-open-")

    target = tmp_path / "view.csv"
    with qtbot.waitSignal(app_signals.status_message, timeout=5000) as told:
        pane.export_view(target)
    assert "Exported 2 tickets" in told.args[0]
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    titles = {c.key: c.title for c in pane.model.columns}
    shown = [k for k in pane.chooser.visible_keys() if k in pane.export_columns()]
    assert rows[0] == [titles[k] for k in shown]
    assert "Requester" not in rows[0]
    assert "Channel" in rows[0]
    assert {r[rows[0].index("Subject")] for r in rows[1:]} == {
        "Printer jammed",
        "Printer toner low",
    }


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_dialog_dry_run_lists_bad_rows_and_imports_only_when_clean(
    qtbot: QtBot,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
    tmp_path: Path,
    make_pane: Callable[[type[Pane]], Pane],
) -> None:
    pane = _pane(make_pane)
    dialog = pane.open_import_dialog()
    assert isinstance(dialog, ImportDialog)
    assert not dialog.import_button.isEnabled()

    bad = _write(
        tmp_path / "bad.csv",
        "Title,Urgency,Notes\n"
        "Wifi slow,high,Floor 3\n"
        ",normal,no subject here\n"
        "Projector,extreme,bad priority\n",
    )
    dialog.load_file(bad)
    _settle(tasks)
    assert dialog.mapping() == {"Title": "subject", "Urgency": "priority"}
    dialog.set_field("Notes", "description")
    dialog.check()
    assert dialog.busy_now
    _settle(tasks)
    assert not dialog.busy_now
    lines = [dialog.problem_table.item(r, 0).text() for r in range(dialog.problem_table.rowCount())]
    assert lines == ["3", "4"]
    reasons = " ".join(
        dialog.problem_table.item(r, 1).text() for r in range(dialog.problem_table.rowCount())
    )
    assert "subject" in reasons.lower()
    assert "extreme" in reasons
    assert "2 problems" in dialog.result_label.text()
    assert not dialog.import_button.isEnabled()
    assert services.tickets.count(TicketFilter()) == 0  # a check writes nothing

    good = _write(
        tmp_path / "good.csv",
        "Title,Urgency,Notes\nWifi slow,high,Floor 3\nProjector,low,Room 2\n",
    )
    dialog.load_file(good)
    _settle(tasks)
    dialog.set_field("Notes", "description")
    dialog.check()
    _settle(tasks)
    assert dialog.problem_table.rowCount() == 0
    assert dialog.import_button.isEnabled()
    dialog.set_field("Notes", "")  # a changed mapping needs a new check
    assert not dialog.import_button.isEnabled()
    dialog.set_field("Notes", "description")
    assert dialog.import_button.isEnabled()

    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        _settle(tasks)
    assert "Imported 2 tickets" in dialog.result_label.text()
    assert not dialog.import_button.isEnabled()  # never twice
    subjects = {r.subject for r in services.tickets.list_page(TicketFilter())}
    assert subjects == {"Wifi slow", "Projector"}
    _settle(tasks)
    assert pane.model.rowCount() == 2  # the list refreshed


# --- markers, notifications, keys ------------------------------------------------------


def test_offline_and_sla_markers_use_icon_and_words(
    services: Services, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    services.tickets.create("Server room too warm", priority=Priority.URGENT)
    pane = _pane(make_pane)
    row = pane.model.loaded_rows()[0]
    number = pane.model.column_of("number")
    sla = pane.model.column_of("sla")

    pending = dataclasses.replace(row, pending_sync=True, sla_paused=True)
    synced = dataclasses.replace(row, pending_sync=False, sla_paused=False, sla_state="breached")
    pane.model.set_rows([pending, synced])
    assert pane.model.index(0, number).data(Qt.ItemDataRole.ToolTipRole) == PENDING_SYNC_TEXT
    assert pane.model.index(0, number).data(Qt.ItemDataRole.DecorationRole) is not None
    assert pane.model.index(1, number).data(Qt.ItemDataRole.DecorationRole) is None
    assert pane.model.index(0, sla).data() == "Paused"
    assert pane.model.index(1, sla).data() == "Breached"
    for r in (0, 1):  # never colour alone: words, an icon and a colour
        assert pane.model.index(r, sla).data(Qt.ItemDataRole.DecorationRole) is not None
        assert pane.model.index(r, sla).data(Qt.ItemDataRole.ForegroundRole) is not None


def test_notifies_once_when_a_ticket_becomes_mine(
    qtbot: QtBot,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
    make_pane: Callable[[type[Pane]], Pane],
) -> None:
    ticket, _ = services.tickets.create("Shared drive full")
    pane = _pane(make_pane)
    _settle(tasks)  # the first look is the baseline: nothing to tell
    assert pane.notifier.shown == []

    # Assigned elsewhere (another desktop, then synced): no `changed` signal here.
    services.tickets.assign(ticket, services.actor.user_id)
    messages: list[str] = []
    app_signals.status_message.connect(messages.append)
    pane.check_notifications()
    _settle(tasks)
    assert [n.reason for n in pane.notifier.shown] == ["assigned"]
    assert "is now yours" in pane.notifier.shown[0].title
    assert any("Shared drive full" in m for m in messages)  # no tray offscreen: status bar

    pane.check_notifications()
    _settle(tasks)
    assert len(pane.notifier.shown) == 1  # once per session

    # What I do here myself is no news.
    mine, changes = services.tickets.create("Taken by me", assignee_id=services.actor.user_id)
    app_signals.changed.emit(changes)
    pane.check_notifications()
    _settle(tasks)
    assert all(n.ticket_id != mine for n in pane.notifier.shown)


def test_enter_opens_the_ticket_and_puts_the_cursor_in_the_reply(
    qtbot: QtBot, services: Services, make_pane: Callable[[type[Pane]], Pane]
) -> None:
    services.tickets.create("First")
    second, _ = services.tickets.create("Second")
    pane = _pane(make_pane)
    row = pane.model.row_of_id(second)
    pane.table.setFocus()
    pane.table.setCurrentIndex(pane.model.index(row, 1))
    qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    assert pane.detail.detail is not None
    assert pane.detail.detail.id == second
    qtbot.waitUntil(lambda: QApplication.focusWidget() is pane.detail.reply_editor, timeout=2000)
    # Delete does nothing destructive.
    pane.table.setFocus()
    qtbot.keyClick(pane.table, Qt.Key.Key_Delete)
    assert services.tickets.count(TicketFilter()) == 2
