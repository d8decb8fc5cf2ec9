"""Conflicts: two desktops changed the same field while apart, and a person chooses.

A list of open conflicts; for the selected one the value the record holds now, the other
value and the common base side by side, with "Keep current value" and "Use the other value".
Resolving is an ordinary edit that replicates, so the choice reaches every desktop.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import NotFoundError, SupportDeskError
from app.services.base import Changes
from app.services.sync_service import ConflictView, SyncService
from app.ui.icons import icon
from app.ui.worker import TaskRunner

EMPTY_TEXT = (
    "No conflicts. When two people change the same field while offline, the choice appears here."
)


class _ValuePane(QFrame):
    """A caption, who wrote the value, and the value itself (read-only, selectable)."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        layout = QVBoxLayout(self)
        self.caption = QLabel(caption)
        self.caption.setProperty("role", "subheading")
        self.origin = QLabel("")
        self.origin.setProperty("role", "muted")
        self.origin.setWordWrap(True)
        self.value = QPlainTextEdit()
        self.value.setReadOnly(True)
        self.value.setFrameShape(QFrame.Shape.NoFrame)
        self.value.setAccessibleName(caption)
        layout.addWidget(self.caption)
        layout.addWidget(self.origin)
        layout.addWidget(self.value, 1)

    def show_value(self, text: str, origin: str) -> None:
        self.value.setPlainText(text)
        self.origin.setText(origin)


class ConflictsDialog(QDialog):
    """Lists open conflicts and resolves the selected one in the background.

    Signals:
        resolved(object): the `Changes` of a resolution (panes refresh, the indicator updates).
    """

    resolved = Signal(object)

    def __init__(
        self, service: SyncService, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Conflicts")
        self.setWindowIcon(icon("sync-conflict"))
        self.resize(960, 540)
        self._service = service
        self._tasks = tasks
        self._conflicts: list[ConflictView] = []
        self._busy = False

        self.list = QListWidget()
        self.list.setAccessibleName("Open conflicts")
        self.list.setIconSize(QSize(16, 16))
        self.list.setMinimumWidth(240)

        self.heading = QLabel("")
        self.heading.setProperty("role", "subheading")
        self.heading.setWordWrap(True)
        self.hint = QLabel(
            "Two desktops changed this while apart. Everyone sees the current value now; "
            "keep it, or use the other value instead. The choice reaches every desktop."
        )
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.current_pane = _ValuePane("Current value")
        self.other_pane = _ValuePane("The other value")
        self.base_pane = _ValuePane("Common base")
        self.base_pane.origin.setText("What both edits started from")
        panes = QHBoxLayout()
        for pane in (self.current_pane, self.other_pane, self.base_pane):
            panes.addWidget(pane, 1)
        self.keep_button = QPushButton(icon("check"), "Keep current value")
        self.keep_button.setProperty("role", "primary")
        self.use_other_button = QPushButton(icon("refresh"), "Use the other value")
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.use_other_button)
        actions.addWidget(self.keep_button)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(8, 0, 0, 0)
        detail_layout.addWidget(self.heading)
        detail_layout.addWidget(self.hint)
        detail_layout.addLayout(panes, 1)
        detail_layout.addLayout(actions)

        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(detail)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 680])

        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setProperty("role", "empty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(splitter)

        self.problem_label = QLabel("")
        self.problem_label.setWordWrap(True)
        self.problem_label.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)

        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.keep_button.clicked.connect(lambda: self._resolve("current"))
        self.use_other_button.clicked.connect(lambda: self._resolve("other"))
        self._show_selected()
        self.refresh()

    # --- public ---------------------------------------------------------------------------

    @property
    def conflicts(self) -> list[ConflictView]:
        return list(self._conflicts)

    def current(self) -> ConflictView | None:
        row = self.list.currentRow()
        return self._conflicts[row] if 0 <= row < len(self._conflicts) else None

    def refresh(self) -> None:
        """Reload the open conflicts (in the background)."""
        self._run(self._service.conflicts, self._on_loaded)

    # --- internals ------------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """`work` on the task runner; its outcome is dropped if the dialog is gone by then."""

        def deliver(result: Any) -> None:
            if shiboken6.isValid(self):
                done(result)

        def fail(exc: Exception) -> None:
            if shiboken6.isValid(self):
                self._on_error(exc)

        self._tasks.run(work, deliver, fail)

    def _on_loaded(self, conflicts: list[ConflictView]) -> None:
        selected = self.current()
        self._conflicts = conflicts
        self.list.blockSignals(True)
        self.list.clear()
        for view in conflicts:
            item = QListWidgetItem(icon("sync-conflict"), view.record_label)
            item.setToolTip(f"Noticed {view.created_at.astimezone():%d %b %Y %H:%M}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        ids = [v.id for v in conflicts]
        row = ids.index(selected.id) if selected is not None and selected.id in ids else 0
        self.list.setCurrentRow(row if conflicts else -1)
        self.stack.setCurrentIndex(1 if conflicts else 0)
        self._busy = False
        self._show_selected()

    @Slot(int)
    def _on_list_current_row_changed(self, _row: int) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        view = self.current()
        enabled = view is not None and not self._busy
        self.keep_button.setEnabled(enabled)
        self.use_other_button.setEnabled(enabled and view is not None and view.can_use_other)
        if view is None:
            self.heading.setText("")
            for pane in (self.current_pane, self.other_pane):
                pane.show_value("", "")
            self.base_pane.value.setPlainText("")
            return
        self.heading.setText(view.record_label)
        if view.kind == "deleted":
            self.hint.setText(
                "This record was deleted on one desktop while another still edited it. A deleted "
                "record does not come back through sync; keep the deletion and create the record "
                "again if it is still needed. The edits it lost are shown for reference."
            )
            self.use_other_button.setToolTip("A deleted record cannot be brought back by sync.")
        elif view.kind == "unique" and not view.can_use_other:
            self.hint.setText(
                "Two desktops created records with the same name while apart; this one was "
                "renamed so both are kept. Keep the new name, or rename the record in its own "
                "screen."
            )
            self.use_other_button.setToolTip("The other name is taken by another record.")
        elif view.kind == "unique":
            self.hint.setText(
                "Two desktops recorded the same thing while apart; the copies were merged into "
                "this record. Keep its current details, or use the details of the other copy."
            )
            self.use_other_button.setToolTip("Write the other copy's details, for everyone")
        else:
            self.hint.setText(
                "Two desktops changed this while apart. Everyone sees the current value now; "
                "keep it, or use the other value instead. The choice reaches every desktop."
            )
            self.use_other_button.setToolTip("Write the other value again, for everyone")
        self.current_pane.show_value(view.mine, view.mine_origin)
        self.other_pane.show_value(view.theirs, view.theirs_origin)
        self.base_pane.value.setPlainText(view.base)

    def _resolve(self, keep: str) -> None:
        view = self.current()
        if view is None or self._busy:
            return
        self._busy = True
        self._show_selected()
        conflict_id: uuid.UUID = view.id
        service = self._service
        self._run(
            lambda: service.resolve_conflict(
                conflict_id, "other" if keep == "other" else "current"
            ),
            self._on_resolved,
        )

    def _on_resolved(self, changes: Changes) -> None:
        self.problem_label.setVisible(False)
        self.resolved.emit(changes)
        self.refresh()

    def _on_error(self, exc: Exception) -> None:
        """Say in place why it did not work (the dialog stays usable)."""
        self._busy = False
        if isinstance(exc, NotFoundError):
            self.refresh()  # resolved elsewhere meanwhile: the list catches up
        if isinstance(exc, SupportDeskError | PermissionError):
            text = str(exc)
        else:
            text = (
                f"This is a bug in SupportDesk; nothing was changed. ({type(exc).__name__}: {exc})"
            )
        self.problem_label.setText(text)
        self.problem_label.setVisible(True)
        self._show_selected()
