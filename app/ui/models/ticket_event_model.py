"""A ticket's timeline as a list model: one row per event, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.domain.enums import Channel, Priority, TicketEventKind, TicketStatus
from app.services.ticket_service import TicketEventView
from app.ui.models.roles import ID_ROLE, ROW_ROLE, SORT_ROLE
from app.ui.models.ticket_model import full_time

Index = QModelIndex | QPersistentModelIndex


def _label(enum_cls: type[TicketStatus] | type[Priority] | type[Channel], value: str) -> str:
    try:
        return enum_cls(value).label
    except ValueError:
        return value or "none"


def tier_label(tier: int | str) -> str:
    """How a support tier reads: "L1", "L2", "L3"."""
    return f"L{tier}" if str(tier).strip() else "L?"


def duration_words(minutes: int) -> str:
    """A duration a person reads at a glance: "45 min", "2 h", "1 h 30 min", "2 d 3 h"."""
    minutes = max(0, int(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def _tags(value: str) -> list[str]:
    return [t.strip() for t in value.replace(";", ",").split(",") if t.strip()]


def _first_lower(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:]


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f": “{text}”" if text else ""


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
        return f"The requester rated the help {event.new_value} out of 5{_quoted(event.body)}"
    return _headline_more(event, who) or kind.label


def _changed(who: str, what: str, old: str, new: str) -> str:
    if not new:
        return f"{who} cleared the {what} (was {old})" if old else f"{who} cleared the {what}"
    if not old:
        return f"{who} set the {what} to {new}"
    return f"{who} changed the {what} from {old} to {new}"


def _headline_more(event: TicketEventView, who: str) -> str:
    """Headlines of the event kinds added with tiers, SLA pauses, files, time and links."""
    kind, old, new = event.kind, event.old_value, event.new_value
    if kind is TicketEventKind.ESCALATION:
        try:
            down = int(new) < int(old)
        except ValueError:
            down = False
        verb = "moved the ticket back to" if down else "escalated the ticket to"
        return f"{who} {verb} {tier_label(new)}{_quoted(event.body)}"
    if kind is TicketEventKind.TEAM:
        if not new:
            return f"{who} took the ticket away from team {old}"
        return f"{who} moved the ticket to team {new}"
    if kind is TicketEventKind.CATEGORY:
        return _changed(who, "category", old, new)
    if kind is TicketEventKind.CHANNEL:
        return _changed(
            who,
            "channel",
            _label(Channel, old).lower() if old else "",
            _label(Channel, new).lower(),
        )
    if kind is TicketEventKind.REQUESTER:
        return _changed(who, "requester", old, new)
    if kind is TicketEventKind.TAGS:
        before, after = _tags(old), _tags(new)
        added = [t for t in after if t not in before]
        removed = [t for t in before if t not in after]
        bits = []
        if added:
            bits.append(("added tag " if len(added) == 1 else "added tags ") + ", ".join(added))
        if removed:
            bits.append(
                ("removed tag " if len(removed) == 1 else "removed tags ") + ", ".join(removed)
            )
        if not bits:
            return f"{who} changed the tags"
        return f"{who} " + " and ".join(bits)
    if kind is TicketEventKind.SLA_PAUSED:
        reason = _first_lower(event.body) or "waiting on the requester"
        return f"SLA clock paused — {reason}"
    if kind is TicketEventKind.SLA_RESUMED:
        text = "SLA clock resumed"
        if new.isdigit():  # minutes paused
            text += f" after {duration_words(int(new))} paused"
        elif new:
            text += f" (moved to {_label(TicketStatus, new).lower()})"
        return text + (f": {_first_lower(event.body)}" if event.body else "")
    if kind is TicketEventKind.ATTACHMENT:
        return f"{who} attached {new or event.body or 'a file'}"
    if kind is TicketEventKind.TIME_ENTRY:
        spent = duration_words(int(new)) if new.isdigit() else (new or "time")
        return f"{who} logged {spent}{_quoted(event.body)}"
    if kind is TicketEventKind.ARTICLE:
        if not new and old:
            return f"{who} removed the link to the article “{old}”"
        title = new or event.body
        return f"{who} linked the article “{title}”" if title else f"{who} linked an article"
    if kind is TicketEventKind.MERGED:
        if old and new:
            return f"{who} merged {old} into {new}"
        return f"{who} merged the ticket{' into ' + new if new else ''}"
    if kind is TicketEventKind.LINKED:
        if not new and old:
            return f"{who} removed the link to {old}"
        return f"{who} linked this ticket to {new}" if new else f"{who} linked a ticket"
    return ""


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
