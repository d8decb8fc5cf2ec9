"""The status-bar indicator of replication: icon + a few words, details in the tooltip.

"Local only" / "Offline" / "Syncing…" / "Up to date" / "3 edits waiting" / "2 conflicts";
clicking it opens a small menu (Sync now, Conflicts…, Team server…). A computer clock far off
the server's shows a separate warning icon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from app.services.sync_service import SyncStatus
from app.ui.icons import icon
from app.ui.theme import is_dark

# (light scheme, dark scheme), like app/ui/theme.py
WARNING = ("#b45309", "#fcd34d")
PROBLEM = ("#b91c1c", "#fca5a5")
GOOD = ("#15803d", "#86efac")


def _pick(pair: tuple[str, str]) -> QColor:
    return QColor(pair[1] if is_dark() else pair[0])


@dataclass(frozen=True)
class IndicatorState:
    """What the indicator shows: icon name, text, tooltip and the tone of the icon."""

    icon: str
    text: str
    tooltip: str
    tone: str = ""  # "", "good", "warning" or "problem"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def last_sync_text(iso: str | None, now: datetime | None = None) -> str:
    """``10:42`` today, ``3 May 10:42`` before, ``never`` without a sync."""
    if not iso:
        return "never"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    if local.date() == today:
        return local.strftime("%H:%M")
    return f"{local.day} {local.strftime('%b %H:%M')}"


def describe(
    status: SyncStatus | None, *, syncing: bool = False, now: datetime | None = None
) -> IndicatorState:
    """The indicator's look for a replication state (pure: tested without widgets)."""
    if status is None or not status.configured:
        return IndicatorState(
            "sync-local",
            "Local only",
            "This computer works on its own file and is not connected to a team server.\n"
            "Tools → Team server… connects it.",
        )
    lines = [
        f"Team server: {status.server_url}",
        f"Last sync {last_sync_text(status.last_sync, now)}",
    ]
    if status.pending_edits:
        lines.append(
            _plural(status.pending_edits, "edit waits", "edits wait") + " to be sent to the server"
        )
    if status.conflicts:
        lines.append(
            _plural(status.conflicts, "conflict needs", "conflicts need")
            + " a decision: Conflicts…"
        )
    if status.clock_flagged:
        lines.append(clock_warning(status))
    waiting = _plural(status.pending_edits, "edit", "edits") + " waiting"
    if syncing:
        return IndicatorState("sync-busy", "Syncing…", "\n".join(lines))
    if status.offline:
        text = "Offline" + (f" · {waiting}" if status.pending_edits else "")
        lines.insert(0, "The team server cannot be reached; work goes on and syncs later.")
        if status.last_error:
            lines.append(status.last_error)
        return IndicatorState("sync-offline", text, "\n".join(lines), "warning")
    if status.last_error:
        lines.insert(0, status.last_error)
        return IndicatorState("alert", "Sync stopped", "\n".join(lines), "problem")
    if status.conflicts:
        text = _plural(status.conflicts, "conflict", "conflicts")
        return IndicatorState("sync-conflict", text, "\n".join(lines), "warning")
    if status.pending_edits:
        return IndicatorState("sync-pending", waiting, "\n".join(lines))
    return IndicatorState("sync-ok", "Up to date", "\n".join(lines), "good")


def clock_warning(status: SyncStatus) -> str:
    minutes = round(abs(status.clock_skew_ms) / 60000)
    way = "ahead of" if status.clock_skew_ms > 0 else "behind"
    return (
        f"This computer's clock is about {_plural(minutes, 'minute', 'minutes')} {way} the team "
        "server's. SupportDesk follows the server's time; correct the clock in the system "
        "settings."
    )


class SyncIndicator(QWidget):
    """The indicator: a flat button with a menu, plus a clock warning when needed."""

    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncIndicator")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.clock_label = QLabel()
        self.clock_label.setPixmap(icon("sync-clock", _pick(WARNING)).pixmap(QSize(16, 16)))
        self.clock_label.setVisible(False)
        self.button = QToolButton()
        self.button.setAutoRaise(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setIconSize(QSize(16, 16))
        self.button.setAccessibleName("Team sync")
        self.menu = QMenu(self.button)
        self.menu.addActions(list(actions))
        self.button.setMenu(self.menu)
        layout.addWidget(self.clock_label)
        layout.addWidget(self.button)
        self._status: SyncStatus | None = None
        self._syncing = False
        self._render()

    @property
    def state(self) -> IndicatorState:
        return describe(self._status, syncing=self._syncing)

    @property
    def text(self) -> str:
        return self.button.text()

    def set_status(self, status: SyncStatus) -> None:
        self._status = status
        self._syncing = False
        self._render()

    def set_syncing(self, syncing: bool) -> None:
        self._syncing = syncing
        self._render()

    def _render(self) -> None:
        state = self.state
        tint = {"good": GOOD, "warning": WARNING, "problem": PROBLEM}.get(state.tone)
        self.button.setIcon(icon(state.icon, _pick(tint) if tint else None))
        self.button.setText(state.text)
        self.button.setToolTip(state.tooltip)
        flagged = (
            self._status is not None and self._status.configured and self._status.clock_flagged
        )
        self.clock_label.setVisible(flagged)
        if flagged and self._status is not None:
            self.clock_label.setToolTip(clock_warning(self._status))
