"""The ticket list and timeline models pass Qt's model checks and show the right data."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.domain.enums import Priority, TicketEventKind, TicketStatus
from app.services.registry import Services
from app.services.ticket_service import TicketFilter
from app.ui.models.roles import ID_ROLE, ROW_ROLE, SORT_ROLE
from app.ui.models.ticket_event_model import TicketEventModel, headline
from app.ui.models.ticket_model import TicketModel

pytestmark = pytest.mark.gui


def test_ticket_model_pages_and_passes_modeltester(qtmodeltester: Any, services: Services) -> None:
    for n in range(5):
        services.tickets.create(f"Ticket {n}", priority=list(Priority)[n % 4])
    model = TicketModel(page_size=2)
    calls: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int) -> list[Any]:
        calls.append((offset, limit))
        return services.tickets.list_page(TicketFilter(), "priority", True, offset, limit)

    model.reset(fetch)
    assert model.rowCount() == 2  # only the first page until the view asks for more
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
    assert model.rowCount() == 5
    assert calls[:2] == [(0, 2), (2, 2)]
    qtmodeltester.check(model)

    first = model.index(0, model.column_of("priority"))
    assert model.data(first) == "Urgent"
    assert model.data(first, SORT_ROLE) == Priority.URGENT.rank
    assert model.data(first, Qt.ItemDataRole.ForegroundRole) is not None
    row = model.data(first, ROW_ROLE)
    assert model.data(first, ID_ROLE) == row.id
    assert model.headerData(first.column(), Qt.Orientation.Horizontal) == "Priority"
    status = model.index(0, model.column_of("status"))
    assert model.data(status) == TicketStatus.NEW.label


def test_event_model_headlines_and_modeltester(qtmodeltester: Any, services: Services) -> None:
    ticket_id, _ = services.tickets.create("Mouse broken")
    services.tickets.add_reply(ticket_id, "Sending a new one", public=True)
    services.tickets.add_reply(ticket_id, "Stock is low", public=False)
    services.tickets.change_priority(ticket_id, Priority.URGENT)
    model = TicketEventModel()
    model.set_events(services.tickets.get(ticket_id).events)
    qtmodeltester.check(model)
    texts = [model.data(model.index(r)) for r in range(model.rowCount())]
    assert texts[0] == "Ada Admin logged the ticket"
    assert texts[1] == "Ada Admin replied to the requester\nSending a new one"
    assert texts[2] == "Ada Admin changed the status from new to open"
    assert texts[3] == "Internal note by Ada Admin\nStock is low"
    assert texts[4] == "Ada Admin changed the priority from normal to urgent"
    event = model.data(model.index(3), ROW_ROLE)
    assert event.kind is TicketEventKind.NOTE
    assert headline(event).startswith("Internal note")
    model.set_events([])
    assert model.rowCount() == 0
