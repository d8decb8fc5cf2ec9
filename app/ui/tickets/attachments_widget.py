"""A ticket's files: name, size and date, with Attach, Open and Save as."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import icon
from app.ui.models.paged_table_model import Column, PagedTableModel
from app.ui.models.ticket_model import full_time, when

NO_FILES_TEXT = "No files yet. Drag files onto the ticket, or press Attach…"
UNAVAILABLE_TIP = "Not on this computer yet: the file arrives with the next sync from the server."


def human_size(size: int) -> str:
    """A file size as people read it: "830 bytes", "14 KB", "2.4 MB"."""
    if size < 1024:
        return f"{size} bytes" if size != 1 else "1 byte"
    for unit in ("KB", "MB", "GB"):
        size_f = size / 1024
        if size_f < 1024 or unit == "GB":
            return f"{size_f:.1f} {unit}" if size_f < 10 else f"{size_f:.0f} {unit}"
        size = int(size_f)
    return f"{size} GB"


def _muted() -> QColor:
    return QPalette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


def _tip(row: Any) -> str:
    if not row.available:
        return f"{row.filename}\n{UNAVAILABLE_TIP}"
    return f"{row.filename} · {row.media_type}"


def attachment_columns() -> list[Column[Any]]:
    def grey(row: Any) -> QColor | None:
        return None if row.available else _muted()

    return [
        Column(
            "name",
            "Name",
            lambda r: r.filename,
            decoration=lambda r: icon("attachment"),
            foreground=grey,
            tooltip=_tip,
            sortable=False,
        ),
        Column(
            "size",
            "Size",
            lambda r: human_size(r.size_bytes),
            sort_value=lambda r: r.size_bytes,
            foreground=grey,
            tooltip=_tip,
            align_right=True,
            sortable=False,
        ),
        Column(
            "added",
            "Added",
            lambda r: when(r.created_at),
            foreground=grey,
            tooltip=lambda r: full_time(r.created_at),
            sortable=False,
        ),
    ]


class AttachmentsWidget(QWidget):
    """Lists a ticket's attachments; the detail widget does the work its signals ask for.

    Signals:
        attach_requested(): the Attach… button was pressed.
        open_requested(object): open this `AttachmentView` in its usual program.
        save_requested(object): save this `AttachmentView` somewhere chosen.
    """

    attach_requested = Signal()
    open_requested = Signal(object)
    save_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: PagedTableModel[Any] = PagedTableModel(attachment_columns(), parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAcceptDrops(False)  # drops go to the detail widget, which attaches them
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.empty_label = QLabel(NO_FILES_TEXT)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)
        self.attach_button = QPushButton(icon("attachment"), "Attach…")
        self.attach_button.setToolTip("Add files to the ticket (or drag them onto it)")
        self.open_button = QPushButton(icon("detail-open"), "Open")
        self.open_button.setToolTip("Open the file in its usual program")
        self.save_button = QPushButton(icon("detail-download"), "Save as…")
        buttons = QHBoxLayout()
        buttons.addWidget(self.attach_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        self.attach_button.clicked.connect(self.attach_requested)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.set_attachments([])

    def set_attachments(self, rows: Sequence[Any]) -> None:
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty_label.setVisible(not rows)
        self._on_selection_changed()

    def set_may_attach(self, may: bool) -> None:
        self.attach_button.setEnabled(may)

    def selected(self) -> Any | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    @Slot()
    def _on_selection_changed(
        self, _selected: QItemSelection | None = None, _old: QItemSelection | None = None
    ) -> None:
        row = self.selected()
        usable = row is not None and row.available
        self.open_button.setEnabled(usable)
        self.save_button.setEnabled(usable)

    @Slot()
    def _on_open_button_clicked(self) -> None:
        row = self.selected()
        if row is not None and row.available:
            self.open_requested.emit(row)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        row = self.selected()
        if row is not None and row.available:
            self.save_requested.emit(row)

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None and row.available:
            self.open_requested.emit(row)
