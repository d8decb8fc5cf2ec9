"""Pieces of the Admin dialogs: the shared form base and the role check boxes.

The dialog stays open while the pane saves (on the task runner; hashing a password takes a
moment) and shows the service's refusal in place, so the user can correct and try again.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import Role

ROLE_HELP = {
    Role.TECHNICIAN: "works on tickets and writes articles",
    Role.SUPERVISOR: "assigns tickets, reads the audit log",
    Role.TRAINER: "runs courses and records attendance",
    Role.ADMIN: "manages people and roles",
}


class RoleChecks(QWidget):
    """One check box per role, with a few words on what the role may do."""

    def __init__(self, roles: frozenset[Role] = frozenset(), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[Role, QCheckBox] = {}
        for role in Role:
            box = QCheckBox(f"{role.label} — {ROLE_HELP[role]}")
            box.setChecked(role in roles)
            self.boxes[role] = box
            layout.addWidget(box)

    def roles(self) -> frozenset[Role]:
        return frozenset(role for role, box in self.boxes.items() if box.isChecked())
