"""The Conflicts dialog on a real conflict (two desktops, the real PostgreSQL server)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.data.database import Database
from app.services.base import Changes
from app.services.registry import Services
from app.services.sync_service import ConflictView, SyncService
from app.ui.main_window import MainWindow
from app.ui.sync.conflicts_dialog import EMPTY_TEXT, ConflictsDialog
from app.ui.worker import TaskRunner
from tests.helpers.sync_pair import Pair, make_pair, priority_conflict, priority_of, settle
from tests.sync.conftest import Desktop, make_desktop, server  # noqa: F401  (fixtures)


@pytest.fixture
def pair(make_desktop: Desktop, server: Database) -> Pair:  # noqa: F811
    return make_pair(make_desktop, server)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.wait()


def _dialog(qtbot: QtBot, service: SyncService, tasks: TaskRunner) -> ConflictsDialog:
    dialog = ConflictsDialog(service, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    _settle(tasks)
    return dialog


def _settle(tasks: TaskRunner) -> None:
    for _ in range(3):
        tasks.wait()
        QApplication.processEvents()


def test_empty_state_says_what_happens(qtbot: QtBot, services: Services, tasks: TaskRunner) -> None:
    dialog = _dialog(qtbot, SyncService(services.db, services.actor), tasks)
    assert dialog.list.count() == 0
    assert dialog.stack.currentWidget() is dialog.empty_label
    assert dialog.empty_label.text() == EMPTY_TEXT
    assert not dialog.keep_button.isEnabled()
    assert not dialog.use_other_button.isEnabled()


@pytest.mark.postgres
def test_use_the_other_value(qtbot: QtBot, pair: Pair, runner: TaskRunner) -> None:
    ticket_id, number = priority_conflict(pair)
    dialog = _dialog(qtbot, pair.sync_a, runner)
    assert dialog.list.count() == 1
    assert dialog.list.item(0).text() == f"Ticket {number} · Priority"
    view = dialog.current()
    assert view is not None
    assert dialog.current_pane.value.toPlainText() == view.mine
    assert dialog.other_pane.value.toPlainText() == view.theirs
    assert {view.mine, view.theirs} == {"High", "Urgent"}
    assert dialog.base_pane.value.toPlainText() == view.base
    assert dialog.current_pane.value.isReadOnly()
    resolved: list[Changes] = []
    dialog.resolved.connect(resolved.append)

    dialog.use_other_button.click()
    _settle(runner)

    assert resolved
    assert ticket_id in resolved[0].ids
    assert priority_of(pair.a, pair.admin_a, ticket_id).label == view.theirs
    assert dialog.list.count() == 0
    assert dialog.stack.currentWidget() is dialog.empty_label
    settle(lambda: pair.round("a", "b"), lambda: pair.both_see_conflicts(0))
    assert priority_of(pair.b, pair.admin_b, ticket_id).label == view.theirs


@pytest.mark.postgres
def test_keep_current_value_from_the_main_window_drops_the_indicator_count(
    qtbot: QtBot, pair: Pair
) -> None:
    ticket_id, _ = priority_conflict(pair)
    before = priority_of(pair.b, pair.admin_b, ticket_id)
    window = MainWindow(Services(pair.b, pair.admin_b))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.sync_indicator.text == "1 conflict", timeout=30000)

    dialog = window.open_conflicts()
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=10000)
    dialog.keep_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=10000)

    assert priority_of(pair.b, pair.admin_b, ticket_id) == before
    qtbot.waitUntil(lambda: window.sync_indicator.text == "Up to date", timeout=30000)
    window.close()
    assert not window.sync.running
    settle(lambda: pair.round("a"), lambda: pair.both_see_conflicts(0))


def test_a_closed_dialog_ignores_answers_that_arrive_late(
    qtbot: QtBot, services: Services, tasks: TaskRunner
) -> None:
    """The load started by the dialog finishes after the dialog is gone: nothing breaks."""
    gate = threading.Event()

    class SlowService(SyncService):
        def conflicts(self) -> list[ConflictView]:
            gate.wait(10)
            return super().conflicts()

    dialog = ConflictsDialog(SlowService(services.db, services.actor), tasks)
    shiboken6.delete(dialog)
    assert not shiboken6.isValid(dialog)
    gate.set()
    _settle(tasks)  # the answer arrives: dropped, no "already deleted" error
    assert not shiboken6.isValid(dialog)
