"""The SLA clock in the service: pausing while waiting on the requester, resuming with due
times moved on, the clock's timeline, breach recording and the due-soon/breached views, on
SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.data.models.tickets import Ticket, TicketEvent
from app.domain.enums import Priority, TicketEventKind, TicketStatus
from app.domain.sla import (
    BusinessCalendar,
    SlaState,
    add_business_minutes,
    business_minutes_between,
    shift_due,
)
from app.services.registry import Services
from app.services.ticket_service import TicketFilter


def _set(services: Services, ticket_id: uuid.UUID, **values: object) -> None:
    """Move a ticket's clock fields, to test the clock at known moments."""
    with services.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        for key, value in values.items():
            setattr(ticket, key, value)


def _kinds(services: Services, ticket_id: uuid.UUID) -> list[TicketEventKind]:
    return [e.kind for e in services.tickets.get(ticket_id).events]


def test_waiting_on_requester_pauses_the_clock(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Need the serial number")
    tickets.change_status(ticket_id, TicketStatus.PENDING)
    detail = tickets.get(ticket_id)
    assert detail.sla_paused
    assert detail.first_response_state == SlaState.PAUSED
    assert detail.resolution_state == SlaState.PAUSED
    assert _kinds(any_services, ticket_id)[-2:] == [
        TicketEventKind.STATUS, TicketEventKind.SLA_PAUSED,
    ]  # fmt: skip
    # Even long past its due times, a paused ticket is not shown as breached.
    far = datetime.now(UTC) + timedelta(days=60)
    row = tickets.list_page(TicketFilter(), "number", False, 0, 5, now=far)[0]
    assert row.sla_paused
    assert row.sla_state == SlaState.PAUSED
    assert tickets.get(ticket_id, now=far).resolution_state == SlaState.PAUSED
    assert tickets.count(TicketFilter(due="breached")) == 0


def test_resuming_moves_due_times_on_by_the_business_time_paused(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Waiting for a photo of the error", priority=Priority.LOW)
    tickets.change_status(ticket_id, TicketStatus.PENDING)
    # Pretend the ticket came in eight days ago and the clock stopped an hour later (at least
    # five working days of 10 hours ago), with a history that says the same.
    calendar = BusinessCalendar()  # no policy: the default office hours
    paused_at = datetime.now(UTC) - timedelta(days=8)
    opened_at = paused_at - timedelta(hours=1)
    _set(
        any_services,
        ticket_id,
        opened_at=opened_at,
        sla_paused_at=paused_at,
        first_response_due_at=add_business_minutes(opened_at, 8 * 60, calendar),
        resolution_due_at=add_business_minutes(opened_at, 5 * 10 * 60, calendar),
    )
    with any_services.db.session() as s:
        pause = s.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == ticket_id,
                TicketEvent.kind == TicketEventKind.SLA_PAUSED,
            )
        ).one()
        pause.created_at = paused_at
    before = tickets.get(ticket_id)
    assert before.first_response_due_at is not None
    assert before.resolution_due_at is not None

    tickets.change_status(ticket_id, TicketStatus.OPEN)
    after = tickets.get(ticket_id)
    resumed = next(e for e in reversed(after.events) if e.kind is TicketEventKind.STATUS)
    resume_event = after.events[-1]
    assert resume_event.kind is TicketEventKind.SLA_RESUMED
    assert (resume_event.old_value, resume_event.new_value) == ("pending", "open")
    resumed_at = resumed.created_at
    assert after.first_response_due_at == shift_due(
        before.first_response_due_at, paused_at, resumed_at, calendar
    )
    assert after.resolution_due_at == shift_due(
        before.resolution_due_at, paused_at, resumed_at, calendar
    )
    paused_minutes = business_minutes_between(paused_at, resumed_at, calendar)
    assert paused_minutes >= 5 * 600
    assert after.sla_paused_minutes == round(paused_minutes)
    assert not after.sla_paused
    assert after.resolution_due_at > before.resolution_due_at
    assert after.resolution_state in (SlaState.OK, SlaState.DUE_SOON)

    # A priority change later still counts the pause (it began before the new due time):
    # due = opened + target + paused.
    tickets.change_priority(ticket_id, Priority.NORMAL)
    moved = tickets.get(ticket_id)
    assert moved.resolution_due_at is not None
    assert business_minutes_between(
        moved.opened_at, moved.resolution_due_at, calendar
    ) == pytest.approx(30 * 60 + round(paused_minutes), abs=1e-6)


def test_a_target_missed_before_the_pause_stays_missed(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Late already")
    missed = datetime.now(UTC) - timedelta(days=3)
    _set(any_services, ticket_id, first_response_due_at=missed)
    tickets.change_status(ticket_id, TicketStatus.PENDING)
    detail = tickets.get(ticket_id)
    assert detail.first_response_state == SlaState.BREACHED
    assert detail.resolution_state == SlaState.PAUSED
    tickets.change_status(ticket_id, TicketStatus.ON_HOLD)
    assert tickets.get(ticket_id).first_response_due_at == missed


def test_sla_timeline_from_the_events(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Timeline")
    tickets.change_status(ticket_id, TicketStatus.PENDING)
    tickets.change_status(ticket_id, TicketStatus.OPEN)
    tickets.change_status(ticket_id, TicketStatus.PENDING)
    tickets.change_status(ticket_id, TicketStatus.RESOLVED)  # straight from waiting
    tickets.change_status(ticket_id, TicketStatus.OPEN)  # reopened
    stretches = tickets.sla_timeline(ticket_id)
    assert [(s.state, s.reason) for s in stretches] == [
        ("running", "Ticket opened"),
        ("paused", "Waiting on the requester"),
        ("running", "Moved to open"),
        ("paused", "Waiting on the requester"),
        ("stopped", "Resolved"),
        ("running", "Reopened"),
    ]
    assert stretches[0].start == tickets.get(ticket_id).opened_at
    assert all(a.end == b.start for a, b in itertools.pairwise(stretches))
    assert stretches[-1].end is None
    assert not tickets.get(ticket_id).sla_paused


def test_record_breaches_is_idempotent(any_services: Services) -> None:
    tickets = any_services.tickets
    now = datetime.now(UTC)
    late, _ = tickets.create("Late on both targets")
    _set(any_services, late, first_response_due_at=now - timedelta(hours=5),
         resolution_due_at=now - timedelta(hours=1))  # fmt: skip
    on_time, _ = tickets.create("Fine")
    paused_in_time, _ = tickets.create("Paused before its due time")
    tickets.change_status(paused_in_time, TicketStatus.PENDING)
    _set(
        any_services,
        paused_in_time,
        resolution_due_at=now - timedelta(minutes=1),
        sla_paused_at=now - timedelta(hours=2),
        first_response_due_at=now + timedelta(hours=1),
    )
    paused_late, _ = tickets.create("Paused after its due time")
    tickets.change_status(paused_late, TicketStatus.PENDING)
    _set(any_services, paused_late, first_response_due_at=now - timedelta(hours=3),
         sla_paused_at=now - timedelta(hours=2))  # fmt: skip

    assert tickets.record_breaches(now) == 3
    assert tickets.record_breaches(now) == 0
    assert tickets.record_breaches(now + timedelta(minutes=1)) == 0

    late_detail = tickets.get(late)
    breaches = [e for e in late_detail.events if e.kind is TicketEventKind.SLA_BREACH]
    assert sorted(e.new_value for e in breaches) == ["first_response", "resolution"]
    assert all(e.author_name == "" for e in breaches)  # the system's, not a person's
    assert late_detail.sla_breached
    assert not tickets.get(on_time).sla_breached
    assert not tickets.get(paused_in_time).sla_breached
    assert tickets.get(paused_late).sla_breached
    assert any_services.people.audit_page(0, 1)[0].action == "ticket.sla_breach"

    # Resolving late adds no second event for a breach already recorded.
    tickets.change_status(late, TicketStatus.RESOLVED)
    kinds = _kinds(any_services, late)
    assert kinds.count(TicketEventKind.SLA_BREACH) == 2


def test_due_soon_and_breached_filters_match_the_row_states(any_services: Services) -> None:
    tickets = any_services.tickets
    now = datetime.now(UTC)
    ids = {}
    for name, minutes in (("soon", 30), ("later", 600), ("breached", -10)):
        ids[name], _ = tickets.create(name)  # normal: 240-minute first response target
        _set(any_services, ids[name], first_response_due_at=now + timedelta(minutes=minutes),
             resolution_due_at=now + timedelta(days=3))  # fmt: skip
    ids["met late"], _ = tickets.create("met late")
    tickets.add_reply(ids["met late"], "Sorry for the wait", public=True)
    _set(any_services, ids["met late"], first_response_due_at=now - timedelta(days=1))
    ids["resolved"], _ = tickets.create("resolved")
    tickets.change_status(ids["resolved"], TicketStatus.RESOLVED)

    def listed(due: str, **kw: object) -> dict[uuid.UUID, str | None]:
        flt = TicketFilter(due=due, **kw)  # type: ignore[arg-type]
        rows = tickets.list_page(flt, "sla", False, 0, 50, now=now)
        assert tickets.count(flt, now=now) == len(rows)
        return {r.id: r.sla_state for r in rows}

    soon = listed("due_soon")
    assert set(soon) == {ids["soon"]}
    assert set(soon.values()) == {SlaState.DUE_SOON}
    breached = listed("breached", active_only=True)
    assert set(breached) == {ids["breached"], ids["met late"]}
    assert set(breached.values()) == {SlaState.BREACHED}
    # Every active row's state agrees with the filters.
    rows = tickets.list_page(TicketFilter(active_only=True), "number", False, 0, 50, now=now)
    for row in rows:
        assert (row.sla_state == SlaState.DUE_SOON) == (row.id in soon)
        assert (row.sla_state == SlaState.BREACHED) == (row.id in breached)

    me = any_services.actor.user_id
    tickets.assign(ids["soon"], me)
    tickets.assign(ids["later"], me)
    mine = tickets.due_soon_for_me(within_minutes=60, now=now)
    assert [r.id for r in mine] == [ids["soon"]]
    assert {r.id for r in tickets.due_soon_for_me(within_minutes=700, now=now)} == {
        ids["soon"], ids["later"],
    }  # fmt: skip
