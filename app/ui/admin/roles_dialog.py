"""Change the roles of one person."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from app.domain.enums import Role
from app.services.people_service import PersonView
from app.ui.admin.form_dialog import RoleChecks
from app.ui.form_dialog import FormDialog


class RolesDialog(FormDialog):
    """Role check boxes for one person; `submitted` carries the chosen frozenset of roles."""

    def __init__(self, person: PersonView, parent: QWidget | None = None) -> None:
        super().__init__(f"Roles of {person.full_name}", parent=parent)
        self.person = person
        note = QLabel("The change takes effect the next time the person signs in.")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.role_checks = RoleChecks(person.roles)
        self.form.addRow("Roles", self.role_checks)

    def values(self) -> frozenset[Role]:
        roles = self.role_checks.roles()
        if not roles:
            raise ValueError("Tick at least one role.")
        return roles
