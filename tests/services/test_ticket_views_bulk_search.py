"""Saved views with counts, bulk actions and full-text search over tickets, replies and notes,
on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from app.domain.enums import Priority, Role, TicketEventKind, TicketStatus
from app.domain.permissions import PermissionDeniedError
from app.errors import NotFoundError, ValidationError
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.ticket_service import (
    BUILTIN_VIEWS,
    UNSET,
    TicketFilter,
    TicketService,
    filter_from_json,
    filter_to_json,
)
from tests.conftest import ADMIN_PASSWORD


def _person(services: Services, username: str, role: Role) -> tuple[uuid.UUID, TicketService]:
    user_id, _ = services.people.create_person(
        username=username, full_name=username.title(), email="", password=ADMIN_PASSWORD,
        roles=frozenset({role}),
    )  # fmt: skip
    return user_id, TicketService(services.db, AuthService(services.db).principal_for(username))


# --- saved views -----------------------------------------------------------------------------


def test_builtin_views_are_seeded_once_with_counts(any_services: Services) -> None:
    tickets = any_services.tickets
    me = any_services.actor.user_id
    _mine, _ = tickets.create("Mine", assignee_id=me)
    waiting, _ = tickets.create("Waiting")
    tickets.change_status(waiting, TicketStatus.PENDING)
    done, _ = tickets.create("Done")
    tickets.change_status(done, TicketStatus.RESOLVED)

    views = tickets.saved_views()
    assert [v.name for v in views] == [
        "My open", "Unassigned", "Due soon", "Breached", "Waiting on requester", "All open",
        "Recently resolved", "All tickets",
    ]  # fmt: skip
    assert not any(v.personal for v in views)
    # A second service (another window, another desktop session) seeds nothing more.
    again = TicketService(any_services.db, any_services.actor)
    assert [v.id for v in again.saved_views()] == [v.id for v in views]

    counts = tickets.view_counts()
    by_name = {v.name: counts[v.id] for v in views}
    assert by_name == {
        "My open": 1, "Unassigned": 1, "Due soon": 0, "Breached": 0,
        "Waiting on requester": 1, "All open": 2, "Recently resolved": 1, "All tickets": 3,
    }  # fmt: skip
    for view in views:  # the count is what the list shows
        assert counts[view.id] == tickets.count(view.filter)
    only = tickets.view_counts([views[0].id])
    assert only == {views[0].id: 1}


def test_personal_and_shared_views(any_services: Services) -> None:
    tickets = any_services.tickets
    tickets.create("Network switch", priority=Priority.HIGH, tags=["network"])
    flt = TicketFilter(active_only=True, tag="network", priorities=frozenset({Priority.HIGH}))
    personal = tickets.save_view("  My   network ", flt)
    shared = tickets.save_view("Team network", flt, personal=False)
    with pytest.raises(ValidationError, match="already a view called 'my network'"):
        tickets.save_view("my network", flt)
    with pytest.raises(ValidationError, match="name"):
        tickets.save_view("  ", flt)
    views = {v.id: v for v in tickets.saved_views()}
    assert views[personal].name == "My network"
    assert views[personal].personal
    assert views[personal].filter == flt
    assert not views[shared].personal
    assert tickets.view_counts([personal, shared]) == {personal: 1, shared: 1}

    _tom_id, tom = _person(any_services, "tom", Role.TECHNICIAN)
    tom_views = {v.id for v in tom.saved_views()}
    assert shared in tom_views
    assert personal not in tom_views
    with pytest.raises(NotFoundError):
        tom.delete_view(personal)  # someone else's personal view is invisible
    tom_own = tom.save_view("My network", flt)  # the name is free for Tom
    assert tom_own in {v.id for v in tom.saved_views()}

    _tess_id, trainer = _person(any_services, "tess", Role.TRAINER)
    trainer.save_view("Just mine", TicketFilter())  # reading is enough for a personal view
    with pytest.raises(PermissionDeniedError):
        trainer.save_view("For everyone", TicketFilter(), personal=False)
    with pytest.raises(PermissionDeniedError):
        trainer.delete_view(shared)

    tickets.delete_view(personal)
    assert personal not in {v.id for v in tickets.saved_views()}
    assert any_services.people.audit_page(0, 1)[0].action == "view.delete"


def test_a_deleted_builtin_view_is_not_seeded_again(any_services: Services) -> None:
    tickets = any_services.tickets
    breached = next(v for v in tickets.saved_views() if v.name == "Breached")
    tickets.delete_view(breached.id)
    fresh = TicketService(any_services.db, any_services.actor)
    names = [v.name for v in fresh.saved_views()]
    assert "Breached" not in names
    assert len(names) == len(BUILTIN_VIEWS) - 1


def test_filter_json_round_trip_and_tolerance() -> None:
    flt = TicketFilter(
        statuses=frozenset({TicketStatus.OPEN, TicketStatus.PENDING}), active_only=True,
        assignee=uuid.uuid4(), team_id=uuid.uuid4(), text="vpn", due="breached", tier=2,
        priorities=frozenset({Priority.URGENT}), tag="wifi", category="Network",
        resolved_within_days=3,
    )  # fmt: skip
    assert filter_from_json(filter_to_json(flt)) == flt
    assert filter_from_json(filter_to_json(TicketFilter(assignee="me"))).assignee == "me"
    assert filter_from_json("not json") == TicketFilter()
    odd = filter_from_json('{"statuses": ["open", "gone"], "due": "someday", "tier": "x"}')
    assert odd == TicketFilter(statuses=frozenset({TicketStatus.OPEN}))


# --- bulk ------------------------------------------------------------------------------------


def test_bulk_update_changes_what_it_may_and_lists_refusals(any_services: Services) -> None:
    tickets = any_services.tickets
    me = any_services.actor.user_id
    a, _ = tickets.create("A")
    b, _ = tickets.create("B", priority=Priority.HIGH)
    resolved, _ = tickets.create("Resolved")
    tickets.change_status(resolved, TicketStatus.RESOLVED)
    closed, _ = tickets.create("Closed")
    tickets.change_status(closed, TicketStatus.CLOSED)
    numbers = {i: tickets.get(i).number for i in (resolved, closed)}

    result = tickets.bulk_update(
        [a, b, resolved, closed, a],
        status=TicketStatus.PENDING,
        priority=Priority.HIGH,
        assignee=me,
        add_tag="Bulk",
    )
    assert result.changed == [a, b]
    assert result.refused == [
        (numbers[resolved], "A ticket cannot go from resolved to waiting on requester."),
        (numbers[closed], "A closed ticket cannot change; open a new ticket instead."),
    ]
    assert set(result.changes.ids) == {a, b}
    for ticket_id in (a, b):
        detail = tickets.get(ticket_id)
        assert detail.status is TicketStatus.PENDING
        assert detail.sla_paused
        assert (detail.priority, detail.assignee_id, detail.tags) == (Priority.HIGH, me, ("bulk",))
    kinds_b = [e.kind for e in tickets.get(b).events]
    assert TicketEventKind.PRIORITY not in kinds_b  # already high: nothing to change
    assert {TicketEventKind.ASSIGNMENT, TicketEventKind.TAGS, TicketEventKind.SLA_PAUSED} <= set(
        kinds_b
    )
    # The refused tickets are untouched.
    assert tickets.get(resolved).assignee_id is None
    assert tickets.get(closed).tags == ()
    audits = [r for r in any_services.people.audit_page(0, 10) if r.action == "ticket.bulk"]
    assert len(audits) == 2

    again = tickets.bulk_update([a, b], add_tag="bulk")  # nothing left to do
    assert again.changed == []
    assert again.refused == []
    unassign = tickets.bulk_update([a], assignee=None)
    assert unassign.changed == [a]
    assert tickets.get(a).assignee_id is None
    with pytest.raises(ValidationError, match="Choose what to change"):
        tickets.bulk_update([a], assignee=UNSET)


def test_bulk_close_and_permissions(any_services: Services) -> None:
    tickets = any_services.tickets
    tom_id, tom = _person(any_services, "tom", Role.TECHNICIAN)
    ann_id, _ = _person(any_services, "ann", Role.TECHNICIAN)
    anns, _ = tickets.create("Ann's", assignee_id=ann_id)
    free, _ = tickets.create("Nobody's")
    with pytest.raises(PermissionDeniedError):
        tom.bulk_update([free], assignee=ann_id)
    result = tom.bulk_update([anns, free], assignee=tom_id)
    assert result.changed == [free]
    assert result.refused[0][0] == tickets.get(anns).number
    assert "other people's" in result.refused[0][1]
    closed = tickets.bulk_update([anns, free], status=TicketStatus.CLOSED, priority=Priority.LOW)
    assert closed.changed == [anns, free]
    assert all(tickets.get(i).priority is Priority.LOW for i in (anns, free))


# --- search ----------------------------------------------------------------------------------


def test_search_covers_subject_description_replies_and_notes(any_services: Services) -> None:
    tickets = any_services.tickets
    subject_hit, _ = tickets.create("Scanner offline", "It stopped this morning")
    description_hit, _ = tickets.create("Upstairs office", "The scanner jams on A3 paper")
    reply_hit, _ = tickets.create("Mail rules")
    tickets.add_reply(reply_hit, "Please restart the scanners service and try again", public=True)
    note_hit, _ = tickets.create("Desk move")
    tickets.add_reply(note_hit, "Check whether the old scanner goes too", public=False)
    tickets.create("Unrelated", "Nothing about it")

    hits = {h.ticket_id: h for h in tickets.search("scann")}
    assert set(hits) == {subject_hit, description_hit, reply_hit, note_hit}
    assert hits[subject_hit].where == "subject"
    assert hits[description_hit].where == "description"
    assert hits[reply_hit].where == "reply"
    assert hits[note_hit].where == "note"
    for hit in hits.values():
        assert "\x02" in hit.snippet, hit
        assert "\x03" in hit.snippet, hit
        marked = hit.snippet.split("\x02", 1)[1].split("\x03", 1)[0]
        assert marked.lower().startswith("scann")
        assert hit.number == tickets.get(hit.ticket_id).number
    assert hits[note_hit].subject == "Desk move"
    # The newest matching text comes first: the note was written last.
    assert tickets.search("scann")[0].ticket_id == note_hit

    # Filtering the list by text finds tickets through their replies and notes too.
    listed = tickets.list_page(TicketFilter(text="scanners"), "number", False, 0, 50)
    assert reply_hit in {r.id for r in listed}
    assert tickets.count(TicketFilter(text="old scanner")) == 1
    assert tickets.search("zebra") == []
    assert tickets.search('  "*( ') == []
    number = tickets.get(reply_hit).number
    assert tickets.search(number.lower())[0].ticket_id == reply_hit
    assert len(tickets.search("scann", limit=2)) == 2


def test_search_prefers_the_subject_and_lists_a_ticket_once(any_services: Services) -> None:
    tickets = any_services.tickets
    ticket_id, _ = tickets.create("Firewall rule request", "Open the firewall for the vendor")
    tickets.add_reply(ticket_id, "Firewall change is scheduled", public=True)
    tickets.add_reply(ticket_id, "Firewall team approved", public=False)
    hits = tickets.search("firewall")
    assert [h.ticket_id for h in hits] == [ticket_id]
    assert hits[0].where == "subject"
