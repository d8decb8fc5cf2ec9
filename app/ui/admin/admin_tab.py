"""Base of the Admin pane's settings tabs: services, signals and the task runner, saving a
dialog's values off the GUI thread, and errors shown in words a technician understands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import SupportDeskError
from app.services.base import Changes
from app.services.registry import Services
from app.ui.form_dialog import FormDialog
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner


class AdminTab(QWidget):
    """A tab of the Admin pane. The pane calls `refresh()` when the data may have changed.

    Attributes:
        dialog: the form dialog open right now (tests reach it here), or None.
    """

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.signals = signals
        self.tasks = tasks
        self.dialog: FormDialog | None = None

    def refresh(self) -> None:
        """Reload what the tab shows."""

    def run_task(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """`tasks.run`, but the result is dropped if the tab was closed in the meantime."""

        def done(result: Any) -> None:
            if shiboken6.isValid(self):
                on_done(result)

        def failed(exc: Exception) -> None:
            if shiboken6.isValid(self):
                on_error(exc)

        self.tasks.run(fn, done, failed)

    def show_error(self, exc: BaseException, what: str = "That did not work") -> None:
        if isinstance(exc, SupportDeskError | PermissionError):
            QMessageBox.warning(self, what, str(exc))
        else:
            QMessageBox.critical(
                self,
                what,
                f"{what}. This is a bug in SupportDesk; your data was not changed.\n\n"
                f"{type(exc).__name__}: {exc}",
            )

    def confirm(self, title: str, text: str) -> bool:
        """Ask before a removal (tests replace this to answer without a person)."""
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def run_write(
        self,
        write: Callable[[], Changes],
        done: str | Callable[[Changes], str],
        what: str = "Could not save the change",
    ) -> None:
        """Run a service write on the task runner; report it, or show why it was refused."""

        def saved(changes: Changes) -> None:
            self.announce(changes, done(changes) if callable(done) else done)

        self.run_task(write, saved, lambda exc: self.show_error(exc, what))

    def announce(self, changes: Changes, message: str) -> None:
        self.signals.status_message.emit(message)
        if changes.areas:
            self.signals.changed.emit(changes)

    def open_dialog(
        self,
        dialog: FormDialog,
        save: Callable[[Any], Changes],
        done: str,
        on_saved: Callable[[Changes], None] | None = None,
    ) -> None:
        """Show a dialog without blocking; save its values on the task runner when OK'd.

        The dialog stays open with the service's refusal in place until saving works.
        """
        self.dialog = dialog

        def submit(values: Any) -> None:
            self.run_task(
                lambda: save(values),
                lambda changes: self._dialog_saved(dialog, changes, done, on_saved),
                lambda exc: self._dialog_failed(dialog, exc),
            )

        dialog.submitted.connect(submit)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    def _dialog_saved(
        self,
        dialog: FormDialog,
        changes: Changes,
        done: str,
        on_saved: Callable[[Changes], None] | None,
    ) -> None:
        dialog.accept()
        if on_saved is not None:
            on_saved(changes)
        self.announce(changes, done)

    def _dialog_failed(self, dialog: FormDialog, exc: Exception) -> None:
        if isinstance(exc, SupportDeskError | PermissionError):
            dialog.show_problem(str(exc))
            return
        dialog.set_busy(False)
        self.show_error(exc)

    @Slot()
    def _on_dialog_finished(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
