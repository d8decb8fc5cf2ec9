"""Placeholder until the admin vertical lands."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.services.base import Area
from app.ui.pane import Pane


class AdminPane(Pane):
    title = "Admin"
    icon_name = "shield"
    areas = frozenset({Area.PEOPLE})

    def refresh(self) -> None:
        if self.layout() is None:
            layout = QVBoxLayout(self)
            layout.addWidget(QLabel("Admin"))
