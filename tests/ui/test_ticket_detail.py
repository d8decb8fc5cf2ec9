"""The detail side of a ticket driven like a technician would, on a real SQLite database:
escalation, files (drop and refusal), canned responses, articles, time, rating, merge, links."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.data.models.people import Contact, Organisation, Team
from app.domain.enums import ArticleStatus, Channel, Priority, TicketEventKind, TicketStatus
from app.domain.sla import SlaState
from app.services.base import Changes
from app.services.conversation_service import MAX_ATTACHMENT_BYTES
from app.services.registry import Services
from app.services.ticket_service import TicketEventView
from app.ui.models.ticket_event_model import TicketEventModel, headline
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.tickets.article_picker import ArticleChoice
from app.ui.tickets.canned_picker import CannedPickerDialog, SaveCannedDialog
from app.ui.tickets.escalate_dialog import EscalateDialog
from app.ui.tickets.merge_dialog import TicketPickerDialog
from app.ui.tickets.new_ticket_dialog import NewTicketDialog
from app.ui.tickets.rating_dialog import RatingDialog
from app.ui.tickets.sla_timeline import PAUSED, clock_text
from app.ui.tickets.ticket_detail_widget import TicketDetailWidget
from app.ui.tickets.tickets_pane import TicketsPane
from app.ui.tickets.time_dialog import TimeDialog
from app.ui.worker import TaskRunner

pytestmark = [
    pytest.mark.gui,
    # PySide6 marks QDragEnterEvent's only constructor deprecated; tests still need it.
    pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning"),
]


def _settle(tasks: TaskRunner, rounds: int = 3) -> None:
    """Let background work finish and its results (and their follow-ups) arrive."""
    for _ in range(rounds):
        tasks.wait()
        QApplication.processEvents()


def _ticket(services: Services, subject: str = "Printer jams in accounts") -> uuid.UUID:
    with services.db.session() as s:
        org = Organisation(name=f"Acme {uuid.uuid4().hex[:6]}")
        s.add(org)
        s.flush()
        contact = Contact(full_name="Rita van Dam", email="rita@acme.test", organisation_id=org.id)
        s.add(contact)
        s.flush()
        requester_id = contact.id
    ticket_id, _ = services.tickets.create(subject, requester_id=requester_id)
    return ticket_id


@pytest.fixture
def detail(
    qtbot: QtBot, services: Services, app_signals: AppSignals, tasks: TaskRunner
) -> Iterator[TicketDetailWidget]:
    """The detail widget as the pane uses it: writes of the pane's own (status) are done
    here, and every broadcast change reloads the ticket shown."""
    widget = TicketDetailWidget()
    widget.attach(services, app_signals, tasks)
    widget.set_permissions(may_write=True, may_assign_others=True, me=services.actor.user_id)
    qtbot.addWidget(widget)
    widget.resize(760, 820)
    widget.show()

    def reload(_changes: Changes) -> None:
        shown = widget.detail
        if shown is not None:
            widget.show_detail(services.tickets.get(shown.id))

    def change_status(status: TicketStatus) -> None:
        shown = widget.detail
        assert shown is not None
        app_signals.changed.emit(services.tickets.change_status(shown.id, status))

    app_signals.changed.connect(reload)
    widget.status_chosen.connect(change_status)
    yield widget
    _settle(tasks)


def _open(detail: TicketDetailWidget, services: Services, tasks: TaskRunner, ticket_id: uuid.UUID):
    detail.show_detail(services.tickets.get(ticket_id))
    _settle(tasks)


# --- the timeline model -----------------------------------------------------------------


def _event(kind: TicketEventKind, old: str = "", new: str = "", body: str = "") -> TicketEventView:
    return TicketEventView(
        id=uuid.uuid4(),
        kind=kind,
        author_name="Tom Tech",
        body=body,
        is_public=False,
        old_value=old,
        new_value=new,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )


def test_event_model_reads_every_new_kind(qtmodeltester: object) -> None:
    events = [
        _event(TicketEventKind.ESCALATION, "1", "2", "Needs domain admin rights"),
        _event(TicketEventKind.ESCALATION, "3", "1", "Back to the desk"),
        _event(TicketEventKind.SLA_PAUSED, "open", "pending", "Waiting on the requester"),
        _event(
            TicketEventKind.SLA_RESUMED,
            "pending",
            "open",
            "The clock stood still for 1 h 35 min of business time.",
        ),
        _event(TicketEventKind.ATTACHMENT, new="scan.pdf"),
        _event(TicketEventKind.TIME_ENTRY, new="90", body="Replaced the fuser"),
        _event(TicketEventKind.ARTICLE, new="Clearing a paper jam"),
        _event(TicketEventKind.ARTICLE, old="Clearing a paper jam"),
        _event(TicketEventKind.MERGED, "T-0011", "T-0012"),
        _event(TicketEventKind.LINKED, new="T-0042"),
        _event(TicketEventKind.LINKED, old="T-0042"),
        _event(TicketEventKind.TAGS, "printer, floor-2", "printer, urgent-fix"),
        _event(TicketEventKind.TEAM, "Service desk", "Network"),
        _event(TicketEventKind.CATEGORY, "", "Printing"),
        _event(TicketEventKind.CHANNEL, "email", "phone"),
        _event(TicketEventKind.REQUESTER, "Rita van Dam", "Bob Baker"),
        _event(TicketEventKind.RATING, "", "4", "Quick, thanks"),
    ]
    model = TicketEventModel()
    model.set_events(events)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    lines = [model.data(model.index(row)) for row in range(model.rowCount())]
    assert lines == [
        "Tom Tech escalated the ticket to L2: “Needs domain admin rights”",
        "Tom Tech moved the ticket back to L1: “Back to the desk”",
        "SLA clock paused — waiting on the requester",
        "SLA clock resumed (moved to open): the clock stood still for 1 h 35 min of business time",
        "Tom Tech attached scan.pdf",
        "Tom Tech logged 1 h 30 min: “Replaced the fuser”",
        "Tom Tech linked the article “Clearing a paper jam”",
        "Tom Tech removed the link to the article “Clearing a paper jam”",
        "Tom Tech merged T-0011 into T-0012",
        "Tom Tech linked this ticket to T-0042",
        "Tom Tech removed the link to T-0042",
        "Tom Tech added tag urgent-fix and removed tag floor-2",
        "Tom Tech moved the ticket to team Network",
        "Tom Tech set the category to Printing",
        "Tom Tech changed the channel from email to phone",
        "Tom Tech changed the requester from Rita van Dam to Bob Baker",
        "The requester rated the help 4 out of 5: “Quick, thanks”",
    ]
    assert all(headline(e) != e.kind.label for e in events)


def test_clock_counts_down_turns_overdue_and_pauses() -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    due = now + timedelta(hours=1, minutes=20)
    assert clock_text(due, None, SlaState.OK, paused=False, done_word="resolved", now=now) == (
        "due in 1 h 20 min",
        SlaState.OK,
    )
    later = now + timedelta(hours=1, minutes=35)  # the state from the service is stale by now
    assert clock_text(due, None, SlaState.OK, paused=False, done_word="resolved", now=later) == (
        "overdue by 15 min",
        SlaState.BREACHED,
    )
    text, state = clock_text(due, None, SlaState.DUE_SOON, paused=True, done_word="x", now=later)
    assert (text, state) == ("paused — waiting on the requester", PAUSED)
    text, state = clock_text(due, now, SlaState.MET, paused=False, done_word="answered", now=later)
    assert text.startswith("answered")
    assert text.endswith("on time")
    assert state == SlaState.MET
    assert clock_text(None, None, None, paused=False, done_word="x", now=now) == ("No target", None)


def test_live_clock_shows_due_time_in_words(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    shown = detail.detail
    assert shown is not None
    assert shown.resolution_due_at is not None
    detail.refresh_clocks(now=shown.resolution_due_at - timedelta(minutes=50))
    assert detail.resolution_label.text() == "due in 50 min"
    detail.refresh_clocks(now=shown.resolution_due_at + timedelta(minutes=15))
    assert detail.resolution_label.text() == "overdue by 15 min"
    assert detail.resolution_clock.state == SlaState.BREACHED
    assert detail.clock_timer.isActive()


# --- escalation ---------------------------------------------------------------------------


def test_escalate_adds_an_event_and_updates_the_chip(
    qtbot: QtBot,
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    assert detail.tier_chip.text() == "L1"

    qtbot.mouseClick(detail.escalate_button, Qt.MouseButton.LeftButton)
    dialog = detail.findChild(EscalateDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.tier_combo.currentData() == 2  # the next tier up is offered
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "Give a reason" in dialog.problem_label.text()  # a reason is required
    qtbot.keyClicks(dialog.reason_edit, "Needs a domain admin")
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    _settle(tasks)

    stored = services.tickets.get(ticket_id)
    assert stored.tier == 2
    escalations = [e for e in stored.events if e.kind is TicketEventKind.ESCALATION]
    assert len(escalations) == 1
    assert "Needs a domain admin" in escalations[0].body
    assert detail.tier_chip.text() == "L2"
    assert "escalated the ticket to L2" in detail.timeline.toPlainText()


# --- attachments --------------------------------------------------------------------------


def _drop(widget: TicketDetailWidget, *paths: Path) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(drop)
    return drop


def test_dropped_file_is_attached_and_listed(
    qtbot: QtBot,
    qtmodeltester: object,
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
    tmp_path: Path,
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    assert detail.attachments.empty_label.isVisibleTo(detail.attachments)
    report = tmp_path / "error-log.txt"
    report.write_text("Paper jam in tray 2\n" * 50, encoding="utf-8")

    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        drop = _drop(detail, report)
    assert drop.isAccepted()
    _settle(tasks)

    stored = services.conversation.attachments(ticket_id)
    assert [a.filename for a in stored] == ["error-log.txt"]
    model = detail.attachments.model
    assert model.rowCount() == 1
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.data(model.index(0, 0)) == "error-log.txt"
    assert model.data(model.index(0, 1)) == "1000 bytes"
    assert detail.tabs.tabText(detail.tabs.indexOf(detail.attachments)) == "Files (1)"
    assert "attached error-log.txt" in detail.timeline.toPlainText()

    # Opening copies the bytes to a private temporary file.
    detail.open_attachment(stored[0], launch=False)
    _settle(tasks)
    assert detail.last_opened.read_bytes() == report.read_bytes()
    # Save as… writes where the technician chose.
    target = tmp_path / "saved" / "copy.txt"
    target.parent.mkdir()
    detail.save_attachment(stored[0], target)
    _settle(tasks)
    assert target.read_bytes() == report.read_bytes()


def test_oversize_file_is_refused_with_a_clear_message(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner, tmp_path: Path
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    huge = tmp_path / "disk-image.iso"
    with huge.open("wb") as fh:
        fh.truncate(MAX_ATTACHMENT_BYTES + 1)  # sparse: big on paper, cheap on disk

    _drop(detail, huge)
    _settle(tasks)

    assert services.conversation.attachments(ticket_id) == []
    assert detail.problem_bar.isVisible()
    message = detail.problem_label.text()
    assert "disk-image.iso" in message
    assert "25 MB" in message


def test_unavailable_attachment_is_greyed_with_a_tooltip(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    view = services.conversation.attach_bytes(ticket_id, "photo.jpg", b"\xff\xd8jpeg")
    missing = replace(view, available=False)
    detail.attachments.set_attachments([missing])
    model = detail.attachments.model
    assert "next sync" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None
    detail.attachments.table.selectRow(0)
    assert not detail.attachments.open_button.isEnabled()


# --- the reply box ------------------------------------------------------------------------


def test_canned_response_is_rendered_and_inserted_at_the_cursor(
    qtbot: QtBot, detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id = _ticket(services)
    services.conversation.save_canned(
        "Toner ordered", "Hello {requester.first_name}, toner for {ticket.number} is ordered."
    )
    _open(detail, services, tasks, ticket_id)
    detail.reply_editor.setPlainText("Thanks for waiting.")
    cursor = detail.reply_editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    detail.reply_editor.setTextCursor(cursor)

    qtbot.mouseClick(detail.canned_button, Qt.MouseButton.LeftButton)
    _settle(tasks)
    picker = detail.findChild(CannedPickerDialog)
    assert picker is not None
    assert picker.isVisible()
    assert picker.model.rowCount() == 1
    assert "{requester.first_name}" in picker.preview.toPlainText()
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    _settle(tasks)

    number = services.tickets.get(ticket_id).number
    assert detail.reply_editor.toPlainText() == (
        f"Thanks for waiting.\nHello Rita, toner for {number} is ordered."
    )


def test_article_answer_is_inserted_and_the_article_linked(
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
    qtbot: QtBot,
) -> None:
    ticket_id = _ticket(services)
    article_id, _ = services.knowledge.create(
        "Clearing a paper jam",
        "Open tray 2 and pull the sheet out slowly.",
        status=ArticleStatus.PUBLISHED,
    )
    _open(detail, services, tasks, ticket_id)
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        detail.use_article(ArticleChoice(article_id, "Clearing a paper jam", insert=True))
    _settle(tasks)

    assert "pull the sheet out slowly" in detail.reply_editor.toPlainText()
    assert [a.id for a in services.conversation.linked_articles(ticket_id)] == [article_id]
    assert detail.articles_model.rowCount() == 1
    assert "linked the article “Clearing a paper jam”" in detail.timeline.toPlainText()


# --- time, rating, merge, links -------------------------------------------------------------


def test_logged_time_adds_up(
    qtbot: QtBot,
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    for hours, minutes, note in ((1, 30, "Replaced the fuser"), (0, 30, "Test print")):
        qtbot.mouseClick(detail.time_button, Qt.MouseButton.LeftButton)
        dialog = detail.findChild(TimeDialog)
        assert dialog is not None
        assert dialog.isVisible()
        dialog.hours_spin.setValue(hours)
        dialog.minutes_spin.setValue(minutes)
        qtbot.keyClicks(dialog.note_edit, note)
        with qtbot.waitSignal(app_signals.changed, timeout=5000):
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        _settle(tasks)
        qtbot.waitUntil(lambda: detail.findChild(TimeDialog) is None)

    entries = services.conversation.time_entries(ticket_id)
    assert sorted(e.minutes for e in entries) == [30, 90]
    assert all(e.worked_on == date.today() for e in entries)
    assert detail.time_total_label.text() == "Total: 2 h"
    assert detail.tabs.tabText(detail.tabs.indexOf(detail.time_tab)) == "Time (2 h)"
    assert detail.tabs.tabToolTip(detail.tabs.indexOf(detail.time_tab)) == "2 h logged"
    assert detail.time_model.rowCount() == 2
    assert "logged 1 h 30 min: “Replaced the fuser”" in detail.timeline.toPlainText()


def test_zero_time_is_refused_in_the_dialog(
    qtbot: QtBot, detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    _open(detail, services, tasks, _ticket(services))
    qtbot.mouseClick(detail.time_button, Qt.MouseButton.LeftButton)
    dialog = detail.findChild(TimeDialog)
    assert dialog is not None
    dialog.minutes_spin.setValue(0)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "at least one minute" in dialog.problem_label.text()
    dialog.reject()


def test_resolving_offers_the_rating_dialog(
    qtbot: QtBot,
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    combo = detail.status_combo
    index = combo.findData(TicketStatus.RESOLVED)
    assert index > 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    _settle(tasks)
    qtbot.waitUntil(lambda: detail.findChild(RatingDialog) is not None)
    dialog = detail.findChild(RatingDialog)
    assert dialog is not None
    assert dialog.isVisible()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "Choose a score" in dialog.problem_label.text()
    qtbot.mouseClick(dialog.score_buttons[4], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.comment_edit, "Quick and friendly")
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    _settle(tasks)

    rating = services.tickets.get(ticket_id).satisfaction
    assert rating is not None
    assert (rating.score, rating.comment) == (4, "Quick and friendly")
    assert detail.rating_label.text() == "4 out of 5 — “Quick and friendly”"
    # Offered once: reloading the resolved ticket does not ask again.
    detail.show_detail(services.tickets.get(ticket_id))
    _settle(tasks)
    assert detail.findChild(RatingDialog) is None


def test_rating_can_be_skipped_and_recorded_later(
    qtbot: QtBot, detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    assert not detail.rate_action.isEnabled()  # only resolved or closed tickets are rated
    index = detail.status_combo.findData(TicketStatus.RESOLVED)
    detail.status_combo.activated.emit(index)
    _settle(tasks)
    qtbot.waitUntil(lambda: detail.findChild(RatingDialog) is not None)
    dialog = detail.findChild(RatingDialog)
    assert dialog is not None
    dialog.reject()  # Skip
    _settle(tasks)
    assert services.tickets.get(ticket_id).satisfaction is None
    assert detail.rate_action.isEnabled()
    detail.rate_action.trigger()
    again = detail.dialog
    assert isinstance(again, RatingDialog)
    assert again.isVisible()
    assert again is not dialog
    again.reject()


def test_merge_into_another_ticket(
    qtbot: QtBot,
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
) -> None:
    keeper = _ticket(services, "Printer on floor 2 offline")
    duplicate = _ticket(services, "Floor 2 printer not printing")
    keeper_number = services.tickets.get(keeper).number
    _open(detail, services, tasks, duplicate)

    qtbot.mouseClick(detail.merge_button, Qt.MouseButton.LeftButton)
    dialog = detail.findChild(TicketPickerDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.search_edit, "printer")
    dialog.run_search()
    numbers = [dialog.model.row_at(r).number for r in range(dialog.model.rowCount())]
    assert numbers == [keeper_number]  # the ticket itself is never offered
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    _settle(tasks)

    merged = services.tickets.get(duplicate)
    assert merged.status is TicketStatus.CLOSED
    assert any(e.kind is TicketEventKind.MERGED for e in merged.events)
    assert any(e.kind is TicketEventKind.MERGED for e in services.tickets.get(keeper).events)
    assert f"into {keeper_number}" in detail.timeline.toPlainText()
    assert not detail.merge_button.isEnabled()  # closed now
    assert detail.links_model.rowCount() == 1
    assert detail.links_model.row_at(0).kind == "merged_into"


def test_linked_ticket_is_listed_and_opens(
    qtbot: QtBot,
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
) -> None:
    first = _ticket(services, "VPN drops every hour")
    other = _ticket(services, "VPN slow from home")
    _open(detail, services, tasks, first)
    detail.link_button.click()
    dialog = detail.findChild(TicketPickerDialog)
    assert dialog is not None
    dialog.search_edit.setText(services.tickets.get(other).number)
    dialog.run_search()
    assert dialog.model.rowCount() >= 1
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        dialog.ok_button.click()
    _settle(tasks)

    assert [link.id for link in services.conversation.links(first)] == [other]
    assert detail.links_model.rowCount() == 1
    assert detail.tabs.tabText(detail.tabs.indexOf(detail.related_tab)) == "Related (1)"
    index = detail.links_model.index(0, 0)
    with (
        qtbot.waitSignal(detail.ticket_open_requested, timeout=1000) as own,
        qtbot.waitSignal(app_signals.open_ticket_requested, timeout=1000) as app_wide,
    ):
        detail.links_view.doubleClicked.emit(index)
    assert own.args == [other]
    assert app_wide.args == [other]


def test_closed_ticket_refuses_drops_and_edits(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner, tmp_path: Path
) -> None:
    ticket_id = _ticket(services)
    services.tickets.change_status(ticket_id, TicketStatus.CLOSED)
    _open(detail, services, tasks, ticket_id)
    note = tmp_path / "note.txt"
    note.write_text("x", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note))])
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter.setAccepted(False)
    detail.dragEnterEvent(enter)
    assert not enter.isAccepted()
    for widget in (detail.escalate_button, detail.attach_button, detail.tags_edit):
        assert not widget.isEnabled()
    assert detail.priority_combo.findData(Priority.HIGH) >= 0


def test_waiting_on_requester_pauses_the_clock_and_shows_the_stretches(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner, qtmodeltester: object
) -> None:
    ticket_id = _ticket(services)
    services.tickets.change_status(ticket_id, TicketStatus.OPEN)
    services.tickets.change_status(ticket_id, TicketStatus.PENDING)
    _open(detail, services, tasks, ticket_id)

    assert detail.resolution_label.text() == "paused — waiting on the requester"
    assert detail.resolution_clock.state == PAUSED
    states = [
        detail.sla_view.stretches.row_at(r).state
        for r in range(detail.sla_view.stretches.rowCount())
    ]
    assert states[-1] == "paused"
    assert "running" in states
    model = detail.sla_view.stretches
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    last = model.rowCount() - 1
    assert model.data(model.index(last, 0)) == "Paused"
    assert model.data(model.index(last, 2)) == "now"
    assert "waiting on the requester" in detail.timeline.toPlainText().lower()


def test_team_category_channel_and_tags_are_edited_in_place(
    qtbot: QtBot,
    detail: TicketDetailWidget,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
) -> None:
    with services.db.session() as s:
        team = Team(name="Network")
        s.add(team)
        s.flush()
        team_id = team.id
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)

    row = next(
        r for r in range(detail.team_combo.count()) if detail.team_combo.itemData(r) == team_id
    )
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        detail.team_combo.setCurrentIndex(row)
        detail.team_combo.activated.emit(row)
    _settle(tasks)
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        detail.category_combo.setEditText("Printing")
        line = detail.category_combo.lineEdit()
        assert line is not None
        line.returnPressed.emit()
    _settle(tasks)
    phone = detail.channel_combo.findData(Channel.PHONE)
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        detail.channel_combo.setCurrentIndex(phone)
        detail.channel_combo.activated.emit(phone)
    _settle(tasks)
    detail.tags_edit.setText("vpn, laptop, VPN, ")
    assert detail.tags_typed() == ["vpn", "laptop"]
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        detail.tags_edit.returnPressed.emit()
    _settle(tasks)

    stored = services.tickets.get(ticket_id)
    assert stored.team_id == team_id
    assert stored.category == "Printing"
    assert stored.channel is Channel.PHONE
    assert sorted(stored.tags) == ["laptop", "vpn"]
    text = detail.timeline.toPlainText()
    assert "moved the ticket to team Network" in text
    assert "set the category to Printing" in text
    assert "to phone" in text
    assert "added tags" in text
    assert "Network" in detail.people_label.text()


def test_new_ticket_dialog_takes_tags_and_tier(
    qtbot: QtBot, services: Services, tasks: TaskRunner
) -> None:
    dialog = NewTicketDialog(services.tickets, tasks=tasks)
    qtbot.addWidget(dialog)
    _settle(tasks)  # its lists arrive in the background
    assert dialog.loading == 0
    qtbot.keyClicks(dialog.subject_edit, "Core switch down in building B")
    dialog.tags_edit.setText("network, outage, Network ,")
    assert dialog.tags() == ["network", "outage"]
    dialog.tier_combo.setCurrentIndex(dialog.tier_combo.findData(3))
    with qtbot.waitSignal(dialog.ticket_created, timeout=3000) as created:
        dialog.accept()
    stored = services.tickets.get(created.args[0])
    assert stored.tier == 3
    assert sorted(stored.tags) == ["network", "outage"]


def test_inside_the_tickets_pane_actions_use_the_panes_services(
    qtbot: QtBot,
    services: Services,
    app_signals: AppSignals,
    tasks: TaskRunner,
    make_pane: Callable[[type[Pane]], Pane],
    tmp_path: Path,
) -> None:
    first = _ticket(services, "Projector in room 4 flickers")
    other = _ticket(services, "Room 4 HDMI cable loose")
    services.conversation.link(first, other)
    pane = make_pane(TicketsPane)
    assert isinstance(pane, TicketsPane)
    pane.select_ticket(first)
    _settle(tasks)
    detail = pane.detail
    assert detail.links_model.rowCount() == 1

    # A dropped file is attached through the pane's services and the pane reloads.
    photo = tmp_path / "projector.jpg"
    photo.write_bytes(b"\xff\xd8" + b"j" * 2000)
    with qtbot.waitSignal(app_signals.changed, timeout=5000):
        _drop(detail, photo)
    _settle(tasks)
    assert detail.attachments.model.rowCount() == 1

    # Opening a linked ticket shows it in the pane.
    detail.links_view.doubleClicked.emit(detail.links_model.index(0, 0))
    _settle(tasks)
    assert detail.detail is not None
    assert detail.detail.id == other


def test_current_reply_is_kept_as_a_shared_canned_response(
    qtbot: QtBot, detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    _open(detail, services, tasks, _ticket(services))
    detail.reply_editor.setPlainText("Hello {requester.first_name}, please restart the router.")
    detail.save_canned_action.trigger()
    dialog = detail.dialog
    assert isinstance(dialog, SaveCannedDialog)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "short title" in dialog.problem_label.text()
    qtbot.keyClicks(dialog.title_edit, "Router restart")
    dialog.shared_check.setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    _settle(tasks)
    saved = services.conversation.canned_responses()
    assert [(c.title, c.shared) for c in saved] == [("Router restart", True)]
    assert saved[0].body == "Hello {requester.first_name}, please restart the router."


def test_ticket_not_yet_on_the_server_carries_the_offline_badge(
    detail: TicketDetailWidget, services: Services, tasks: TaskRunner
) -> None:
    ticket_id = _ticket(services)
    _open(detail, services, tasks, ticket_id)
    stored = services.tickets.get(ticket_id)
    detail.show_detail(replace(stored, pending_sync=False))
    assert not detail.offline_badge.isVisible()
    detail.show_detail(replace(stored, pending_sync=True, merged_into_number="NQN-7"))
    assert detail.offline_badge.isVisible()
    assert detail.offline_badge.text() == "Offline – not yet on the server"
    assert "next sync" in detail.offline_badge.toolTip()
    assert detail.merged_badge.text() == "Merged into NQN-7"
