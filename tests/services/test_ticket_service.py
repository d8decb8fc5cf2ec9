"""Ticket use cases on SQLite and PostgreSQL: SLA dates, replies, workflow, lists and search."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.data.models.people import Contact, Organisation, Team
from app.data.models.tickets import BusinessCalendar, Holiday, SlaPolicy, Ticket
from app.domain.enums import Priority, Role, TicketEventKind, TicketStatus
from app.domain.permissions import PermissionDeniedError
from app.domain.sla import DEFAULT_TARGETS, SlaState
from app.errors import NotFoundError, ValidationError
from app.services.base import Area
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.ticket_service import TicketFilter, TicketService
from tests.conftest import ADMIN_PASSWORD


def _contact(services: Services, name: str = "Rita Requester", org: str = "") -> uuid.UUID:
    with services.db.session() as s:
        org_id = None
        if org:
            organisation = Organisation(name=org)
            s.add(organisation)
            s.flush()
            org_id = organisation.id
        contact = Contact(full_name=name, email="rita@example.org", organisation_id=org_id)
        s.add(contact)
        s.flush()
        return contact.id


def _set_opened(services: Services, ticket_id: uuid.UUID, **values: object) -> None:
    """Move a ticket's clock fields, to test SLA arithmetic at known moments."""
    with services.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        for key, value in values.items():
            setattr(ticket, key, value)


def test_create_sets_number_event_audit_and_default_sla(any_services: Services) -> None:
    tickets = any_services.tickets
    requester = _contact(any_services, org="Acme")
    ticket_id, changes = tickets.create(
        "  Printer   jams on floor 2 ",
        "Paper jam every morning",
        Priority.HIGH,
        requester_id=requester,
    )
    assert changes.touches(Area.TICKETS)
    assert ticket_id in changes.ids
    detail = tickets.get(ticket_id)
    assert detail.subject == "Printer jams on floor 2"
    assert detail.number.startswith(any_services.db.device_prefix + "-")
    assert detail.status is TicketStatus.NEW
    assert detail.requester_name == "Rita Requester"
    assert detail.organisation_name == "Acme"
    assert [e.kind for e in detail.events] == [TicketEventKind.CREATED]
    assert detail.events[0].author_name == "Ada Admin"
    # No policy in the database: the default targets over a Mon–Fri 8–18 UTC calendar.
    assert detail.first_response_due_at is not None
    assert detail.resolution_due_at is not None
    assert detail.first_response_due_at > detail.opened_at
    assert detail.resolution_due_at - detail.opened_at >= timedelta(
        minutes=DEFAULT_TARGETS[Priority.HIGH].resolution_minutes
    )
    audit = any_services.people.audit_page(0, 5)
    assert audit[0].action == "ticket.create"
    assert detail.number in audit[0].summary

    second, _ = tickets.create("Another", priority=Priority.LOW)
    assert tickets.get(second).number != detail.number


def test_create_uses_org_policy_and_business_calendar(any_services: Services) -> None:
    """Due dates skip nights, weekends and holidays of the policy's calendar."""
    requester = _contact(any_services, org="Acme")
    with any_services.db.session() as s:
        contact = s.get(Contact, requester)
        assert contact is not None
        calendar = BusinessCalendar(
            name="Office", timezone="UTC", workdays="0,1,2,3,4", day_start_minute=9 * 60,
            day_end_minute=17 * 60,
        )  # fmt: skip
        s.add(calendar)
        s.flush()
        s.add(Holiday(calendar_id=calendar.id, day="2030-01-07", name="Staff day"))
        s.add(SlaPolicy(name="General urgent", priority=Priority.URGENT, calendar_id=calendar.id,
                        first_response_minutes=600, resolution_minutes=6000))  # fmt: skip
        s.add(SlaPolicy(name="Acme urgent", priority=Priority.URGENT, calendar_id=calendar.id,
                        organisation_id=contact.organisation_id, first_response_minutes=60,
                        resolution_minutes=10 * 60))  # fmt: skip
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Server down", priority=Priority.URGENT, requester_id=requester)
    # Opened on Friday 2030-01-04 at 16:30 UTC: 30 minutes left that day, Monday is a holiday.
    opened = datetime(2030, 1, 4, 16, 30, tzinfo=UTC)
    _set_opened(any_services, ticket_id, opened_at=opened)
    # Re-apply the SLA from the new opened_at by changing the priority there and back.
    tickets.change_priority(ticket_id, Priority.HIGH)
    tickets.change_priority(ticket_id, Priority.URGENT)
    detail = tickets.get(ticket_id, now=opened)
    assert detail.sla_policy_name == "Acme urgent"
    assert detail.first_response_due_at == datetime(2030, 1, 8, 9, 30, tzinfo=UTC)
    # 600 minutes: 30 on Friday, 480 on Tuesday, 90 on Wednesday.
    assert detail.resolution_due_at == datetime(2030, 1, 9, 10, 30, tzinfo=UTC)
    assert detail.first_response_state == SlaState.OK


def test_reply_versus_note_and_first_response(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("VPN drops")
    with pytest.raises(ValidationError, match="Write something"):
        tickets.add_reply(ticket_id, "   ", public=True)

    tickets.add_reply(ticket_id, "Checked the logs", public=False)
    detail = tickets.get(ticket_id)
    assert detail.first_responded_at is None
    assert detail.status is TicketStatus.NEW
    assert detail.events[-1].kind is TicketEventKind.NOTE
    assert not detail.events[-1].is_public

    changes = tickets.add_reply(ticket_id, "We are on it", public=True)
    assert ticket_id in changes.ids
    detail = tickets.get(ticket_id)
    assert detail.first_responded_at is not None
    assert detail.status is TicketStatus.OPEN
    kinds = [e.kind for e in detail.events]
    assert kinds == [
        TicketEventKind.CREATED,
        TicketEventKind.NOTE,
        TicketEventKind.REPLY,
        TicketEventKind.STATUS,
    ]
    assert detail.events[2].is_public
    assert detail.events[2].body == "We are on it"
    first = detail.first_responded_at

    tickets.add_reply(ticket_id, "Still on it", public=True)
    assert tickets.get(ticket_id).first_responded_at == first  # only the first reply counts


def test_first_response_minutes_are_business_minutes(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Email slow")
    # Opened on Friday 17:00 UTC: one business hour that day before the weekend.
    _set_opened(any_services, ticket_id, opened_at=datetime(2024, 1, 5, 17, 0, tzinfo=UTC))
    tickets.add_reply(ticket_id, "Looking", public=True)
    with any_services.db.read_session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.first_response_minutes is not None
        assert ticket.first_responded_at is not None
        elapsed = (ticket.first_responded_at - ticket.opened_at).total_seconds() / 60
        # Business minutes are far fewer than wall-clock minutes over weekends and nights.
        assert 60 <= ticket.first_response_minutes < elapsed


def test_workflow_refusal_resolve_reopen_close(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Laptop will not boot")
    with pytest.raises(ValidationError, match="already new"):
        tickets.change_status(ticket_id, TicketStatus.NEW)

    tickets.change_status(ticket_id, TicketStatus.RESOLVED)
    detail = tickets.get(ticket_id)
    assert detail.resolved_at is not None
    assert not detail.sla_breached
    with pytest.raises(ValidationError, match="cannot go from resolved to waiting"):
        tickets.change_status(ticket_id, TicketStatus.PENDING)

    tickets.change_status(ticket_id, TicketStatus.OPEN)  # reopen
    assert tickets.get(ticket_id).resolved_at is None

    # Late: the due date has passed, so resolving marks the SLA as breached.
    past = datetime.now(UTC) - timedelta(days=30)
    _set_opened(
        any_services, ticket_id, opened_at=past, resolution_due_at=past, first_response_due_at=past
    )
    tickets.change_status(ticket_id, TicketStatus.RESOLVED)
    detail = tickets.get(ticket_id)
    assert detail.sla_breached
    assert detail.resolution_state == SlaState.BREACHED
    assert TicketEventKind.SLA_BREACH in [e.kind for e in detail.events]

    tickets.change_status(ticket_id, TicketStatus.CLOSED)
    assert tickets.get(ticket_id).closed_at is not None
    with pytest.raises(ValidationError, match="closed ticket cannot change"):
        tickets.change_status(ticket_id, TicketStatus.OPEN)
    with pytest.raises(ValidationError, match="closed ticket"):
        tickets.add_reply(ticket_id, "hello", public=True)
    statuses = [
        (e.old_value, e.new_value) for e in detail.events if e.kind is TicketEventKind.STATUS
    ]
    assert ("open", "resolved") in statuses
    assert ("resolved", "open") in statuses


def test_change_priority_recomputes_due_dates(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Disk full", priority=Priority.LOW)
    low = tickets.get(ticket_id)
    tickets.change_priority(ticket_id, Priority.URGENT)
    urgent = tickets.get(ticket_id)
    assert urgent.priority is Priority.URGENT
    assert urgent.resolution_due_at is not None
    assert low.resolution_due_at is not None
    assert urgent.resolution_due_at < low.resolution_due_at
    assert urgent.events[-1].kind is TicketEventKind.PRIORITY
    assert (urgent.events[-1].old_value, urgent.events[-1].new_value) == ("low", "urgent")


def test_assign_and_options(any_services: Services) -> None:
    tickets = any_services.tickets
    with any_services.db.session() as s:
        team = Team(name="Field")
        s.add(team)
        s.flush()
        team_id = team.id
    ticket_id, _ = tickets.create("Projector broken")
    me = any_services.actor.user_id
    assert [p.id for p in tickets.assignees()] == [me]
    assert [t.name for t in tickets.teams()] == ["Field"]
    tickets.assign(ticket_id, me, team_id)
    detail = tickets.get(ticket_id)
    assert (detail.assignee_name, detail.team_name) == ("Ada Admin", "Field")
    assert detail.events[-1].kind is TicketEventKind.ASSIGNMENT
    with pytest.raises(ValidationError, match="already assigned"):
        tickets.assign(ticket_id, me, team_id)
    with pytest.raises(ValidationError, match="cannot take tickets"):
        tickets.assign(ticket_id, uuid.uuid4(), team_id)
    with pytest.raises(NotFoundError):
        tickets.get(uuid.uuid4())


def _seed(tickets: TicketService) -> dict[str, uuid.UUID]:
    ids = {}
    for subject, priority in (
        ("Printer offline in reception", Priority.NORMAL),
        ("Password reset for payroll", Priority.URGENT),
        ("Monitor flickers", Priority.LOW),
        ("Printing queue stuck", Priority.HIGH),
    ):
        ids[subject.split()[0]], _ = tickets.create(subject, "details here", priority)
    return ids


def test_filters_sort_by_priority_rank_and_paging(any_services: Services) -> None:
    tickets = any_services.tickets
    ids = _seed(tickets)
    me = any_services.actor.user_id
    tickets.assign(ids["Monitor"], me)
    tickets.change_status(ids["Password"], TicketStatus.PENDING)
    tickets.change_status(ids["Printing"], TicketStatus.RESOLVED)

    by_rank = tickets.list_page(TicketFilter(), "priority", True, 0, 50)
    assert [r.priority for r in by_rank] == [
        Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW,
    ]  # fmt: skip
    ascending = tickets.list_page(TicketFilter(), "priority", False, 0, 50)
    assert ascending[0].priority is Priority.LOW  # "low" sorts first by rank, not alphabet

    active = TicketFilter(active_only=True)
    assert tickets.count(active) == 3
    assert ids["Printing"] not in {r.id for r in tickets.list_page(active, "number", False, 0, 50)}
    mine = tickets.list_page(TicketFilter(active_only=True, assignee="me"), "number", False, 0, 9)
    assert [r.id for r in mine] == [ids["Monitor"]]
    assert mine[0].assignee_name == "Ada Admin"
    assert tickets.count(TicketFilter(assignee="unassigned")) == 3
    assert tickets.count(TicketFilter(assignee=me)) == 1
    waiting = TicketFilter(statuses=frozenset({TicketStatus.PENDING}))
    assert [r.id for r in tickets.list_page(waiting, "number", False, 0, 9)] == [ids["Password"]]

    pages = [tickets.list_page(TicketFilter(), "subject", False, off, 3) for off in (0, 3)]
    assert [len(p) for p in pages] == [3, 1]
    subjects = [r.subject for p in pages for r in p]
    assert subjects == sorted(subjects, key=str.lower)
    assert pages[0][0].sla_state in (SlaState.OK, SlaState.DUE_SOON)
    with pytest.raises(ValidationError):
        tickets.list_page(TicketFilter(), "password_hash", False, 0, 3)


def test_full_text_search_word_prefix_and_number(any_services: Services) -> None:
    tickets = any_services.tickets
    ids = _seed(tickets)
    found = tickets.list_page(TicketFilter(text="payroll"), "number", False, 0, 50)
    assert [r.id for r in found] == [ids["Password"]]
    # The last word matches as a prefix while typing.
    found = tickets.list_page(TicketFilter(text="print"), "number", False, 0, 50)
    assert {r.id for r in found} == {ids["Printer"], ids["Printing"]}
    found = tickets.list_page(TicketFilter(text="printer rece"), "number", False, 0, 50)
    assert [r.id for r in found] == [ids["Printer"]]
    assert tickets.count(TicketFilter(text="zebra")) == 0
    assert tickets.count(TicketFilter(text='  "*(  ')) == 0  # punctuation only: no error
    number = tickets.get(ids["Monitor"]).number
    found = tickets.list_page(TicketFilter(text=number.lower()), "number", False, 0, 50)
    assert next(r.id for r in found) == ids["Monitor"]
    # Search combines with the other filters.
    tickets.change_status(ids["Printing"], TicketStatus.RESOLVED)
    assert tickets.count(TicketFilter(text="print", active_only=True)) == 1


def test_trainer_may_read_but_not_write(any_services: Services) -> None:
    ticket_id, _ = any_services.tickets.create("Readable by all staff")
    any_services.people.create_person(
        username="tess", full_name="Tess Trainer", email="", password=ADMIN_PASSWORD,
        roles=frozenset({Role.TRAINER}),
    )  # fmt: skip
    trainer = AuthService(any_services.db).principal_for("tess")
    as_trainer = TicketService(any_services.db, trainer)
    assert as_trainer.get(ticket_id).subject == "Readable by all staff"
    assert "Tess Trainer" not in [p.name for p in as_trainer.assignees()]
    with pytest.raises(PermissionDeniedError):
        as_trainer.create("Nope")
    with pytest.raises(PermissionDeniedError):
        as_trainer.add_reply(ticket_id, "hi", public=True)
    with pytest.raises(PermissionDeniedError):
        as_trainer.change_status(ticket_id, TicketStatus.OPEN)


def test_technician_may_take_but_not_give_tickets(any_services: Services) -> None:
    people = any_services.people
    tech_id, _ = people.create_person(
        username="tom", full_name="Tom Tech", email="", password=ADMIN_PASSWORD,
        roles=frozenset({Role.TECHNICIAN}),
    )  # fmt: skip
    tech = TicketService(any_services.db, AuthService(any_services.db).principal_for("tom"))
    ticket_id, _ = tech.create("Keyboard sticky")
    tech.assign(ticket_id, tech_id)
    assert tech.get(ticket_id).assignee_name == "Tom Tech"
    with pytest.raises(PermissionDeniedError):
        tech.assign(ticket_id, any_services.actor.user_id)
    with pytest.raises(PermissionDeniedError):
        tech.create("For the boss", assignee_id=any_services.actor.user_id)
    tech.assign(ticket_id, None)  # letting go of one's own ticket is fine
    assert tech.get(ticket_id).assignee_id is None
