"""The main window: navigation between the five panes, status bar, remembered layout."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, QSize, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QWidget,
)

from app import __version__
from app.services.base import Changes
from app.services.registry import Services
from app.services.sync_service import SyncReport, SyncService
from app.ui.admin.admin_pane import AdminPane
from app.ui.icons import icon
from app.ui.knowledge.knowledge_pane import KnowledgePane
from app.ui.kpi.kpi_pane import KpiPane
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.sync.conflicts_dialog import ConflictsDialog
from app.ui.sync.status_indicator import SyncIndicator
from app.ui.sync.sync_controller import SyncController
from app.ui.sync.team_server_dialog import TeamServerDialog
from app.ui.tickets.tickets_pane import TicketsPane
from app.ui.training.training_pane import TrainingPane
from app.ui.worker import TaskRunner

PANE_CLASSES: list[type[Pane]] = [TicketsPane, KnowledgePane, TrainingPane, KpiPane, AdminPane]

#: Seconds between background sync rounds (local edits also start one a few seconds later).
SYNC_INTERVAL_S = 60


class MainWindow(QMainWindow):
    """Holds layout only; each pane holds its own behaviour."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.signals = AppSignals(self)
        self.tasks = TaskRunner(self)
        self.sync_service = SyncService(services.db, services.actor)
        self.sync = SyncController(
            self.sync_service, self.signals, interval_s=SYNC_INTERVAL_S, parent=self
        )
        self.conflicts_dialog: ConflictsDialog | None = None
        self.team_server_dialog: TeamServerDialog | None = None
        self.setWindowTitle("SupportDesk")
        self.setMinimumSize(QSize(780, 520))

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(200)
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        self.stack = QStackedWidget()
        self.panes: list[Pane] = []
        for cls in PANE_CLASSES:
            pane = cls(services, self.signals, self.tasks)
            self.panes.append(pane)
            self.stack.addWidget(pane)
            item = QListWidgetItem(icon(cls.icon_name), cls.title)
            item.setSizeHint(QSize(160, 36))
            self.nav.addItem(item)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_sync_actions()
        self._build_status_bar()
        self._build_menus()

        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)
        self.signals.changed.connect(self._on_changed)
        self.signals.status_message.connect(self._on_status_message)
        self.signals.open_ticket_requested.connect(lambda _id: self.show_pane(TicketsPane))
        self.signals.open_article_requested.connect(lambda _id: self.show_pane(KnowledgePane))
        self.tasks.busy_changed.connect(self._on_tasks_busy_changed)
        self.sync.started.connect(lambda: self.sync_indicator.set_syncing(True))
        self.sync.status_changed.connect(self.sync_indicator.set_status)
        self.sync.finished.connect(self._on_sync_finished)
        self.sync.failed.connect(self._on_sync_failed)

        self._restore_layout()
        self.sync.start()

    # --- building ---

    def _build_sync_actions(self) -> None:
        self.sync_now_action = QAction(icon("sync"), "&Sync now", self)
        self.sync_now_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.sync_now_action.setToolTip("Send this computer's edits and fetch the team's now")
        self.sync_now_action.triggered.connect(self._on_sync_now_triggered)
        self.addAction(self.sync_now_action)
        self.conflicts_action = QAction(icon("sync-conflict"), "&Conflicts…", self)
        self.conflicts_action.triggered.connect(self.open_conflicts)
        self.team_server_action = QAction(icon("sync-server"), "&Team server…", self)
        self.team_server_action.triggered.connect(self.open_team_server)
        self.sync_indicator = SyncIndicator(
            [self.sync_now_action, self.conflicts_action, self.team_server_action]
        )

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        actor = self.services.actor
        roles = ", ".join(r.label for r in sorted(actor.roles, key=lambda r: r.value))
        self.user_label = QLabel(f"{actor.full_name} ({roles})")
        self.db_label = QLabel(self.services.database_label)
        self.db_label.setToolTip("The database this window works on")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        bar.addPermanentWidget(self.busy)
        bar.addPermanentWidget(self.sync_indicator)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.db_label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        for number, cls in enumerate(PANE_CLASSES, start=1):
            action = QAction(icon(cls.icon_name), cls.title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _=False, c=cls: self.show_pane(c))
            view_menu.addAction(action)
            self.addAction(action)
        view_menu.addSeparator()
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self._on_refresh_triggered)
        view_menu.addAction(refresh)

        tools_menu = self.menuBar().addMenu("&Tools")
        tools_menu.addAction(self.sync_now_action)
        tools_menu.addAction(self.conflicts_action)
        tools_menu.addSeparator()
        tools_menu.addAction(self.team_server_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About SupportDesk", self)
        about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(about)

    # --- public ---

    def pane(self, cls: type[Pane]) -> Pane:
        return next(p for p in self.panes if isinstance(p, cls))

    def show_pane(self, cls: type[Pane]) -> None:
        self.nav.setCurrentRow(PANE_CLASSES.index(cls))

    def open_conflicts(self) -> ConflictsDialog:
        """Show the Conflicts dialog (window-modal, not blocking the caller)."""
        if self.conflicts_dialog is None:
            dialog = ConflictsDialog(self.sync_service, self.tasks, self)
            dialog.resolved.connect(self.signals.changed.emit)
            self.conflicts_dialog = dialog
        else:
            self.conflicts_dialog.refresh()
        self.conflicts_dialog.open()
        return self.conflicts_dialog

    def open_team_server(self) -> TeamServerDialog:
        """Show the Team server dialog (window-modal, not blocking the caller)."""
        if self.team_server_dialog is not None:
            self.team_server_dialog.deleteLater()
        dialog = TeamServerDialog(self.sync, self.sync.status, self)
        self.team_server_dialog = dialog
        dialog.open()
        return dialog

    # --- layout memory ---

    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = settings.value("main_window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        row = settings.value("main_window/pane", 0)
        try:
            index = int(str(row))
        except ValueError:
            index = 0
        self.nav.setCurrentRow(index if 0 <= index < len(self.panes) else 0)

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState())
        settings.setValue("main_window/pane", self.nav.currentRow())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.sync.stop()
        super().closeEvent(event)

    # --- slots ---

    @Slot(int)
    def _on_nav_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.panes):
            self.stack.setCurrentIndex(row)
            self.panes[row].activate()

    @Slot(object)
    def _on_changed(self, changes: Changes) -> None:
        if self.sync.announcing_remote:
            self.statusBar().showMessage("The team's latest changes arrived", 2500)
        else:
            self.statusBar().showMessage("Saved", 2500)

    @Slot()
    def _on_sync_now_triggered(self) -> None:
        status = self.sync.status
        if status is None or not status.configured:
            self.statusBar().showMessage(
                "Not connected to a team server: Tools → Team server… connects this computer.",
                6000,
            )
            return
        self.sync.sync_now()

    @Slot(SyncReport)
    def _on_sync_finished(self, report: SyncReport) -> None:
        if report.clock_flagged:
            self.statusBar().showMessage(
                "This computer's clock is far off the team server's; SupportDesk follows the "
                "server's time. Correct the clock in the system settings.",
                8000,
            )

    @Slot(str)
    def _on_sync_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    @Slot(str)
    def _on_status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    @Slot(bool)
    def _on_tasks_busy_changed(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    @Slot()
    def _on_refresh_triggered(self) -> None:
        current = self.stack.currentWidget()
        if isinstance(current, Pane):
            current.refresh()

    @Slot()
    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self,
            "About SupportDesk",
            f"<b>SupportDesk {__version__}</b><p>Tickets, knowledge base, training and KPIs "
            "for support teams — works offline.</p>"
            f"<p>Database: {self.services.database_label}</p>",
        )

    def settle(self, timeout_ms: int = 30000) -> None:
        """Wait for background work and pending events (screenshots, tests)."""
        from PySide6.QtWidgets import QApplication

        for _ in range(5):
            self.tasks.wait(timeout_ms)
            QApplication.processEvents()
