"""Desktop notifications for the Tickets pane: a ticket newly assigned to me, or one of mine
about to breach its SLA. Each ticket is told once per session and reason; without a system
tray the message goes to the status bar instead (and in tests, nowhere visible).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from app.ui.icons import icon


@dataclass(frozen=True)
class Notice:
    """One thing to tell: which ticket, why ("assigned" or "due_soon") and the words."""

    ticket_id: uuid.UUID
    reason: str
    title: str
    message: str


class TicketNotifier(QObject):
    """Decides what is new since the last look and shows it once.

    Signals:
        notified(str, str): title and message of every notice shown (also without a tray).
        fallback_message(str): a one-line message for the status bar when there is no tray.
    """

    notified = Signal(str, str)
    fallback_message = Signal(str)

    def __init__(self, parent: QObject | None = None, *, use_tray: bool = True) -> None:
        super().__init__(parent)
        self._use_tray = use_tray
        self._tray: QSystemTrayIcon | None = None
        self._told: set[tuple[uuid.UUID, str]] = set()
        self._mine: set[uuid.UUID] | None = None  # None until the first look (the baseline)
        self.shown: list[Notice] = []

    @property
    def tray_available(self) -> bool:
        return self._use_tray and QSystemTrayIcon.isSystemTrayAvailable()

    def forget_as_mine(self, ticket_ids: Iterable[uuid.UUID]) -> None:
        """Tickets this person just changed here: taking one yourself is no news."""
        if self._mine is not None:
            self._mine.update(ticket_ids)

    def look(self, my_open: Sequence[Any], due_soon: Sequence[Any]) -> list[Notice]:
        """Compare with the last look and tell what is new.

        Args:
            my_open: rows (with `id`, `number`, `subject`) of the open tickets assigned to me.
            due_soon: rows of my tickets about to breach (`TicketService.due_soon_for_me`).
        """
        notices: list[Notice] = []
        current = {row.id for row in my_open}
        if self._mine is not None:
            for row in my_open:
                if row.id not in self._mine:
                    notices.append(
                        Notice(
                            row.id,
                            "assigned",
                            f"Ticket {row.number} is now yours",
                            row.subject,
                        )
                    )
        self._mine = current
        for row in due_soon:
            # The clock about to run out: the first response while nobody has answered yet.
            first_due = row.first_response_due_at
            unanswered = row.first_responded_at is None
            if unanswered and first_due is not None:
                due, action = first_due, "answer the requester"
            else:
                due, action = row.resolution_due_at, "resolve it"
            at = f" by {due.astimezone().strftime('%H:%M')}" if due is not None else ""
            notices.append(
                Notice(
                    row.id,
                    "due_soon",
                    f"Ticket {row.number} is about to breach",
                    f"{row.subject} — {action}{at}.",
                )
            )
        fresh = [n for n in notices if (n.ticket_id, n.reason) not in self._told]
        for notice in fresh:
            self._told.add((notice.ticket_id, notice.reason))
            self._show(notice)
        return fresh

    def _show(self, notice: Notice) -> None:
        self.shown.append(notice)
        self.notified.emit(notice.title, notice.message)
        if self.tray_available:
            if self._tray is None:
                self._tray = QSystemTrayIcon(icon("tickets"), self)
                self._tray.setToolTip("SupportDesk")
                self._tray.show()
            self._tray.showMessage(
                notice.title,
                notice.message,
                QSystemTrayIcon.MessageIcon.Information,
                10_000,
            )
        else:
            self.fallback_message.emit(f"{notice.title}: {notice.message}")
