"""Base of the five panes: what a pane receives and the hooks the main window calls."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import EnvironmentProblemError, SupportDeskError
from app.services.base import Changes
from app.services.registry import Services
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner


class Pane(QWidget):
    """A pane receives the services, the app-wide signals and the task runner — never the
    main window. Subclasses set `title`, `icon_name` and `areas` and implement `refresh`.
    """

    title = ""
    icon_name = ""
    #: Areas (see `app.services.base.Area`) whose changes make this pane refresh.
    areas: frozenset[str] = frozenset()

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
        self._loaded = False
        signals.changed.connect(self._on_app_changed)

    def refresh(self) -> None:
        """Reload what the pane shows from its service."""

    def activate(self) -> None:
        """Called when the pane becomes visible; loads data the first time."""
        if not self._loaded:
            self._loaded = True
            self.refresh()

    def _on_app_changed(self, changes: Changes) -> None:
        if self._loaded and changes.areas & self.areas:
            self.refresh()

    def show_error(self, exc: BaseException, what: str = "That did not work") -> None:
        """Tell the user what went wrong in words they understand."""
        if isinstance(exc, SupportDeskError | PermissionError):
            QMessageBox.warning(self, what, str(exc))
        else:
            QMessageBox.critical(
                self,
                what,
                f"{what}. This is a bug in SupportDesk; your data was not changed.\n\n"
                f"{type(exc).__name__}: {exc}",
            )
        if isinstance(exc, EnvironmentProblemError):
            self.signals.status_message.emit(str(exc))
