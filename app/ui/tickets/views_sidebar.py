"""The saved views beside the ticket list: built-in and personal views with their counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import icon
from app.ui.models.roles import ROW_ROLE
from app.ui.models.ticket_model import SavedViewModel, ViewEntry


class ViewsSidebar(QWidget):
    """Lists the saved views; choosing one filters the ticket list.

    Signals:
        view_chosen(object): the `ViewEntry` the person picked.
        save_requested(): "Save current view…" was pressed.
        delete_requested(object): the personal `ViewEntry` to delete.
    """

    view_chosen = Signal(object)
    save_requested = Signal()
    delete_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SavedViewModel(self)
        title = QLabel("<b>Views</b>")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setVisible(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        self.table.horizontalHeader().setSectionResizeMode(
            SavedViewModel.NAME, QHeaderView.ResizeMode.Stretch
        )
        self.table.horizontalHeader().setSectionResizeMode(
            SavedViewModel.COUNT, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.setToolTip("Choose which tickets to list")
        self.save_button = QPushButton(icon("save"), "Save view…")
        self.save_button.setToolTip(
            "Save the current view, assignee choice and search as your own view"
        )
        self.delete_button = QToolButton()
        self.delete_button.setIcon(icon("close"))
        self.delete_button.setToolTip("Delete the chosen view (only your own views)")
        self.delete_button.setAccessibleName("Delete view")
        self.delete_button.setEnabled(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button, 1)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.setMinimumWidth(150)

        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.save_button.clicked.connect(self.save_requested)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)

    # --- API ---

    def set_views(self, views: Sequence[ViewEntry], current_id: Any = None) -> None:
        """Show `views`, keeping `current_id` (else the first view) chosen, without signals."""
        self.table.selectionModel().blockSignals(True)
        try:
            self.model.set_views(views)
            row = self.model.row_of_id(current_id)
            self._select_row(row if row >= 0 else 0)
        finally:
            self.table.selectionModel().blockSignals(False)
        self._update_buttons()

    def set_counts(self, counts: Mapping[Any, int]) -> None:
        self.model.set_counts(counts)

    def current_view(self) -> ViewEntry | None:
        index = self.table.currentIndex()
        return self.model.view_at(index.row()) if index.isValid() else None

    def select_view(self, view_id: Any) -> bool:
        """Choose the view with `view_id` (emits `view_chosen`); False if it is not listed."""
        row = self.model.row_of_id(view_id)
        if row < 0:
            return False
        self._select_row(row)
        return True

    def _select_row(self, row: int) -> None:
        if not (0 <= row < self.model.rowCount()):
            return
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _update_buttons(self) -> None:
        view = self.current_view()
        self.delete_button.setEnabled(view is not None and view.personal)

    # --- slots ---

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_buttons()
        view = self.model.data(current, ROW_ROLE) if current.isValid() else None
        if view is not None:
            self.view_chosen.emit(view)

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        view = self.current_view()
        if view is not None and view.personal:
            self.delete_requested.emit(view)
