"""Small widget recipes the panes and dialogs share."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTableView

from app.ui.icons import icon


def search_field(placeholder: str) -> QLineEdit:
    """A line edit for search words: magnifier in front, a clear button at the end."""
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
    return edit


def pick_table(model: QAbstractItemModel, *, stretch_last: bool = True) -> QTableView:
    """A read-only table to choose one row from (whole rows, no row numbers)."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(stretch_last)
    return view
