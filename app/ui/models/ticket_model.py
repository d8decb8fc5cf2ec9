"""The ticket list: a paged table of `TicketRow`s, sorted and filtered in SQL by the pane."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtGui import QColor

from app.domain.sla import SlaState
from app.services.ticket_service import TicketRow
from app.ui import theme
from app.ui.models.paged_table_model import Column, PagedTableModel

_SLA_WORDS = {
    SlaState.OK: "on time",
    SlaState.DUE_SOON: "due soon",
    SlaState.BREACHED: "overdue",
    SlaState.MET: "met",
}


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


def _due_tooltip(row: TicketRow) -> str:
    if row.resolution_due_at is None:
        return "No resolution target"
    state = sla_words(row.sla_state)
    return f"Resolve by {full_time(row.resolution_due_at)}" + (f" ({state})" if state else "")


def _sla_foreground(row: TicketRow) -> QColor | None:
    return theme.sla_colour(row.sla_state) if row.sla_state else None


def ticket_columns() -> list[Column[TicketRow]]:
    """The list's columns; each key is a sort key of `TicketService.list_page`."""
    return [
        Column("number", "Number", lambda r: r.number),
        Column(
            "subject",
            "Subject",
            lambda r: r.subject,
            tooltip=lambda r: r.subject,
        ),
        Column(
            "requester",
            "Requester",
            lambda r: r.requester_name,
            tooltip=lambda r: r.organisation_name,
        ),
        Column(
            "status",
            "Status",
            lambda r: r.status.label,
            sort_value=lambda r: list(type(r.status)).index(r.status),
            foreground=lambda r: theme.status_colour(r.status),
        ),
        Column(
            "priority",
            "Priority",
            lambda r: r.priority.label,
            sort_value=lambda r: r.priority.rank,
            foreground=lambda r: theme.priority_colour(r.priority),
        ),
        Column("assignee", "Assignee", lambda r: r.assignee_name or "Unassigned"),
        Column(
            "due",
            "Due",
            lambda r: when(r.resolution_due_at),
            sort_value=lambda r: r.resolution_due_at,
            foreground=_sla_foreground,
            tooltip=_due_tooltip,
        ),
        Column(
            "updated_at",
            "Updated",
            lambda r: when(r.updated_at),
            sort_value=lambda r: r.updated_at,
            tooltip=lambda r: full_time(r.updated_at),
        ),
    ]


class TicketModel(PagedTableModel[TicketRow]):
    """Ticket rows paged in from `TicketService.list_page` as the view scrolls.

    Signals:
        sort_requested(str, bool): inherited; the pane re-queries with that ORDER BY.
    """

    def __init__(
        self,
        fetch_page: Callable[[int, int], Sequence[TicketRow]] | None = None,
        *,
        page_size: int = 200,
        parent: Any = None,
    ) -> None:
        super().__init__(ticket_columns(), fetch_page, page_size=page_size, parent=parent)

    def column_of(self, key: str) -> int:
        """The column index of a sort key, or -1."""
        return next((i for i, c in enumerate(self.columns) if c.key == key), -1)
