"""The knowledge-base category tree, with an "All articles" entry first and article counts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from app.services.knowledge_service import CategoryNode
from app.ui.icons import icon
from app.ui.models.roles import ID_ROLE, ROW_ROLE, SORT_ROLE

Index = QModelIndex | QPersistentModelIndex

ALL_ARTICLES = "All articles"


class _Item:
    """A tree node the model owns; Qt indexes point at it (internalPointer)."""

    __slots__ = ("category", "children", "count", "parent", "row")

    def __init__(
        self, category: CategoryNode | None, count: int, parent: _Item | None, row: int
    ) -> None:
        self.category = category
        self.count = count
        self.parent = parent
        self.row = row
        self.children: list[_Item] = []

    @property
    def name(self) -> str:
        return self.category.name if self.category else ALL_ARTICLES

    @property
    def category_id(self) -> uuid.UUID | None:
        return self.category.id if self.category else None


class CategoryTreeModel(QAbstractItemModel):
    """One column: "Name (count)". `ID_ROLE` is the category id, None for "All articles"."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Item(None, 0, None, 0)
        # Every item is kept here too, so the objects behind internalPointer stay alive.
        self._items: list[_Item] = []
        self._icons: dict[str, QIcon] = {}
        self.set_tree([], 0)

    # --- owner API ---

    def set_tree(self, roots: Sequence[CategoryNode], total: int) -> None:
        """Show a new tree; `total` is the count shown on "All articles"."""
        self.beginResetModel()
        self._root = _Item(None, 0, None, 0)
        self._items = [self._root]
        everything = _Item(None, total, self._root, 0)
        self._items.append(everything)
        self._root.children.append(everything)
        for node in roots:
            self._add(node, self._root)
        self.endResetModel()

    def _add(self, node: CategoryNode, parent: _Item) -> None:
        item = _Item(node, node.article_count, parent, len(parent.children))
        parent.children.append(item)
        self._items.append(item)
        for child in node.children:
            self._add(child, item)

    def index_of(self, category_id: uuid.UUID | None) -> QModelIndex:
        """The index of a category, or of "All articles" for None (invalid if unknown)."""
        for item in self._items[1:]:
            if item.category_id == category_id:
                return self.createIndex(item.row, 0, item)
        return QModelIndex()

    def category_id(self, index: Index) -> uuid.UUID | None:
        item = self._item(index)
        return item.category_id if item is not None else None

    def category_choices(self) -> list[tuple[int, CategoryNode]]:
        """Every category depth-first with its depth, for pickers."""
        out: list[tuple[int, CategoryNode]] = []

        def walk(item: _Item, depth: int) -> None:
            for child in item.children:
                if child.category is not None:
                    out.append((depth, child.category))
                    walk(child, depth + 1)

        walk(self._root, 0)
        return out

    # --- Qt model API ---

    def _item(self, index: Index) -> _Item | None:
        if not index.isValid():
            return None
        item = index.internalPointer()
        return item if isinstance(item, _Item) else None

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        parent_item = self._item(parent) if parent.isValid() else self._root
        if parent_item is None or row >= len(parent_item.children):
            return QModelIndex()
        return self.createIndex(row, 0, parent_item.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        item = self._item(index)
        if item is None or item.parent is None or item.parent is self._root:
            return QModelIndex()
        return self.createIndex(item.parent.row, 0, item.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            if parent.column() != 0:
                return 0
            item = self._item(parent)
            return len(item.children) if item is not None else 0
        return len(self._root.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self._item(index)
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{item.name} ({item.count})"
        if role == Qt.ItemDataRole.ToolTipRole:
            noun = "article" if item.count == 1 else "articles"
            return f"{item.name}: {item.count} {noun}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon("book" if item.category is None else "folder")
        if role == ID_ROLE:
            return item.category_id
        if role == ROW_ROLE:
            return item.category
        if role == SORT_ROLE:
            return item.name.lower()
        return None

    def _icon(self, name: str) -> QIcon:
        if name not in self._icons:
            self._icons[name] = icon(name)
        return self._icons[name]

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "Categories" if section == 0 else None
        return None
