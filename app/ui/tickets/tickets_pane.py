"""The Tickets pane: a filtered, SQL-sorted ticket list beside the chosen ticket's detail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    QSettings,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
)

from app.domain.enums import Priority, TicketStatus
from app.domain.permissions import Permission
from app.errors import NotFoundError
from app.services.base import Area, Changes
from app.services.ticket_service import TicketFilter, TicketRow
from app.ui.icons import icon
from app.ui.models.roles import ID_ROLE
from app.ui.models.ticket_model import TicketModel
from app.ui.pane import Pane
from app.ui.tickets.new_ticket_dialog import NewTicketDialog
from app.ui.tickets.ticket_detail_widget import TicketDetailWidget

#: Pause after the last keystroke before the search runs.
SEARCH_DELAY_MS = 250

NO_MATCH_TEXT = "No tickets match. Clear the search or choose another view."
NO_TICKETS_TEXT = "No tickets yet. Press Ctrl+N to log the first one."

# (label, filter without text or assignee choice); the assignee box adds to views without one.
VIEWS: list[tuple[str, TicketFilter]] = [
    ("All active", TicketFilter(active_only=True)),
    ("My tickets", TicketFilter(active_only=True, assignee="me")),
    ("Unassigned", TicketFilter(active_only=True, assignee="unassigned")),
    ("Waiting on requester", TicketFilter(statuses=frozenset({TicketStatus.PENDING}))),
    ("Resolved", TicketFilter(statuses=frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED}))),
    ("All", TicketFilter()),
]

_SETTINGS_SPLITTER = "tickets/splitter"
_SETTINGS_HEADER = "tickets/header"
_SETTINGS_VIEW = "tickets/view"


class TicketsPane(Pane):
    """Ticket list (paged from SQL) and the detail of the selected ticket."""

    title = "Tickets"
    icon_name = "tickets"
    areas = frozenset({Area.TICKETS})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = self.services.actor
        self._may_write = actor.can(Permission.TICKET_WRITE)
        self._sort_key = "updated_at"
        self._descending = True
        self._selected_id: uuid.UUID | None = None
        self._filter = VIEWS[0][1]
        self._build()
        self._restore_layout()
        self.signals.open_ticket_requested.connect(self._on_signals_open_ticket_requested)

    # --- building ---

    def _build(self) -> None:
        self.view_combo = QComboBox()
        self.view_combo.setToolTip("Which tickets to list")
        for label, flt in VIEWS:
            self.view_combo.addItem(label, flt)
        self.assignee_combo = QComboBox()
        self.assignee_combo.setToolTip("Whose tickets to list")
        self.assignee_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText("Search number, subject or description (Ctrl+F)")
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setMinimumWidth(260)
        self.count_label = QLabel()
        self.count_label.setEnabled(False)
        self.new_button = QPushButton(icon("plus"), "New ticket")
        self.new_button.setToolTip("Log a new ticket (Ctrl+N)")
        self.new_button.setEnabled(self._may_write)

        toolbar = QHBoxLayout()
        toolbar.addWidget(self.view_combo)
        toolbar.addWidget(self.assignee_combo)
        toolbar.addWidget(self.search_edit, 1)
        toolbar.addWidget(self.count_label)
        toolbar.addWidget(self.new_button)

        self.model = TicketModel(parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        for key, width in (
            ("number", 70),
            ("subject", 230),
            ("requester", 120),
            ("status", 100),
            ("priority", 70),
            ("assignee", 110),
            ("due", 100),
            ("updated_at", 90),
        ):
            header.resizeSection(self.model.column_of(key), width)
        header.setSortIndicator(self.model.column_of("updated_at"), Qt.SortOrder.DescendingOrder)

        self.empty_label = QLabel(NO_MATCH_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty_label)

        self.detail = TicketDetailWidget()
        self.detail.set_permissions(
            may_write=self._may_write,
            may_assign_others=self.services.actor.can(Permission.TICKET_ASSIGN_OTHERS),
            me=self.services.actor.user_id,
        )
        self.detail.clear()

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.list_stack)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.splitter, 1)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)

        self.new_action = QAction(icon("plus"), "New ticket", self)
        self.new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.new_action.setEnabled(self._may_write)
        self.addAction(self.new_action)
        self.find_action = QAction(icon("search"), "Find tickets", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.addAction(self.find_action)

        self.view_combo.activated.connect(self._on_view_combo_activated)
        self.assignee_combo.activated.connect(self._on_assignee_combo_activated)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_timer_timeout)
        self.search_timer.timeout.connect(self._on_search_timer_timeout)
        self.new_button.clicked.connect(self.new_action.trigger)
        self.new_action.triggered.connect(self._on_new_action_triggered)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.model.sort_requested.connect(self._on_model_sort_requested)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.splitter.splitterMoved.connect(self._on_splitter_splitter_moved)
        header.sectionResized.connect(self._on_header_changed)
        header.sectionMoved.connect(self._on_header_changed)
        self.detail.status_chosen.connect(self._on_detail_status_chosen)
        self.detail.priority_chosen.connect(self._on_detail_priority_chosen)
        self.detail.assignee_chosen.connect(self._on_detail_assignee_chosen)
        self.detail.reply_submitted.connect(self._on_detail_reply_submitted)

    # --- layout memory ---

    def _restore_layout(self) -> None:
        settings = QSettings()
        header = self.table.horizontalHeader()
        state = settings.value(_SETTINGS_HEADER)
        if isinstance(state, QByteArray) and not state.isEmpty():
            header.restoreState(state)
        splitter = settings.value(_SETTINGS_SPLITTER)
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([820, 580])
        try:
            view = int(str(settings.value(_SETTINGS_VIEW, 0)))
        except ValueError:
            view = 0
        self.view_combo.setCurrentIndex(view if 0 <= view < len(VIEWS) else 0)
        column = (
            self.model.columns[header.sortIndicatorSection()]
            if (0 <= header.sortIndicatorSection() < len(self.model.columns))
            else None
        )
        if column is not None and column.sortable:
            self._sort_key = column.key
            self._descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        # After the restored indicator, so the first sort request matches what is shown.
        self.table.setSortingEnabled(True)

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue(_SETTINGS_SPLITTER, self.splitter.saveState())
        settings.setValue(_SETTINGS_HEADER, self.table.horizontalHeader().saveState())
        settings.setValue(_SETTINGS_VIEW, self.view_combo.currentIndex())

    # --- loading ---

    def current_filter(self) -> TicketFilter:
        """The view's filter plus the assignee choice and the search text."""
        base: TicketFilter = self.view_combo.currentData() or VIEWS[0][1]
        assignee = base.assignee
        if assignee is None:
            assignee = self.assignee_combo.currentData()
        return TicketFilter(
            statuses=base.statuses,
            active_only=base.active_only,
            assignee=assignee,
            team_id=base.team_id,
            text=self.search_edit.text().strip(),
        )

    def refresh(self) -> None:
        try:
            self._load_assignees()
            self._reload_list()
        except Exception as exc:
            self.show_error(exc, "Could not load the tickets")
            return
        self._load_detail()

    def _load_assignees(self) -> None:
        people = self.services.tickets.assignees()
        self.detail.set_people(people)
        current = self.assignee_combo.currentData()
        self.assignee_combo.clear()
        self.assignee_combo.addItem("Anyone", None)
        self.assignee_combo.addItem("Me", "me")
        self.assignee_combo.addItem("Unassigned", "unassigned")
        for person in people:
            if person.id != self.services.actor.user_id:
                self.assignee_combo.addItem(person.name, person.id)
        index = self.assignee_combo.findData(current)
        self.assignee_combo.setCurrentIndex(max(0, index))
        self._update_assignee_enabled()

    def _update_assignee_enabled(self) -> None:
        base: TicketFilter | None = self.view_combo.currentData()
        self.assignee_combo.setEnabled(base is None or base.assignee is None)

    def _reload_list(self) -> None:
        flt = self.current_filter()
        self._filter = flt
        tickets = self.services.tickets
        key, descending = self._sort_key, self._descending

        def fetch(offset: int, limit: int) -> Sequence[TicketRow]:
            try:
                return tickets.list_page(flt, key, descending, offset, limit)
            except Exception as exc:  # shown after the model call returns, not inside it
                failure = exc
                QTimer.singleShot(0, lambda: self.show_error(failure, "Could not load the tickets"))
                return []

        self.model.reset(fetch)
        total = tickets.count(flt)
        self.count_label.setText("1 ticket" if total == 1 else f"{total} tickets")
        if total == 0:
            everything = tickets.count(TicketFilter())
            self.empty_label.setText(NO_TICKETS_TEXT if everything == 0 else NO_MATCH_TEXT)
            self.list_stack.setCurrentWidget(self.empty_label)
        else:
            self.list_stack.setCurrentWidget(self.table)
        self._reselect()

    def _reselect(self) -> None:
        """Select the chosen ticket's row again after the list was reloaded (if listed)."""
        if self._selected_id is None:
            return
        row = self.model.row_of_id(self._selected_id)
        if row >= 0:
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)

    def _load_detail(self) -> None:
        if self._selected_id is None:
            self.detail.clear()
            return
        try:
            detail = self.services.tickets.get(self._selected_id)
        except NotFoundError:
            self._selected_id = None
            self.detail.clear()
            return
        except Exception as exc:
            self.show_error(exc, "Could not open the ticket")
            return
        self.detail.show_detail(detail)

    def select_ticket(self, ticket_id: uuid.UUID) -> None:
        """Show `ticket_id`: its row is selected when the list holds it, its detail always."""
        self._selected_id = ticket_id
        self._reselect()
        self._load_detail()

    # --- writing ---

    def _write(self, what: str, call: Any) -> bool:
        try:
            changes: Changes = call()
        except Exception as exc:
            self.show_error(exc, what)
            self._load_detail()  # put the boxes back to what is stored
            return False
        self.signals.changed.emit(changes)
        return True

    # --- slots ---

    def _reload_list_or_tell(self) -> None:
        try:
            self._reload_list()
        except Exception as exc:
            self.show_error(exc, "Could not load the tickets")

    @Slot(int)
    def _on_view_combo_activated(self, _index: int) -> None:
        self._update_assignee_enabled()
        self.save_layout()
        self._reload_list_or_tell()

    @Slot(int)
    def _on_assignee_combo_activated(self, _index: int) -> None:
        self._reload_list_or_tell()

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self.search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.search_timer.stop()
        if self._loaded:
            self._reload_list_or_tell()

    @Slot(str, bool)
    def _on_model_sort_requested(self, key: str, descending: bool) -> None:
        self._sort_key, self._descending = key, descending
        self.save_layout()
        if self._loaded:
            self._reload_list_or_tell()

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        ticket_id = self.model.data(current, ID_ROLE)
        if ticket_id is not None and ticket_id != self._selected_id:
            self._selected_id = ticket_id
            self._load_detail()

    @Slot()
    def _on_new_action_triggered(self) -> None:
        if not self._may_write:
            return
        try:
            dialog = NewTicketDialog(self.services.tickets, self)
        except Exception as exc:
            self.show_error(exc, "Could not open the new-ticket form")
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.ticket_created.connect(self._on_dialog_ticket_created)
        dialog.open()

    @Slot(object, object)
    def _on_dialog_ticket_created(self, ticket_id: uuid.UUID, changes: Changes) -> None:
        self._selected_id = ticket_id
        self.signals.changed.emit(changes)
        if not self._loaded:
            self.activate()

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @Slot(object)
    def _on_signals_open_ticket_requested(self, ticket_id: uuid.UUID) -> None:
        if self._loaded:
            self.select_ticket(ticket_id)
        else:
            self._selected_id = ticket_id  # shown when the pane first loads

    @Slot()
    def _on_splitter_splitter_moved(self) -> None:
        self.save_layout()

    @Slot()
    def _on_header_changed(self) -> None:
        self.save_layout()

    @Slot(object)
    def _on_detail_status_chosen(self, status: TicketStatus) -> None:
        ticket_id = self._selected_id
        if ticket_id is not None:
            self._write(
                "Could not change the status",
                lambda: self.services.tickets.change_status(ticket_id, status),
            )

    @Slot(object)
    def _on_detail_priority_chosen(self, priority: Priority) -> None:
        ticket_id = self._selected_id
        if ticket_id is not None:
            self._write(
                "Could not change the priority",
                lambda: self.services.tickets.change_priority(ticket_id, priority),
            )

    @Slot(object)
    def _on_detail_assignee_chosen(self, assignee_id: uuid.UUID | None) -> None:
        detail = self.detail.detail
        if detail is not None:
            self._write(
                "Could not assign the ticket",
                lambda: self.services.tickets.assign(detail.id, assignee_id, detail.team_id),
            )

    @Slot(str, bool)
    def _on_detail_reply_submitted(self, body: str, public: bool) -> None:
        ticket_id = self._selected_id
        if ticket_id is None:
            return
        what = "Could not send the reply" if public else "Could not save the note"
        if self._write(what, lambda: self.services.tickets.add_reply(ticket_id, body, public)):
            self.detail.reply_editor.clear()
