"""The bar that appears over the ticket list when several tickets are selected: assign,
status, priority and tag for all of them at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from app.domain.enums import Priority, TicketStatus
from app.services.ticket_service import PersonOption
from app.ui.icons import icon

#: Marks "give the tickets to nobody" in a bulk request.
UNASSIGN = "unassign"


class BulkBar(QFrame):
    """Bulk actions for the selected tickets.

    Signals:
        bulk_requested(dict): keyword arguments for `TicketService.bulk_update`
            ({"status": …}, {"priority": …}, {"assignee": uuid | None} or {"add_tag": …}).
        clear_requested(): the person wants the selection cleared.
    """

    bulk_requested = Signal(dict)
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        # Never wider than the list: on a narrow list the last buttons are cut, not the list.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._me: uuid.UUID | None = None
        self.count_label = QLabel()
        self.count_label.setToolTip("Changes apply to every selected ticket")

        self.assign_button = self._menu_button("user", "Assign", "Give the selected tickets to…")
        self.status_button = self._menu_button("check", "Status", "Move the selected tickets to…")
        self.priority_button = self._menu_button("alert", "Priority", "Set the priority to…")
        self.tag_button = QToolButton()
        self.tag_button.setIcon(icon("tickets-tag"))
        self.tag_button.setText("Tag…")
        self.tag_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.tag_button.setToolTip("Add a tag to every selected ticket")
        self.clear_button = QToolButton()
        self.clear_button.setIcon(icon("close"))
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip("Clear the selection")
        self.clear_button.setAccessibleName("Clear selection")

        status_menu = self.status_button.menu()
        for status in TicketStatus:
            action = status_menu.addAction(status.label)
            action.triggered.connect(lambda _c=False, s=status: self.request(status=s))
        priority_menu = self.priority_button.menu()
        for priority in Priority:
            action = priority_menu.addAction(priority.label)
            action.triggered.connect(lambda _c=False, p=priority: self.request(priority=p))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 2, 2)
        layout.setSpacing(4)
        marker = QLabel()
        marker.setPixmap(icon("tickets-bulk").pixmap(18, 18))
        layout.addWidget(marker)
        layout.addWidget(self.count_label)
        layout.addSpacing(6)
        for widget in (
            self.assign_button,
            self.status_button,
            self.priority_button,
            self.tag_button,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.clear_button)

        self.tag_button.clicked.connect(self._on_tag_button_clicked)
        self.clear_button.clicked.connect(self.clear_requested)
        self.set_people([], None, may_assign_others=False)

    @staticmethod
    def _menu_button(icon_name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon(icon_name))
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(QMenu(button))
        return button

    # --- API ---

    def set_count(self, count: int) -> None:
        self.count_label.setText(f"<b>{count}</b> selected")

    def set_people(
        self,
        people: Sequence[PersonOption],
        me: uuid.UUID | None,
        *,
        may_assign_others: bool,
    ) -> None:
        """Fill the Assign menu: to me, to nobody, and (if allowed) to each colleague."""
        self._me = me
        menu = self.assign_button.menu()
        menu.clear()
        if me is not None:
            menu.addAction("To me").triggered.connect(lambda: self.request(assignee=me))
        menu.addAction("Unassign").triggered.connect(lambda: self.request(assignee=None))
        others = [p for p in people if p.id != me]
        if others and may_assign_others:
            menu.addSeparator()
            for person in others:
                menu.addAction(person.name).triggered.connect(
                    lambda _c=False, pid=person.id: self.request(assignee=pid)
                )

    def request(self, **change: Any) -> None:
        """Ask for one bulk change (also what the menus call)."""
        self.bulk_requested.emit(change)

    # --- slots ---

    @Slot()
    def _on_tag_button_clicked(self) -> None:
        tag, ok = QInputDialog.getText(
            self,
            "Add tag",
            "Tag to add to every selected ticket:",
            QLineEdit.EchoMode.Normal,
        )
        tag = " ".join(tag.split())
        if ok and tag:
            self.request(add_tag=tag)
