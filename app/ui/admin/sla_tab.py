"""The Service levels tab: business calendars (working days and hours, time zone,
holidays) and the SLA policies that count business time on them."""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.sla import DEFAULT_TARGETS
from app.errors import SupportDeskError
from app.services.base import Changes
from app.services.registry import Services
from app.services.sla_service import (
    CalendarView,
    OrganisationOption,
    PolicyView,
    SlaAdminService,
    format_minutes,
)
from app.ui import theme
from app.ui.admin.admin_tab import AdminTab
from app.ui.admin.settings_models import HolidayModel, PolicyModel
from app.ui.admin.sla_dialogs import (
    NEW_TICKETS_ONLY,
    CalendarFields,
    CalendarForm,
    HolidayDialog,
    HolidayForm,
    NewCalendarDialog,
    PolicyDialog,
    PolicyForm,
)
from app.ui.icons import icon
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner

NOT_MANAGER = "Only supervisors and administrators can change service levels."


def _builtin_targets() -> str:
    return "; ".join(
        f"{p.label} {format_minutes(t.first_response_minutes)} / "
        f"{format_minutes(t.resolution_minutes)}"
        for p, t in sorted(DEFAULT_TARGETS.items(), key=lambda item: -item[0].rank)
    )


def _setup_table(view: QTableView) -> None:
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)


class SlaTab(AdminTab):
    """Calendar editor and holidays on top, the policies below.

    Attributes:
        calendars, policies: what was loaded last.
    """

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services, signals, tasks, parent)
        self.can_manage = services.sla.can_manage
        self.calendars: list[CalendarView] = []
        self.policies: list[PolicyView] = []
        self.organisations: list[OrganisationOption] = []
        self._request = 0
        self._loaded_calendar: CalendarView | None = None

        layout = QVBoxLayout(self)
        if not self.can_manage:
            note = QLabel(f"You can see the service levels here. {NOT_MANAGER}")
            note.setWordWrap(True)
            layout.addWidget(note)
        top = QHBoxLayout()
        top.addWidget(self._build_calendar_box(), 1)
        top.addWidget(self._build_holiday_box(), 1)
        layout.addLayout(top, 1)
        layout.addWidget(self._build_policy_box(), 1)
        self._update_buttons()

    # --- calendar -----------------------------------------------------------------------------

    def _build_calendar_box(self) -> QGroupBox:
        box = QGroupBox("Business calendar")
        outer = QVBoxLayout(box)

        self.calendar_empty = QLabel(
            "No business calendar yet, so SLA clocks count office hours Monday to Friday, "
            "08:00–18:00 UTC. Fill in your working days, hours and time zone below and "
            "press Save calendar."
        )
        self.calendar_empty.setWordWrap(True)
        self.calendar_empty.hide()
        outer.addWidget(self.calendar_empty)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        picker = QWidget()
        picker_row = QHBoxLayout(picker)
        picker_row.setContentsMargins(0, 0, 0, 0)
        self.calendar_combo = QComboBox()
        self.calendar_combo.setMinimumContentsLength(18)
        self.calendar_combo.setToolTip("The calendar shown below")
        self.new_calendar_button = QPushButton(icon("plus"), "New calendar…")
        self.new_calendar_button.setToolTip("Add a calendar, e.g. for a branch elsewhere")
        picker_row.addWidget(self.calendar_combo, 1)
        picker_row.addWidget(self.new_calendar_button)
        form.addRow("&Calendar", picker)
        self._calendar_form = form
        self._calendar_picker = picker
        self.fields = CalendarFields(form)
        outer.addLayout(form)
        self.calendar_problem = QLabel("")
        self.calendar_problem.setWordWrap(True)
        self.calendar_problem.hide()
        outer.addWidget(self.calendar_problem)
        buttons = QHBoxLayout()
        self.calendar_usage = QLabel("")
        self.calendar_usage.setWordWrap(True)
        buttons.addWidget(self.calendar_usage, 1)
        self.save_calendar_button = QPushButton(icon("save"), "Save calendar")
        self.save_calendar_button.setToolTip(NEW_TICKETS_ONLY)
        buttons.addWidget(self.save_calendar_button)
        outer.addLayout(buttons)
        outer.addStretch(1)

        for widget in (
            self.fields.name_edit,
            self.fields.zone_combo,
            self.fields.workdays,
            self.fields.start_edit,
            self.fields.end_edit,
        ):
            widget.setEnabled(self.can_manage)
        line = self.fields.zone_combo.lineEdit()
        assert line is not None
        line.returnPressed.connect(self._on_save_calendar_button_clicked)
        self.fields.name_edit.returnPressed.connect(self._on_save_calendar_button_clicked)
        self.calendar_combo.currentIndexChanged.connect(self._on_calendar_combo_changed)
        self.new_calendar_button.clicked.connect(self._on_new_calendar_button_clicked)
        self.save_calendar_button.clicked.connect(self._on_save_calendar_button_clicked)
        return box

    def current_calendar(self) -> CalendarView | None:
        calendar_id = self.calendar_combo.currentData()
        return next((c for c in self.calendars if c.id == calendar_id), None)

    def _show_calendar_problem(self, text: str) -> None:
        self.calendar_problem.setText(text)
        colour = theme.sla_colour("breached").name()
        self.calendar_problem.setStyleSheet(f"color: {colour};")
        self.calendar_problem.setVisible(bool(text))

    @Slot()
    def _on_save_calendar_button_clicked(self) -> None:
        if not self.can_manage:
            return
        try:
            form: CalendarForm = self.fields.values()
        except ValueError as exc:
            self._show_calendar_problem(str(exc))
            return
        self._show_calendar_problem("")
        current = self.current_calendar()
        calendar_id = current.id if current else None
        sla = self.services.sla
        self.save_calendar_button.setEnabled(False)

        def saved(changes: Changes) -> None:
            self._show_after_load(changes)
            self.announce(changes, "Calendar saved. " + NEW_TICKETS_ONLY)

        def failed(exc: Exception) -> None:
            self._update_buttons()
            if isinstance(exc, SupportDeskError | PermissionError):
                self._show_calendar_problem(str(exc))
            else:
                self.show_error(exc, "Could not save the calendar")

        self.run_task(
            lambda: sla.save_calendar(
                form.name,
                form.timezone,
                form.workdays,
                form.day_start_minute,
                form.day_end_minute,
                calendar_id,
            ),
            saved,
            failed,
        )

    @Slot()
    def _on_new_calendar_button_clicked(self) -> None:
        sla = self.services.sla
        dialog = NewCalendarDialog(self)

        def save(form: CalendarForm) -> Changes:
            return sla.save_calendar(
                form.name, form.timezone, form.workdays, form.day_start_minute, form.day_end_minute
            )

        self.open_dialog(dialog, save, "Calendar added", self._show_after_load)

    def _show_after_load(self, changes: Changes) -> None:
        """Show the calendar just saved, as stored, once the reload that follows arrives."""
        self._select_after_load = next(iter(changes.ids), None)
        self._reload_form = True

    @Slot(int)
    def _on_calendar_combo_changed(self, _index: int) -> None:
        self._show_calendar(self.current_calendar())

    def _show_calendar(self, calendar: CalendarView | None) -> None:
        self._loaded_calendar = calendar
        self.fields.load(calendar)
        self._show_calendar_problem("")
        self._show_holidays(calendar)
        self._update_usage()
        self._update_buttons()

    # --- holidays -----------------------------------------------------------------------------

    def _build_holiday_box(self) -> QGroupBox:
        box = self.holiday_box = QGroupBox("Holidays")
        layout = QVBoxLayout(box)
        self.holiday_model = HolidayModel(self)
        self.holiday_view = QTableView()
        self.holiday_view.setModel(self.holiday_model)
        _setup_table(self.holiday_view)
        layout.addWidget(self.holiday_view, 1)
        self.holiday_empty = QLabel("")
        self.holiday_empty.setWordWrap(True)
        self.holiday_empty.hide()
        layout.addWidget(self.holiday_empty)
        bar = QHBoxLayout()
        self.add_holiday_button = QPushButton(icon("plus"), "Add holiday…")
        self.remove_holiday_button = QPushButton(icon("close"), "Remove")
        self.remove_holiday_button.setToolTip("Make the selected day a working day again (Delete)")
        bar.addWidget(self.add_holiday_button)
        bar.addWidget(self.remove_holiday_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        uk = QHBoxLayout()
        self.bank_year_spin = QSpinBox()
        self.bank_year_spin.setRange(1900, 2200)
        self.bank_year_spin.setValue(date.today().year)
        self.bank_holidays_button = QPushButton(icon("calendar"), "Add UK bank holidays for")
        self.bank_holidays_button.setToolTip(
            "England and Wales bank holidays of the year, with substitute days; "
            "days already listed are kept"
        )
        uk.addWidget(self.bank_holidays_button)
        uk.addWidget(self.bank_year_spin)
        uk.addStretch(1)
        layout.addLayout(uk)

        self.remove_holiday_action = QAction("Remove holiday", self.holiday_view)
        self.remove_holiday_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.remove_holiday_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.holiday_view.addAction(self.remove_holiday_action)
        self.remove_holiday_action.triggered.connect(self._on_remove_holiday_button_clicked)
        self.add_holiday_button.clicked.connect(self._on_add_holiday_button_clicked)
        self.remove_holiday_button.clicked.connect(self._on_remove_holiday_button_clicked)
        self.bank_holidays_button.clicked.connect(self._on_bank_holidays_button_clicked)
        self.holiday_view.selectionModel().selectionChanged.connect(self._update_buttons)
        return box

    def _show_holidays(self, calendar: CalendarView | None) -> None:
        selected = self.selected_holiday_id()
        holidays = list(calendar.holidays) if calendar else []
        self.holiday_model.set_rows(holidays)
        self.holiday_view.resizeColumnsToContents()
        self.holiday_box.setTitle(f"Holidays ({len(holidays)})" if holidays else "Holidays")
        row = self.holiday_model.row_of_id(selected) if selected else -1
        if row >= 0:
            self.holiday_view.selectRow(row)
        else:
            self._scroll_to_upcoming()
        self._update_holiday_empty()

    def _scroll_to_upcoming(self) -> None:
        """Past days above, the next holiday at the top of the view."""
        today = date.today()
        holidays = self.holiday_model.loaded_rows()
        upcoming = next((i for i, h in enumerate(holidays) if h.day >= today), None)
        if upcoming is not None:
            self.holiday_view.scrollTo(
                self.holiday_model.index(upcoming, 0), QAbstractItemView.ScrollHint.PositionAtTop
            )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.selected_holiday_id() is None:
            # Scrolling needs the view's size: it has none until the tab is first shown.
            QTimer.singleShot(0, self._scroll_to_upcoming)

    def selected_holiday_id(self) -> uuid.UUID | None:
        rows = self.holiday_view.selectionModel().selectedRows()
        row = self.holiday_model.row_at(rows[0].row()) if rows else None
        return row.id if row else None

    def _update_holiday_empty(self) -> None:
        calendar = self.current_calendar()
        if calendar is None:
            text = "Save the calendar first; then add the days your team does not work."
        elif not calendar.holidays:
            text = (
                "No holidays yet: every working day counts. Use Add holiday for closures, or "
                "add a year's UK bank holidays in one go."
            )
        else:
            text = ""
        self.holiday_empty.setText(text)
        self.holiday_empty.setVisible(bool(text))

    @Slot()
    def _on_add_holiday_button_clicked(self) -> None:
        calendar = self.current_calendar()
        if calendar is None or not self.can_manage:
            return
        sla = self.services.sla
        self.open_dialog(
            HolidayDialog(calendar.name, self),
            lambda form: self._add_holiday(sla, calendar.id, form),
            "Holiday added",
        )

    @staticmethod
    def _add_holiday(sla: SlaAdminService, calendar_id: uuid.UUID, form: HolidayForm) -> Changes:
        return sla.add_holiday(calendar_id, form.day, form.name)

    @Slot()
    def _on_remove_holiday_button_clicked(self) -> None:
        holiday_id = self.selected_holiday_id()
        if holiday_id is None or not self.can_manage:
            return
        sla = self.services.sla
        self.run_write(
            lambda: sla.remove_holiday(holiday_id),
            "Holiday removed",
            "Could not remove the holiday",
        )

    @Slot()
    def _on_bank_holidays_button_clicked(self) -> None:
        calendar = self.current_calendar()
        if calendar is None or not self.can_manage:
            return
        sla = self.services.sla
        year = self.bank_year_spin.value()

        def done(changes: Changes) -> str:
            count = len(changes.ids)
            if not count:
                return f"All UK bank holidays of {year} were already in {calendar.name}."
            return f"Added {count} UK bank holidays of {year} to {calendar.name}."

        self.run_write(
            lambda: sla.add_uk_bank_holidays(calendar.id, year),
            done,
            "Could not add the bank holidays",
        )

    # --- policies -----------------------------------------------------------------------------

    def _build_policy_box(self) -> QGroupBox:
        box = QGroupBox("SLA policies")
        layout = QVBoxLayout(box)
        intro = QLabel(
            "Targets in business hours:minutes, counted on the policy's calendar. A policy for "
            "one organisation wins over the one for all. " + NEW_TICKETS_ONLY
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        bar = QHBoxLayout()
        self.new_policy_button = QPushButton(icon("plus"), "New policy…")
        self.edit_policy_button = QPushButton(icon("edit"), "Edit…")
        self.delete_policy_button = QPushButton(icon("close"), "Delete")
        for button in (self.new_policy_button, self.edit_policy_button, self.delete_policy_button):
            bar.addWidget(button)
            if not self.can_manage:
                button.setToolTip(NOT_MANAGER)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.policy_model = PolicyModel(self)
        self.policy_view = QTableView()
        self.policy_view.setModel(self.policy_model)
        _setup_table(self.policy_view)
        self.policy_stack = QStackedWidget()
        self.policy_stack.addWidget(self.policy_view)
        layout.addWidget(self.policy_stack, 1)
        self.policy_empty = QLabel(
            "No policies yet, so every ticket gets the built-in targets (first response / "
            f"resolution): {_builtin_targets()}, Monday to Friday 08:00–18:00. "
            "Use New policy to set your own."
        )
        self.policy_empty.setWordWrap(True)
        self.policy_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.policy_stack.addWidget(self.policy_empty)

        self.delete_policy_action = QAction("Delete policy", self.policy_view)
        self.delete_policy_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_policy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.policy_view.addAction(self.delete_policy_action)
        self.delete_policy_action.triggered.connect(self._on_delete_policy_button_clicked)
        self.new_policy_button.clicked.connect(self._on_new_policy_button_clicked)
        self.edit_policy_button.clicked.connect(self._on_edit_policy_button_clicked)
        self.delete_policy_button.clicked.connect(self._on_delete_policy_button_clicked)
        self.policy_view.doubleClicked.connect(self._on_edit_policy_button_clicked)
        self.policy_view.activated.connect(self._on_edit_policy_button_clicked)
        self.policy_view.selectionModel().selectionChanged.connect(self._update_buttons)
        return box

    def selected_policy(self) -> PolicyView | None:
        rows = self.policy_view.selectionModel().selectedRows()
        return self.policy_model.row_at(rows[0].row()) if rows else None

    @Slot()
    def _on_new_policy_button_clicked(self) -> None:
        if not self.can_manage:
            return
        if not self.calendars:
            QMessageBox.information(
                self,
                "Save a calendar first",
                "A policy counts business time on a calendar. Fill in the business calendar "
                "above and press Save calendar, then add the policy.",
            )
            return
        sla = self.services.sla
        dialog = PolicyDialog(self.calendars, self.organisations, None, self)
        current = self.current_calendar()
        if current is not None:
            dialog.calendar_combo.setCurrentIndex(
                max(0, dialog.calendar_combo.findText(current.name))
            )
        self.open_dialog(dialog, lambda form: self._save_policy(sla, form, None), "Policy added")

    @Slot()
    def _on_edit_policy_button_clicked(self) -> None:
        policy = self.selected_policy()
        if policy is None or not self.can_manage:
            return
        sla = self.services.sla
        dialog = PolicyDialog(self.calendars, self.organisations, policy, self)
        self.open_dialog(
            dialog, lambda form: self._save_policy(sla, form, policy.id), "Policy saved"
        )

    @staticmethod
    def _save_policy(
        sla: SlaAdminService, form: PolicyForm, policy_id: uuid.UUID | None
    ) -> Changes:
        return sla.save_policy(
            form.priority,
            form.organisation_id,
            form.calendar_id,
            form.first_response_minutes,
            form.resolution_minutes,
            form.name,
            policy_id,
        )

    @Slot()
    def _on_delete_policy_button_clicked(self) -> None:
        policy = self.selected_policy()
        if policy is None or not self.can_manage:
            return
        fallback = (
            "the policy for all organisations of that priority, or the built-in targets"
            if policy.organisation_id
            else "the built-in targets"
        )
        if not self.confirm(
            "Delete policy",
            f"Delete '{policy.name}'? New {policy.priority.label.lower()} priority tickets "
            f"will get {fallback}. Tickets already open keep their due times.",
        ):
            return
        sla = self.services.sla
        self.run_write(
            lambda: sla.delete_policy(policy.id), "Policy deleted", "Could not delete the policy"
        )

    # --- loading ------------------------------------------------------------------------------

    _select_after_load: uuid.UUID | None = None
    _reload_form = False

    def refresh(self) -> None:
        self._request += 1
        request = self._request
        sla = self.services.sla

        def load() -> tuple[list[CalendarView], list[PolicyView], list[OrganisationOption]]:
            return sla.calendars(), sla.policies(), sla.organisations()

        self.run_task(
            load,
            lambda result: self._on_loaded(request, *result),
            lambda exc: self.show_error(exc, "Could not load the service levels"),
        )

    def _on_loaded(
        self,
        request: int,
        calendars: list[CalendarView],
        policies: list[PolicyView],
        organisations: list[OrganisationOption],
    ) -> None:
        if request != self._request:
            return
        self.calendars, self.policies, self.organisations = calendars, policies, organisations
        wanted = self._select_after_load or self.calendar_combo.currentData()
        self._select_after_load = None
        # Unsaved edits of the same calendar survive a reload caused by someone else's change.
        keep_form = (
            not self._reload_form
            and self._loaded_calendar is not None
            and wanted == self._loaded_calendar.id
            and self._form_edited()
        )
        self._reload_form = False
        self.calendar_combo.blockSignals(True)
        self.calendar_combo.clear()
        for cal in calendars:
            self.calendar_combo.addItem(cal.name, cal.id)
        row = next((i for i, c in enumerate(calendars) if c.id == wanted), 0)
        if calendars:
            self.calendar_combo.setCurrentIndex(row)
        self.calendar_combo.blockSignals(False)
        self.calendar_empty.setVisible(not calendars)
        self._calendar_form.setRowVisible(self._calendar_picker, bool(calendars))
        current = self.current_calendar()
        if keep_form and current is not None:
            self._loaded_calendar = current
            self._show_holidays(current)
        else:
            self._show_calendar(current)

        self._update_usage()
        selected = self.selected_policy()
        self.policy_model.set_rows(policies)
        self.policy_view.resizeColumnsToContents()
        self.policy_stack.setCurrentWidget(self.policy_view if policies else self.policy_empty)
        if selected is not None:
            found = self.policy_model.row_of_id(selected.id)
            if found >= 0:
                self.policy_view.selectRow(found)
        self._update_buttons()

    def _update_usage(self) -> None:
        calendar = self.current_calendar()
        if calendar is None:
            self.calendar_usage.setText("")
            return
        used = sum(1 for p in self.policies if p.calendar_id == calendar.id)
        self.calendar_usage.setText(
            f"Used by {used} {'policy' if used == 1 else 'policies'}. SLA clocks run only in "
            "these working hours, never on holidays."
            if used
            else "No policy uses this calendar yet."
        )

    def _form_edited(self) -> bool:
        loaded = self._loaded_calendar
        if loaded is None:
            return False
        try:
            form = self.fields.values()
        except ValueError:
            return True
        return (form.name, form.timezone, form.workdays, form.day_start_minute) != (
            loaded.name,
            loaded.timezone,
            loaded.workdays,
            loaded.day_start_minute,
        ) or form.day_end_minute != min(loaded.day_end_minute, 24 * 60 - 1)

    @Slot()
    def _update_buttons(self) -> None:
        has_calendar = self.current_calendar() is not None
        self.save_calendar_button.setEnabled(self.can_manage)
        self.new_calendar_button.setEnabled(self.can_manage and has_calendar)
        self.add_holiday_button.setEnabled(self.can_manage and has_calendar)
        self.bank_holidays_button.setEnabled(self.can_manage and has_calendar)
        self.bank_year_spin.setEnabled(self.can_manage and has_calendar)
        has_holiday = self.selected_holiday_id() is not None
        self.remove_holiday_button.setEnabled(self.can_manage and has_holiday)
        self.remove_holiday_action.setEnabled(self.can_manage and has_holiday)
        has_policy = self.selected_policy() is not None
        self.new_policy_button.setEnabled(self.can_manage)
        self.edit_policy_button.setEnabled(self.can_manage and has_policy)
        self.delete_policy_button.setEnabled(self.can_manage and has_policy)
        self.delete_policy_action.setEnabled(self.can_manage and has_policy)
