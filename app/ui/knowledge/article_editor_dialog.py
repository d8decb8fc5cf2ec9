"""Writing and editing an article: Markdown on the left, a live preview on the right."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import ArticleStatus
from app.errors import SupportDeskError
from app.services.base import Changes
from app.services.knowledge_service import ArticleDetail, CategoryNode, KnowledgeService
from app.ui.icons import icon
from app.ui.knowledge.article_browser import ArticleBrowser

_SPLITTER_KEY = "knowledge/editor_splitter"
_GEOMETRY_KEY = "knowledge/editor_geometry"
_PREVIEW_DELAY_MS = 250


class ArticleEditorDialog(QDialog):
    """Create a new article (`detail` None) or save a new revision of one.

    Attributes:
        article_id: the saved article, after the dialog was accepted.
        changes: what the save changed, for the caller to broadcast.
    """

    def __init__(
        self,
        service: KnowledgeService,
        categories: Sequence[tuple[int, CategoryNode]],
        detail: ArticleDetail | None = None,
        *,
        category_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._detail = detail
        self.article_id: uuid.UUID | None = detail.id if detail else None
        self.changes: Changes | None = None
        self.setWindowTitle(f"Edit “{detail.title}”" if detail else "New article")
        self.setWindowIcon(icon("article"))

        self.title_edit = QLineEdit(detail.title if detail else "")
        self.title_edit.setPlaceholderText("What it helps with, e.g. “Printer shows offline”")
        self.title_edit.setMaxLength(300)
        self.category_combo = QComboBox()
        self.category_combo.addItem("No category", None)
        for depth, node in categories:
            # Ids as text: QComboBox.findData cannot compare Python UUID objects.
            self.category_combo.addItem("    " * depth + node.name, str(node.id))
        wanted = detail.category_id if detail else category_id
        found = self.category_combo.findData(str(wanted)) if wanted else 0
        self.category_combo.setCurrentIndex(max(0, found))
        self.status_combo = QComboBox()
        for status in (ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED):
            self.status_combo.addItem(status.label, status.value)
        current = detail.status if detail else ArticleStatus.DRAFT
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(current.value)))
        self.summary_edit = QLineEdit(detail.summary if detail else "")
        self.summary_edit.setPlaceholderText("One sentence shown in lists and search results")
        self.summary_edit.setMaxLength(500)

        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        row = QHBoxLayout()
        row.addWidget(self.category_combo, 1)
        status_label = QLabel("&Status")
        status_label.setBuddy(self.status_combo)
        row.addWidget(status_label)
        row.addWidget(self.status_combo)
        category_label = QLabel("&Category")
        category_label.setBuddy(self.category_combo)
        form.addRow(category_label, row)
        form.addRow("S&ummary", self.summary_edit)

        self.body_edit = QPlainTextEdit()
        self.body_edit.setPlaceholderText(
            "Write in Markdown: # Heading, **bold**, - lists, 1. steps, `code`, [link](https://…)"
        )
        self.body_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.body_edit.setPlainText(detail.body if detail else "")
        self.preview = ArticleBrowser()
        self.preview.setPlaceholderText("The preview appears here as you type.")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.body_edit)
        self.splitter.addWidget(self.preview)
        self.splitter.setChildrenCollapsible(False)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save_button.setIcon(icon("save"))
        keys = QKeySequence(QKeySequence.StandardKey.Save)
        save_button.setToolTip(f"Save ({keys.toString(QKeySequence.SequenceFormat.NativeText)})")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        self.save_action = QAction("Save", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.save_action.triggered.connect(self._on_save_action_triggered)
        self.addAction(self.save_action)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(_PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._on_preview_timer_timeout)
        self.body_edit.textChanged.connect(self._on_body_edit_text_changed)
        self.title_edit.textChanged.connect(self._on_title_edit_text_changed)
        self.update_preview()

        settings = QSettings()
        geometry = settings.value(_GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1000, 680)
        state = settings.value(_SPLITTER_KEY)
        if state is None or not self.splitter.restoreState(state):
            self.splitter.setSizes([500, 500])
        self.finished.connect(self._on_self_finished)

    # --- behaviour ---

    def update_preview(self) -> None:
        self.preview.set_markdown(self.body_edit.toPlainText())

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def save(self) -> bool:
        """Validate and save; on failure the reason is shown in the dialog and it stays open."""
        title = self.title_edit.text().strip()
        if not title:
            self.show_message("Give the article a title before saving.")
            self.title_edit.setFocus()
            return False
        data = self.category_combo.currentData()
        category_id = uuid.UUID(data) if isinstance(data, str) else None
        status = ArticleStatus(self.status_combo.currentData())
        try:
            if self._detail is None:
                self.article_id, self.changes = self._service.create(
                    title,
                    self.body_edit.toPlainText(),
                    self.summary_edit.text(),
                    category_id,
                    status,
                )
            else:
                self.changes = self._service.update(
                    self._detail.id,
                    title,
                    self.body_edit.toPlainText(),
                    self.summary_edit.text(),
                    category_id,
                    status,
                )
        except (SupportDeskError, PermissionError) as exc:
            self.show_message(str(exc))
            return False
        self.accept()
        return True

    # --- slots ---

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.save()

    @Slot()
    def _on_save_action_triggered(self) -> None:
        self.save()

    @Slot()
    def _on_body_edit_text_changed(self) -> None:
        self._preview_timer.start()

    @Slot()
    def _on_preview_timer_timeout(self) -> None:
        self.update_preview()

    @Slot(str)
    def _on_title_edit_text_changed(self, text: str) -> None:
        if text.strip() and self.message.isVisible():
            self.show_message("")

    @Slot(int)
    def _on_self_finished(self, _result: int) -> None:
        settings = QSettings()
        settings.setValue(_SPLITTER_KEY, self.splitter.saveState())
        settings.setValue(_GEOMETRY_KEY, self.saveGeometry())
