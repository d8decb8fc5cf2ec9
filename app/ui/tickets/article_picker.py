"""Finding a knowledge-base article from a ticket: insert its answer into the reply or link it."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, QTimer, Slot
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from app.ui.form_dialog import FormDialog
from app.ui.icons import icon
from app.ui.models.paged_table_model import Column, PagedTableModel
from app.ui.widgets import pick_table, search_field

SEARCH_DELAY_MS = 250


@dataclass(frozen=True)
class ArticleChoice:
    """The chosen article and whether its text goes into the reply (else: only linked)."""

    id: uuid.UUID
    title: str
    insert: bool


def article_columns() -> list[Column[Any]]:
    return [
        Column("title", "Title", lambda r: r.title, tooltip=lambda r: r.summary, sortable=False),
        Column("category", "Category", lambda r: r.category_name, sortable=False),
    ]


class ArticlePickerDialog(FormDialog):
    """Search the knowledge base; "Insert into reply" or "Link only".

    `submitted` carries an `ArticleChoice`.

    Args:
        search: the lookup given the typed words; returns `ArticleRow`s (with excerpts).
        suggestions: articles to list before anything is typed (e.g. by the ticket subject).
    """

    def __init__(
        self,
        search: Callable[[str], Sequence[Any]],
        suggestions_for: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Insert a knowledge-base article", "Insert into reply", parent=parent)
        self.setMinimumSize(640, 460)
        self._search = search
        self._insert = True
        self.search_edit = search_field("Words to find in the knowledge base")
        self.model: PagedTableModel[Any] = PagedTableModel(article_columns(), parent=self)
        self.table = pick_table(self.model)
        self.excerpt = QTextBrowser()
        self.excerpt.setOpenLinks(False)
        self.excerpt.setMaximumHeight(90)
        self.empty_label = QLabel("Type words from the problem, e.g. “printer offline”.")
        self.empty_label.setEnabled(False)
        self.link_button = QPushButton(icon("detail-link"), "Link only")
        self.link_button.setToolTip("Link the article to the ticket without changing the reply")
        self.buttons.addButton(self.link_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.form.addRow("&Find", self.search_edit)
        self.form.addRow(self.table)
        self.form.addRow(self.excerpt)
        self.form.addRow(self.empty_label)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self.run_search)
        self.timer.timeout.connect(self.run_search)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.link_button.clicked.connect(self._on_link_button_clicked)
        self._on_selection_changed()
        if suggestions_for.strip():
            self.search_edit.setText(suggestions_for.strip())
            self.run_search()
            self.search_edit.selectAll()
        self.search_edit.setFocus()

    def selected(self) -> Any | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def values(self) -> ArticleChoice:
        chosen = self.selected()
        if chosen is None:
            raise ValueError("Choose an article from the list first.")
        return ArticleChoice(chosen.id, chosen.title, self._insert)

    @Slot()
    def run_search(self) -> None:
        self.timer.stop()
        text = self.search_edit.text().strip()
        rows: list[Any] = []
        if text:
            try:
                rows = list(self._search(text))
            except Exception as exc:  # say so in place; the technician can try other words
                self.show_problem(f"Could not search the knowledge base: {exc}")
                return
        self.model.set_rows(rows)
        self.empty_label.setText(
            "No article matches. Try fewer or other words."
            if text
            else "Type words from the problem, e.g. “printer offline”."
        )
        self.empty_label.setVisible(not rows)
        if rows:
            self.table.selectRow(0)
        self._on_selection_changed()

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self.timer.start()

    @Slot()
    def _on_selection_changed(
        self, _selected: QItemSelection | None = None, _old: QItemSelection | None = None
    ) -> None:
        chosen = self.selected()
        self.ok_button.setEnabled(chosen is not None)
        self.link_button.setEnabled(chosen is not None)
        if chosen is None:
            self.excerpt.clear()
            return
        parts = getattr(chosen, "excerpt", ()) or ()
        text = "".join(
            f"<b>{html.escape(p.text)}</b>" if p.highlighted else html.escape(p.text) for p in parts
        )
        self.excerpt.setHtml(text or html.escape(chosen.summary or ""))

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self._insert = True
        self._on_buttons_accepted()

    @Slot()
    def _on_link_button_clicked(self) -> None:
        self._insert = False
        self._on_buttons_accepted()
        self._insert = True
