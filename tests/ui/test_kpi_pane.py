"""The KPIs pane on a real SQLite file: tiles, charts, period choice, refresh on change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate
from PySide6.QtGui import QPalette
from pytestqt.qtbot import QtBot

from app.data.models.tickets import Ticket
from app.domain.enums import TicketStatus
from app.domain.sla import SlaState
from app.services.base import Area, Changes
from app.services.registry import Services
from app.ui import theme
from app.ui.kpi import charts
from app.ui.kpi.kpi_pane import KpiPane
from app.ui.pane import Pane

pytestmark = pytest.mark.gui


def _add_tickets(services: Services, *specs: tuple[str, int, TicketStatus, bool]) -> None:
    """(number, days ago opened, status, past its target) per ticket."""
    now = datetime.now(UTC)
    with services.db.session() as s:
        for number, days_ago, status, late in specs:
            opened = now - timedelta(days=days_ago)
            s.add(
                Ticket(
                    number=number,
                    subject=number,
                    opened_at=opened,
                    status=status,
                    resolved_at=opened + timedelta(hours=5) if not status.is_active else None,
                    resolution_minutes=300 if not status.is_active else None,
                    resolution_due_at=now - timedelta(hours=1) if late else now + timedelta(days=9),
                )
            )


def _loaded(pane: KpiPane, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not pane.busy.isVisible(), timeout=10000)


@pytest.fixture
def pane(services: Services, make_pane: Callable[[type[Pane]], Pane]) -> KpiPane:
    _add_tickets(
        services,
        ("T-1", 2, TicketStatus.OPEN, True),
        ("T-2", 3, TicketStatus.NEW, False),
        ("T-3", 4, TicketStatus.RESOLVED, False),
    )
    built = make_pane(KpiPane)
    assert isinstance(built, KpiPane)
    return built


def test_tiles_show_numbers(pane: KpiPane, qtbot: QtBot) -> None:
    _loaded(pane, qtbot)
    assert pane.tiles["open"].value_label.text() == "2"
    assert pane.tiles["breached"].value_label.text() == "1"
    assert pane.tiles["resolved"].value_label.text() == "1"
    assert pane.tiles["csat"].value_label.text() == "–"  # nothing rated yet
    breached_colour = (
        pane.tiles["breached"].value_label.palette().color(QPalette.ColorRole.WindowText)
    )
    assert breached_colour == theme.sla_colour(SlaState.BREACHED)
    assert pane.tiles["open"].value_label.palette().color(
        QPalette.ColorRole.WindowText
    ) != theme.sla_colour(SlaState.BREACHED)


def test_charts_drew_the_period(pane: KpiPane, qtbot: QtBot) -> None:
    _loaded(pane, qtbot)
    ax = pane.axes["opened_resolved"]
    assert ax.get_title() == "Tickets opened and resolved per week"
    assert sum(p.get_height() for p in ax.containers[0]) == 3  # three opened
    assert [t.get_text() for t in pane.axes["satisfaction"].texts] == [charts.NO_DATA]
    assert not pane.empty_label.isVisible()
    # Figures follow the palette.
    window = pane.palette().color(QPalette.ColorRole.Window)
    face = pane.canvases["backlog"].figure.get_facecolor()
    assert round(face[0] * 255) == window.red()


def test_presets_change_the_number_of_weeks(pane: KpiPane, qtbot: QtBot) -> None:
    _loaded(pane, qtbot)
    pane.preset_combo.setCurrentIndex(0)  # last 4 weeks
    _loaded(pane, qtbot)
    start, end = pane.period()
    assert (end - start).days == 27
    assert not pane.from_edit.isEnabled()
    weeks = len(pane.axes["opened_resolved"].containers[0])
    assert weeks in (4, 5)  # 28 days touch four or five Monday-weeks
    pane.preset_combo.setCurrentIndex(2)  # last 12 months
    _loaded(pane, qtbot)
    assert len(pane.axes["opened_resolved"].containers[0]) >= 52


def test_custom_period_without_data_shows_empty_state(pane: KpiPane, qtbot: QtBot) -> None:
    _loaded(pane, qtbot)
    pane.preset_combo.setCurrentIndex(3)  # custom
    assert pane.from_edit.isEnabled()
    pane.from_edit.setDate(QDate(2020, 1, 6))
    pane.to_edit.setDate(QDate(2020, 2, 2))
    qtbot.waitUntil(lambda: pane.period() == (date(2020, 1, 6), date(2020, 2, 2)))
    qtbot.waitUntil(lambda: pane.empty_label.isVisible(), timeout=10000)
    for ax in pane.axes.values():
        assert [t.get_text() for t in ax.texts] == [charts.NO_DATA]


def test_refreshes_when_tickets_change(pane: KpiPane, services: Services, qtbot: QtBot) -> None:
    _loaded(pane, qtbot)
    _add_tickets(services, ("T-4", 1, TicketStatus.OPEN, False))
    pane.signals.changed.emit(Changes.of(Area.TICKETS))
    qtbot.waitUntil(lambda: pane.tiles["open"].value_label.text() == "3", timeout=10000)
