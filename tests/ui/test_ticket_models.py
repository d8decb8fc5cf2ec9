"""The ticket list and timeline models pass Qt's model checks and show the right data."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.domain.enums import Priority, TicketEventKind, TicketStatus
from app.services.registry import Services
from app.services.ticket_service import TICKET_COLUMNS, TicketFilter
from app.ui.models.roles import ID_ROLE, ROW_ROLE, SORT_ROLE
from app.ui.models.ticket_event_model import TicketEventModel, headline
from app.ui.models.ticket_model import (
    COUNT_ROLE,
    HTML_ROLE,
    SavedViewModel,
    SearchHitModel,
    TicketModel,
    ViewEntry,
    snippet_html,
)

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


def test_ticket_model_has_every_service_column_and_modeltester(
    qtmodeltester: Any, services: Services
) -> None:
    ticket_id, _ = services.tickets.create("Laptop fan loud", category="Hardware", tier=2)
    services.tickets.set_tags(ticket_id, ["noise", "laptop"])
    model = TicketModel()
    model.reset(
        lambda offset, limit: services.tickets.list_page(
            TicketFilter(), "updated", True, offset, limit
        )
    )
    qtmodeltester.check(model)
    assert {c.key for c in model.columns} == {c.key for c in TICKET_COLUMNS}
    assert model.data(model.index(0, model.column_of("category"))) == "Hardware"
    assert model.data(model.index(0, model.column_of("tier"))) == "L2"
    sla = model.column_of("sla")
    assert model.headerData(sla, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert model.columns[sla].visible_by_default  # the state in words is shown from the start
    assert model.data(model.index(0, sla)) == "On time"


def test_saved_view_model_counts_and_modeltester(qtmodeltester: Any, services: Services) -> None:
    services.tickets.create("Unassigned one")
    model = SavedViewModel()
    views = [ViewEntry(v.id, v.name, v.filter, v.personal) for v in services.tickets.saved_views()]
    model.set_views(views)
    qtmodeltester.check(model)
    unassigned = next(v for v in views if v.name == "Unassigned")
    row = model.row_of_id(unassigned.id)
    assert model.data(model.index(row, SavedViewModel.COUNT)) == "…"  # not counted yet
    model.set_counts(services.tickets.view_counts())
    assert model.data(model.index(row, SavedViewModel.COUNT)) == "1"
    assert model.data(model.index(row, SavedViewModel.COUNT), COUNT_ROLE) == 1
    assert model.data(model.index(row, SavedViewModel.NAME), ID_ROLE) == unassigned.id
    qtmodeltester.check(model)


def test_search_hit_model_bolds_matches_and_modeltester(
    qtmodeltester: Any, services: Services
) -> None:
    ticket_id, _ = services.tickets.create("Wifi slow", "Floor <3> is slow & laggy")
    services.tickets.add_reply(ticket_id, "Replaced the access point", public=False)
    model = SearchHitModel()
    model.set_hits(services.tickets.search("access point"))
    qtmodeltester.check(model)
    assert model.rowCount() == 1
    html = model.data(model.index(0), HTML_ROLE)
    assert "<b>access</b>" in html.lower()
    assert "in an internal note" in html
    assert model.data(model.index(0), ID_ROLE) == ticket_id
    assert snippet_html("a <b> \x02x\x03") == "a &lt;b&gt; <b>x</b>"  # only matches are bold
    model.set_hits([])
    assert model.rowCount() == 0
