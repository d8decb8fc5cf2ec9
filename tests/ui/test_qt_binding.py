"""The Qt binding itself: PySide6 6.12.0 dropped a reference to None on every call returning
nothing, which crashed long sessions (and test runs) with "none_dealloc". Guard the pin."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_calls_do_not_leak_references_to_none(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("x")
    # Other threads may touch None meanwhile; a leak shows as about -1000.
    assert abs(sys.getrefcount(None) - before) < 100
