"""The SLA clock of one ticket: live due times and the running/paused/stopped stretches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)

from app.domain.enums import TicketStatus
from app.domain.sla import SlaState
from app.ui import theme
from app.ui.icons import icon
from app.ui.models.paged_table_model import Column, PagedTableModel
from app.ui.models.ticket_event_model import duration_words
from app.ui.models.ticket_model import full_time, when

PAUSED = "paused"

_STATE_WORDS = {"running": "Running", "paused": "Paused", "stopped": "Stopped"}


def state_colour(state: str) -> QColor:
    """Colours for clock states, dark-scheme safe (from the theme)."""
    if state == PAUSED:
        return theme.status_colour(TicketStatus.ON_HOLD)
    return theme.sla_colour(state)


def state_icon_name(state: str | None) -> str:
    return {
        SlaState.BREACHED: "alert",
        SlaState.MET: "check",
        PAUSED: "detail-pause",
        "stopped": "check",
    }.get(state or "", "clock")


def _minutes_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


def clock_text(
    due: datetime | None,
    done: datetime | None,
    state: str | None,
    *,
    paused: bool,
    done_word: str,
    now: datetime,
) -> tuple[str, str | None]:
    """What a clock says right now, and the state that colours it.

    A running clock counts down ("due in 1 h 20 min") and turns into "overdue by 15 min" the
    moment the due time passes, without waiting for a reload; a paused one says why.
    """
    if due is None:
        return "No target", None
    if done is not None:
        if done <= due:
            return f"{done_word} {when(done)} — on time", SlaState.MET
        return f"{done_word} {when(done)} — {duration_words(_minutes_between(due, done))} late", (
            SlaState.BREACHED
        )
    if paused:
        return "paused — waiting on the requester", PAUSED
    seconds = (due - now).total_seconds()
    if seconds <= 0:
        return f"overdue by {duration_words(max(1, round(-seconds / 60)))}", SlaState.BREACHED
    if seconds < 60:
        text = "due in under a minute"
    else:
        text = f"due in {duration_words(int(seconds // 60))}"
    live = SlaState.DUE_SOON if state in (SlaState.DUE_SOON, SlaState.BREACHED) else SlaState.OK
    return text, live


class ClockLabel(QWidget):
    """An icon and a coloured sentence: the state reads by colour, icon and words at once."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon_label = QLabel()
        self.icon_label.setFixedSize(16, 16)
        self.text_label = QLabel()
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setWordWrap(True)  # wraps rather than widening a narrow side
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.text_label, 1)
        self.state: str | None = None

    def text(self) -> str:
        return self.text_label.text()

    def set_clock(self, text: str, state: str | None, tooltip: str = "") -> None:
        self.state = state
        self.text_label.setText(text)
        self.setToolTip(tooltip)
        colour = state_colour(state) if state else None
        self.icon_label.setPixmap(
            icon(state_icon_name(state), colour).pixmap(16, 16) if state else QIcon().pixmap(16, 16)
        )
        # A style sheet colour, not a palette: it survives the parent's palette changes.
        self.text_label.setStyleSheet(f"color: {colour.name()};" if colour else "")


def _stretch_end(row: Any) -> str:
    return when(row.end) if row.end is not None else "now"


def stretch_columns() -> list[Column[Any]]:
    return [
        Column(
            "state",
            "Clock",
            lambda r: _STATE_WORDS.get(r.state, r.state),
            foreground=lambda r: state_colour(
                PAUSED if r.state == PAUSED else ("stopped" if r.state == "stopped" else "ok")
            ),
            decoration=lambda r: icon(
                state_icon_name(PAUSED if r.state == PAUSED else r.state),
                state_colour(PAUSED if r.state == PAUSED else "ok"),
            ),
            sortable=False,
        ),
        Column(
            "from",
            "From",
            lambda r: when(r.start),
            tooltip=lambda r: full_time(r.start),
            sortable=False,
        ),
        Column(
            "to",
            "Until",
            _stretch_end,
            tooltip=lambda r: full_time(r.end) if r.end else "Still going",
            sortable=False,
        ),
        Column(
            "length",
            "Length",
            lambda r: duration_words(
                _minutes_between(r.start, r.end or datetime.now(r.start.tzinfo))
            ),
            align_right=True,
            sortable=False,
        ),
        Column("reason", "Why", lambda r: r.reason, tooltip=lambda r: r.reason, sortable=False),
    ]


class SlaTimelineView(QTableView):
    """The stretches of `TicketService.sla_timeline`, oldest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stretches: PagedTableModel[Any] = PagedTableModel(stretch_columns(), parent=self)
        self.setModel(self.stretches)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.setShowGrid(False)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

    def set_stretches(self, rows: Sequence[Any]) -> None:
        self.stretches.set_rows(rows)
