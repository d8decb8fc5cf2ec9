"""Custom item-data roles shared by every model."""

from __future__ import annotations

from PySide6.QtCore import Qt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a value that sorts correctly (dates, ranks)
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the record's UUID
ROW_ROLE = Qt.ItemDataRole.UserRole + 3  # the whole read model of the row
