"""GUI test fixtures: real widgets, offscreen, settings isolated per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.services.registry import Services
from app.ui.application import configure_settings
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner


@pytest.fixture(autouse=True)
def _qt_settings(isolated_environment: object, qapp: object) -> None:
    configure_settings()  # QSettings under this test's SUPPORTDESK_HOME


@pytest.fixture
def app_signals(qtbot: QtBot) -> AppSignals:
    return AppSignals()


@pytest.fixture
def tasks(qtbot: QtBot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait()


@pytest.fixture
def make_pane(
    qtbot: QtBot, services: Services, app_signals: AppSignals, tasks: TaskRunner
) -> Callable[[type[Pane]], Pane]:
    """Build a pane on the test's database, shown and activated (data loaded)."""

    def build(cls: type[Pane]) -> Pane:
        pane = cls(services, app_signals, tasks)
        qtbot.addWidget(pane)
        pane.resize(1200, 760)
        pane.show()
        pane.activate()
        tasks.wait()
        QApplication.processEvents()  # deliver queued results of background work
        return pane

    return build
