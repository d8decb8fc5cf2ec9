"""Logging a new ticket: a short form, checked by the service, with messages in place.

The lists (categories, teams, assignees, contacts) are read on the task runner: the form is
usable at once, each list fills in when it arrives, and a ticket can be created before.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import Channel, Priority
from app.domain.permissions import Permission
from app.domain.sla import SlaState
from app.errors import SupportDeskError
from app.services.ticket_service import ContactOption, TicketService
from app.ui import theme
from app.ui.pane import Pane
from app.ui.tickets.escalate_dialog import TIERS
from app.ui.worker import TaskRunner

log = logging.getLogger(__name__)

#: How long typing in the requester field pauses before contacts are looked up.
CONTACT_LOOKUP_MS = 200


class NewTicketDialog(QDialog):
    """Asks for a new ticket's details and creates it through `TicketService.create`.

    Signals:
        ticket_created(object, object): the new ticket's id and the `Changes` of the write.
    """

    ticket_created = Signal(object, object)

    def __init__(
        self,
        tickets: TicketService,
        parent: QWidget | None = None,
        *,
        tasks: TaskRunner | None = None,
    ) -> None:
        """`tasks`: the runner for the lookups; by default that of the pane the dialog is
        opened from, else one of its own."""
        super().__init__(parent)
        self._tickets = tickets
        self.tasks = tasks or _pane_tasks(parent) or TaskRunner()
        self._contacts: dict[str, ContactOption] = {}
        self._lookup_request = 0
        #: Lists still being read (0 once all arrived).
        self.loading = 0
        self.setWindowTitle("New ticket")
        self.setMinimumWidth(520)
        self._build()
        self._load_options()

    def _build(self) -> None:
        self.subject_edit = QLineEdit()
        self.subject_edit.setPlaceholderText("A few words that say what is wrong")
        self.subject_edit.setMaxLength(300)

        self.requester_edit = QLineEdit()
        self.requester_edit.setPlaceholderText("Type a name or email to search")
        self.requester_edit.setClearButtonEnabled(True)
        self._contact_names = QStringListModel(self)
        self.completer = QCompleter(self._contact_names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.requester_edit.setCompleter(self.completer)
        self._lookup_timer = QTimer(self)
        self._lookup_timer.setSingleShot(True)
        self._lookup_timer.setInterval(CONTACT_LOOKUP_MS)

        self.priority_combo = QComboBox()
        for priority in Priority:
            self.priority_combo.addItem(priority.label, priority)
        self.priority_combo.setCurrentIndex(self.priority_combo.findData(Priority.NORMAL))
        self.channel_combo = QComboBox()
        for channel in Channel:
            self.channel_combo.addItem(channel.label, channel)
        self.channel_combo.setCurrentIndex(self.channel_combo.findData(Channel.PHONE))
        self.category_combo = QComboBox()
        self.category_combo.setEditable(True)
        self.category_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.category_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText("e.g. Printing, Network, Accounts")
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText("Comma-separated, e.g. vpn, laptop")
        self.tier_combo = QComboBox()
        for tier, label in TIERS:
            self.tier_combo.addItem(label, tier)
        self.tier_combo.setToolTip("Start at a higher tier when it is clearly not for the desk")
        self.team_combo = QComboBox()
        self.assignee_combo = QComboBox()
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText(
            "What happened, since when, what the requester already tried"
        )

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("&Subject", self.subject_edit)
        form.addRow("&Requester", self.requester_edit)
        form.addRow("&Priority", self.priority_combo)
        form.addRow("C&hannel", self.channel_combo)
        form.addRow("Ca&tegory", self.category_combo)
        form.addRow("Ta&gs", self.tags_edit)
        form.addRow("T&ier", self.tier_combo)
        form.addRow("Tea&m", self.team_combo)
        form.addRow("&Assignee", self.assignee_combo)
        form.addRow("&Description", self.description_edit)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        palette = QPalette(self.error_label.palette())
        palette.setColor(QPalette.ColorRole.WindowText, theme.sla_colour(SlaState.BREACHED))
        self.error_label.setPalette(palette)
        self.error_label.setVisible(False)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Create ticket")

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.requester_edit.textEdited.connect(self._on_requester_edit_text_edited)
        self._lookup_timer.timeout.connect(self._on_lookup_timer_timeout)

    def _run(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
    ) -> None:
        """`work` on the task runner; its outcome is dropped if the dialog is gone by then."""

        def deliver(result: Any) -> None:
            if shiboken6.isValid(self):
                done(result)

        def fail(exc: Exception) -> None:
            if shiboken6.isValid(self):
                failed(exc)
            else:
                log.warning("new-ticket lookup failed after the form closed: %s", exc)

        self.tasks.run(work, deliver, fail)

    def _load_options(self) -> None:
        tickets = self._tickets
        self.category_combo.addItem("")
        self.team_combo.addItem("No team", None)
        self.assignee_combo.addItem("Unassigned", None)
        self.loading = 2
        # The categories count over every ticket (seconds on a big database): on their own.
        self._run(
            lambda: list(tickets.categories()),
            self._on_categories_loaded,
            lambda exc: self._on_options_failed("categories", exc),
        )
        self._run(
            lambda: (list(tickets.teams()), list(tickets.assignees()), tickets.contacts("", 50)),
            self._on_people_loaded,
            lambda exc: self._on_options_failed("teams and people", exc),
        )

    def _on_categories_loaded(self, categories: list[str]) -> None:
        self.loading -= 1
        line = self.category_combo.lineEdit()
        assert line is not None  # editable
        text, cursor = line.text(), line.cursorPosition()  # what may be typed already
        self.category_combo.clear()
        self.category_combo.addItem("")
        self.category_combo.addItems(categories)
        line.setText(text)
        line.setCursorPosition(cursor)

    def _on_people_loaded(self, lists: tuple[list[Any], list[Any], list[ContactOption]]) -> None:
        self.loading -= 1
        teams, people, contacts = lists
        for team in teams:
            self.team_combo.addItem(team.name, team.id)
        actor = self._tickets.actor
        may_assign_others = actor.can(Permission.TICKET_ASSIGN_OTHERS)
        for person in people:
            if may_assign_others or person.id == actor.user_id:
                self.assignee_combo.addItem(person.name, person.id)
        if self._lookup_request:  # the technician already searched: keep those suggestions
            for option in contacts:
                self._contacts[option.label] = option
        else:
            self._remember_contacts(contacts)

    def _on_options_failed(self, what: str, exc: Exception) -> None:
        self.loading -= 1
        if isinstance(exc, SupportDeskError | PermissionError):
            reason = str(exc)
        else:
            reason = f"a bug in SupportDesk: {type(exc).__name__}: {exc}"
        self.show_error(f"Could not load the {what} ({reason}); the ticket can still be created.")

    def _remember_contacts(self, options: list[ContactOption]) -> None:
        for option in options:
            self._contacts[option.label] = option
        self._contact_names.setStringList([o.label for o in options])

    # --- reading the form ---

    def requester(self) -> ContactOption | None:
        """The chosen requester; a typed name or email that matches one contact counts too.

        Raises:
            ValueError: the text matches no contact, or more than one.
        """
        text = self.requester_edit.text().strip()
        if not text:
            return None
        if text in self._contacts:
            return self._contacts[text]
        matches = self._tickets.contacts(text, 2)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValueError(
                f"No requester matches “{text}”. Check the spelling or leave it empty."
            )
        raise ValueError(f"More than one requester matches “{text}”. Choose one from the list.")

    def tags(self) -> list[str]:
        """The typed tags: trimmed, without blanks or repeats (in any letter case)."""
        tags: list[str] = []
        for raw in self.tags_edit.text().replace(";", ",").split(","):
            tag = " ".join(raw.split())
            if tag and tag.lower() not in (t.lower() for t in tags):
                tags.append(tag)
        return tags

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # --- slots ---

    @Slot(str)
    def _on_requester_edit_text_edited(self, _text: str) -> None:
        self._lookup_timer.start()

    @Slot()
    def _on_lookup_timer_timeout(self) -> None:
        self._lookup_request += 1
        request = self._lookup_request
        text = self.requester_edit.text()
        contacts = self._tickets.contacts

        def found(options: list[ContactOption]) -> None:
            if request != self._lookup_request:
                return  # typed on meanwhile: a newer lookup is under way
            self._remember_contacts(options)
            if options and self.requester_edit.hasFocus():
                self.completer.complete()

        def failed(exc: Exception) -> None:
            if isinstance(exc, SupportDeskError | PermissionError):
                self.show_error(str(exc))
            else:
                log.error("contact lookup failed: %s", exc)

        self._run(lambda: contacts(text, 20), found, failed)

    def accept(self) -> None:
        """Create the ticket; stay open with a message when something needs fixing."""
        if not self.subject_edit.text().strip():
            self.show_error("Enter a subject: a few words that say what is wrong.")
            self.subject_edit.setFocus()
            return
        try:
            requester = self.requester()
        except ValueError as exc:
            self.show_error(str(exc))
            self.requester_edit.setFocus()
            return
        assignee: uuid.UUID | None = self.assignee_combo.currentData()
        team: uuid.UUID | None = self.team_combo.currentData()
        try:
            ticket_id, changes = self._tickets.create(
                self.subject_edit.text(),
                self.description_edit.toPlainText(),
                # Qt returns str-based enums as plain strings.
                Priority(self.priority_combo.currentData()),
                Channel(self.channel_combo.currentData()),
                self.category_combo.currentText(),
                requester.id if requester else None,
                team,
                assignee,
                tier=int(self.tier_combo.currentData() or 1),
                tags=self.tags(),
            )
        except (SupportDeskError, PermissionError) as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self.ticket_created.emit(ticket_id, changes)
        super().accept()


def _pane_tasks(widget: QWidget | None) -> TaskRunner | None:
    """The task runner of the pane `widget` sits in, if any."""
    while widget is not None and not isinstance(widget, Pane):
        widget = widget.parentWidget()
    return widget.tasks if isinstance(widget, Pane) else None
