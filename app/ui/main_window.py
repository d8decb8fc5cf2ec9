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
from app.ui.admin.admin_pane import AdminPane
from app.ui.icons import icon
from app.ui.knowledge.knowledge_pane import KnowledgePane
from app.ui.kpi.kpi_pane import KpiPane
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.tickets.tickets_pane import TicketsPane
from app.ui.training.training_pane import TrainingPane
from app.ui.worker import TaskRunner

PANE_CLASSES: list[type[Pane]] = [TicketsPane, KnowledgePane, TrainingPane, KpiPane, AdminPane]


class MainWindow(QMainWindow):
    """Holds layout only; each pane holds its own behaviour."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.signals = AppSignals(self)
        self.tasks = TaskRunner(self)
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

        self._build_status_bar()
        self._build_menus()

        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)
        self.signals.changed.connect(self._on_changed)
        self.signals.status_message.connect(self._on_status_message)
        self.signals.open_ticket_requested.connect(lambda _id: self.show_pane(TicketsPane))
        self.signals.open_article_requested.connect(lambda _id: self.show_pane(KnowledgePane))
        self.tasks.busy_changed.connect(self._on_tasks_busy_changed)

        self._restore_layout()

    # --- building ---

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

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About SupportDesk", self)
        about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(about)

    # --- public ---

    def pane(self, cls: type[Pane]) -> Pane:
        return next(p for p in self.panes if isinstance(p, cls))

    def show_pane(self, cls: type[Pane]) -> None:
        self.nav.setCurrentRow(PANE_CLASSES.index(cls))

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
        super().closeEvent(event)

    # --- slots ---

    @Slot(int)
    def _on_nav_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.panes):
            self.stack.setCurrentIndex(row)
            self.panes[row].activate()

    @Slot(object)
    def _on_changed(self, changes: Changes) -> None:
        self.statusBar().showMessage("Saved", 2500)

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
