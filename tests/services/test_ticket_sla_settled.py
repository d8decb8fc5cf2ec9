"""SLA outcomes that must stay settled: a priority change after a missed or finished clock,
pauses replayed only where they applied, reopening a resolved ticket, and breach events that
two desktops record with the same id. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.data.models.tickets import Ticket, TicketEvent
from app.domain.enums import Priority, TicketEventKind, TicketStatus
from app.domain.sla import SlaState
from app.services.registry import Services

MONDAY_0900 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # default calendar: Mon-Fri 08-18 UTC


def _set(services: Services, ticket_id: uuid.UUID, **values: object) -> None:
    with services.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        for key, value in values.items():
            setattr(ticket, key, value)


def _retime(services: Services, ticket_id: uuid.UUID, kind: TicketEventKind, *at: datetime) -> None:
    """Give the ticket's `kind` events (oldest first) the moments `at`."""
    with services.db.session() as s:
        events = s.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == kind)
            .order_by(TicketEvent.created_at)
        ).all()
        assert len(events) == len(at)
        for event, moment in zip(events, at, strict=True):
            event.created_at = moment


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def test_priority_change_replays_only_the_pauses_that_applied(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Scanner offline", priority=Priority.NORMAL)
    for status in (TicketStatus.PENDING, TicketStatus.OPEN) * 2:
        tickets.change_status(ticket_id, status)
    _set(any_services, ticket_id, opened_at=MONDAY_0900)
    # Two business hours waiting on Monday morning, then two more on Friday the week after,
    # long after every due time had passed.
    _retime(
        any_services,
        ticket_id,
        TicketEventKind.SLA_PAUSED,
        MONDAY_0900 + timedelta(minutes=30),
        datetime(2026, 11, 13, 9, 0, tzinfo=UTC),
    )
    _retime(
        any_services,
        ticket_id,
        TicketEventKind.SLA_RESUMED,
        MONDAY_0900 + timedelta(hours=2, minutes=30),
        datetime(2026, 11, 13, 11, 0, tzinfo=UTC),
    )
    tickets.change_priority(ticket_id, Priority.HIGH)  # 1 h to answer, 8 h to resolve
    detail = tickets.get(ticket_id)
    # Only the Monday pause moves the due times on (by two hours); the Friday one began
    # after both had passed, so it changes nothing.
    assert _utc(detail.first_response_due_at) == datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    assert _utc(detail.resolution_due_at) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def test_priority_change_never_rewrites_a_missed_first_response(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Everyone locked out", priority=Priority.URGENT)
    due = MONDAY_0900 + timedelta(minutes=30)
    _set(any_services, ticket_id, opened_at=MONDAY_0900, first_response_due_at=due)
    tickets.add_reply(ticket_id, "Looking at it now.")  # weeks late
    assert tickets.get(ticket_id).first_response_state == SlaState.BREACHED

    tickets.change_priority(ticket_id, Priority.LOW)
    detail = tickets.get(ticket_id)
    assert _utc(detail.first_response_due_at) == due
    assert detail.first_response_state == SlaState.BREACHED


def test_reopening_moves_the_resolution_due_time_by_the_resolved_stretch(
    any_services: Services,
) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Laptop battery swells", priority=Priority.LOW)
    tickets.add_reply(ticket_id, "Replacement ordered.")
    tickets.change_status(ticket_id, TicketStatus.RESOLVED)
    # Resolved with three business hours to spare; reopened weeks later, long after the old
    # due time: the three hours are still there.
    resolved_at = MONDAY_0900 + timedelta(hours=1)
    old_due = resolved_at + timedelta(hours=3)
    _set(any_services, ticket_id, resolved_at=resolved_at, resolution_due_at=old_due)
    tickets.change_status(ticket_id, TicketStatus.OPEN)
    detail = tickets.get(ticket_id)
    due = _utc(detail.resolution_due_at)
    assert due is not None
    assert due > datetime.now(UTC)  # the clock stood still while it was resolved
    assert detail.resolution_state != SlaState.BREACHED
    assert not detail.sla_breached
    assert tickets.record_breaches() == 0


def test_a_breach_has_the_same_event_id_on_every_desktop(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Backups failing", priority=Priority.URGENT)
    _set(
        any_services,
        ticket_id,
        opened_at=MONDAY_0900,
        first_response_due_at=MONDAY_0900 + timedelta(minutes=30),
        resolution_due_at=MONDAY_0900 + timedelta(hours=4),
    )
    assert tickets.record_breaches() == 2
    assert tickets.record_breaches() == 0
    with any_services.db.read_session() as s:
        ids = set(
            s.scalars(
                select(TicketEvent.id).where(
                    TicketEvent.ticket_id == ticket_id,
                    TicketEvent.kind == TicketEventKind.SLA_BREACH,
                )
            )
        )
    expected = {
        uuid.uuid5(uuid.UUID("6f1d2c3e-5b7a-4c1e-9d2f-0a8b7c6d5e4f"), f"{ticket_id}:{target}")
        for target in ("first_response", "resolution")
    }
    assert ids == expected
