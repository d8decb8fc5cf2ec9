"""The Canned replies tab: reusable replies with placeholders, shared with the team or
kept for yourself, written with a live preview."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import placeholders
from app.domain.permissions import Permission
from app.errors import SupportDeskError
from app.services.base import Area, Changes
from app.services.conversation_service import CannedView
from app.services.registry import Services
from app.ui import theme
from app.ui.admin.admin_tab import AdminTab
from app.ui.admin.settings_models import CannedModel
from app.ui.icons import icon
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner

CANNOT_WRITE = "Only people who work tickets can write canned replies."


def _shortcut(key: QKeySequence.StandardKey) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def sample_values(agent_name: str) -> dict[str, str]:
    """Placeholder values of an example ticket, for the preview."""
    return placeholders.placeholder_values(
        requester_name="Rita van Dam",
        requester_email="rita.vandam@example.org",
        ticket_number="SD1-000123",
        ticket_subject="Printer on floor 2 jams",
        agent_name=agent_name,
        organisation_name="Acme Ltd",
    )


class CannedTab(AdminTab):
    """The list of canned replies on the left, the editor and its preview on the right.

    Attributes:
        editing_id: the reply in the editor, or None for a new one.
    """

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services, signals, tasks, parent)
        self.can_write = services.actor.can(Permission.TICKET_WRITE)
        self.editing_id: uuid.UUID | None = None
        self._saved_state: tuple[str, str, bool] = ("", "", True)
        self._select_after_load: uuid.UUID | None = None
        self._request = 0
        self._samples = sample_values(services.actor.full_name)

        layout = QVBoxLayout(self)
        intro = QLabel(
            "Canned replies are ready-made answers a technician inserts into a reply. "
            "Placeholders such as {requester.first_name} are filled in from the ticket."
            + ("" if self.can_write else f" {CANNOT_WRITE}")
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_list())
        splitter.addWidget(self._build_editor())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        self._start_new()

    # --- list ---------------------------------------------------------------------------------

    def _build_list(self) -> QWidget:
        box = QGroupBox("Replies you can use")
        layout = QVBoxLayout(box)
        bar = QHBoxLayout()
        self.new_action = QAction(icon("plus"), "New reply", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_action.setToolTip(
            f"Start a new canned reply ({_shortcut(QKeySequence.StandardKey.New)})"
        )
        self.new_action.setEnabled(self.can_write)
        self.delete_action = QAction(icon("close"), "Delete", self)
        self.delete_action.setToolTip("Delete the selected reply")
        self.addAction(self.new_action)
        self.new_button = QToolButton()
        self.new_button.setDefaultAction(self.new_action)
        self.delete_button = QToolButton()
        self.delete_button.setDefaultAction(self.delete_action)
        for button in (self.new_button, self.delete_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.model = CannedModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.view, 1)
        self.empty_label = QLabel(
            "No canned replies yet. Write a title and the text on the right and press Save: "
            "the whole team can then insert it into a reply."
        )
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        layout.addWidget(self.empty_label)

        delete_key = QAction("Delete reply", self.view)
        delete_key.setShortcut(QKeySequence.StandardKey.Delete)
        delete_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.triggered.connect(self._on_delete_action_triggered)
        self.view.addAction(delete_key)
        self.new_action.triggered.connect(self._on_new_action_triggered)
        self.delete_action.triggered.connect(self._on_delete_action_triggered)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        return box

    def selected(self) -> CannedView | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    # --- editor -------------------------------------------------------------------------------

    def _build_editor(self) -> QWidget:
        box = QGroupBox("Reply")
        self.editor_box = box
        layout = QVBoxLayout(box)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("e.g. Password reset")
        self.title_edit.setMaxLength(120)
        self.shared_check = QCheckBox("Share with the team (otherwise only you see it)")
        self.body_edit = QPlainTextEdit()
        self.body_edit.setPlaceholderText(
            "Hello {requester.first_name},\n\nThank you for contacting us about "
            "{ticket.subject}…\n\n{agent.name}"
        )
        self.body_edit.setTabChangesFocus(True)
        form.addRow("&Title", self.title_edit)
        form.addRow("", self.shared_check)
        text_row = QWidget()
        text_layout = QVBoxLayout(text_row)
        text_layout.setContentsMargins(0, 0, 0, 0)
        self.insert_button = QToolButton()
        self.insert_button.setText("Insert placeholder")
        self.insert_button.setIcon(icon("plus"))
        self.insert_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.insert_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.insert_menu = QMenu(self.insert_button)
        for name, meaning in placeholders.PLACEHOLDERS.items():
            action = self.insert_menu.addAction(f"{{{name}}}  —  {meaning}")
            action.setData(f"{{{name}}}")
        self.insert_menu.triggered.connect(self._on_insert_menu_triggered)
        self.insert_button.setMenu(self.insert_menu)
        insert_bar = QHBoxLayout()
        insert_bar.addWidget(self.insert_button)
        insert_bar.addStretch(1)
        text_layout.addLayout(insert_bar)
        text_layout.addWidget(self.body_edit, 1)
        form.addRow("Te&xt", text_row)
        label = form.labelForField(text_row)
        if isinstance(label, QLabel):
            label.setBuddy(self.body_edit)
        layout.addLayout(form, 3)

        self.unknown_label = QLabel("")
        self.unknown_label.setWordWrap(True)
        self.unknown_label.hide()
        layout.addWidget(self.unknown_label)
        layout.addWidget(QLabel("Preview with an example ticket (SD1-000123 from Rita van Dam):"))
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setTabChangesFocus(True)
        self.preview.setPlaceholderText("The reply as the requester will read it appears here.")
        layout.addWidget(self.preview, 2)

        self.problem_label = QLabel("")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        layout.addWidget(self.problem_label)
        buttons = QHBoxLayout()
        self.dirty_label = QLabel("")
        buttons.addWidget(self.dirty_label)
        buttons.addStretch(1)
        self.save_action = QAction(icon("save"), "Save", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_action.setToolTip(f"Save the reply ({_shortcut(QKeySequence.StandardKey.Save)})")
        box.addAction(self.save_action)
        self.save_button = QPushButton(icon("save"), "Save")
        self.save_button.setToolTip(self.save_action.toolTip())
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

        for widget in (self.title_edit, self.shared_check, self.body_edit, self.insert_button):
            widget.setEnabled(self.can_write)
        self.title_edit.textChanged.connect(self._on_editor_changed)
        self.shared_check.toggled.connect(self._on_editor_changed)
        self.body_edit.textChanged.connect(self._on_editor_changed)
        self.save_action.triggered.connect(self._on_save_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        return box

    def _state(self) -> tuple[str, str, bool]:
        return (self.title_edit.text(), self.body_edit.toPlainText(), self.shared_check.isChecked())

    def is_dirty(self) -> bool:
        return self._state() != self._saved_state

    def _load_editor(self, canned: CannedView | None) -> None:
        self.editing_id = canned.id if canned else None
        for widget in (self.title_edit, self.body_edit, self.shared_check):
            widget.blockSignals(True)
        self.title_edit.setText(canned.title if canned else "")
        self.body_edit.setPlainText(canned.body if canned else "")
        self.shared_check.setChecked(canned.shared if canned else True)
        for widget in (self.title_edit, self.body_edit, self.shared_check):
            widget.blockSignals(False)
        self._saved_state = self._state()
        self.editor_box.setTitle(f"Edit “{canned.title}”" if canned else "New reply")
        self.problem_label.hide()
        self._on_editor_changed()

    def _start_new(self) -> None:
        self.view.selectionModel().clearSelection()
        self._load_editor(None)

    @Slot()
    def _on_editor_changed(self) -> None:
        body = self.body_edit.toPlainText()
        self.preview.setPlainText(placeholders.render(body, self._samples))
        unknown = placeholders.unknown_placeholders(body)
        if unknown:
            colour = theme.sla_colour("due_soon").name()
            self.unknown_label.setStyleSheet(f"color: {colour};")
            self.unknown_label.setText(
                f"Not a known placeholder, will stay as typed: {', '.join(unknown)}. "
                "Use Insert placeholder to pick a correct one."
            )
        self.unknown_label.setVisible(bool(unknown))
        dirty = self.is_dirty()
        self.dirty_label.setText("Unsaved changes" if dirty else "")
        self.save_action.setEnabled(self.can_write and dirty)
        self.save_button.setEnabled(self.can_write and dirty)
        self.delete_action.setEnabled(self.can_write and self.editing_id is not None)

    @Slot(QAction)
    def _on_insert_menu_triggered(self, action: QAction) -> None:
        self.body_edit.insertPlainText(str(action.data()))
        self.body_edit.setFocus()

    def _discard_ok(self) -> bool:
        if not self.is_dirty():
            return True
        return self.confirm(
            "Discard changes?", "The reply you are editing has unsaved changes. Discard them?"
        )

    @Slot()
    def _on_new_action_triggered(self) -> None:
        if not self.can_write or not self._discard_ok():
            return
        self._start_new()
        self.title_edit.setFocus()

    @Slot()
    def _on_view_selection_changed(self) -> None:
        canned = self.selected()
        if canned is None or canned.id == self.editing_id:
            return
        if not self._discard_ok():
            # Put the selection back once the view has finished changing it.
            editing = self.editing_id
            QTimer.singleShot(0, lambda: self._select_row_of(editing))
            return
        self._load_editor(canned)

    def _select_row_of(self, canned_id: uuid.UUID | None) -> None:
        row = self.model.row_of_id(canned_id) if canned_id else -1
        selection = self.view.selectionModel()
        selection.blockSignals(True)
        if row >= 0:
            self.view.selectRow(row)
        else:
            selection.clearSelection()
        selection.blockSignals(False)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        if not self.can_write or not self.is_dirty():
            return
        title, body, shared = self._state()
        canned_id = self.editing_id
        conversation = self.services.conversation
        self.save_button.setEnabled(False)
        self.save_action.setEnabled(False)

        def save() -> Changes:
            saved_id = conversation.save_canned(title, body, shared, canned_id)
            return Changes.of(Area.TICKETS, ids=(saved_id,))

        def saved(changes: Changes) -> None:
            self.editing_id = next(iter(changes.ids))
            self._saved_state = (title, body, shared)
            self._select_after_load = self.editing_id
            self.problem_label.hide()
            self._on_editor_changed()
            self.announce(changes, f"Canned reply “{' '.join(title.split())}” saved")

        def failed(exc: Exception) -> None:
            self._on_editor_changed()
            if isinstance(exc, SupportDeskError | PermissionError):
                colour = theme.sla_colour("breached").name()
                self.problem_label.setStyleSheet(f"color: {colour};")
                self.problem_label.setText(str(exc))
                self.problem_label.show()
            else:
                self.show_error(exc, "Could not save the canned reply")

        self.run_task(save, saved, failed)

    @Slot()
    def _on_delete_action_triggered(self) -> None:
        canned = self.selected()
        if canned is None or not self.can_write:
            return
        who = "the whole team" if canned.shared else "you"
        if not self.confirm(
            "Delete canned reply", f"Delete “{canned.title}”? It is no longer offered to {who}."
        ):
            return
        conversation = self.services.conversation
        if canned.id == self.editing_id:
            self._load_editor(None)
        self.run_write(
            lambda: conversation.delete_canned(canned.id),
            "Canned reply deleted",
            "Could not delete the canned reply",
        )

    # --- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._request += 1
        request = self._request
        conversation = self.services.conversation
        self.run_task(
            conversation.canned_responses,
            lambda rows: self._on_loaded(request, rows),
            lambda exc: self.show_error(exc, "Could not load the canned replies"),
        )

    def _on_loaded(self, request: int, rows: list[CannedView]) -> None:
        if request != self._request:
            return
        self.model.set_rows(rows)
        self.empty_label.setVisible(not rows)
        wanted = self._select_after_load or self.editing_id
        self._select_after_load = None
        self._select_row_of(wanted)
        current = next((c for c in rows if c.id == self.editing_id), None)
        if self.editing_id is not None and current is None and not self.is_dirty():
            self._load_editor(None)  # deleted elsewhere
        elif current is not None and not self.is_dirty():
            self._load_editor(current)  # changed elsewhere: show the stored text
        self._on_editor_changed()
