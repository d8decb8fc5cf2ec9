"""The audit log table: pages of audit events, newest first, sorted and filtered in SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtGui import QColor, QIcon

from app.domain.enums import AuditKind
from app.domain.sla import SlaState
from app.services.people_service import AuditRow
from app.ui import theme
from app.ui.icons import icon
from app.ui.models.paged_table_model import Column, PagedTableModel

KIND_LABELS = {AuditKind.CHANGE: "Change", AuditKind.SECURITY: "Security"}


def when_text(row: AuditRow) -> str:
    """The moment in the computer's local time (stored in UTC)."""
    return row.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _security_colour(row: AuditRow) -> QColor | None:
    # Security events (sign-ins, lock-outs, role changes) stand out in the breach colour.
    return theme.sla_colour(SlaState.BREACHED) if row.kind == AuditKind.SECURITY else None


def _security_icon(row: AuditRow) -> QIcon | None:
    return (
        icon("lock", theme.sla_colour(SlaState.BREACHED))
        if row.kind == AuditKind.SECURITY
        else None
    )


COLUMNS: list[Column[AuditRow]] = [
    Column("at", "When", when_text, sort_value=lambda r: r.at.timestamp()),
    Column(
        "kind",
        "Kind",
        lambda r: KIND_LABELS.get(r.kind, str(r.kind)),
        foreground=_security_colour,
        decoration=_security_icon,
    ),
    Column("action", "Action", lambda r: r.action, foreground=_security_colour),
    Column("actor", "Who", lambda r: r.actor_name or "Unknown"),
    Column("summary", "What", lambda r: r.summary, tooltip=lambda r: r.summary),
    Column(
        "device",
        "Device",
        lambda r: r.device_id[:8],
        tooltip=lambda r: f"Device {r.device_id}" if r.device_id else "",
    ),
]


class AuditModel(PagedTableModel[AuditRow]):
    """Audit events paged in from `PeopleService.audit_page`."""

    def __init__(
        self,
        fetch_page: Callable[[int, int], Sequence[AuditRow]] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(COLUMNS, fetch_page, page_size=200, parent=parent)
