"""Placeholder until the tickets vertical lands."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.services.base import Area
from app.ui.pane import Pane


class TicketsPane(Pane):
    title = "Tickets"
    icon_name = "tickets"
    areas = frozenset({Area.TICKETS})

    def refresh(self) -> None:
        if self.layout() is None:
            layout = QVBoxLayout(self)
            layout.addWidget(QLabel("Tickets"))
