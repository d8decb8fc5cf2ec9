"""Table models of the Admin pane's settings tabs: holidays, SLA policies, canned replies.

Each list is small (tens of rows) and loaded whole, in the order the service returns it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from app.services.conversation_service import CannedView
from app.services.sla_service import HolidayView, PolicyView, format_minutes
from app.ui import theme
from app.ui.models.paged_table_model import Column, PagedTableModel

ALL_ORGANISATIONS = "All"


def _business_time(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} business hours" + (f" {rest} minutes" if rest else "")


def _past(holiday: HolidayView) -> QColor | None:
    """Days gone by read muted, so the coming ones stand out."""
    if holiday.day >= date.today():
        return None
    return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)


HOLIDAY_COLUMNS: list[Column[HolidayView]] = [
    Column(
        "day", "Date", lambda h: h.day.isoformat(), sort_value=lambda h: h.day, foreground=_past
    ),
    Column("weekday", "Day", lambda h: f"{h.day:%A}", foreground=_past),
    Column("name", "Holiday", lambda h: h.name, foreground=_past),
]

POLICY_COLUMNS: list[Column[PolicyView]] = [
    Column(
        "priority",
        "Priority",
        lambda p: p.priority.label,
        sort_value=lambda p: -p.priority.rank,
        foreground=lambda p: theme.priority_colour(p.priority),
    ),
    Column("organisation", "Organisation", lambda p: p.organisation_name or ALL_ORGANISATIONS),
    Column(
        "first_response",
        "First response",
        lambda p: format_minutes(p.first_response_minutes),
        sort_value=lambda p: p.first_response_minutes,
        tooltip=lambda p: _business_time(p.first_response_minutes),
        align_right=True,
        header_tooltip="Business hours:minutes until the first public reply is due",
    ),
    Column(
        "resolution",
        "Resolution",
        lambda p: format_minutes(p.resolution_minutes),
        sort_value=lambda p: p.resolution_minutes,
        tooltip=lambda p: _business_time(p.resolution_minutes),
        align_right=True,
        header_tooltip="Business hours:minutes until the ticket must be resolved",
    ),
    Column("calendar", "Calendar", lambda p: p.calendar_name),
    Column("name", "Name", lambda p: p.name),
]

CANNED_COLUMNS: list[Column[CannedView]] = [
    Column("title", "Title", lambda c: c.title, sort_value=lambda c: c.title.casefold()),
    Column(
        "shared",
        "Seen by",
        lambda c: "Team" if c.shared else "Only me",
        tooltip=lambda c: (
            "Shared: everyone on the team can insert it"
            if c.shared
            else "Personal: only you can see and insert it"
        ),
    ),
]


class _FixedListModel(PagedTableModel[Any]):
    """A whole list, sorted by the service; clicking a header does not re-query."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        return


class HolidayModel(_FixedListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(HOLIDAY_COLUMNS, None, parent=parent)


class PolicyModel(_FixedListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(POLICY_COLUMNS, None, parent=parent)


class CannedModel(_FixedListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(CANNED_COLUMNS, None, parent=parent)
