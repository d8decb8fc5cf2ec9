"""Two desktops (SQLite files) connected to one team server (PostgreSQL), with a real conflict.

Used by the SyncService tests and the sync GUI tests. A pull reads only below the oldest
transaction running anywhere on the server, so a parallel test's transaction may hold a change
back for a moment: `settle` syncs until the expected state arrives.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.data.database import Database
from app.data.repos import sync as sync_repo
from app.domain.enums import Priority, Role
from app.errors import NotFoundError
from app.services.base import Principal
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.sync_service import SyncService
from app.services.ticket_service import TicketService
from tests.conftest import make_admin


def server_url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def settle(rounds: Callable[[], object], done: Callable[[], bool], timeout: float = 30) -> None:
    """Run `rounds` until `done()` (fails after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    rounds()
    while not done():
        assert time.monotonic() < deadline, "the change did not arrive"
        time.sleep(0.1)
        rounds()


def has_user(db: Database, username: str) -> bool:
    try:
        AuthService(db).principal_for(username)
    except NotFoundError:
        return False
    return True


def has_row(db: Database, table: str, row_id: uuid.UUID) -> bool:
    with db.read_session() as s:
        return row_id in sync_repo.rows_as_json(s, sync_repo.replicated_tables()[table])


@dataclass
class Pair:
    a: Database
    b: Database
    admin_a: Principal
    admin_b: Principal

    @property
    def sync_a(self) -> SyncService:
        return SyncService(self.a, self.admin_a)

    @property
    def sync_b(self) -> SyncService:
        return SyncService(self.b, self.admin_b)

    def round(self, *order: str) -> None:
        for name in order:
            (self.sync_a if name == "a" else self.sync_b).sync_once()

    def both_see_conflicts(self, count: int) -> bool:
        return self.sync_a.status().conflicts == self.sync_b.status().conflicts == count


def make_pair(make_desktop: Callable[[str], Database], server: Database) -> Pair:
    """Desktop a (with the first admin) and desktop b, both connected and up to date."""
    a = make_desktop("a")
    admin_a = make_admin(a)
    SyncService(a).connect(server_url(server))
    b = make_desktop("b")
    SyncService(b).connect(server_url(server))
    settle(SyncService(b).sync_once, lambda: has_user(b, "admin"))
    return Pair(a, b, admin_a, AuthService(b).principal_for("admin"))


TicketEdit = Callable[[TicketService, uuid.UUID], object]


def ticket_conflict(
    pair: Pair,
    edit_a: TicketEdit,
    edit_b: TicketEdit,
    subject: str = "Printer jams on tray 2",
    *,
    before_edits: Callable[[uuid.UUID], object] | None = None,
) -> tuple[uuid.UUID, str]:
    """A ticket both desktops changed while apart (a first, then b); returns (id, number).

    b's edit is the later one, so its value is the current one everywhere. `before_edits`
    runs once both desktops hold the new ticket. Afterwards both desktops hold the conflict
    record.
    """
    ticket_id, _ = Services(pair.a, pair.admin_a).tickets.create(subject)
    pair.round("a")
    settle(lambda: pair.round("b"), lambda: has_row(pair.b, "tickets", ticket_id))
    if before_edits is not None:
        before_edits(ticket_id)
    edit_a(Services(pair.a, pair.admin_a).tickets, ticket_id)
    edit_b(Services(pair.b, pair.admin_b).tickets, ticket_id)
    pair.round("a", "b")
    settle(lambda: pair.round("a", "b"), lambda: pair.both_see_conflicts(1))
    number = Services(pair.a, pair.admin_a).tickets.get(ticket_id).number
    return ticket_id, number


def priority_conflict(pair: Pair) -> tuple[uuid.UUID, str]:
    """A ticket whose priority both desktops changed while apart; returns (id, number).

    Afterwards both desktops hold the conflict record.
    """
    return ticket_conflict(
        pair,
        lambda t, i: t.change_priority(i, Priority.HIGH),
        lambda t, i: t.change_priority(i, Priority.URGENT),
    )


def add_person(pair: Pair, username: str, full_name: str) -> uuid.UUID:
    """A technician created on desktop a and present on both desktops."""
    user_id, _ = Services(pair.a, pair.admin_a).people.create_person(
        username=username,
        full_name=full_name,
        email=f"{username}@example.org",
        password="correct horse battery staple 9",
        roles=frozenset({Role.TECHNICIAN}),
    )
    pair.round("a")
    settle(lambda: pair.round("b"), lambda: has_user(pair.b, username))
    return user_id


def priority_of(db: Database, actor: Principal, ticket_id: uuid.UUID) -> Priority:
    return Services(db, actor).tickets.get(ticket_id).priority
