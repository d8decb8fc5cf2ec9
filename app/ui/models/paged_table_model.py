"""A table model that pages read models in from a service, as the view scrolls.

Sorting and filtering happen in SQL: `sort()` asks the owner (via `sort_requested`) to reset
the model with a new query instead of sorting the rows it happens to hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon

from app.ui.models.roles import ID_ROLE, ROW_ROLE, SORT_ROLE

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its key (used for SQL sorting), title and how to show a row."""

    key: str
    title: str
    display: Callable[[R], str]
    sort_value: Callable[[R], Any] | None = None
    foreground: Callable[[R], QColor | None] | None = None
    decoration: Callable[[R], QIcon | None] | None = None
    tooltip: Callable[[R], str] | None = None
    align_right: bool = False
    sortable: bool = True
    #: Shown until the person hides it (column choosers start from this).
    visible_by_default: bool = True
    #: What the header explains on hover (e.g. what "SLA" means).
    header_tooltip: str = ""


class PagedTableModel(QAbstractTableModel, Generic[R]):
    """Rows come from `fetch_page(offset, limit)`; more are fetched as the view needs them.

    Signals:
        sort_requested(str, bool): column key and descending flag, for the owner to re-query.
    """

    sort_requested = Signal(str, bool)

    def __init__(
        self,
        columns: Sequence[Column[R]],
        fetch_page: Callable[[int, int], Sequence[R]] | None = None,
        *,
        row_id: Callable[[R], Any] | None = None,
        page_size: int = 200,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._fetch_page = fetch_page
        self._row_id = row_id or (lambda row: getattr(row, "id", None))
        self._page_size = page_size
        self._rows: list[R] = []
        self._exhausted = fetch_page is None

    # --- owner API ---

    @property
    def columns(self) -> list[Column[R]]:
        return self._columns

    def reset(self, fetch_page: Callable[[int, int], Sequence[R]] | None) -> None:
        """Start over with a new query (filter or sort changed) and load its first page."""
        self.beginResetModel()
        self._fetch_page = fetch_page
        self._rows = []
        self._exhausted = fetch_page is None
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def set_rows(self, rows: Sequence[R]) -> None:
        """Show a fixed list (no paging), e.g. search results computed elsewhere."""
        self.beginResetModel()
        self._fetch_page = None
        self._rows = list(rows)
        self._exhausted = True
        self.endResetModel()

    def column_of(self, key: str) -> int:
        """The index of the column with `key`, or -1."""
        return next((i for i, c in enumerate(self._columns) if c.key == key), -1)

    def row_at(self, row: int) -> R | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_id(self, ident: Any) -> int:
        for i, row in enumerate(self._rows):
            if self._row_id(row) == ident:
                return i
        return -1

    def loaded_rows(self) -> list[R]:
        return list(self._rows)

    # --- Qt model API ---

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or self._fetch_page is None:
            return
        page = list(self._fetch_page(len(self._rows), self._page_size))
        if len(page) < self._page_size:
            self._exhausted = True
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not (0 <= index.column() < len(self._columns)):
            return None
        row = self._rows[index.row()]
        col = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.display(row)
        if role == Qt.ItemDataRole.ForegroundRole and col.foreground is not None:
            return col.foreground(row)
        if role == Qt.ItemDataRole.DecorationRole and col.decoration is not None:
            return col.decoration(row)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SORT_ROLE:
            return col.sort_value(row) if col.sort_value else col.display(row)
        if role == ID_ROLE:
            return self._row_id(row)
        if role == ROW_ROLE:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(self._columns)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole and self._columns[section].header_tooltip:
            return self._columns[section].header_tooltip
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self._columns) and self._columns[column].sortable:
            self.sort_requested.emit(
                self._columns[column].key, order == Qt.SortOrder.DescendingOrder
            )
