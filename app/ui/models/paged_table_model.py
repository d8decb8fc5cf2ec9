"""A table model that pages read models in from a service, as the view scrolls.

Sorting and filtering happen in SQL: `sort()` asks the owner (via `sort_requested`) to reset
the model with a new query instead of sorting the rows it happens to hold.

`PagedTableModel` appends pages as the view scrolls (fine for a few thousand rows).
`SparsePagedTableModel` adds random access for big lists: once the query's total is known
(counted off the GUI thread) every row exists, and a page is loaded in the background when a
row in it is first painted; a bounded cache of pages keeps memory flat.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

from app.ui.models.roles import ID_ROLE, ROW_ROLE, SORT_ROLE
from app.ui.worker import TaskRunner

log = logging.getLogger(__name__)

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
        return self._cell(self._rows[index.row()], index.column(), role)

    def _cell(self, row: R, column: int, role: int) -> Any:
        """What `role` of `column` shows for a loaded `row`."""
        col = self._columns[column]
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


#: What a row shows while its page is being loaded.
PLACEHOLDER_TEXT = "…"
LOADING_TIP = "Loading…"


class SparsePagedTableModel(PagedTableModel[R]):
    """A paged model with random access once the total is known.

    Until then it behaves like `PagedTableModel` (the first page, more on `fetchMore`). When
    the total arrives (`count` given to `reset` runs on the task runner, or `set_total`, or
    `ensure_row` finds the end), `rowCount()` is the total and a page is loaded off the GUI
    thread the first time one of its rows is painted: until then the row shows
    `PLACEHOLDER_TEXT`, then `dataChanged` repaints it. At most `max_pages` pages are kept
    (least recently used go first). Results of an older query (before the last `reset`) are
    dropped: each reset starts a new generation.

    Signals:
        total_changed(int): how many rows the current query has (known or corrected).
        load_failed(object): loading a page or the count raised this exception.
    """

    total_changed = Signal(int)
    load_failed = Signal(object)

    #: Pages loaded at the same time in the background.
    MAX_IN_FLIGHT = 2
    #: Pages waiting to load; the oldest wishes are dropped (the view has moved on).
    MAX_QUEUED = 12

    def __init__(
        self,
        columns: Sequence[Column[R]],
        fetch_page: Callable[[int, int], Sequence[R]] | None = None,
        *,
        row_id: Callable[[R], Any] | None = None,
        page_size: int = 200,
        max_pages: int = 50,
        tasks: TaskRunner | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(columns, fetch_page, row_id=row_id, page_size=page_size, parent=parent)
        self._max_pages = max(2, max_pages)
        self._tasks = tasks
        self._generation = 0
        self._count: Callable[[], int] | None = None
        self._total: int | None = None
        self._pages: OrderedDict[int, list[R]] = OrderedDict()
        self._in_flight: set[int] = set()
        self._queued: list[int] = []
        self._failed_pages: set[int] = set()
        self._first_page_failed = False
        self._load_timer = QTimer(self)
        self._load_timer.setSingleShot(True)
        self._load_timer.setInterval(0)
        self._load_timer.timeout.connect(self._start_loads)

    # --- owner API ---

    @property
    def generation(self) -> int:
        """Bumped by every `reset`/`set_rows`; results of an older generation are dropped."""
        return self._generation

    @property
    def total(self) -> int | None:
        """How many rows the query has, once known (None before)."""
        return self._total

    @property
    def is_sparse(self) -> bool:
        """True once the total is known and rows load at random."""
        return self._total is not None

    def cached_pages(self) -> list[int]:
        """Numbers of the pages held in memory (least recently used first)."""
        return list(self._pages)

    def reset(
        self,
        fetch_page: Callable[[int, int], Sequence[R]] | None,
        count: Callable[[], int] | None = None,
        *,
        total_hint: int | None = None,
    ) -> None:
        """Start over with a new query and load its first page now; `count` (how many rows
        the query has) runs on the task runner and makes the model random-access when done.
        When the first page is the whole list the count is not needed.

        `total_hint`: the total of the same query a moment ago (a refresh). The rows exist at
        once, so the list keeps its length and scroll range; the count then corrects it.
        """
        self.beginResetModel()
        self._new_generation()
        self._fetch_page = fetch_page
        self._count = count
        self._rows = []
        self._exhausted = fetch_page is None
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        if self._first_page_failed or fetch_page is None or self._total is not None:
            return
        if self._exhausted:
            self.set_total(len(self._rows))
            return
        if total_hint is not None and total_hint > len(self._rows):
            self.set_total(total_hint)
        if count is not None:
            self._start_count()

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._new_generation()
        self._fetch_page = None
        self._count = None
        self._rows = list(rows)
        self._exhausted = True
        self.endResetModel()

    def set_total(self, total: int) -> None:
        """The query has `total` rows: every row exists from now on (loaded when needed)."""
        total = max(0, int(total))
        if self._total is None:
            self._become_sparse(total)
        else:
            self._resize(total)
        self.total_changed.emit(total)

    def ensure_row(self, row: int) -> None:
        """Load the page holding `row` now, on this thread (jumping to the end, benchmarks).

        Before the total is known the page is read with one row more, which tells whether
        it is the last page; if it is not, the total is counted first (when `reset` got a
        `count`), else the row stays out of reach until the total arrives.
        """
        if row < 0 or self._fetch_page is None:
            return
        size = self._page_size
        page_no, start = row // size, (row // size) * size
        if self._total is None:
            if row < len(self._rows) or self._exhausted:
                return
            rows = self._fetch_now(start, size + 1)
            if rows is None:
                return
            if len(rows) <= size:
                total = start + len(rows)
            elif self._count is not None:
                try:
                    total = int(self._count())
                except Exception as exc:
                    self.load_failed.emit(exc)
                    return
            else:
                return
            self.set_total(total)
            self._store(page_no, rows[:size])
            return
        if row >= self._total:
            return
        if page_no in self._pages:
            self._pages.move_to_end(page_no)
            return
        rows = self._fetch_now(start, size)
        if rows is not None:
            self._store(page_no, rows)

    def ensure_last_row(self) -> int:
        """Load the last row's page now (counting first if the total is not known yet, which
        `reset` normally does in the background); returns the last row, or -1 if none."""
        if self._total is None and not self._exhausted and self._count is not None:
            try:
                total = int(self._count())
            except Exception as exc:
                self.load_failed.emit(exc)
                return self.rowCount() - 1
            self.set_total(total)
        last = self.rowCount() - 1
        if last >= 0:
            self.ensure_row(last)
        return self.rowCount() - 1

    def row_at(self, row: int) -> R | None:
        if self._total is None:
            return super().row_at(row)
        page = self._pages.get(row // self._page_size) if 0 <= row < self._total else None
        offset = row % self._page_size
        return page[offset] if page is not None and offset < len(page) else None

    def row_of_id(self, ident: Any) -> int:
        """The row of `ident` among the loaded rows, or -1."""
        if self._total is None:
            return super().row_of_id(ident)
        for page_no, rows in self._pages.items():
            for i, row in enumerate(rows):
                if self._row_id(row) == ident:
                    return page_no * self._page_size + i
        return -1

    def loaded_rows(self) -> list[R]:
        """The rows held in memory, top to bottom (in random-access mode there may be gaps)."""
        if self._total is None:
            return super().loaded_rows()
        return [row for page_no in sorted(self._pages) for row in self._pages[page_no]]

    # --- Qt model API ---

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self._rows) if self._total is None else self._total

    def canFetchMore(self, parent: Index) -> bool:
        return self._total is None and super().canFetchMore(parent)

    def fetchMore(self, parent: Index) -> None:
        if self._total is not None or parent.isValid():
            return
        try:
            super().fetchMore(parent)
        except Exception as exc:
            self._exhausted = True  # no retry loop from the view; a reset tries again
            self._first_page_failed = not self._rows
            self.load_failed.emit(exc)
            return
        if self._exhausted and self._rows and self._count is not None:
            # Scrolled to the end before the count arrived: that is the total.
            self.set_total(len(self._rows))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._total is None:
            return super().data(index, role)
        if not index.isValid() or not (0 <= index.row() < self._total):
            return None
        if not (0 <= index.column() < len(self._columns)):
            return None
        page_no, offset = divmod(index.row(), self._page_size)
        page = self._pages.get(page_no)
        if page is not None:
            self._pages.move_to_end(page_no)
            return self._cell(page[offset], index.column(), role) if offset < len(page) else None
        self._want(page_no)
        return self._placeholder(role)

    # --- inside ---

    def _placeholder(self, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return PLACEHOLDER_TEXT
        if role == Qt.ItemDataRole.ToolTipRole:
            return LOADING_TIP
        if role == Qt.ItemDataRole.ForegroundRole:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def _runner(self) -> TaskRunner:
        if self._tasks is None:
            self._tasks = TaskRunner(self)
        return self._tasks

    def _new_generation(self) -> None:
        """Forget the current query's pages and total (inside a model reset)."""
        self._generation += 1
        self._total = None
        self._first_page_failed = False
        self._pages.clear()
        self._in_flight.clear()
        self._queued.clear()
        self._failed_pages.clear()
        self._load_timer.stop()

    def _become_sparse(self, total: int) -> None:
        """Leave append mode: the rows loaded so far become the first pages."""
        size = self._page_size
        rows, shown = self._rows, len(self._rows)
        for start in range(0, shown, size):
            chunk = rows[start : start + size]
            if len(chunk) == size or start + len(chunk) >= total:
                self._pages[start // size] = list(chunk)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        self._rows = []
        self._exhausted = True
        self._total = shown  # same rowCount as a moment ago; then grow or shrink
        kept = {
            page_no * size + i for page_no, page in self._pages.items() for i in range(len(page))
        }
        gone = [r for r in range(shown) if r not in kept]
        if gone and self._columns:
            self.dataChanged.emit(
                self.index(gone[0], 0), self.index(gone[-1], len(self._columns) - 1)
            )
        self._resize(total)

    def _resize(self, total: int) -> None:
        current = self.rowCount()
        if total > current:
            self.beginInsertRows(QModelIndex(), current, total - 1)
            self._total = total
            self.endInsertRows()
        elif total < current:
            self.beginRemoveRows(QModelIndex(), total, current - 1)
            self._total = total
            size = self._page_size
            for page_no in [p for p in self._pages if p * size >= total]:
                del self._pages[page_no]
            last = total // size
            if last in self._pages:
                self._pages[last] = self._pages[last][: total - last * size]
            self.endRemoveRows()

    def _fetch_now(self, offset: int, limit: int) -> list[R] | None:
        fetch = self._fetch_page
        if fetch is None:
            return None
        try:
            return list(fetch(offset, limit))
        except Exception as exc:
            self.load_failed.emit(exc)
            return None

    def _start_count(self) -> None:
        count, generation = self._count, self._generation
        if count is None:
            return

        def done(total: Any) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.set_total(int(total))

        def failed(exc: Exception) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.load_failed.emit(exc)

        self._runner().run(count, done, failed)

    def _want(self, page_no: int) -> None:
        """Queue `page_no` for loading in the background (newest wishes first)."""
        if page_no in self._in_flight or page_no in self._failed_pages:
            return
        if page_no in self._queued:
            self._queued.remove(page_no)
        self._queued.append(page_no)
        if len(self._queued) > self.MAX_QUEUED:
            del self._queued[0]
        if not self._load_timer.isActive():
            self._load_timer.start()

    def _start_loads(self) -> None:
        while self._queued and len(self._in_flight) < self.MAX_IN_FLIGHT:
            page_no = self._queued.pop()
            if page_no not in self._pages:
                self._load_async(page_no)

    def _load_async(self, page_no: int) -> None:
        fetch, generation, size = self._fetch_page, self._generation, self._page_size
        if fetch is None:
            return
        self._in_flight.add(page_no)

        def work() -> list[R]:
            return list(fetch(page_no * size, size))

        def done(rows: list[R]) -> None:
            if not shiboken6.isValid(self) or generation != self._generation:
                return
            self._in_flight.discard(page_no)
            self._store(page_no, rows)
            self._start_loads()

        def failed(exc: Exception) -> None:
            if not shiboken6.isValid(self) or generation != self._generation:
                return
            self._in_flight.discard(page_no)
            self._failed_pages.add(page_no)  # not again until the next reset
            self.load_failed.emit(exc)
            self._start_loads()

        self._runner().run(work, done, failed)

    def _store(self, page_no: int, rows: list[R]) -> None:
        """Keep a loaded page, correct the total if the list changed since it was counted,
        and repaint the page's rows."""
        if self._total is None:
            return
        size = self._page_size
        start = page_no * size
        if len(rows) < size and start + len(rows) != self._total:
            self.set_total(start + len(rows))  # the list ends here now
        elif len(rows) == size and start + size > self._total:
            self.set_total(start + size)  # more rows than counted: count again
            if self._count is not None:
                self._start_count()
        if start >= self._total or not rows:
            return
        rows = rows[: self._total - start]
        self._pages[page_no] = rows
        self._pages.move_to_end(page_no)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        if self._columns:
            self.dataChanged.emit(
                self.index(start, 0), self.index(start + len(rows) - 1, len(self._columns) - 1)
            )
