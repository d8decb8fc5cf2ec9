"""Choosing another ticket, by number or words, to merge this one into or to link with it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QTimer, Slot
from PySide6.QtWidgets import QLabel, QWidget

from app.ui.form_dialog import FormDialog
from app.ui.models.paged_table_model import Column, PagedTableModel
from app.ui.widgets import pick_table, search_field

SEARCH_DELAY_MS = 250


@dataclass(frozen=True)
class PickedTicket:
    id: uuid.UUID
    number: str
    subject: str
    status: str


def picked_columns() -> list[Column[PickedTicket]]:
    return [
        Column("number", "Number", lambda r: r.number, sortable=False),
        Column(
            "subject", "Subject", lambda r: r.subject, tooltip=lambda r: r.subject, sortable=False
        ),
        Column("status", "Status", lambda r: r.status, sortable=False),
    ]


class TicketPickerDialog(FormDialog):
    """Find a ticket by its number or by words; `submitted` carries the chosen `PickedTicket`.

    Args:
        mode: "merge" (this ticket becomes a duplicate of the chosen one) or "link".
        search: the lookup, given the typed text; returns candidate tickets.
    """

    def __init__(
        self,
        mode: str,
        number: str,
        own_id: uuid.UUID,
        search: Callable[[str], list[PickedTicket]],
        parent: QWidget | None = None,
    ) -> None:
        merge = mode == "merge"
        super().__init__(
            f"Merge {number} into another ticket" if merge else f"Link {number} to a ticket",
            "Merge" if merge else "Link",
            parent=parent,
        )
        self.setMinimumSize(560, 420)
        self._own_id = own_id
        self._search = search
        explain = QLabel(
            f"{number} will be closed as a duplicate of the ticket you choose. Both keep their "
            "history, and each shows where the other went."
            if merge
            else "Linked tickets are listed on both, so colleagues see they belong together."
        )
        explain.setWordWrap(True)
        self.body.insertWidget(0, explain)
        self.search_edit = search_field("Ticket number or words from its subject")
        self.model: PagedTableModel[PickedTicket] = PagedTableModel(picked_columns(), parent=self)
        self.table = pick_table(self.model)
        self.empty_label = QLabel("Type a number such as T-1042, or words from the subject.")
        self.empty_label.setEnabled(False)
        self.form.addRow("&Find", self.search_edit)
        self.form.addRow(self.table)
        self.form.addRow(self.empty_label)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.timer.timeout.connect(self.run_search)
        self.search_edit.returnPressed.connect(self.run_search)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.ok_button.setEnabled(False)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.search_edit.setFocus()

    def selected(self) -> PickedTicket | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def values(self) -> PickedTicket:
        chosen = self.selected()
        if chosen is None:
            raise ValueError("Choose a ticket from the list first.")
        return chosen

    @Slot()
    def run_search(self) -> None:
        self.timer.stop()
        text = self.search_edit.text().strip()
        if not text:
            self.model.set_rows([])
            self.empty_label.setText("Type a number such as T-1042, or words from the subject.")
            self.empty_label.show()
            return
        try:
            rows = [r for r in self._search(text) if r.id != self._own_id]
        except Exception as exc:  # the lookup failed: say so in place, keep the dialog
            self.show_problem(f"Could not search the tickets: {exc}")
            return
        self.model.set_rows(rows)
        self.empty_label.setText("No other ticket matches. Try the number or fewer words.")
        self.empty_label.setVisible(not rows)
        if rows:
            self.table.selectRow(0)
        self.table.resizeColumnToContents(0)
        self._on_selection_changed()

    @Slot(str)
    def _on_search_edit_text_changed(self, _text: str) -> None:
        self.timer.start()

    @Slot()
    def _on_selection_changed(self) -> None:
        self.ok_button.setEnabled(self.selected() is not None)

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self._on_buttons_accepted()
