"""The ticket list at scale: rows first and the count later, random-access pages loaded as
they are painted, a bounded page cache, jumping to the end, stale counts dropped.

The database holds a few thousand tickets made by the app's bulk builder (the same code the
benchmark uses), copied per test from one file built per module.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.data.database import Database, sqlite_url
from app.data.repos import bulk
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.ticket_service import TicketFilter
from app.ui.models.paged_table_model import PLACEHOLDER_TEXT
from app.ui.models.roles import ID_ROLE
from app.ui.models.ticket_model import TicketModel
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.tickets.tickets_pane import TicketsPane
from app.ui.worker import TaskRunner
from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.gui

TICKETS = 2500
NOW = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)
EVERY = TicketFilter()


@pytest.fixture(scope="module")
def built_file(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("paging") / "built.db"
    shutil.copy(sqlite_template, path)
    db = Database(sqlite_url(path))
    try:
        db.attach_device()
        admin = AuthService(db).create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
        bulk.build(db, TICKETS, actor_id=admin.user_id, now=NOW, years=0.5)
    finally:
        db.dispose()
    con = sqlite3.connect(path)  # fold the WAL in so a plain copy is complete
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


@pytest.fixture
def big(built_file: Path, tmp_path: Path) -> Iterator[Services]:
    """Services on a copy of the built database, signed in as its administrator."""
    path = tmp_path / "big.db"
    shutil.copy(built_file, path)
    db = Database(sqlite_url(path))
    db.attach_device()
    yield Services(db, AuthService(db).principal_for("admin"))
    db.dispose()


def _fetch(services: Services, flt: TicketFilter, key: str, descending: bool) -> Any:
    def fetch(offset: int, limit: int) -> Any:
        return services.tickets.list_page(flt, key, descending, offset, limit)

    return fetch


def _settle(tasks: TaskRunner) -> None:
    for _ in range(4):
        tasks.wait()
        QApplication.processEvents()


def _pane(qtbot: QtBot, services: Services, signals: AppSignals, tasks: TaskRunner) -> TicketsPane:
    """A pane opened on "All tickets", before any background result has arrived."""
    pane = TicketsPane(services, signals, tasks)
    qtbot.addWidget(pane)
    pane.resize(1200, 760)
    pane.show()
    pane.activate()
    return pane


def _choose(pane: TicketsPane, name: str) -> None:
    view = next(v for v in pane.views.model.views() if v.name == name)
    assert pane.views.select_view(view.id)


# --- the model ---------------------------------------------------------------------------


def test_sparse_model_loads_pages_at_random_and_passes_modeltester(
    qtbot: QtBot, qtmodeltester: Any, big: Services, tasks: TaskRunner
) -> None:
    model = TicketModel(tasks=tasks)
    total = big.tickets.count(EVERY)
    assert total == TICKETS
    with qtbot.waitSignal(model.total_changed, timeout=5000) as counted:
        model.reset(_fetch(big, EVERY, "number", False), lambda: big.tickets.count(EVERY))
        # Rows first: the first page is there before the count has arrived.
        assert model.rowCount() == 200
        assert model.canFetchMore(model.index(-1, -1))
        assert model.total is None
    assert counted.args == [TICKETS]
    assert model.rowCount() == TICKETS
    assert model.is_sparse
    assert not model.canFetchMore(model.index(-1, -1))
    qtmodeltester.check(model)

    # A row far down shows a placeholder, then its real ticket once its page has arrived.
    number = model.column_of("number")
    far = model.index(2345, number)
    if model.row_at(2345) is None:
        with qtbot.waitSignal(model.dataChanged, timeout=5000):
            assert model.data(far) == PLACEHOLDER_TEXT
            assert model.data(far, ID_ROLE) is None
    expected = big.tickets.list_page(EVERY, "number", False, 2345, 1)[0]
    assert model.data(far) == expected.number
    assert model.data(far, ID_ROLE) == expected.id
    assert model.row_of_id(expected.id) == 2345
    qtmodeltester.check(model)


def test_ensure_row_finds_the_last_ticket(big: Services, tasks: TaskRunner) -> None:
    last = big.tickets.list_page(EVERY, "number", True, 0, 1)[0]  # the list in reverse
    # Without a count: the probe reads the page with one row more and finds the end.
    model = TicketModel(tasks=tasks)
    model.reset(_fetch(big, EVERY, "number", False))
    assert model.rowCount() == 200
    model.ensure_row(TICKETS - 1)
    assert model.rowCount() == TICKETS
    assert getattr(model.row_at(TICKETS - 1), "id", None) == last.id
    assert model.data(model.index(TICKETS - 1, model.column_of("number"))) == last.number

    # With a count given (the pane's way), the last row is reached before the count arrives.
    pane_like = TicketModel(tasks=tasks)
    pane_like.reset(_fetch(big, EVERY, "number", False), lambda: big.tickets.count(EVERY))
    assert pane_like.ensure_last_row() == TICKETS - 1
    assert getattr(pane_like.row_at(TICKETS - 1), "id", None) == last.id
    # The same on the default sort, compared with the query at that offset.
    by_update = TicketModel(tasks=tasks)
    by_update.reset(_fetch(big, EVERY, "updated", True), lambda: big.tickets.count(EVERY))
    by_update.ensure_row(TICKETS - 1)
    row = by_update.row_at(TICKETS - 1)
    assert row is not None
    assert row.id == big.tickets.list_page(EVERY, "updated", True, TICKETS - 1, 1)[0].id
    _settle(tasks)


def test_page_cache_stays_bounded(big: Services, tasks: TaskRunner) -> None:
    model = TicketModel(page_size=50, max_pages=5, tasks=tasks)
    model.reset(_fetch(big, EVERY, "number", False), lambda: big.tickets.count(EVERY))
    model.set_total(big.tickets.count(EVERY))
    for row in range(0, TICKETS, 50):
        model.ensure_row(row)
        assert len(model.cached_pages()) <= 5
    assert model.cached_pages() == [45, 46, 47, 48, 49]  # the most recently used
    assert model.row_at(0) is None  # evicted: it shows a placeholder and loads again
    assert model.data(model.index(0, 0)) == PLACEHOLDER_TEXT
    model.ensure_row(0)
    first = big.tickets.list_page(EVERY, "number", False, 0, 1)[0]
    assert getattr(model.row_at(0), "id", None) == first.id
    _settle(tasks)


def test_stale_count_is_dropped(qtbot: QtBot, big: Services, tasks: TaskRunner) -> None:
    model = TicketModel(page_size=20, tasks=tasks)
    seen: list[int] = []
    model.total_changed.connect(seen.append)
    everything = _fetch(big, EVERY, "number", False)
    model.reset(everything, lambda: big.tickets.count(EVERY))
    first_generation = model.generation
    open_only = TicketFilter(active_only=True)
    open_count = big.tickets.count(open_only)
    assert 20 < open_count < TICKETS  # both lists need counting
    # The filter changes before the first count has been delivered.
    model.reset(_fetch(big, open_only, "number", False), lambda: big.tickets.count(open_only))
    assert model.generation == first_generation + 1
    _settle(tasks)
    assert seen == [open_count]  # the count of the old list never showed
    assert model.rowCount() == open_count


def test_a_failed_page_is_told_once_and_not_retried(
    qtbot: QtBot, big: Services, tasks: TaskRunner
) -> None:
    calls: list[int] = []

    def flaky(offset: int, limit: int) -> Any:
        calls.append(offset)
        if offset >= 1000:
            raise RuntimeError("database went away")
        return big.tickets.list_page(EVERY, "number", False, offset, limit)

    model = TicketModel(tasks=tasks)
    model.reset(flaky, lambda: TICKETS)
    _settle(tasks)
    assert model.rowCount() == TICKETS
    with qtbot.waitSignal(model.load_failed, timeout=5000) as failed:
        assert model.data(model.index(1500, 0)) == PLACEHOLDER_TEXT
    assert "went away" in str(failed.args[0])
    tried = len(calls)
    model.data(model.index(1501, 0))  # a failed page is not asked for again and again
    _settle(tasks)
    assert len(calls) == tried


# --- the pane ----------------------------------------------------------------------------


def test_pane_shows_rows_then_the_count(
    qtbot: QtBot, big: Services, app_signals: AppSignals, tasks: TaskRunner
) -> None:
    pane = _pane(qtbot, big, app_signals, tasks)
    _choose(pane, "All tickets")
    # The first page is listed at once; the count has not arrived yet.
    assert pane.model.rowCount() == 200
    assert pane.list_stack.currentWidget() is pane.table
    assert pane.count_label.text() == "Counting…"
    qtbot.waitUntil(lambda: pane.count_label.text() == f"{TICKETS:,} tickets", timeout=5000)
    assert pane.model.rowCount() == TICKETS

    # A refresh of the same list keeps showing its count while counting again.
    pane.refresh()
    assert pane.count_label.text() == f"{TICKETS:,} tickets"
    assert pane.model.rowCount() == TICKETS  # and its length: the scroll range stays put
    _settle(tasks)

    # Quick view changes: the big list's count, still running, must not show for the next.
    _choose(pane, "All open")
    _choose(pane, "All tickets")
    assert pane.count_label.text() == "Counting…"
    _choose(pane, "All open")
    shown = pane.model.rowCount()
    assert 0 < shown < 200  # a short list is its own count
    assert pane.count_label.text() == f"{shown:,} tickets"
    _settle(tasks)
    assert pane.count_label.text() == f"{shown:,} tickets"
    assert pane.model.rowCount() == shown == big.tickets.count(pane.current_filter())


def test_scrolling_to_the_end_shows_real_rows(
    qtbot: QtBot, big: Services, app_signals: AppSignals, tasks: TaskRunner
) -> None:
    pane = _pane(qtbot, big, app_signals, tasks)
    _choose(pane, "All tickets")
    _settle(tasks)
    assert pane.model.rowCount() == TICKETS
    pane.table.scrollToBottom()
    QApplication.processEvents()
    bottom = pane.table.rowAt(pane.table.viewport().height() - 2)
    top = pane.table.rowAt(1)
    assert bottom == TICKETS - 1
    number = pane.model.column_of("number")

    def shown() -> list[str]:
        return [pane.model.index(r, number).data() for r in range(top, bottom + 1)]

    qtbot.waitUntil(lambda: PLACEHOLDER_TEXT not in shown(), timeout=5000)
    flt = pane.current_filter()
    expected = big.tickets.list_page(flt, "updated", True, top, bottom - top + 1)
    assert shown() == [r.number for r in expected]
    assert len(pane.model.cached_pages()) <= 50


def test_ctrl_end_and_end_jump_to_the_last_ticket_and_home_back(
    qtbot: QtBot, big: Services, app_signals: AppSignals, tasks: TaskRunner
) -> None:
    pane = _pane(qtbot, big, app_signals, tasks)
    _choose(pane, "All tickets")
    last = big.tickets.list_page(pane.current_filter(), "updated", True, TICKETS - 1, 1)[0]
    first = pane.model.row_at(0)
    assert first is not None
    pane.table.setFocus()
    pane.table.setCurrentIndex(pane.model.index(0, 1))
    # Even before the count has arrived, Ctrl+End reaches the real last ticket.
    assert pane.count_label.text() == "Counting…"
    qtbot.keyClick(pane.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    current = pane.table.currentIndex()
    assert current.row() == TICKETS - 1
    assert current.data(ID_ROLE) == last.id
    assert pane.detail.detail is not None
    assert pane.detail.detail.id == last.id

    qtbot.keyClick(pane.table, Qt.Key.Key_Home)
    assert pane.table.currentIndex().row() == 0
    assert getattr(pane.detail.detail, "id", None) == first.id
    qtbot.keyClick(pane.table, Qt.Key.Key_End)  # plain End: the last row too, not a column
    assert pane.table.currentIndex().row() == TICKETS - 1
    assert getattr(pane.detail.detail, "id", None) == last.id
    _settle(tasks)
    assert pane.count_label.text() == f"{TICKETS:,} tickets"


def test_selection_survives_the_count_and_a_reload(
    qtbot: QtBot, big: Services, app_signals: AppSignals, tasks: TaskRunner
) -> None:
    pane = _pane(qtbot, big, app_signals, tasks)
    _choose(pane, "All tickets")
    chosen = pane.model.row_at(7)
    assert chosen is not None
    pane.table.setCurrentIndex(pane.model.index(7, 1))
    assert pane.detail.detail is not None
    assert pane.detail.detail.id == chosen.id
    _settle(tasks)  # the count arrives: the model turns random-access
    assert pane.model.is_sparse
    assert pane.table.currentIndex().data(ID_ROLE) == chosen.id
    pane.refresh()  # e.g. after a change elsewhere
    assert pane.table.currentIndex().data(ID_ROLE) == chosen.id
    assert [i.data(ID_ROLE) for i in pane.table.selectionModel().selectedRows()] == [chosen.id]
    _settle(tasks)
    assert pane.table.currentIndex().data(ID_ROLE) == chosen.id


def test_empty_database_is_told_at_once(make_pane: Callable[[type[Pane]], Pane]) -> None:
    """A first page that is the whole list is its own count: nothing waits for counting."""
    pane = make_pane(TicketsPane)
    assert isinstance(pane, TicketsPane)
    assert pane.count_label.text() == "0 tickets"
    assert pane.list_stack.currentWidget() is pane.empty_label
