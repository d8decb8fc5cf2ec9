"""The knowledge base: categories on the left, articles and search in the middle, the reader
on the right."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from html import escape

from PySide6.QtCore import (
    QDateTime,
    QItemSelection,
    QLocale,
    QModelIndex,
    QSettings,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import ArticleStatus
from app.domain.permissions import Permission
from app.services.base import Area
from app.services.knowledge_service import DEFAULT_STATUSES, ArticleDetail, ArticleRow
from app.services.registry import Services
from app.ui.icons import icon
from app.ui.knowledge.article_browser import ArticleBrowser
from app.ui.knowledge.article_editor_dialog import ArticleEditorDialog
from app.ui.models.article_model import EXCERPT_COLUMN, ArticleModel
from app.ui.models.category_tree_model import CategoryTreeModel
from app.ui.models.roles import ID_ROLE
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner

SEARCH_DELAY_MS = 300
SEARCH_LIMIT = 50
_MAX_TICKET_LINKS = 12
_SPLITTER_KEY = "knowledge/splitter"

_STATUS_FILTERS: list[tuple[str, frozenset[ArticleStatus]]] = [
    ("Published and drafts", DEFAULT_STATUSES),
    ("Published", frozenset({ArticleStatus.PUBLISHED})),
    ("Drafts", frozenset({ArticleStatus.DRAFT})),
    ("Archived", frozenset({ArticleStatus.ARCHIVED})),
]


def _when(moment: datetime) -> str:
    stamp = QDateTime.fromMSecsSinceEpoch(int(moment.timestamp() * 1000))
    return QLocale().toString(stamp, QLocale.FormatType.ShortFormat)


def _shortcut_text(key: QKeySequence.StandardKey) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


class KnowledgePane(Pane):
    """User manuals and troubleshooting guides: browse by category, search, read, write."""

    title = "Knowledge base"
    icon_name = "book"
    areas = frozenset({Area.KNOWLEDGE})

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services, signals, tasks, parent)
        self._service = self.services.knowledge
        self._can_write = self.services.actor.can(Permission.KB_WRITE)
        self._sort = "updated_at"
        self._descending = True
        self._current_id: uuid.UUID | None = None
        self._detail: ArticleDetail | None = None
        self._searching = ""
        self.editor: ArticleEditorDialog | None = None
        self._build()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        # Left: categories.
        self.tree_model = CategoryTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection_changed)
        self.new_category_button = QToolButton()
        self.new_category_button.setIcon(icon("kb-folder-plus"))
        self.new_category_button.setText("New category")
        self.new_category_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.new_category_button.setToolTip("Add a category inside the selected one")
        self.new_category_button.setEnabled(self._can_write)
        self.new_category_button.clicked.connect(self._on_new_category_button_clicked)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.new_category_button)

        # Middle: search, filter, the list (or what to do when it is empty), actions.
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setPlaceholderText(
            f"Search titles and text ({_shortcut_text(QKeySequence.StandardKey.Find)})"
        )
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.status_combo = QComboBox()
        for label, statuses in _STATUS_FILTERS:
            self.status_combo.addItem(label, statuses)
        self.status_combo.currentIndexChanged.connect(self._on_status_combo_current_index_changed)

        self.model = ArticleModel(parent=self)
        self.model.sort_requested.connect(self._on_model_sort_requested)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 130)
        header.resizeSection(EXCERPT_COLUMN, 260)
        header.setSortIndicator(3, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setColumnHidden(EXCERPT_COLUMN, True)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty_label)

        self.new_action = QAction(icon("plus"), "New article", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_action.setToolTip(
            f"Write a new article ({_shortcut_text(QKeySequence.StandardKey.New)})"
        )
        self.new_action.setEnabled(self._can_write)
        self.new_action.triggered.connect(self._on_new_action_triggered)
        self.edit_action = QAction(icon("edit"), "Edit", self)
        self.edit_action.setToolTip("Change the article you are reading (saves a new revision)")
        self.edit_action.setEnabled(False)
        self.edit_action.triggered.connect(self._on_edit_action_triggered)
        self.find_action = QAction("Find", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.addActions([self.new_action, self.edit_action, self.find_action])
        new_button = QToolButton()
        new_button.setDefaultAction(self.new_action)
        new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        edit_button = QToolButton()
        edit_button.setDefaultAction(self.edit_action)
        edit_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.status_combo)
        middle_layout.addLayout(top)
        middle_layout.addWidget(self.list_stack, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(new_button)
        buttons.addWidget(edit_button)
        buttons.addStretch(1)
        middle_layout.addLayout(buttons)

        # Right: the reader.
        self.title_label = QLabel()
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.revision_label = QLabel()
        self.revision_label.setWordWrap(True)
        self.tickets_label = QLabel()
        self.tickets_label.setTextFormat(Qt.TextFormat.RichText)
        self.tickets_label.setWordWrap(True)
        self.tickets_label.linkActivated.connect(self._on_tickets_label_link_activated)
        self.browser = ArticleBrowser()
        self.helpful_label = QLabel("Was this helpful?")
        self.yes_button = QPushButton(icon("kb-helpful"), "Yes")
        self.yes_button.clicked.connect(self._on_yes_button_clicked)
        self.no_button = QPushButton(icon("kb-not-helpful"), "No")
        self.no_button.clicked.connect(self._on_no_button_clicked)
        self.feedback_label = QLabel()
        feedback = QHBoxLayout()
        feedback.addWidget(self.helpful_label)
        feedback.addWidget(self.yes_button)
        feedback.addWidget(self.no_button)
        feedback.addWidget(self.feedback_label, 1)
        reader = QWidget()
        reader_layout = QVBoxLayout(reader)
        reader_layout.setContentsMargins(0, 0, 0, 0)
        reader_layout.addWidget(self.title_label)
        reader_layout.addWidget(self.path_label)
        reader_layout.addWidget(self.revision_label)
        reader_layout.addWidget(self.tickets_label)
        reader_layout.addWidget(self.browser, 1)
        reader_layout.addLayout(feedback)
        self.reader_hint = QLabel("Choose an article in the list to read it here.")
        self.reader_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reader_hint.setWordWrap(True)
        self.reader_stack = QStackedWidget()
        self.reader_stack.addWidget(self.reader_hint)
        self.reader_stack.addWidget(reader)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.reader_stack)
        self.splitter.setChildrenCollapsible(False)
        settings = QSettings()
        state = settings.value(_SPLITTER_KEY)
        if state is None or not self.splitter.restoreState(state):
            self.splitter.setSizes([220, 560, 620])
        self.splitter.splitterMoved.connect(self._on_splitter_splitter_moved)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self.signals.open_article_requested.connect(self._on_signals_open_article_requested)

    # --- loading ------------------------------------------------------------------------

    @property
    def statuses(self) -> frozenset[ArticleStatus]:
        data = self.status_combo.currentData()
        return data if isinstance(data, frozenset) else DEFAULT_STATUSES

    @property
    def category_id(self) -> uuid.UUID | None:
        indexes = self.tree.selectionModel().selectedIndexes()
        return self.tree_model.category_id(indexes[0]) if indexes else None

    @property
    def current_article_id(self) -> uuid.UUID | None:
        return self._current_id

    def refresh(self) -> None:
        try:
            self._load_tree()
            self._load_list()
            if self._current_id is not None:
                self._show(self._current_id)
        except Exception as exc:
            self.show_error(exc, "Could not load the knowledge base")

    def _load_tree(self) -> None:
        selected = self.category_id
        statuses = self.statuses
        roots = self._service.category_tree(statuses)
        total = self._service.count(None, statuses=statuses)
        blocker = self.tree.selectionModel().blockSignals(True)
        try:
            self.tree_model.set_tree(roots, total)
            self.tree.expandAll()
            index = self.tree_model.index_of(selected)
            if not index.isValid():
                index = self.tree_model.index_of(None)
            self.tree.setCurrentIndex(index)
        finally:
            self.tree.selectionModel().blockSignals(blocker)

    def _load_list(self) -> None:
        text = self.search_edit.text().strip()
        self._searching = text
        self.table.setColumnHidden(EXCERPT_COLUMN, not text)
        # Room for the excerpt: ranked hits do not need the date and view columns.
        for column in (3, 4):
            self.table.setColumnHidden(column, bool(text))
        if text:
            rows = self._service.search(text, SEARCH_LIMIT, statuses=self.statuses)
            self.model.set_rows(rows)
        else:
            service = self._service
            category_id, statuses = self.category_id, self.statuses
            sort, descending = self._sort, self._descending

            def fetch(offset: int, limit: int) -> list[ArticleRow]:
                return service.list_page(
                    category_id,
                    statuses=statuses,
                    sort=sort,
                    descending=descending,
                    offset=offset,
                    limit=limit,
                )

            self.model.reset(fetch)
        self._show_list_or_empty(text)
        if self._current_id is not None:
            row = self.model.row_of_id(self._current_id)
            if row >= 0:
                blocker = self.table.selectionModel().blockSignals(True)
                try:
                    self.table.selectRow(row)
                finally:
                    self.table.selectionModel().blockSignals(blocker)

    def _show_list_or_empty(self, text: str) -> None:
        if self.model.rowCount() > 0:
            self.list_stack.setCurrentWidget(self.table)
            return
        if text:
            message = f"No articles match “{text}”. Try fewer words."
        elif self.category_id is None and self.statuses == DEFAULT_STATUSES:
            message = (
                "No articles yet. Write the first guide with New article."
                if self._can_write
                else "No articles yet. Technicians and supervisors can write the first guide."
            )
        else:
            message = "No articles here. Choose another category or status" + (
                ", or write one with New article." if self._can_write else "."
            )
        self.empty_label.setText(message)
        self.list_stack.setCurrentWidget(self.empty_label)

    # --- the reader ---------------------------------------------------------------------

    def show_article(self, article_id: uuid.UUID) -> None:
        """Open an article in the reader (counts as a view) and select it if it is listed."""
        if article_id != self._current_id:
            try:
                self._service.record_view(article_id)
            except Exception as exc:
                self.show_error(exc, "Could not open the article")
                return
        self._show(article_id)
        row = self.model.row_of_id(article_id)
        if row >= 0 and self.table.currentIndex().row() != row:
            blocker = self.table.selectionModel().blockSignals(True)
            try:
                self.table.selectRow(row)
            finally:
                self.table.selectionModel().blockSignals(blocker)

    def _show(self, article_id: uuid.UUID) -> None:
        """Fill the reader; unlike `show_article` this does not count a view."""
        try:
            detail = self._service.get(article_id)
        except Exception as exc:
            self._current_id = None
            self._detail = None
            self.reader_stack.setCurrentWidget(self.reader_hint)
            self.edit_action.setEnabled(False)
            self.show_error(exc, "Could not open the article")
            return
        self._current_id = article_id
        self._detail = detail
        self.title_label.setText(detail.title)
        self.path_label.setText(" › ".join(detail.category_path) or "No category")
        by = f" by {detail.author_name}" if detail.author_name else ""
        self.revision_label.setText(
            f"{detail.status.label} · Revision {detail.revision} · updated "
            f"{_when(detail.updated_at)}{by} · {detail.view_count} views"
        )
        if detail.linked_tickets:
            shown = detail.linked_tickets[:_MAX_TICKET_LINKS]
            links = ", ".join(
                f'<a href="ticket:{t.id}" title="{escape(t.subject)}">{escape(t.number)}</a>'
                for t in shown
            )
            more = len(detail.linked_tickets) - len(shown)
            self.tickets_label.setText(
                f"Linked tickets: {links}" + (f" and {more} more" if more > 0 else "")
            )
            self.tickets_label.setVisible(True)
        else:
            self.tickets_label.setVisible(False)
        self.browser.set_markdown(detail.body)
        self.feedback_label.setText(
            f"{detail.helpful_count} found this helpful, {detail.not_helpful_count} did not"
            if detail.helpful_count or detail.not_helpful_count
            else ""
        )
        self.reader_stack.setCurrentIndex(1)
        self.edit_action.setEnabled(self._can_write)

    def _feedback(self, helpful: bool) -> None:
        if self._current_id is None:
            return
        try:
            changes = self._service.add_feedback(self._current_id, helpful)
        except Exception as exc:
            self.show_error(exc, "Could not save your answer")
            return
        self.signals.status_message.emit("Thank you. Your answer helps keep the guides useful.")
        self.signals.changed.emit(changes)

    # --- writing ------------------------------------------------------------------------

    def open_editor(self, detail: ArticleDetail | None = None) -> ArticleEditorDialog:
        """Open the editor (window-modal, not blocking) for a new or the given article."""
        dialog = ArticleEditorDialog(
            self._service,
            self.tree_model.category_choices(),
            detail,
            category_id=self.category_id,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._on_editor_accepted)
        self.editor = dialog
        dialog.open()
        return dialog

    def _create_category(self, name: str) -> None:
        try:
            _new_id, changes = self._service.create_category(name, self.category_id)
        except Exception as exc:
            self.show_error(exc, "Could not add the category")
            return
        self.signals.changed.emit(changes)

    # --- slots --------------------------------------------------------------------------

    @Slot(QItemSelection, QItemSelection)
    def _on_tree_selection_changed(self, _selected: object, _deselected: object) -> None:
        if self._loaded:
            try:
                self._load_list()
            except Exception as exc:
                self.show_error(exc, "Could not load the articles")

    @Slot()
    def _on_new_category_button_clicked(self) -> None:
        name, ok = QInputDialog.getText(self, "New category", "Name of the new category:")
        if ok and name.strip():
            self._create_category(name)

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_edit_return_pressed(self) -> None:
        self._search_timer.stop()
        self._on_search_timer_timeout()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        if self.search_edit.text().strip() == self._searching:
            return
        try:
            self._load_list()
        except Exception as exc:
            self.show_error(exc, "Could not search the knowledge base")

    @Slot(int)
    def _on_status_combo_current_index_changed(self, _index: int) -> None:
        if self._loaded:
            self.refresh()

    @Slot(str, bool)
    def _on_model_sort_requested(self, key: str, descending: bool) -> None:
        self._sort, self._descending = key, descending
        # Search results stay in order of relevance.
        if self._loaded and not self._searching:
            self._load_list()

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: object) -> None:
        article_id = current.data(ID_ROLE) if current.isValid() else None
        if isinstance(article_id, uuid.UUID):
            self.show_article(article_id)

    @Slot()
    def _on_new_action_triggered(self) -> None:
        if self._can_write:
            self.open_editor(None)

    @Slot()
    def _on_edit_action_triggered(self) -> None:
        if self._can_write and self._detail is not None:
            self.open_editor(self._detail)

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @Slot()
    def _on_editor_accepted(self) -> None:
        dialog = self.editor
        self.editor = None
        if dialog is None or dialog.changes is None:
            return
        self.signals.changed.emit(dialog.changes)
        if dialog.article_id is not None:
            self.show_article(dialog.article_id)

    @Slot(str)
    def _on_tickets_label_link_activated(self, link: str) -> None:
        if link.startswith("ticket:"):
            with contextlib.suppress(ValueError):
                self.signals.open_ticket_requested.emit(uuid.UUID(link.removeprefix("ticket:")))

    @Slot()
    def _on_yes_button_clicked(self) -> None:
        self._feedback(True)

    @Slot()
    def _on_no_button_clicked(self) -> None:
        self._feedback(False)

    @Slot(object)
    def _on_signals_open_article_requested(self, article_id: object) -> None:
        if isinstance(article_id, uuid.UUID):
            if not self._loaded:
                self.activate()
            self.show_article(article_id)

    @Slot(int, int)
    def _on_splitter_splitter_moved(self, _pos: int, _index: int) -> None:
        QSettings().setValue(_SPLITTER_KEY, self.splitter.saveState())
