"""SyncService for the GUI: conflicts made readable, resolving them, offline markers, status.

Conflicts are produced for real: two SQLite desktops edit the same ticket while apart and sync
through the real PostgreSQL server.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete

from app.data.database import Database
from app.data.models import Contact
from app.data.models.sync import ChangeLogEntry, SyncConflict
from app.data.repos import sync as sync_repo
from app.domain.enums import Priority, Role, TicketEventKind, TicketStatus
from app.domain.permissions import PermissionDeniedError
from app.errors import EnvironmentProblemError, NotFoundError, ValidationError
from app.services.base import Area, Principal
from app.services.registry import Services
from app.services.sync_service import KEY_LAST_ERROR, NOT_KNOWN, SyncService
from app.sync import engine as sync_engine
from tests.helpers.sync_pair import (
    Pair,
    add_person,
    has_row,
    make_pair,
    priority_conflict,
    priority_of,
    settle,
    ticket_conflict,
)
from tests.sync.conftest import Desktop, make_desktop, server  # noqa: F401  (fixtures)


@pytest.fixture
def pair(make_desktop: Desktop, server: Database) -> Pair:  # noqa: F811
    return make_pair(make_desktop, server)


@pytest.mark.postgres
def test_conflict_is_listed_readably_on_both_desktops(pair: Pair) -> None:
    ticket_id, number = priority_conflict(pair)
    (view,) = pair.sync_a.conflicts()
    assert view.table == "tickets"
    assert view.row_id == ticket_id
    assert view.field == "priority"
    assert view.kind == "field"
    assert view.record_label == f"Ticket {number} · Priority"
    assert {view.mine, view.theirs} == {"High", "Urgent"}
    assert view.mine == priority_of(pair.a, pair.admin_a, ticket_id).label
    assert view.base == "Normal"  # the server's change log still has the common base
    assert view.can_use_other
    assert "desktop" in view.mine_origin
    assert "desktop" in view.theirs_origin
    assert [(c.id, c.mine, c.theirs) for c in pair.sync_b.conflicts()] == [
        (view.id, view.mine, view.theirs)
    ]
    assert pair.sync_a.status().conflicts == 1


@pytest.mark.postgres
def test_use_the_other_value_replicates_and_resolves_everywhere(pair: Pair) -> None:
    ticket_id, _ = priority_conflict(pair)
    (view,) = pair.sync_a.conflicts()
    pending_before = pair.sync_a.status().pending_edits

    changes = pair.sync_a.resolve_conflict(view.id, "other")

    assert changes.touches(Area.TICKETS)
    assert ticket_id in changes.ids
    assert priority_of(pair.a, pair.admin_a, ticket_id).label == view.theirs
    assert pair.sync_a.conflicts() == []
    assert pair.sync_a.status().pending_edits > pending_before  # captured like any edit
    settle(lambda: pair.round("a", "b"), lambda: pair.both_see_conflicts(0))
    assert priority_of(pair.b, pair.admin_b, ticket_id).label == view.theirs
    assert pair.sync_b.conflicts() == []
    assert pair.sync_b.status().conflicts == 0
    with pytest.raises(NotFoundError):
        pair.sync_b.resolve_conflict(view.id, "current")


@pytest.mark.postgres
def test_keep_current_value_leaves_the_record_and_resolves_everywhere(pair: Pair) -> None:
    ticket_id, _ = priority_conflict(pair)
    (view,) = pair.sync_b.conflicts()
    before = priority_of(pair.b, pair.admin_b, ticket_id)

    pair.sync_b.resolve_conflict(view.id, "current")

    assert priority_of(pair.b, pair.admin_b, ticket_id) == before
    assert pair.sync_b.conflicts() == []
    settle(lambda: pair.round("b", "a"), lambda: pair.both_see_conflicts(0))
    assert pair.sync_a.conflicts() == []
    assert priority_of(pair.a, pair.admin_a, ticket_id) == before


@pytest.mark.postgres
def test_resolving_needs_a_person_allowed_to_edit_the_record(pair: Pair) -> None:
    priority_conflict(pair)
    (view,) = pair.sync_a.conflicts()
    trainer = Principal(uuid.uuid4(), "tina", "Tina Trainer", frozenset({Role.TRAINER}))
    with pytest.raises(PermissionDeniedError):
        SyncService(pair.a, trainer).resolve_conflict(view.id, "other")
    with pytest.raises(ValidationError):
        SyncService(pair.a).resolve_conflict(view.id, "other")  # nobody signed in (CLI)
    with pytest.raises(ValidationError):
        pair.sync_a.resolve_conflict(view.id, "both")  # type: ignore[arg-type]
    assert len(pair.sync_a.conflicts()) == 1


@pytest.mark.postgres
def test_pending_row_ids_lists_records_until_they_reach_the_server(pair: Pair) -> None:
    ticket_id, _ = Services(pair.a, pair.admin_a).tickets.create("Made in the basement")
    assert ticket_id in pair.sync_a.pending_row_ids("tickets")
    assert ticket_id not in pair.sync_b.pending_row_ids("tickets")
    pair.round("a")
    assert pair.sync_a.pending_row_ids("tickets") == set()


def test_pending_row_ids_on_a_desktop_never_connected(services: Services) -> None:
    ticket_id, _ = services.tickets.create("Offline from the start")
    sync = SyncService(services.db, services.actor)
    assert sync.pending_row_ids("tickets") == {ticket_id}
    assert sync.pending_row_ids("contacts") == set()
    status = sync.status()
    assert not status.configured
    assert not status.connected
    assert status.pending_edits >= 1
    assert not status.offline
    assert status.last_error == ""


@pytest.mark.postgres
def test_unreachable_server_is_reported_as_offline_then_cleared(pair: Pair) -> None:
    with pair.a.session() as s:
        good = sync_repo.get_state(s, sync_engine.KEY_SERVER_URL)
        sync_repo.set_state(
            s, sync_engine.KEY_SERVER_URL, "postgresql://postgres@127.0.0.1:1/nowhere"
        )
    with pytest.raises(EnvironmentProblemError):
        pair.sync_a.sync_once()
    status = pair.sync_a.status()
    assert status.offline
    assert "reach" in status.last_error
    with pair.a.session() as s:
        assert sync_repo.get_state(s, KEY_LAST_ERROR)
        sync_repo.set_state(s, sync_engine.KEY_SERVER_URL, good or "")
    pair.sync_a.sync_once()
    status = pair.sync_a.status()
    assert not status.offline
    assert status.last_error == ""


@pytest.mark.postgres
def test_an_edit_of_a_record_deleted_elsewhere_can_only_be_acknowledged(pair: Pair) -> None:
    with pair.a.session() as s:
        contact = Contact(full_name="Ann Archer", phone="111")
        s.add(contact)
    pair.round("a")
    settle(lambda: pair.round("b"), lambda: has_row(pair.b, "contacts", contact.id))
    with pair.a.session() as s:
        row = s.get(Contact, contact.id)
        assert row is not None
        row.deleted_at = datetime.now(UTC)
    with pair.b.session() as s:
        row = s.get(Contact, contact.id)
        assert row is not None
        row.phone = "222"
    pair.round("a", "b")
    settle(lambda: pair.round("a", "b"), lambda: pair.both_see_conflicts(1))

    (view,) = pair.sync_a.conflicts()
    assert view.kind == "deleted"
    assert view.record_label == "Contact “Ann Archer” · deleted while edited"
    assert view.mine.startswith("Deleted")
    assert "Phone: 222" in view.theirs
    assert view.base == "Phone: 111"
    assert not view.can_use_other
    with pytest.raises(ValidationError, match="deleted record"):
        pair.sync_a.resolve_conflict(view.id, "other")
    pair.sync_a.resolve_conflict(view.id, "current")
    assert pair.sync_a.conflicts() == []


@pytest.mark.postgres
def test_a_base_that_really_was_empty_reads_unassigned_not_unknown(pair: Pair) -> None:
    sam = add_person(pair, "sam", "Sam Sparks")
    kim = add_person(pair, "kim", "Kim Keller")
    _ticket_id, number = ticket_conflict(
        pair, lambda t, i: t.assign(i, sam), lambda t, i: t.assign(i, kim)
    )
    for sync in (pair.sync_a, pair.sync_b):
        (view,) = sync.conflicts()
        assert view.record_label == f"Ticket {number} · Assignee"
        assert (view.mine, view.theirs) == ("Kim Keller", "Sam Sparks")
        assert view.base == "Unassigned"
    with pair.a.read_session() as s:
        (record,) = s.query(SyncConflict).all()
        assert record.base_value == "null"  # known, and really empty


@pytest.mark.postgres
def test_a_base_the_server_no_longer_knows_reads_not_known(
    pair: Pair,
    server: Database,  # noqa: F811
) -> None:
    def forget_history(ticket_id: uuid.UUID) -> None:
        # The change log no longer reaches back to the version both edits started from.
        with server.session() as s:
            s.execute(delete(ChangeLogEntry).where(ChangeLogEntry.row_id == ticket_id))

    _ticket_id, _ = ticket_conflict(
        pair,
        lambda t, i: t.change_priority(i, Priority.HIGH),
        lambda t, i: t.change_priority(i, Priority.URGENT),
        before_edits=forget_history,
    )
    for sync in (pair.sync_a, pair.sync_b):
        (view,) = sync.conflicts()
        assert view.base == NOT_KNOWN
        assert {view.mine, view.theirs} == {"High", "Urgent"}
    with pair.b.read_session() as s:
        (record,) = s.query(SyncConflict).all()
        assert record.base_value == ""


@pytest.mark.postgres
def test_using_the_other_status_follows_the_ticket_workflow(pair: Pair) -> None:
    ticket_id, _ = ticket_conflict(
        pair,
        lambda t, i: t.change_status(i, TicketStatus.ON_HOLD),
        lambda t, i: t.change_status(i, TicketStatus.PENDING),
    )
    tickets_a = Services(pair.a, pair.admin_a).tickets
    before = tickets_a.get(ticket_id)
    assert before.status is TicketStatus.PENDING
    assert before.sla_paused  # b's "waiting on requester" paused the clock
    (view,) = pair.sync_a.conflicts()
    assert (view.mine, view.theirs) == ("Waiting on requester", "On hold")

    pair.sync_a.resolve_conflict(view.id, "other")

    after = tickets_a.get(ticket_id)
    assert after.status is TicketStatus.ON_HOLD
    assert not after.sla_paused  # leaving "waiting on requester" resumes the SLA clock
    new_events = [e for e in after.events if e.id not in {b.id for b in before.events}]
    kinds = [e.kind for e in new_events]
    assert TicketEventKind.STATUS in kinds
    assert TicketEventKind.SLA_RESUMED in kinds
    status_event = next(e for e in new_events if e.kind is TicketEventKind.STATUS)
    assert (status_event.old_value, status_event.new_value) == ("pending", "on_hold")
    assert pair.sync_a.conflicts() == []
    settle(lambda: pair.round("a", "b"), lambda: pair.both_see_conflicts(0))
    on_b = Services(pair.b, pair.admin_b).tickets.get(ticket_id)
    assert on_b.status is TicketStatus.ON_HOLD
    assert not on_b.sla_paused
    assert TicketEventKind.SLA_RESUMED in {e.kind for e in on_b.events}


@pytest.mark.postgres
def test_using_the_other_assignee_writes_an_assignment_event(pair: Pair) -> None:
    sam = add_person(pair, "sam", "Sam Sparks")
    kim = add_person(pair, "kim", "Kim Keller")
    ticket_id, _ = ticket_conflict(
        pair, lambda t, i: t.assign(i, sam), lambda t, i: t.assign(i, kim)
    )
    (view,) = pair.sync_b.conflicts()
    pair.sync_b.resolve_conflict(view.id, "other")
    detail = Services(pair.b, pair.admin_b).tickets.get(ticket_id)
    assert detail.assignee_id == sam
    last = [e for e in detail.events if e.kind is TicketEventKind.ASSIGNMENT][-1]
    assert (last.old_value, last.new_value) == ("Kim Keller", "Sam Sparks")
    assert pair.sync_b.conflicts() == []
