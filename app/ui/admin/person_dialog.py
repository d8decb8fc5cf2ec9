"""New person, or edit a person's details."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from app.domain.enums import Role
from app.services.people_service import PersonView, TeamView
from app.ui.admin.form_dialog import RoleChecks
from app.ui.form_dialog import FormDialog


@dataclass(frozen=True)
class PersonForm:
    """What the dialog collected. `roles` and `password` are empty when editing."""

    full_name: str
    username: str
    email: str
    team_id: uuid.UUID | None
    roles: frozenset[Role]
    password: str


class PersonDialog(FormDialog):
    """Full name, user name, e-mail, team; for a new person also roles and a password."""

    def __init__(
        self,
        teams: list[TeamView],
        person: PersonView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "New person" if person is None else f"Edit {person.full_name}", parent=parent
        )
        self.person = person
        self.full_name_edit = QLineEdit(person.full_name if person else "")
        self.username_edit = QLineEdit(person.username if person else "")
        self.email_edit = QLineEdit(person.email if person else "")
        self.email_edit.setPlaceholderText("name@example.org (optional)")
        self.team_combo = QComboBox()
        self.team_combo.addItem("No team", None)
        for team in teams:
            self.team_combo.addItem(team.name, team.id)
        if person and person.team_id:
            self.team_combo.setCurrentIndex(max(0, self.team_combo.findData(person.team_id)))
        self.form.addRow("Full name", self.full_name_edit)
        self.form.addRow("User name", self.username_edit)
        self.form.addRow("E-mail", self.email_edit)
        self.form.addRow("Team", self.team_combo)
        self.role_checks: RoleChecks | None = None
        self.password_edit: QLineEdit | None = None
        self.repeat_edit: QLineEdit | None = None
        if person is None:
            self.role_checks = RoleChecks(frozenset({Role.TECHNICIAN}))
            self.form.addRow("Roles", self.role_checks)
            self.password_edit = QLineEdit()
            self.repeat_edit = QLineEdit()
            for edit in (self.password_edit, self.repeat_edit):
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.password_edit.setPlaceholderText("At least 8 characters")
            self.form.addRow("Password", self.password_edit)
            self.form.addRow("Repeat password", self.repeat_edit)
        else:
            # The user name is how the person signs in and how the audit log names them.
            self.username_edit.setReadOnly(True)
        self.full_name_edit.setFocus()

    def values(self) -> PersonForm:
        if not self.full_name_edit.text().strip():
            raise ValueError("Enter the person's full name.")
        if not self.username_edit.text().strip():
            raise ValueError("Enter a user name: the name the person signs in with.")
        password = ""
        if self.password_edit is not None and self.repeat_edit is not None:
            password = self.password_edit.text()
            if password != self.repeat_edit.text():
                raise ValueError("The two passwords differ. Type the same password twice.")
        roles = self.role_checks.roles() if self.role_checks is not None else frozenset()
        if self.role_checks is not None and not roles:
            raise ValueError("Tick at least one role.")
        return PersonForm(
            full_name=self.full_name_edit.text().strip(),
            username=self.username_edit.text().strip(),
            email=self.email_edit.text().strip(),
            team_id=self.team_combo.currentData(),
            roles=roles,
            password=password,
        )
