"""Placeholder until the knowledge vertical lands."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.services.base import Area
from app.ui.pane import Pane


class KnowledgePane(Pane):
    title = "Knowledge base"
    icon_name = "book"
    areas = frozenset({Area.KNOWLEDGE})

    def refresh(self) -> None:
        if self.layout() is None:
            layout = QVBoxLayout(self)
            layout.addWidget(QLabel("Knowledge base"))
