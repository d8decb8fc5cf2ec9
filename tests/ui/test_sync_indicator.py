"""The status-bar indicator: every state's words, icon and tooltip, the clock warning, the menu."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from app.services.sync_service import SyncStatus
from app.ui.sync.status_indicator import SyncIndicator, describe, last_sync_text

NOW = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)

UP_TO_DATE = SyncStatus(
    connected=True,
    server_url="postgresql+psycopg://ann@desk.example.org:5432/desk",
    pending_edits=0,
    conflicts=0,
    last_sync=NOW.isoformat(),
    server_revision="0004",
    local_revision="0004",
    clock_skew_ms=0,
    clock_flagged=False,
    device_id="d1",
    configured=True,
)


def _status(**changes: object) -> SyncStatus:
    return dataclasses.replace(UP_TO_DATE, **changes)  # type: ignore[arg-type]


def test_local_only_when_no_server_is_configured() -> None:
    for status in (None, _status(configured=False, connected=False, pending_edits=4)):
        state = describe(status, now=NOW)
        assert state.text == "Local only"
        assert state.icon == "sync-local"
        assert "Team server" in state.tooltip


def test_each_state_reads_plainly() -> None:
    assert describe(UP_TO_DATE, now=NOW).text == "Up to date"
    assert describe(_status(pending_edits=3), now=NOW).text == "3 edits waiting"
    assert describe(_status(pending_edits=1), now=NOW).text == "1 edit waiting"
    assert describe(_status(conflicts=2, pending_edits=3), now=NOW).text == "2 conflicts"
    assert describe(_status(pending_edits=3), syncing=True, now=NOW).text == "Syncing…"
    offline = describe(_status(offline=True, pending_edits=3, last_error="refused"), now=NOW)
    assert offline.text == "Offline · 3 edits waiting"
    assert offline.icon == "sync-offline"
    assert "refused" in offline.tooltip
    stopped = describe(_status(last_error="schema revision 0003 and the server at 0004"))
    assert stopped.text == "Sync stopped"
    assert stopped.tone == "problem"
    assert "0003" in stopped.tooltip


def test_tooltip_has_the_last_sync_time_and_the_server() -> None:
    tooltip = describe(_status(pending_edits=2, conflicts=1), now=NOW).tooltip
    assert f"Last sync {last_sync_text(NOW.isoformat(), NOW)}" in tooltip
    assert "desk.example.org" in tooltip
    assert "2 edits wait" in tooltip
    assert "1 conflict needs a decision" in tooltip
    assert last_sync_text(None) == "never"
    local = NOW.astimezone()
    assert last_sync_text(NOW.isoformat(), NOW) == local.strftime("%H:%M")
    assert ":" in last_sync_text("2020-01-02T03:04:00+00:00", NOW)
    assert "2020" not in last_sync_text("2020-01-02T03:04:00+00:00", NOW)


def test_widget_shows_states_clock_warning_and_menu(qtbot: QtBot) -> None:
    actions = [QAction(name) for name in ("Sync now", "Conflicts…", "Team server…")]
    indicator = SyncIndicator(actions)
    qtbot.addWidget(indicator)
    indicator.show()
    assert indicator.text == "Local only"
    assert not indicator.clock_label.isVisible()
    assert [a.text() for a in indicator.menu.actions()] == [
        "Sync now",
        "Conflicts…",
        "Team server…",
    ]

    indicator.set_status(_status(pending_edits=3))
    assert indicator.text == "3 edits waiting"
    assert "Last sync" in indicator.button.toolTip()
    indicator.set_syncing(True)
    assert indicator.text == "Syncing…"
    indicator.set_status(_status(conflicts=2))  # a status ends the "Syncing…" state
    assert indicator.text == "2 conflicts"

    indicator.set_status(_status(clock_flagged=True, clock_skew_ms=3 * 3600_000))
    assert indicator.clock_label.isVisible()
    assert "180 minutes ahead" in indicator.clock_label.toolTip()
    assert "clock" in indicator.button.toolTip()
