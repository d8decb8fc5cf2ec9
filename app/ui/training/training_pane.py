"""Placeholder until the training vertical lands."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.services.base import Area
from app.ui.pane import Pane


class TrainingPane(Pane):
    title = "Training"
    icon_name = "graduation"
    areas = frozenset({Area.TRAINING})

    def refresh(self) -> None:
        if self.layout() is None:
            layout = QVBoxLayout(self)
            layout.addWidget(QLabel("Training"))
