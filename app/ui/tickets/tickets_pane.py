"""The Tickets pane: saved views with counts, a filtered, SQL-sorted ticket list with
search, bulk actions and CSV import/export, beside the chosen ticket's detail.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSettings,
    QStandardPaths,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import Priority, TicketStatus
from app.domain.permissions import Permission
from app.errors import NotFoundError, ValidationError
from app.services.base import Area, Changes
from app.services.ticket_io_service import EXPORT_COLUMNS
from app.services.ticket_service import SORT_KEYS, TicketFilter, TicketRow, builtin_view_id
from app.ui.icons import icon
from app.ui.models.roles import ID_ROLE
from app.ui.models.ticket_model import TicketModel, ViewEntry, parse_view_id, view_id_text
from app.ui.pane import Pane
from app.ui.tickets.bulk_bar import BulkBar
from app.ui.tickets.column_chooser import ColumnChooser
from app.ui.tickets.import_dialog import ImportDialog
from app.ui.tickets.new_ticket_dialog import NewTicketDialog
from app.ui.tickets.notifications import TicketNotifier
from app.ui.tickets.search_results import SearchResultsPanel
from app.ui.tickets.ticket_detail_widget import TicketDetailWidget
from app.ui.tickets.views_sidebar import ViewsSidebar

log = logging.getLogger(__name__)

#: Pause after the last keystroke before the search runs.
SEARCH_DELAY_MS = 250
#: How often view counts, SLA breaches and notifications are refreshed.
WATCH_INTERVAL_MS = 60_000
#: Top full-text hits asked for while typing.
SEARCH_HITS = 20

NO_MATCH_TEXT = "No tickets match. Clear the search or choose another view."
NO_TICKETS_TEXT = "No tickets yet. Press {new} to log the first one."


def _keys(key: QKeySequence.StandardKey) -> str:
    """How this platform writes a standard shortcut (Ctrl+N here, ⌘N on macOS)."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


# What an empty built-in view means, and what to do next.
_EMPTY_VIEW_TEXT = {
    "My open": "Nothing is assigned to you. Take a ticket from “Unassigned”, or press {new}.",
    "Unassigned": "Every open ticket has someone working on it.",
    "Due soon": "No ticket is close to its deadline.",
    "Breached": "No open ticket is past its deadline.",
    "Waiting on requester": "No ticket is waiting on a requester.",
    "All open": "No open tickets. Press {new} to log one.",
    "Recently resolved": "Nothing was resolved lately.",
}

#: Shown until the saved views have loaded (the service seeds it with this id).
_START_VIEW = ViewEntry(builtin_view_id("all-open"), "All open", TicketFilter(active_only=True))

#: The view a new installation starts on.
DEFAULT_VIEW_NAME = "All open"

_SETTINGS_SPLITTER = "tickets/splitter3"
_SETTINGS_COLUMNS = "tickets/columns"
_SETTINGS_SORT = "tickets/sort"
_SETTINGS_VIEW = "tickets/view_id"


def service_sort_key(key: str) -> str:
    """`key` if `list_page` sorts by it (a remembered key may be gone), else "updated"."""
    return key if key in SORT_KEYS else "updated"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "tickets"


class TicketsPane(Pane):
    """Saved views, the ticket list (paged from SQL) and the detail of the selected ticket."""

    title = "Tickets"
    icon_name = "tickets"
    areas = frozenset({Area.TICKETS})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = self.services.actor
        self._may_write = actor.can(Permission.TICKET_WRITE)
        self._sort_key = "updated"
        self._descending = True
        self._selected_id: uuid.UUID | None = None
        self._view: ViewEntry = _START_VIEW
        self._filter = self._view.filter
        self._counting = False
        self._count_again = False
        self._search_request = 0
        self._list_query: tuple[TicketFilter, str, bool] | None = None
        self._load_error_generation = -1
        self._watching = False
        self._loaded_views_once = False
        self.last_bulk: Any = None
        self._build()
        self._restore_layout()
        self.signals.open_ticket_requested.connect(self._on_signals_open_ticket_requested)

    # --- building ---

    def _build(self) -> None:
        self.assignee_combo = QComboBox()
        self.assignee_combo.setToolTip("Whose tickets to list (for views that do not say)")
        self.assignee_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(
            f"Search tickets, replies and notes ({_keys(QKeySequence.StandardKey.Find)})"
        )
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setMinimumWidth(260)
        self.search_edit.installEventFilter(self)
        self.count_label = QLabel()
        self.count_label.setEnabled(False)
        self.more_button = QToolButton()
        self.more_button.setIcon(icon("tickets-export"))
        self.more_button.setText("Import/Export")
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setToolTip("Export the listed tickets or import tickets from CSV")
        self.new_button = QPushButton(icon("plus"), "New ticket")
        self.new_button.setToolTip(f"Log a new ticket ({_keys(QKeySequence.StandardKey.New)})")
        self.new_button.setEnabled(self._may_write)

        toolbar = QHBoxLayout()
        assignee_label = QLabel("Assigned to")
        assignee_label.setBuddy(self.assignee_combo)
        toolbar.addWidget(assignee_label)
        toolbar.addWidget(self.assignee_combo)
        toolbar.addWidget(self.search_edit, 1)
        toolbar.addWidget(self.count_label)
        toolbar.addWidget(self.more_button)
        toolbar.addWidget(self.new_button)

        self.views = ViewsSidebar()
        self.views.save_button.setEnabled(True)

        self.model = TicketModel(tasks=self.tasks, parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.installEventFilter(self)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setToolTip("Click to sort; right-click to choose columns")
        for key, width in (
            ("number", 82),
            ("subject", 220),
            ("sla", 92),
            ("due", 92),
            ("requester", 120),
            ("organisation", 120),
            ("status", 110),
            ("priority", 70),
            ("assignee", 110),
            ("updated", 90),
        ):
            if self.model.column_of(key) >= 0:
                header.resizeSection(self.model.column_of(key), width)
        self.chooser = ColumnChooser(self.table, self.model)

        self.empty_label = QLabel(NO_MATCH_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty_label)

        self.search_results = SearchResultsPanel()
        self.bulk_bar = BulkBar()
        self.bulk_bar.hide()
        self.bulk_result = QFrame()
        self.bulk_result.setFrameShape(QFrame.Shape.StyledPanel)
        self.bulk_result_label = QLabel()
        self.bulk_result_label.setWordWrap(True)
        self.bulk_result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.bulk_result.hide)
        result_row = QHBoxLayout(self.bulk_result)
        result_row.setContentsMargins(8, 4, 4, 4)
        result_row.addWidget(self.bulk_result_label, 1)
        result_row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.bulk_result.hide()

        list_side = QWidget()
        list_layout = QVBoxLayout(list_side)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.search_results)
        list_layout.addWidget(self.bulk_bar)
        list_layout.addWidget(self.bulk_result)
        list_layout.addWidget(self.list_stack, 1)

        self.detail = TicketDetailWidget()
        self.detail.attach(self.services, self.signals, self.tasks)
        self.detail.set_permissions(
            may_write=self._may_write,
            may_assign_others=self.services.actor.can(Permission.TICKET_ASSIGN_OTHERS),
            me=self.services.actor.user_id,
        )
        self.detail.clear()

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.views)
        self.splitter.addWidget(list_side)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)  # a wider window widens the list first
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.splitter, 1)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(WATCH_INTERVAL_MS)
        self.notifier = TicketNotifier(self)

        self.new_action = QAction(icon("plus"), "New ticket", self)
        self.new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.new_action.setEnabled(self._may_write)
        self.addAction(self.new_action)
        self.find_action = QAction(icon("search"), "Find tickets", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.addAction(self.find_action)
        self.export_action = QAction(icon("tickets-export"), "Export view as CSV…", self)
        self.export_action.setToolTip("Save the listed tickets, with the shown columns, as CSV")
        self.import_action = QAction(icon("tickets-import"), "Import tickets from CSV…", self)
        self.import_action.setEnabled(self._may_write)
        self.columns_action = QAction(icon("tickets-columns"), "Choose columns…", self)
        more = QMenu(self.more_button)
        more.addAction(self.export_action)
        more.addAction(self.import_action)
        more.addSeparator()
        more.addAction(self.columns_action)
        self.more_button.setMenu(more)

        self.views.view_chosen.connect(self._on_views_view_chosen)
        self.views.save_requested.connect(self._on_views_save_requested)
        self.views.delete_requested.connect(self._on_views_delete_requested)
        self.assignee_combo.activated.connect(self._on_assignee_combo_activated)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_timer_timeout)
        self.search_timer.timeout.connect(self._on_search_timer_timeout)
        self.watch_timer.timeout.connect(self._on_watch_timer_timeout)
        self.search_results.hit_activated.connect(self._on_search_results_hit_activated)
        self.new_button.clicked.connect(self.new_action.trigger)
        self.new_action.triggered.connect(self._on_new_action_triggered)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.export_action.triggered.connect(self._on_export_action_triggered)
        self.import_action.triggered.connect(self._on_import_action_triggered)
        self.columns_action.triggered.connect(self._on_columns_action_triggered)
        self.model.sort_requested.connect(self._on_model_sort_requested)
        self.model.total_changed.connect(self._on_model_total_changed)
        self.model.load_failed.connect(self._on_model_load_failed)
        self.model.dataChanged.connect(self._on_model_data_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.activated.connect(self._on_table_activated)
        self.chooser.columns_changed.connect(self._on_chooser_columns_changed)
        self.splitter.splitterMoved.connect(self._on_splitter_splitter_moved)
        self.bulk_bar.bulk_requested.connect(self._on_bulk_bar_bulk_requested)
        self.bulk_bar.clear_requested.connect(self.table.clearSelection)
        self.notifier.fallback_message.connect(self.signals.status_message)
        self.detail.status_chosen.connect(self._on_detail_status_chosen)
        self.detail.priority_chosen.connect(self._on_detail_priority_chosen)
        self.detail.assignee_chosen.connect(self._on_detail_assignee_chosen)
        self.detail.reply_submitted.connect(self._on_detail_reply_submitted)

    # --- layout memory ---

    def _restore_layout(self) -> None:
        settings = QSettings()
        state: dict[str, Any] | None = None
        try:
            loaded = json.loads(str(settings.value(_SETTINGS_COLUMNS, "") or "null"))
            state = loaded if isinstance(loaded, dict) else None
        except ValueError:
            state = None
        self.chooser.restore(state)
        splitter = settings.value(_SETTINGS_SPLITTER)
        self._splitter_restored = isinstance(splitter, QByteArray) and not splitter.isEmpty()
        if isinstance(splitter, QByteArray) and self._splitter_restored:
            self.splitter.restoreState(splitter)
        sort = str(settings.value(_SETTINGS_SORT, "") or "").split()
        if len(sort) == 2 and self.model.column_of(sort[0]) >= 0:
            self._sort_key, self._descending = sort[0], sort[1] == "desc"
        column = self.model.column_of(self._sort_key)
        self.table.horizontalHeader().setSortIndicator(
            column,
            Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder,
        )
        # After the restored indicator, so the first sort request matches what is shown.
        self.table.setSortingEnabled(True)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._splitter_restored:
            # First start: size from the real width, once the layout has given it one.
            self._splitter_restored = True
            QTimer.singleShot(0, self._first_splitter_sizes)

    def _first_splitter_sizes(self) -> None:
        width = max(self.splitter.width(), 900)
        views = max(200, self.views.sizeHint().width() - 30)
        detail = max(self.detail.minimumSizeHint().width(), int(width * 0.36))
        self.splitter.setSizes([views, max(300, width - views - detail), detail])

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue(_SETTINGS_SPLITTER, self.splitter.saveState())
        settings.setValue(_SETTINGS_COLUMNS, json.dumps(self.chooser.state()))
        settings.setValue(
            _SETTINGS_SORT, f"{self._sort_key} {'desc' if self._descending else 'asc'}"
        )
        settings.setValue(_SETTINGS_VIEW, view_id_text(self._view.id))

    # --- loading ---

    def _run(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
    ) -> None:
        """`work` on the task runner; its outcome is dropped if the pane is gone by then."""

        def deliver(result: Any) -> None:
            if shiboken6.isValid(self):
                done(result)

        def fail(exc: Exception) -> None:
            if shiboken6.isValid(self):
                failed(exc)

        self.tasks.run(work, deliver, fail)

    def current_view(self) -> ViewEntry:
        return self._view

    def current_filter(self) -> TicketFilter:
        """The view's filter plus the assignee choice and the search text."""
        base = self._view.filter
        assignee = base.assignee
        if assignee is None:
            assignee = self.assignee_combo.currentData()
        text = " ".join(t for t in (base.text, self.search_edit.text().strip()) if t)
        return dataclasses.replace(base, assignee=assignee, text=text)

    def refresh(self) -> None:
        try:
            self._load_assignees()
            self._load_views()
            self._reload_list()
        except Exception as exc:
            self.show_error(exc, "Could not load the tickets")
            return
        self._load_detail()
        self.refresh_counts()
        if not self._watching:
            self._watching = True
            self.watch_timer.start()
            self.check_notifications()

    def _load_assignees(self) -> None:
        people = self.services.tickets.assignees()
        self.detail.set_people(people)
        me = self.services.actor.user_id
        self.bulk_bar.set_people(
            people,
            me,
            may_assign_others=self.services.actor.can(Permission.TICKET_ASSIGN_OTHERS),
        )
        current = self.assignee_combo.currentData()
        self.assignee_combo.clear()
        self.assignee_combo.addItem("Anyone", None)
        self.assignee_combo.addItem("Me", "me")
        self.assignee_combo.addItem("Unassigned", "unassigned")
        for person in people:
            if person.id != me:
                self.assignee_combo.addItem(person.name, person.id)
        index = self.assignee_combo.findData(current)
        self.assignee_combo.setCurrentIndex(max(0, index))
        self._update_assignee_enabled()

    def _load_views(self) -> None:
        """The saved views (built-ins first), keeping the choice."""
        views = [
            ViewEntry(v.id, v.name, v.filter, v.personal)
            for v in self.services.tickets.saved_views()
        ]
        wanted = self._view.id
        if not self._loaded_views_once:
            wanted = parse_view_id(str(QSettings().value(_SETTINGS_VIEW, "") or ""))
            self._loaded_views_once = True
        chosen = next((v for v in views if v.id == wanted), None)
        if chosen is None:
            chosen = next((v for v in views if v.id == self._view.id), None)
        if chosen is None:
            # A view of the same name, else "All open": a new desk should see its tickets,
            # not an empty "My open".
            chosen = next(
                (v for v in views if v.name == self._view.name),
                next((v for v in views if v.name == DEFAULT_VIEW_NAME), views[0]),
            )
        self._view = chosen
        self.views.set_views(views, chosen.id)
        self._update_assignee_enabled()

    def refresh_counts(self) -> None:
        """Count the tickets of every view on the task runner; the sidebar shows them."""
        if self._counting:
            self._count_again = True
            return
        tickets = self.services.tickets

        def work() -> dict[Any, int]:
            return dict(tickets.view_counts())

        self._counting = True
        self._run(work, self._on_counts_loaded, self._on_counts_failed)

    def _on_counts_loaded(self, counts: dict[Any, int]) -> None:
        self._counting = False
        self.views.set_counts(counts)
        if self._count_again:
            self._count_again = False
            self.refresh_counts()

    def _on_counts_failed(self, exc: Exception) -> None:
        self._counting = False
        self._count_again = False
        log.warning("could not count the saved views: %s", exc)

    def _update_assignee_enabled(self) -> None:
        self.assignee_combo.setEnabled(self._view.filter.assignee is None)

    def _reload_list(self) -> None:
        """Show the first page of the current query now; the count follows from the task
        runner (the model drops it if the query changed meanwhile)."""
        flt = self.current_filter()
        self._filter = flt
        tickets = self.services.tickets
        key, descending = service_sort_key(self._sort_key), self._descending

        def fetch(offset: int, limit: int) -> Sequence[TicketRow]:
            if not shiboken6.isValid(self):
                return []  # a page asked for just before the pane closed
            return tickets.list_page(
                flt, sort_key=key, descending=descending, offset=offset, limit=limit
            )

        def count() -> int:
            return tickets.count(flt)

        query = (flt, key, descending)
        hint = None
        if query != self._list_query:
            self._list_query = query
            self.count_label.setText("Counting…")  # a refresh of the same list keeps its count
        else:
            hint = self.model.total  # a refresh keeps the list's length while it recounts
        # A short first page is the total: told at once.
        self.model.reset(fetch, count, total_hint=hint)
        if self.model.rowCount() > 0:
            self.list_stack.setCurrentWidget(self.table)
        self._reselect()
        self._update_bulk_bar()

    @Slot(int)
    def _on_model_total_changed(self, total: int) -> None:
        self.count_label.setText("1 ticket" if total == 1 else f"{total:,} tickets")
        if total == 0:
            self.empty_label.setText(self._empty_text(self._filter))
            self.list_stack.setCurrentWidget(self.empty_label)
        else:
            self.list_stack.setCurrentWidget(self.table)

    @Slot(object)
    def _on_model_load_failed(self, exc: Exception) -> None:
        """One message per list shown, after the model call that failed has returned."""
        if self._load_error_generation == self.model.generation:
            return
        self._load_error_generation = self.model.generation
        if self.count_label.text() == "Counting…":
            self.count_label.clear()
        QTimer.singleShot(0, lambda: self.show_error(exc, "Could not load the tickets"))

    @Slot(QModelIndex, QModelIndex)
    def _on_model_data_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        """A page arrived: if it holds the current row (e.g. after Ctrl+End), show that
        ticket."""
        current = self.table.currentIndex()
        if not current.isValid() or not top.row() <= current.row() <= bottom.row():
            return
        ticket_id = self.model.data(current, ID_ROLE)
        if ticket_id is not None and ticket_id != self._selected_id:
            self._selected_id = ticket_id
            self._load_detail()

    def _empty_text(self, flt: TicketFilter) -> str:
        if not self.services.tickets.list_page(TicketFilter(), offset=0, limit=1):
            return NO_TICKETS_TEXT.format(new=_keys(QKeySequence.StandardKey.New))
        if self.search_edit.text().strip() or flt.assignee != self._view.filter.assignee:
            return NO_MATCH_TEXT
        name = self._view.name
        hint = _EMPTY_VIEW_TEXT.get(name, "Choose another view, or press {new} to log a ticket.")
        return f"No tickets in “{name}”. " + hint.format(new=_keys(QKeySequence.StandardKey.New))

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

    def selected_ids(self) -> list[uuid.UUID]:
        """Ids of the selected rows, top to bottom."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        ids = [self.model.data(self.model.index(r, 0), ID_ROLE) for r in rows]
        return [i for i in ids if i is not None]

    # --- search ---

    def _run_search(self, text: str) -> None:
        """Top full-text hits for the panel under the search box (on the task runner)."""
        self._search_request += 1
        request = self._search_request
        search = self.services.tickets.search
        if not text:
            self.search_results.show_hits("", [])
            return

        def done(hits: Any) -> None:
            if request == self._search_request:
                self.search_results.show_hits(text, list(hits))

        def failed(exc: Exception) -> None:
            if request == self._search_request:
                self.search_results.show_hits("", [])
                if isinstance(exc, ValidationError):
                    self.signals.status_message.emit(str(exc))
                else:
                    log.warning("search failed: %s", exc)

        self._run(lambda: search(text, limit=SEARCH_HITS), done, failed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_End, Qt.Key.Key_Home)
        ):
            return self._jump(event)
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            key = event.key() if isinstance(event, QKeyEvent) else None
            if key == Qt.Key.Key_Down and self.search_results.isVisible():
                self.search_results.focus_first()
                return True
            if key == Qt.Key.Key_Escape and self.search_edit.text():
                self.search_edit.clear()
                return True
        return super().eventFilter(watched, event)

    def _jump(self, event: QKeyEvent) -> bool:
        """End / Ctrl+End: the last ticket of the list (its page loaded first, so the row is
        real at once); Home / Ctrl+Home: the first. Shift extends the selection as usual."""
        ctrl = Qt.KeyboardModifier.ControlModifier
        if event.key() == Qt.Key.Key_End:
            self.model.ensure_last_row()
        else:
            self.model.ensure_row(0)
        if event.modifiers() & ctrl:
            return False  # QTableView moves to the first/last row itself
        # Plain Home/End would move between columns; rows are what a technician means.
        QApplication.sendEvent(
            self.table,
            QKeyEvent(event.type(), event.key(), event.modifiers() | ctrl, event.text()),
        )
        return True

    # --- bulk ---

    def _update_bulk_bar(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.bulk_bar.set_count(count)
        self.bulk_bar.setVisible(count >= 2 and self._may_write)

    def bulk_update(self, ids: Sequence[uuid.UUID], change: dict[str, Any]) -> None:
        """Apply one change to `ids` on the task runner; the outcome shows above the list."""
        bulk = self.services.tickets.bulk_update
        ticket_ids = list(ids)
        self.bulk_bar.setEnabled(False)
        self._run(
            lambda: bulk(ticket_ids, **change),
            self._on_bulk_done,
            self._on_bulk_failed,
        )

    def _on_bulk_done(self, result: Any) -> None:
        self.bulk_bar.setEnabled(True)
        self.last_bulk = result
        changed, refused = len(result.changed), list(result.refused)
        parts = []
        if changed:
            parts.append(f"<b>Changed {changed} ticket{'s' if changed != 1 else ''}.</b>")
        if refused:
            lines = "".join(f"<li>{number}: {reason}</li>" for number, reason in refused[:8])
            more = f"<li>… and {len(refused) - 8} more</li>" if len(refused) > 8 else ""
            parts.append(
                f"<b>{len(refused)} not changed:</b><ul style='margin:0'>{lines}{more}</ul>"
            )
        if not parts:
            parts.append("Nothing needed changing.")
        self.bulk_result_label.setText(" ".join(parts))
        self.bulk_result_label.setToolTip(
            "\n".join(f"{number}: {reason}" for number, reason in refused)
        )
        self.bulk_result.show()
        if changed:
            self.signals.changed.emit(result.changes)

    def _on_bulk_failed(self, exc: Exception) -> None:
        self.bulk_bar.setEnabled(True)
        self.show_error(exc, "Could not change the tickets")

    # --- export and import ---

    def default_export_path(self) -> Path:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        ) or str(Path.home())
        return Path(folder) / f"tickets-{_slug(self._view.name)}-{date.today().isoformat()}.csv"

    def export_columns(self) -> list[str]:
        """The shown columns, left to right, that a CSV export can hold."""
        return [k for k in self.chooser.visible_keys() if k in EXPORT_COLUMNS]

    def export_view(self, path: Path) -> None:
        """Write the listed tickets (this view, assignee choice, search, sort) to `path`."""
        export = self.services.ticket_io.export_csv
        flt, columns = self.current_filter(), self.export_columns()
        key, descending = service_sort_key(self._sort_key), self._descending
        self.export_action.setEnabled(False)

        def done(written: int) -> None:
            self.export_action.setEnabled(True)
            # A capped search says so: the file then lacks some matching tickets.
            note = getattr(written, "note", "")
            self.signals.status_message.emit(
                f"Exported {written} ticket{'s' if written != 1 else ''} to {path}"
                + (f". {note}" if note else "")
            )

        def failed(exc: Exception) -> None:
            self.export_action.setEnabled(True)
            self.show_error(exc, "Could not export the tickets")

        self._run(
            lambda: export(flt, Path(path), columns, sort_key=key, descending=descending),
            done,
            failed,
        )

    def open_import_dialog(self) -> ImportDialog:
        dialog = ImportDialog(self.services, self.tasks, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self.signals.changed)
        dialog.open()
        return dialog

    # --- notifications ---

    def check_notifications(self) -> None:
        """Record new SLA breaches, then tell about tickets newly mine or about to breach."""
        tickets = self.services.tickets
        may_write = self._may_write

        def work() -> tuple[int, list[TicketRow], list[TicketRow]]:
            breaches = tickets.record_breaches() if may_write else 0
            mine = tickets.list_page(
                TicketFilter(active_only=True, assignee="me"),
                sort_key=service_sort_key("updated"),
                descending=True,
                offset=0,
                limit=500,
            )
            return breaches, mine, tickets.due_soon_for_me()

        def done(result: tuple[int, list[TicketRow], list[TicketRow]]) -> None:
            breaches, mine, due = result
            self.notifier.look(mine, due)
            if breaches:
                self.signals.changed.emit(Changes.of(Area.TICKETS))

        self._run(work, done, lambda exc: log.warning("ticket watch failed: %s", exc))

    def _on_app_changed(self, changes: Changes) -> None:
        # Whatever this person changed here is no news to them (e.g. taking a ticket).
        self.notifier.forget_as_mine(changes.ids)
        super()._on_app_changed(changes)

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

    @Slot(object)
    def _on_views_view_chosen(self, view: ViewEntry) -> None:
        if view.id == self._view.id:
            return
        self._view = view
        self._update_assignee_enabled()
        self.save_layout()
        if self._loaded:
            self._reload_list_or_tell()

    @Slot()
    def _on_views_save_requested(self) -> None:
        name, ok = QInputDialog.getText(
            self,
            "Save current view",
            "Name of the view (it lists the tickets shown now):",
            QLineEdit.EchoMode.Normal,
            self.search_edit.text().strip().capitalize(),
        )
        if ok and name.strip():
            self.save_current_view(name.strip())

    def save_current_view(self, name: str) -> uuid.UUID | None:
        """Save the current filter as the person's own view and choose it."""
        try:
            view_id = self.services.tickets.save_view(name, self.current_filter(), personal=True)
        except Exception as exc:
            self.show_error(exc, "Could not save the view")
            return None
        self.search_edit.blockSignals(True)
        self.search_edit.clear()  # the view holds the search now
        self.search_edit.blockSignals(False)
        self.search_results.show_hits("", [])
        self._view = ViewEntry(view_id, name, self._filter, True)
        self.save_layout()
        self.refresh()
        return view_id

    @Slot(object)
    def _on_views_delete_requested(self, view: ViewEntry) -> None:
        answer = QMessageBox.question(
            self,
            "Delete view",
            f"Delete your view “{view.name}”? The tickets stay as they are.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_view(view)

    def delete_view(self, view: ViewEntry) -> None:
        try:
            self.services.tickets.delete_view(view.id)
        except Exception as exc:
            self.show_error(exc, "Could not delete the view")
            return
        if self._view.id == view.id:
            self._view = _START_VIEW
        self.refresh()

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
            self._run_search(self.search_edit.text().strip())

    @Slot(object)
    def _on_search_results_hit_activated(self, ticket_id: uuid.UUID) -> None:
        self.select_ticket(ticket_id)

    @Slot()
    def _on_watch_timer_timeout(self) -> None:
        if self._loaded:
            self.refresh_counts()
            self.check_notifications()

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

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._update_bulk_bar()

    @Slot(QModelIndex)
    def _on_table_activated(self, index: QModelIndex) -> None:
        """Enter or double-click: open the ticket and put the cursor in the reply box."""
        ticket_id = self.model.data(index, ID_ROLE)
        if ticket_id is None:
            return
        self.select_ticket(ticket_id)
        editor = self.detail.reply_editor
        if editor.isEnabled():
            editor.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(dict)
    def _on_bulk_bar_bulk_requested(self, change: dict[str, Any]) -> None:
        self.bulk_update(self.selected_ids(), change)

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

    @Slot()
    def _on_export_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export view as CSV", str(self.default_export_path()), "CSV files (*.csv)"
        )
        if path:
            self.export_view(Path(path))

    @Slot()
    def _on_import_action_triggered(self) -> None:
        if self._may_write:
            self.open_import_dialog()

    @Slot()
    def _on_columns_action_triggered(self) -> None:
        menu = self.chooser.build_menu()
        menu.popup(self.more_button.mapToGlobal(self.more_button.rect().bottomLeft()))

    @Slot()
    def _on_chooser_columns_changed(self) -> None:
        self.save_layout()

    @Slot(object)
    def _on_signals_open_ticket_requested(self, ticket_id: uuid.UUID) -> None:
        if self._loaded:
            self.select_ticket(ticket_id)
        else:
            self._selected_id = ticket_id  # shown when the pane first loads

    @Slot()
    def _on_splitter_splitter_moved(self) -> None:
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
