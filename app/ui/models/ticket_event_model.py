"""A ticket's timeline as a list model: one row per event, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.domain.enums import Priority, TicketEventKind, TicketStatus
from app.services.ticket_service import TicketEventView
from app.ui.models.roles import ID_ROLE, ROW_ROLE, SORT_ROLE
from app.ui.models.ticket_model import full_time

Index = QModelIndex | QPersistentModelIndex


def _label(enum_cls: type[TicketStatus] | type[Priority], value: str) -> str:
    try:
        return enum_cls(value).label
    except ValueError:
        return value or "none"


def headline(event: TicketEventView) -> str:
    """One plain sentence saying what happened (without the body of a reply or note)."""
    who = event.author_name or "Someone"
    kind = event.kind
    if kind is TicketEventKind.CREATED:
        # No author: the ticket arrived by itself (mail intake, monitoring alert, import).
        return f"{who} logged the ticket" if event.author_name else "Ticket received"
    if kind is TicketEventKind.REPLY:
        return f"{who} replied to the requester"
    if kind is TicketEventKind.NOTE:
        return f"Internal note by {who}"
    if kind is TicketEventKind.STATUS:
        old = _label(TicketStatus, event.old_value).lower()
        new = _label(TicketStatus, event.new_value).lower()
        return f"{who} changed the status from {old} to {new}"
    if kind is TicketEventKind.PRIORITY:
        old = _label(Priority, event.old_value).lower()
        new = _label(Priority, event.new_value).lower()
        return f"{who} changed the priority from {old} to {new}"
    if kind is TicketEventKind.ASSIGNMENT:
        if event.body == "team":  # a team change (see TicketService.assign)
            if not event.new_value:
                return f"{who} took the ticket away from team {event.old_value}"
            return f"{who} moved the ticket to team {event.new_value}"
        if not event.new_value:
            return f"{who} unassigned the ticket"
        if event.new_value == event.author_name:
            return f"{who} took the ticket"
        return f"{who} assigned the ticket to {event.new_value}"
    if kind is TicketEventKind.SLA_BREACH:
        what = "first-response" if event.new_value == "first_response" else "resolution"
        return f"The {what} target was missed"
    if kind is TicketEventKind.RATING:
        return f"The requester rated the help {event.new_value} out of 5"
    return kind.label


def has_body(event: TicketEventView) -> bool:
    """Whether the event carries text a person wrote (replies and notes)."""
    return event.kind in (TicketEventKind.REPLY, TicketEventKind.NOTE) and bool(event.body)


class TicketEventModel(QAbstractListModel):
    """The timeline of the ticket shown in the detail side.

    Display text is the headline, then the body of replies and notes; `ROW_ROLE` gives the
    whole `TicketEventView` to whatever renders the timeline.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._events: list[TicketEventView] = []

    def set_events(self, events: Sequence[TicketEventView]) -> None:
        self.beginResetModel()
        self._events = list(events)
        self.endResetModel()

    def events(self) -> list[TicketEventView]:
        return list(self._events)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._events)):
            return None
        event = self._events[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = headline(event)
            return f"{text}\n{event.body}" if has_body(event) else text
        if role == Qt.ItemDataRole.ToolTipRole:
            return full_time(event.created_at)
        if role == SORT_ROLE:
            return event.created_at
        if role == ID_ROLE:
            return event.id
        if role == ROW_ROLE:
            return event
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
