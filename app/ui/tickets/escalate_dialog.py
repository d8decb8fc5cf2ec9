"""Escalating a ticket to another support tier, with the reason colleagues will read."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QWidget

from app.ui.form_dialog import FormDialog

#: Tiers a ticket can be at, with the words technicians use for them.
TIERS: tuple[tuple[int, str], ...] = (
    (1, "L1 — service desk"),
    (2, "L2 — second line"),
    (3, "L3 — specialists"),
)
MAX_TIER = TIERS[-1][0]


@dataclass(frozen=True)
class Escalation:
    tier: int
    reason: str


class EscalateDialog(FormDialog):
    """Asks for the new tier and a required reason; `submitted` carries an `Escalation`."""

    def __init__(self, number: str, current_tier: int, parent: QWidget | None = None) -> None:
        super().__init__(f"Escalate {number}", "Escalate", parent=parent)
        self.setMinimumWidth(440)
        self._current = current_tier
        self.current_label = QLabel(f"L{current_tier}")
        self.tier_combo = QComboBox()
        for tier, label in TIERS:
            self.tier_combo.addItem(label, tier)
        self.tier_combo.setCurrentIndex(self.tier_combo.findData(min(current_tier + 1, MAX_TIER)))
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText(
            "Why it needs this tier: what was tried, what the requester is waiting for"
        )
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setMaximumHeight(110)
        self.form.addRow("Now at", self.current_label)
        self.form.addRow("&Move to", self.tier_combo)
        self.form.addRow("&Reason", self.reason_edit)
        self.tier_combo.currentIndexChanged.connect(self._on_tier_combo_current_index_changed)
        self._on_tier_combo_current_index_changed(self.tier_combo.currentIndex())
        self.reason_edit.setFocus()

    def values(self) -> Escalation:
        tier = int(self.tier_combo.currentData())
        if tier == self._current:
            raise ValueError(f"The ticket is already at L{tier}; choose another tier.")
        reason = self.reason_edit.toPlainText().strip()
        if not reason:
            raise ValueError("Give a reason, so the next tier knows what was tried and why.")
        return Escalation(tier, reason)

    @Slot(int)
    def _on_tier_combo_current_index_changed(self, _index: int) -> None:
        tier = int(self.tier_combo.currentData())
        self._ok_text = "Move back" if tier < self._current else "Escalate"
        self.ok_button.setText(self._ok_text)
