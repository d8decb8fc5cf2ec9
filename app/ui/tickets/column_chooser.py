"""Which ticket-list columns show, in what order and how wide: a header context menu and a
state that survives restarts (kept by column key, so new columns never scramble it).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from app.ui.models.paged_table_model import PagedTableModel


class ColumnChooser(QObject):
    """Checkable columns in the header's context menu of `table`.

    Signals:
        columns_changed(): a column was shown, hidden, moved or resized.
    """

    columns_changed = Signal()

    def __init__(self, table: QTableView, model: PagedTableModel[Any]) -> None:
        super().__init__(table)
        self._table = table
        self._model = model
        self.menu: QMenu | None = None
        header = self.header
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_context_menu_requested)
        header.sectionResized.connect(self._on_header_changed)
        header.sectionMoved.connect(self._on_header_changed)

    @property
    def header(self) -> QHeaderView:
        return self._table.horizontalHeader()

    # --- what shows ---

    def visible_keys(self) -> list[str]:
        """Keys of the shown columns, left to right as the person sees them."""
        header = self.header
        keys = []
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            if not header.isSectionHidden(logical):
                keys.append(self._model.columns[logical].key)
        return keys

    def set_visible(self, key: str, visible: bool) -> None:
        """Show or hide one column; the last shown column always stays."""
        column = self._model.column_of(key)
        if column < 0:
            return
        if not visible and self.visible_keys() == [key]:
            return
        was_hidden = self.header.isSectionHidden(column)
        self.header.setSectionHidden(column, not visible)
        if visible and was_hidden and self.header.sectionSize(column) < 30:
            self.header.resizeSection(column, 100)
        self.columns_changed.emit()

    def show_defaults(self) -> None:
        """Back to the columns, order and widths a new installation has."""
        header = self.header
        for logical, column in enumerate(self._model.columns):
            visual = header.visualIndex(logical)
            if visual != logical:
                header.moveSection(visual, logical)
            header.setSectionHidden(logical, not column.visible_by_default)
        self.columns_changed.emit()

    # --- memory ---

    def state(self) -> dict[str, Any]:
        """Order (every key, left to right), hidden keys and widths, for QSettings."""
        header = self.header
        columns = self._model.columns
        order = [columns[header.logicalIndex(v)].key for v in range(header.count())]
        return {
            "order": order,
            "hidden": [c.key for i, c in enumerate(columns) if header.isSectionHidden(i)],
            "widths": {
                c.key: header.sectionSize(i)
                for i, c in enumerate(columns)
                if not header.isSectionHidden(i)
            },
        }

    def restore(self, state: dict[str, Any] | None) -> None:
        """Apply a `state()`; unknown keys are skipped, new columns take their defaults."""
        header = self.header
        was_blocked = header.blockSignals(True)
        try:
            for logical, column in enumerate(self._model.columns):
                header.setSectionHidden(logical, not column.visible_by_default)
            if not state:
                return
            hidden = set(state.get("hidden") or ())
            known = {c.key for c in self._model.columns}
            for logical, column in enumerate(self._model.columns):
                if column.key in hidden:
                    header.setSectionHidden(logical, True)
                elif column.key in set(state.get("order") or ()):
                    header.setSectionHidden(logical, False)
            for target, key in enumerate(k for k in state.get("order") or () if k in known):
                logical = self._model.column_of(key)
                header.moveSection(header.visualIndex(logical), target)
            for key, width in (state.get("widths") or {}).items():
                logical = self._model.column_of(key)
                if logical >= 0 and isinstance(width, int) and width > 10:
                    header.resizeSection(logical, width)
            if not self.visible_keys() and self._model.columns:
                header.setSectionHidden(0, False)
        finally:
            header.blockSignals(was_blocked)

    # --- slots ---

    @Slot(QPoint)
    def _on_header_context_menu_requested(self, pos: QPoint) -> None:
        self.menu = self.build_menu()
        self.menu.popup(self.header.mapToGlobal(pos))

    def build_menu(self) -> QMenu:
        """The chooser menu: one checkable entry per column, then "Show default columns"."""
        menu = QMenu(self._table)
        menu.setToolTipsVisible(True)
        shown = self.visible_keys()
        for column in self._model.columns:
            action = QAction(column.title, menu)
            action.setCheckable(True)
            action.setChecked(column.key in shown)
            action.setData(column.key)
            if shown == [column.key]:
                action.setEnabled(False)  # one column must stay
            action.toggled.connect(
                lambda checked, key=column.key: self.set_visible(key, bool(checked))
            )
            menu.addAction(action)
        menu.addSeparator()
        reset = menu.addAction("Show default columns")
        reset.triggered.connect(self.show_defaults)
        return menu

    @Slot()
    def _on_header_changed(self) -> None:
        self.columns_changed.emit()
