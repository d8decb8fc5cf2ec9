from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from app.ui.worker import TaskRunner


def test_result_arrives_on_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gui_thread = QThread.currentThread()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.get_ident()
        return 41 + 1

    def done(value: object) -> None:
        seen["value"] = value
        seen["on_gui"] = QThread.currentThread() is gui_thread

    with qtbot.waitSignal(runner.busy_changed, timeout=5000) as busy:
        runner.run(work, done)
    assert busy.args == [True]
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 42
    assert seen["on_gui"] is True
    assert seen["worker"] != threading.get_ident()
    qtbot.waitUntil(lambda: runner.in_flight == 0)


def test_exception_is_delivered_not_raised(qtbot: QtBot) -> None:
    runner = TaskRunner()
    errors: list[Exception] = []

    def boom() -> None:
        raise ValueError("disk on fire")

    runner.run(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    assert str(errors[0]) == "disk on fire"
