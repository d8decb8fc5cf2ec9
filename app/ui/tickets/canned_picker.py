"""Canned responses in the reply box: pick one to insert, or keep the current reply as one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QWidget,
)

from app.ui.form_dialog import FormDialog
from app.ui.models.paged_table_model import Column, PagedTableModel
from app.ui.widgets import pick_table, search_field

NO_CANNED_TEXT = (
    "No canned responses yet. Write a reply, then choose “Save reply as canned response…” "
    "to reuse it."
)


def canned_columns() -> list[Column[Any]]:
    return [
        Column("title", "Title", lambda r: r.title, tooltip=lambda r: r.body, sortable=False),
        Column(
            "shared",
            "For",
            lambda r: "Everyone" if r.shared else "Me",
            tooltip=lambda r: "Shared with colleagues" if r.shared else "Only you see it",
            sortable=False,
        ),
    ]


class CannedPickerDialog(FormDialog):
    """Filter the canned responses by words, preview one, insert it.

    `submitted` carries the chosen `CannedView` (id, title, body, shared).
    """

    def __init__(self, canned: Sequence[Any], parent: QWidget | None = None) -> None:
        super().__init__("Insert a canned response", "Insert", parent=parent)
        self.setMinimumSize(620, 420)
        self._all = list(canned)
        self.filter_edit = search_field("Words from the title or text")
        self.model: PagedTableModel[Any] = PagedTableModel(canned_columns(), parent=self)
        self.table = pick_table(self.model, stretch_last=False)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("Choose a response to see its text")
        hint = QLabel("Placeholders such as {requester.first_name} are filled in on insert.")
        hint.setEnabled(False)
        hint.setWordWrap(True)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.preview)
        split.setSizes([260, 340])
        self.empty_label = QLabel(NO_CANNED_TEXT)
        self.empty_label.setWordWrap(True)
        self.form.addRow("&Find", self.filter_edit)
        self.form.addRow(split)
        self.form.addRow(hint)
        self.form.addRow(self.empty_label)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self._on_filter_edit_text_changed("")
        self.filter_edit.setFocus()

    def selected(self) -> Any | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def values(self) -> Any:
        chosen = self.selected()
        if chosen is None:
            raise ValueError("Choose a canned response first.")
        return chosen

    @Slot(str)
    def _on_filter_edit_text_changed(self, text: str) -> None:
        words = text.lower().split()
        rows = [c for c in self._all if all(w in f"{c.title}\n{c.body}".lower() for w in words)]
        self.model.set_rows(rows)
        self.table.resizeColumnToContents(0)
        self.empty_label.setVisible(not rows)
        if not self._all:
            self.empty_label.setText(NO_CANNED_TEXT)
        elif not rows:
            self.empty_label.setText("None match those words.")
        if rows:
            self.table.selectRow(0)
        self._on_selection_changed()

    @Slot()
    def _on_selection_changed(
        self, _selected: QItemSelection | None = None, _old: QItemSelection | None = None
    ) -> None:
        chosen = self.selected()
        self.preview.setPlainText(chosen.body if chosen is not None else "")
        self.ok_button.setEnabled(chosen is not None)

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self._on_buttons_accepted()


@dataclass(frozen=True)
class NewCanned:
    title: str
    body: str
    shared: bool


class SaveCannedDialog(FormDialog):
    """Name the current reply to keep it as a canned response; `submitted` carries `NewCanned`."""

    def __init__(self, body: str, may_share: bool, parent: QWidget | None = None) -> None:
        super().__init__("Save reply as canned response", "Save", parent=parent)
        self.setMinimumWidth(480)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(120)
        self.title_edit.setPlaceholderText("e.g. Printer: toner ordered")
        self.body_edit = QPlainTextEdit(body)
        self.body_edit.setTabChangesFocus(True)
        self.shared_check = QCheckBox("Share with colleagues")
        self.shared_check.setEnabled(may_share)
        hint = QLabel(
            "You may use {requester.first_name}, {requester.name}, {ticket.number}, "
            "{ticket.subject}, {agent.name} and {organisation.name}."
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self.form.addRow("&Title", self.title_edit)
        self.form.addRow("&Text", self.body_edit)
        self.form.addRow("", self.shared_check)
        self.form.addRow(hint)
        self.title_edit.setFocus()

    def values(self) -> NewCanned:
        title = self.title_edit.text().strip()
        if not title:
            raise ValueError("Give it a short title you will recognise in the list.")
        body = self.body_edit.toPlainText().strip()
        if not body:
            raise ValueError("The text is empty; write what the response should say.")
        return NewCanned(title, body, self.shared_check.isChecked())
