"""Status and priority colours that read well in both light and dark schemes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication

from app.domain.enums import Priority, TicketStatus
from app.domain.sla import SlaState

# (light scheme, dark scheme)
_STATUS = {
    TicketStatus.NEW: ("#1d4ed8", "#93c5fd"),
    TicketStatus.OPEN: ("#0f766e", "#5eead4"),
    TicketStatus.PENDING: ("#a16207", "#fcd34d"),
    TicketStatus.ON_HOLD: ("#6b7280", "#d1d5db"),
    TicketStatus.RESOLVED: ("#15803d", "#86efac"),
    TicketStatus.CLOSED: ("#4b5563", "#9ca3af"),
}
_PRIORITY = {
    Priority.LOW: ("#6b7280", "#9ca3af"),
    Priority.NORMAL: ("#1d4ed8", "#93c5fd"),
    Priority.HIGH: ("#c2410c", "#fdba74"),
    Priority.URGENT: ("#b91c1c", "#fca5a5"),
}
_SLA = {
    SlaState.OK: ("#15803d", "#86efac"),
    SlaState.MET: ("#15803d", "#86efac"),
    SlaState.DUE_SOON: ("#b45309", "#fcd34d"),
    SlaState.BREACHED: ("#b91c1c", "#fca5a5"),
}


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    if hints.colorScheme() == Qt.ColorScheme.Dark:
        return True
    window = QGuiApplication.palette().window().color()
    return window.lightness() < 128


def _pick(pair: tuple[str, str]) -> QColor:
    return QColor(pair[1] if is_dark() else pair[0])


def status_colour(status: TicketStatus) -> QColor:
    return _pick(_STATUS[status])


def priority_colour(priority: Priority) -> QColor:
    return _pick(_PRIORITY[priority])


def sla_colour(state: str) -> QColor:
    return _pick(_SLA.get(state, ("#6b7280", "#9ca3af")))


ACCENT = ("#2563eb", "#60a5fa")


def accent() -> QColor:
    return _pick(ACCENT)
