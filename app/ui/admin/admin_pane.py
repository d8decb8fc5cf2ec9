"""Admin: people and their roles, the audit log, service levels (business calendars and
SLA policies) and canned replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import AuditKind
from app.domain.permissions import Permission
from app.errors import SupportDeskError
from app.services.base import Area, Changes
from app.services.people_service import AuditRow, PersonView, TeamView
from app.services.registry import Services
from app.ui.admin.canned_tab import CannedTab
from app.ui.admin.password_dialog import PasswordDialog
from app.ui.admin.person_dialog import PersonDialog, PersonForm
from app.ui.admin.roles_dialog import RolesDialog
from app.ui.admin.sla_tab import SlaTab
from app.ui.form_dialog import FormDialog
from app.ui.icons import icon
from app.ui.models.audit_model import COLUMNS as AUDIT_COLUMNS
from app.ui.models.audit_model import AuditModel
from app.ui.models.people_model import PeopleModel
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner

AUDIT_FILTERS: list[tuple[str, AuditKind | None]] = [
    ("All events", None),
    ("Changes", AuditKind.CHANGE),
    ("Security events", AuditKind.SECURITY),
]
NOT_ADMIN = "Only administrators can add people or change their roles."


class AdminPane(Pane):
    """Tabs: People (with management buttons for administrators), the Audit log, Service
    levels (calendars and SLA policies) and Canned replies."""

    title = "Admin"
    icon_name = "shield"
    areas = frozenset({Area.PEOPLE, Area.AUDIT})

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services, signals, tasks, parent)
        actor = services.actor
        self.can_manage = actor.can(Permission.PEOPLE_MANAGE)
        self.can_read_audit = actor.can(Permission.AUDIT_READ)
        self._teams: list[TeamView] = []
        self._people_request = 0
        self.dialog: FormDialog | None = None
        self._audit_sort = ("at", True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(300)
        self._search_timer.timeout.connect(self._reload_audit)

        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._build_people_tab(), icon("users"), "People")
        self.tabs.addTab(self._build_audit_tab(), icon("audit"), "Audit log")
        self.sla_tab = SlaTab(services, signals, tasks)
        self.tabs.addTab(self.sla_tab, icon("admin-sla"), "Service levels")
        self.canned_tab = CannedTab(services, signals, tasks)
        self.tabs.addTab(self.canned_tab, icon("admin-canned"), "Canned replies")

    # --- People tab ---

    def _build_people_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        bar = QHBoxLayout()
        self.new_button = QPushButton(icon("admin-user-add"), "New person")
        self.edit_button = QPushButton(icon("edit"), "Edit details")
        self.roles_button = QPushButton(icon("admin-roles"), "Edit roles")
        self.password_button = QPushButton(icon("admin-key"), "Reset password")
        self.active_button = QPushButton(icon("lock"), "Disable")
        for button in (
            self.new_button,
            self.edit_button,
            self.roles_button,
            self.password_button,
            self.active_button,
        ):
            bar.addWidget(button)
            if not self.can_manage:
                button.setToolTip(NOT_ADMIN)
        bar.addStretch(1)
        layout.addLayout(bar)
        if not self.can_manage:
            note = QLabel(f"You can see who works here. {NOT_ADMIN}")
            note.setWordWrap(True)
            layout.addWidget(note)

        self.people_model = PeopleModel(self)
        self.people_view = QTableView()
        self.people_view.setModel(self.people_model)
        self._setup_view(self.people_view)
        self.people_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        layout.addWidget(self.people_view, 1)
        self.people_empty = QLabel("Nobody here yet. Use New person to add the first colleague.")
        self.people_empty.hide()
        layout.addWidget(self.people_empty)

        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.roles_button.clicked.connect(self._on_roles_button_clicked)
        self.password_button.clicked.connect(self._on_password_button_clicked)
        self.active_button.clicked.connect(self._on_active_button_clicked)
        self.people_view.selectionModel().selectionChanged.connect(
            self._on_people_selection_changed
        )
        self.people_view.doubleClicked.connect(self._on_people_view_double_clicked)
        self._update_buttons()
        return tab

    @staticmethod
    def _setup_view(view: QTableView) -> None:
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAlternatingRowColors(True)
        view.setSortingEnabled(True)
        view.verticalHeader().hide()
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def selected_person(self) -> PersonView | None:
        rows = self.people_view.selectionModel().selectedRows()
        return self.people_model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        person = self.selected_person()
        self.new_button.setEnabled(self.can_manage)
        for button in (self.edit_button, self.roles_button, self.password_button):
            button.setEnabled(self.can_manage and person is not None)
        is_me = person is not None and person.id == self.services.actor.user_id
        self.active_button.setEnabled(self.can_manage and person is not None and not is_me)
        self.active_button.setText("Enable" if person and not person.is_active else "Disable")
        if is_me:
            self.active_button.setToolTip("You cannot disable your own account.")

    def _load_people(self) -> None:
        self._people_request += 1
        request = self._people_request
        people = self.services.people

        def load() -> tuple[list[PersonView], list[TeamView]]:
            return people.list_people(), people.list_teams()

        self.tasks.run(
            load,
            lambda result: self._on_people_loaded(request, result),
            lambda exc: self.show_error(exc, "Could not load the people"),
        )

    def _on_people_loaded(
        self, request: int, result: tuple[list[PersonView], list[TeamView]]
    ) -> None:
        if not shiboken6.isValid(self) or request != self._people_request:
            return  # closed meanwhile, or a newer load is on its way
        people, self._teams = result
        selected = self.selected_person()
        self.people_model.set_rows(people)
        header = self.people_view.horizontalHeader()
        self.people_model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.people_empty.setVisible(not people)
        self.people_view.resizeColumnsToContents()
        if selected is not None:
            row = self.people_model.row_of_id(selected.id)
            if row >= 0:
                self.people_view.selectRow(row)
        self._update_buttons()

    @Slot()
    def _on_people_selection_changed(self) -> None:
        self._update_buttons()

    @Slot()
    def _on_people_view_double_clicked(self) -> None:
        if self.can_manage:
            self._on_edit_button_clicked()

    @Slot()
    def _on_new_button_clicked(self) -> None:
        dialog = PersonDialog(self._teams, None, self)
        people = self.services.people

        def save(form: PersonForm) -> Changes:
            _user_id, changes = people.create_person(
                username=form.username,
                full_name=form.full_name,
                email=form.email,
                password=form.password,
                roles=form.roles,
                team_id=form.team_id,
            )
            return changes

        self._open(dialog, save, "Person added")

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        person = self.selected_person()
        if person is None:
            return
        people = self.services.people

        def save(form: PersonForm) -> Changes:
            return people.update_person(
                person.id, full_name=form.full_name, email=form.email, team_id=form.team_id
            )

        self._open(PersonDialog(self._teams, person, self), save, "Details saved")

    @Slot()
    def _on_roles_button_clicked(self) -> None:
        person = self.selected_person()
        if person is None:
            return
        people = self.services.people
        self._open(
            RolesDialog(person, self),
            lambda roles: people.set_roles(person.id, roles),
            "Roles changed",
        )

    @Slot()
    def _on_password_button_clicked(self) -> None:
        person = self.selected_person()
        if person is None:
            return
        people = self.services.people
        self._open(
            PasswordDialog(person, self),
            lambda password: people.reset_password(person.id, password),
            "Password reset",
        )

    @Slot()
    def _on_active_button_clicked(self) -> None:
        person = self.selected_person()
        if person is None:
            return
        people = self.services.people
        enable = not person.is_active
        self.active_button.setEnabled(False)
        self.tasks.run(
            lambda: people.set_active(person.id, enable),
            lambda changes: self._saved(changes, "Account enabled" if enable else "Disabled"),
            lambda exc: self._failed(exc, None),
        )

    def _open(self, dialog: FormDialog, save: Callable[[Any], Changes], done: str) -> None:
        """Show a dialog without blocking; save its values on the task runner when OK'd."""
        self.dialog = dialog

        def submit(values: Any) -> None:
            self.tasks.run(
                lambda: save(values),
                lambda changes: self._saved(changes, done, dialog),
                lambda exc: self._failed(exc, dialog),
            )

        dialog.submitted.connect(submit)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    @Slot()
    def _on_dialog_finished(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    def _saved(self, changes: Changes, message: str, dialog: FormDialog | None = None) -> None:
        if dialog is not None:
            dialog.accept()
        self.signals.status_message.emit(message)
        self.signals.changed.emit(changes)

    def _failed(self, exc: Exception, dialog: FormDialog | None) -> None:
        if dialog is not None and isinstance(exc, SupportDeskError | PermissionError):
            dialog.show_problem(str(exc))
            return
        if dialog is not None:
            dialog.set_busy(False)
        self._update_buttons()
        self.show_error(exc, "Could not save the change")

    # --- Audit tab ---

    def _build_audit_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.audit_model = AuditModel(None, self)
        if not self.can_read_audit:
            self.audit_view = None
            message = QLabel(
                "The audit log shows who changed what and every sign-in. Only supervisors "
                "and administrators can read it; ask an administrator if you need it."
            )
            message.setWordWrap(True)
            message.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(message)
            return tab
        bar = QHBoxLayout()
        self.audit_filter = QComboBox()
        for label, kind in AUDIT_FILTERS:
            # The value, not the enum: a StrEnum comes back from Qt as a plain str.
            self.audit_filter.addItem(label, kind.value if kind else "")
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.audit_filter)
        self.audit_search = QLineEdit()
        self.audit_search.setPlaceholderText("Search action, person or text")
        self.audit_search.setClearButtonEnabled(True)
        self.audit_search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        bar.addWidget(self.audit_search, 1)
        self.audit_count_label = QLabel("")
        bar.addWidget(self.audit_count_label)
        layout.addLayout(bar)

        self.audit_view = QTableView()
        self.audit_view.setModel(self.audit_model)
        self._setup_view(self.audit_view)
        header = self.audit_view.horizontalHeader()
        # Set the indicator without asking the model to sort: the first load sorts newest first.
        header.blockSignals(True)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.blockSignals(False)
        layout.addWidget(self.audit_view, 1)
        self.audit_empty = QLabel("")
        self.audit_empty.setWordWrap(True)
        self.audit_empty.hide()
        layout.addWidget(self.audit_empty)

        self.audit_filter.currentIndexChanged.connect(self._on_audit_filter_changed)
        self.audit_search.textChanged.connect(self._on_audit_search_changed)
        self.audit_model.sort_requested.connect(self._on_audit_model_sort_requested)
        return tab

    def _audit_kind(self) -> AuditKind | None:
        value = self.audit_filter.currentData()
        return AuditKind(value) if value else None

    def _reload_audit(self) -> None:
        if self.audit_view is None:
            return
        people = self.services.people
        kind = self._audit_kind()
        text = self.audit_search.text().strip()
        sort, descending = self._audit_sort

        def fetch(offset: int, limit: int) -> Sequence[AuditRow]:
            return people.audit_page(
                offset, limit, kind=kind, text=text, sort=sort, descending=descending
            )

        try:
            self.audit_model.reset(fetch)
            total = people.audit_count(kind=kind, text=text)
        except Exception as exc:
            self.audit_model.set_rows([])
            self.show_error(exc, "Could not load the audit log")
            return
        self.audit_count_label.setText(f"{total:,} events")
        self.audit_view.resizeColumnsToContents()
        empty = self.audit_model.rowCount() == 0
        if empty:
            self.audit_empty.setText(
                "No events match this filter. Clear the search box or choose All events."
                if text or kind is not None
                else "No events recorded yet. Changes and sign-ins will appear here."
            )
        self.audit_empty.setVisible(empty)

    @Slot(int)
    def _on_audit_filter_changed(self, _index: int) -> None:
        self._reload_audit()

    @Slot(str)
    def _on_audit_search_changed(self, _text: str) -> None:
        self._search_timer.start()  # wait until typing pauses before querying

    @Slot(str, bool)
    def _on_audit_model_sort_requested(self, key: str, descending: bool) -> None:
        if key in {c.key for c in AUDIT_COLUMNS}:
            self._audit_sort = (key, descending)
            self._reload_audit()

    # --- Pane ---

    def refresh(self) -> None:
        self._load_people()
        self._reload_audit()
        self.sla_tab.refresh()
        self.canned_tab.refresh()
