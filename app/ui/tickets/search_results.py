"""Full-text search hits under the search box: which ticket, where the words matched
(subject, description, reply or internal note) and the matching words in bold.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAbstractTextDocumentLayout, QKeyEvent, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.models.roles import ID_ROLE
from app.ui.models.ticket_model import HTML_ROLE, SearchHitModel

#: Hits listed at most under the search box (the list itself is filtered by the search too).
MAX_SHOWN_HITS = 8


class RichTextDelegate(QStyledItemDelegate):
    """Paints an item's `HTML_ROLE` text (bold matches), wrapped to the view's width."""

    def _document(self, option: QStyleOptionViewItem, index: Any) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setHtml(str(index.data(HTML_ROLE) or ""))
        doc.setDocumentMargin(4)
        doc.setTextWidth(max(50, option.rect.width()))
        return doc

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        doc = self._document(opt, index)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(
            QPalette.ColorRole.Text,
            opt.palette.color(role),
        )
        rect = opt.rect
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(QRectF(0, 0, rect.width(), rect.height()))
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        doc = self._document(opt, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)


class _HitList(QListView):
    """Enter opens the current hit, like a click."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class SearchResultsPanel(QFrame):
    """The top search hits, shown while there is text in the search box.

    Signals:
        hit_activated(object): the id of the ticket whose hit was clicked or entered.
    """

    hit_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.model = SearchHitModel(self)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.list = _HitList()
        self.list.setModel(self.model)
        self.list.setItemDelegate(RichTextDelegate(self.list))
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        self.list.activated.connect(self._on_list_activated)
        self.list.clicked.connect(self._on_list_activated)
        self.hide()

    def show_hits(self, text: str, hits: Sequence[Any]) -> None:
        """Show the first hits for `text`; hidden when there is no text."""
        shown = list(hits)[:MAX_SHOWN_HITS]
        self.model.set_hits(shown)
        if not text:
            self.hide()
            return
        if not shown:
            self.title.setText(
                f"No replies, notes or descriptions mention “{html.escape(text)}”."
                " Try fewer or other words."
            )
            self.list.hide()
        else:
            self.title.setText(
                f"<b>Best matches for “{html.escape(text)}” in all tickets</b>"
                " — Enter or click opens one"
            )
            self.list.show()
            # About four hits high, whatever the snippets: the ticket list stays in view.
            row = int(self.list.fontMetrics().height() * 2.4) + 8
            self.list.setFixedHeight(min(4, len(shown)) * row + 4)
        self.show()

    def focus_first(self) -> None:
        if self.model.rowCount() > 0:
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
            self.list.setCurrentIndex(self.model.index(0))

    @Slot(QModelIndex)
    def _on_list_activated(self, index: QModelIndex) -> None:
        ticket_id = index.data(ID_ROLE)
        if ticket_id is not None:
            self.hit_activated.emit(ticket_id)
