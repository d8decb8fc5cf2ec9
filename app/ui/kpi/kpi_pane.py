"""Placeholder until the kpi vertical lands."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.services.base import Area
from app.ui.pane import Pane


class KpiPane(Pane):
    title = "KPIs"
    icon_name = "chart"
    areas = frozenset({Area.TICKETS})

    def refresh(self) -> None:
        if self.layout() is None:
            layout = QVBoxLayout(self)
            layout.addWidget(QLabel("KPIs"))
