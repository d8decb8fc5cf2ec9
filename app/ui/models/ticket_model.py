"""Ticket list models: the paged ticket table, the saved views with their counts, and the
full-text search hits with their highlighted snippets.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QIcon

from app.domain.sla import SlaState
from app.services.ticket_service import TICKET_COLUMNS, TicketFilter, TicketRow
from app.ui import theme
from app.ui.icons import icon
from app.ui.models.paged_table_model import Column, SparsePagedTableModel
from app.ui.models.roles import ID_ROLE, ROW_ROLE
from app.ui.worker import TaskRunner

Index = QModelIndex | QPersistentModelIndex

#: The search hit's snippet as rich text (matches in <b>…</b>), for the results delegate.
HTML_ROLE = Qt.ItemDataRole.UserRole + 20
#: The saved view's count of tickets (int, or None while it is being counted).
COUNT_ROLE = Qt.ItemDataRole.UserRole + 21

#: Tooltip of the marker on tickets created here that the team server has not received yet.
PENDING_SYNC_TEXT = "Created on this desktop; not yet on the team server"

_SLA_WORDS = {
    SlaState.OK: "on time",
    SlaState.DUE_SOON: "due soon",
    SlaState.BREACHED: "overdue",
    SlaState.MET: "met",
}

#: Columns the list shows on a new installation besides the service's defaults: the SLA
#: state in words (the Due column shows it as colour and icon only).
_ALSO_SHOWN = frozenset({"sla"})


#: Left to right on a new installation: what needs attention first (the SLA state) stays in
#: view even when the detail side leaves the list little room. Other columns follow.
_FIRST = ("number", "subject", "sla", "due", "status", "priority", "requester", "assignee")


def column_specs() -> list[tuple[str, str, bool]]:
    """(key, title, shown by default) of every list column, in the list's default order."""
    specs = [
        (s.key, s.title, bool(s.default_visible) or s.key in _ALSO_SHOWN) for s in TICKET_COLUMNS
    ]
    rank = {key: i for i, key in enumerate(_FIRST)}
    return sorted(specs, key=lambda spec: rank.get(spec[0], len(rank)))


def sla_words(state: str | None) -> str:
    """A technician's words for an SLA state ("overdue", "due soon", …)."""
    return _SLA_WORDS.get(state or "", "")


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A short local time: "14:05" today, "12 Mar 14:05" this year, else "12 Mar 2023"."""
    if moment is None:
        return ""
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%d %b %H:%M")
    return local.strftime("%d %b %Y")


def full_time(moment: datetime | None) -> str:
    """The full local date and time, for tooltips and the detail side."""
    return moment.astimezone().strftime("%a %d %b %Y, %H:%M") if moment else ""


# --- SLA state of a row: text, icon and colour together (never colour alone) -----------

PAUSED = SlaState.PAUSED

_SLA_LABELS = {
    SlaState.OK: "On time",
    SlaState.MET: "Met",
    SlaState.DUE_SOON: "Due soon",
    SlaState.BREACHED: "Breached",
    PAUSED: "Paused",
}
_SLA_ICONS = {
    SlaState.OK: "clock",
    SlaState.MET: "check",
    SlaState.DUE_SOON: "tickets-due-soon",
    SlaState.BREACHED: "alert",
    PAUSED: "tickets-paused",
}
_SLA_HINTS = {
    SlaState.OK: "The SLA clock is running and the ticket is on time.",
    SlaState.MET: "The SLA targets were met.",
    SlaState.DUE_SOON: "A due time is close: answer or resolve this ticket soon.",
    SlaState.BREACHED: "A due time has passed: the SLA is breached.",
    PAUSED: "The SLA clock is paused while the ticket waits on the requester.",
}


def row_sla(row: TicketRow) -> str | None:
    """The row's SLA state as shown in the list; a paused clock shows as paused unless a
    target was already missed."""
    if row.sla_paused and row.sla_state != SlaState.BREACHED:
        return PAUSED
    return row.sla_state


def _sla_colour(row: TicketRow) -> QColor | None:
    state = row_sla(row)
    if state is None:
        return None
    return theme.sla_colour("" if state == PAUSED else state)


def _sla_icon(row: TicketRow) -> QIcon | None:
    state = row_sla(row)
    if state is None or state not in _SLA_ICONS:
        return None
    colour = _sla_colour(row)
    return icon(_SLA_ICONS[state], colour)


def _due_tooltip(row: TicketRow) -> str:
    if row.resolution_due_at is None:
        return "No resolution target"
    if row.sla_paused:
        return f"Resolve by {full_time(row.resolution_due_at)} (clock paused)"
    state = sla_words(row.sla_state)
    return f"Resolve by {full_time(row.resolution_due_at)}" + (f" ({state})" if state else "")


def _number_icon(row: TicketRow) -> QIcon | None:
    return icon("tickets-offline", theme.accent()) if row.pending_sync else None


def _number_tooltip(row: TicketRow) -> str:
    return PENDING_SYNC_TEXT if row.pending_sync else row.number


def _tags(row: TicketRow) -> str:
    return ", ".join(row.tags)


def _tier(row: TicketRow) -> str:
    return f"L{row.tier}" if row.tier else ""


def _column_for(key: str, title: str, shown: bool) -> Column[TicketRow]:
    """How one list column shows a row (`key` is also its `list_page` sort key)."""
    c: dict[str, Column[TicketRow]] = {
        "number": Column(
            key, title, lambda r: r.number, decoration=_number_icon, tooltip=_number_tooltip
        ),
        "subject": Column(key, title, lambda r: r.subject, tooltip=lambda r: r.subject),
        "requester": Column(
            key, title, lambda r: r.requester_name, tooltip=lambda r: r.organisation_name
        ),
        "organisation": Column(key, title, lambda r: r.organisation_name),
        "status": Column(
            key,
            title,
            lambda r: r.status.label,
            sort_value=lambda r: list(type(r.status)).index(r.status),
            foreground=lambda r: theme.status_colour(r.status),
        ),
        "priority": Column(
            key,
            title,
            lambda r: r.priority.label,
            sort_value=lambda r: r.priority.rank,
            foreground=lambda r: theme.priority_colour(r.priority),
        ),
        "channel": Column(key, title, lambda r: r.channel.label),
        "category": Column(key, title, lambda r: r.category),
        "team": Column(key, title, lambda r: r.team_name),
        "assignee": Column(key, title, lambda r: r.assignee_name or "Unassigned"),
        "tier": Column(key, title, _tier, sort_value=lambda r: r.tier),
        "tags": Column(key, title, _tags, tooltip=_tags, sortable=False),
        "opened": Column(
            key,
            title,
            lambda r: when(r.opened_at),
            sort_value=lambda r: r.opened_at,
            tooltip=lambda r: full_time(r.opened_at),
        ),
        "updated": Column(
            key,
            title,
            lambda r: when(r.updated_at),
            sort_value=lambda r: r.updated_at,
            tooltip=lambda r: full_time(r.updated_at),
        ),
        "due": Column(
            key,
            title,
            lambda r: when(r.resolution_due_at),
            sort_value=lambda r: r.resolution_due_at,
            foreground=_sla_colour,
            tooltip=_due_tooltip,
        ),
        "sla": Column(
            key,
            title,
            lambda r: _SLA_LABELS.get(row_sla(r) or "", ""),
            sort_value=lambda r: row_sla(r) or "",
            foreground=_sla_colour,
            decoration=_sla_icon,
            tooltip=lambda r: _SLA_HINTS.get(row_sla(r) or "", "No SLA clock"),
            header_tooltip="Service level: on time, due soon, breached or paused",
        ),
    }
    # Aliases the service used before the contract's keys.
    c["updated_at"], c["opened_at"] = c["updated"], c["opened"]
    found = c.get(key) or Column(key, title, lambda r: str(getattr(r, key, "") or ""))
    return Column(
        key,
        title,
        found.display,
        sort_value=found.sort_value,
        foreground=found.foreground,
        decoration=found.decoration,
        tooltip=found.tooltip,
        align_right=found.align_right,
        sortable=found.sortable,
        visible_by_default=shown,
        header_tooltip=found.header_tooltip,
    )


def ticket_columns() -> list[Column[TicketRow]]:
    """Every list column (the chooser hides some); each key is a `list_page` sort key."""
    return [_column_for(key, title, shown) for key, title, shown in column_specs()]


class TicketModel(SparsePagedTableModel[TicketRow]):
    """Ticket rows from `TicketService.list_page`, at random once the total is known.

    `reset(fetch, count)` loads the first page at once and counts on the task runner; then
    every row exists and pages of `page_size` load in the background as they are painted
    (at most `max_pages` kept). `ensure_row(row)` loads a row's page now (jump to the end).

    Every column of `TICKET_COLUMNS` is in the model; the view hides what the person did not
    choose, so the chooser never resets the model.

    Signals:
        sort_requested(str, bool): inherited; the pane re-queries with that ORDER BY.
        total_changed(int): inherited; how many tickets the list has.
        load_failed(object): inherited; a page or the count could not be read.
    """

    def __init__(
        self,
        fetch_page: Callable[[int, int], Sequence[TicketRow]] | None = None,
        *,
        page_size: int = 200,
        max_pages: int = 50,
        tasks: TaskRunner | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(
            ticket_columns(),
            fetch_page,
            page_size=page_size,
            max_pages=max_pages,
            tasks=tasks,
            parent=parent,
        )


# --- saved views --------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewEntry:
    """One saved view as the sidebar lists it.

    Attributes:
        id: the saved view's id (a string key for the built-in fallbacks).
        name: what the person sees.
        filter: which tickets it lists.
        personal: the person's own view (they may delete it).
    """

    id: Any
    name: str
    filter: TicketFilter
    personal: bool = False


class SavedViewModel(QAbstractTableModel):
    """Saved views (name, ticket count); counts arrive later from a background task."""

    NAME, COUNT = 0, 1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._views: list[ViewEntry] = []
        self._counts: dict[Any, int] = {}

    def set_views(self, views: Sequence[ViewEntry]) -> None:
        self.beginResetModel()
        self._views = list(views)
        self.endResetModel()

    def set_counts(self, counts: Mapping[Any, int]) -> None:
        """Show fresh counts (views without one keep showing their last count)."""
        self._counts.update(counts)
        if self._views:
            self.dataChanged.emit(
                self.index(0, self.COUNT), self.index(len(self._views) - 1, self.COUNT)
            )

    def views(self) -> list[ViewEntry]:
        return list(self._views)

    def view_at(self, row: int) -> ViewEntry | None:
        return self._views[row] if 0 <= row < len(self._views) else None

    def row_of_id(self, view_id: Any) -> int:
        return next((i for i, v in enumerate(self._views) if v.id == view_id), -1)

    def count_of(self, view_id: Any) -> int | None:
        return self._counts.get(view_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._views)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._views)):
            return None
        view = self._views[index.row()]
        count = self._counts.get(view.id)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NAME:
                return view.name
            return "…" if count is None else f"{count:,}"
        if role == Qt.ItemDataRole.DecorationRole and column == self.NAME:
            return icon("user" if view.personal else "tickets-view")
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = "Your own view" if view.personal else "Built-in view"
            counted = "counting…" if count is None else f"{count:,} tickets"
            return f"{view.name}: {counted}. {kind}."
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COUNT:
            return theme.sla_colour("")  # the muted grey of the theme
        if role == COUNT_ROLE:
            return count
        if role == ID_ROLE:
            return view.id
        if role == ROW_ROLE:
            return view
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return {self.NAME: "View", self.COUNT: "Tickets"}.get(section)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


# --- search hits ------------------------------------------------------------------------

_WHERE = {
    "subject": "in the subject",
    "description": "in the description",
    "reply": "in a reply",
    "note": "in an internal note",
}


def snippet_html(snippet: str) -> str:
    """The snippet as rich text: \\x02…\\x03 matches in bold, everything else escaped."""
    return html.escape(snippet).replace("\x02", "<b>").replace("\x03", "</b>")


def snippet_text(snippet: str) -> str:
    return snippet.replace("\x02", "").replace("\x03", "")


def where_words(where: str) -> str:
    """Where a search matched, in plain words ("in an internal note")."""
    return _WHERE.get(where, "")


class SearchHitModel(QAbstractListModel):
    """Full-text search hits: number, subject, where it matched and a highlighted snippet."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: list[Any] = []

    def set_hits(self, hits: Sequence[Any]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit_at(self, row: int) -> Any:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._hits)):
            return None
        hit = self._hits[index.row()]
        where = where_words(hit.where)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{hit.number} {hit.subject} — {where}: {snippet_text(hit.snippet)}"
        if role == HTML_ROLE:
            return (
                f"<b>{html.escape(hit.number)}</b> {html.escape(hit.subject)}"
                f" <span style='color:{theme.sla_colour('').name()}'>· {where}</span>"
                f"<br>{snippet_html(hit.snippet)}"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Open {hit.number} (matched {where})"
        if role == ID_ROLE:
            return hit.ticket_id
        if role == ROW_ROLE:
            return hit
        return None


def view_id_text(view_id: Any) -> str:
    """A saved view id as text for QSettings."""
    return str(view_id) if view_id is not None else ""


def parse_view_id(text: str) -> Any:
    try:
        return uuid.UUID(text)
    except ValueError:
        return text
