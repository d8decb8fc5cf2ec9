"""Queries over tickets, their timeline, SLA policies and the options of ticket forms.

Lists are paged, sorted and filtered in SQL. Full-text search runs first and alone, capped
at `SEARCH_LIMIT` matches, and only its ids feed the joined, filtered and sorted page query:
combining `MATCH` (or `@@`) with joined-table filters in one WHERE makes the planners pick
plans that take minutes on large tables.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Integer, Row, Select, case, column, func, literal_column, select, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from app.data.models.people import Contact, Organisation, Team, User, UserRole
from app.data.models.tickets import (
    BusinessCalendar,
    Holiday,
    SatisfactionRating,
    SlaPolicy,
    Tag,
    Ticket,
    TicketEvent,
    TicketTag,
)
from app.domain.enums import Priority, Role, TicketStatus

#: Most full-text matches a search considers; the page query filters and sorts only these.
SEARCH_LIMIT = 500

_WORD = re.compile(r"\w+", re.UNICODE)

_PRIORITY_RANK = case(
    {p: p.rank for p in Priority}, value=Ticket.priority, else_=literal_column("0")
)
# Workflow order, so "status" sorts new → closed rather than alphabetically.
_STATUS_RANK = case(
    {s: i for i, s in enumerate(TicketStatus)}, value=Ticket.status, else_=literal_column("0")
)

_Assignee = aliased(User, name="assignee")

#: A result row of any shape (SQLAlchemy 2.1 types rows by their column tuple).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
_AnySelect: TypeAlias = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class TicketCriteria:
    """What a ticket list shows; `None` means "no restriction" for each field.

    Attributes:
        statuses: only these statuses.
        assignee_id: only tickets assigned to this user.
        unassigned: only tickets without an assignee.
        team_id: only tickets of this team.
        ids: only these tickets (the result of a text search).
    """

    statuses: Collection[TicketStatus] | None = None
    assignee_id: uuid.UUID | None = None
    unassigned: bool = False
    team_id: uuid.UUID | None = None
    ids: Collection[uuid.UUID] | None = None


def _sort_columns(sort_key: str) -> list[Any]:
    columns: dict[str, list[Any]] = {
        "number": [Ticket.number],
        "subject": [func.lower(Ticket.subject)],
        "requester": [func.lower(Contact.full_name)],
        "status": [_STATUS_RANK],
        "priority": [_PRIORITY_RANK],
        "assignee": [func.lower(_Assignee.full_name)],
        "updated_at": [Ticket.updated_at],
        "opened_at": [Ticket.opened_at],
        "due": [Ticket.resolution_due_at],
    }
    if sort_key not in columns:
        raise ValueError(f"unknown ticket sort key {sort_key!r}")
    return columns[sort_key]


def _filtered(stmt: _AnySelect, criteria: TicketCriteria) -> _AnySelect:
    stmt = stmt.where(Ticket.deleted_at.is_(None))
    if criteria.statuses is not None:
        stmt = stmt.where(Ticket.status.in_(list(criteria.statuses)))
    if criteria.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif criteria.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == criteria.assignee_id)
    if criteria.team_id is not None:
        stmt = stmt.where(Ticket.team_id == criteria.team_id)
    if criteria.ids is not None:
        stmt = stmt.where(Ticket.id.in_(list(criteria.ids)))
    return stmt


def page(
    session: Session,
    criteria: TicketCriteria,
    *,
    sort_key: str,
    descending: bool,
    offset: int,
    limit: int,
) -> Sequence[AnyRow]:
    """One page of list rows: ticket columns plus the names of the people and groups.

    The ticket id is the last sort column, so paging is stable when sort values tie. Empty
    values (no assignee, no due date) sort last in both directions.
    """
    stmt = (
        select(
            Ticket.id,
            Ticket.number,
            Ticket.subject,
            Ticket.status,
            Ticket.priority,
            Ticket.channel,
            Ticket.opened_at,
            Ticket.updated_at,
            Ticket.first_response_due_at,
            Ticket.resolution_due_at,
            Ticket.first_responded_at,
            Ticket.resolved_at,
            Contact.full_name.label("requester_name"),
            Organisation.name.label("organisation_name"),
            _Assignee.full_name.label("assignee_name"),
            Team.name.label("team_name"),
            SlaPolicy.first_response_minutes.label("policy_first_response_minutes"),
            SlaPolicy.resolution_minutes.label("policy_resolution_minutes"),
        )
        .select_from(Ticket)
        .outerjoin(Contact, Contact.id == Ticket.requester_id)
        .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
        .outerjoin(_Assignee, _Assignee.id == Ticket.assignee_id)
        .outerjoin(Team, Team.id == Ticket.team_id)
        .outerjoin(SlaPolicy, SlaPolicy.id == Ticket.sla_policy_id)
    )
    stmt = _filtered(stmt, criteria)
    order: list[ColumnElement[Any]] = []
    for col in _sort_columns(sort_key):
        order.append((col.desc() if descending else col.asc()).nulls_last())
    order.append(Ticket.id.desc() if descending else Ticket.id.asc())
    return session.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()


def count(session: Session, criteria: TicketCriteria) -> int:
    stmt = _filtered(select(func.count()).select_from(Ticket), criteria)
    return int(session.scalar(stmt) or 0)


def _words(query: str) -> list[str]:
    return _WORD.findall(query)


def search_ids(session: Session, query: str, limit: int = SEARCH_LIMIT) -> list[uuid.UUID]:
    """Ids of tickets whose number, subject or description match `query` (newest first).

    Every word must match; the last word also matches as a prefix, so results follow the
    typing. A ticket number typed exactly always finds its ticket.
    """
    ids: list[uuid.UUID] = []
    exact = session.scalar(
        select(Ticket.id).where(Ticket.number == query.strip().upper(), Ticket.deleted_at.is_(None))
    )
    if exact is not None:
        ids.append(exact)
    words = _words(query)
    if not words:
        return ids
    if session.get_bind().dialect.name == "postgresql":
        # Each word quoted (the words hold only letters, digits and underscores, so no quote
        # can break out); the last one is a prefix.
        terms = [f"'{w}'" for w in words]
        terms[-1] += ":*"
        fts = text(
            "SELECT id FROM tickets WHERE search_tsv @@ to_tsquery('english', :q) "
            "ORDER BY id DESC LIMIT :n"
        ).bindparams(q=" & ".join(terms), n=limit)
        found = session.execute(fts.columns(Ticket.id)).scalars().all()
    else:
        # FTS5 phrase strings: each word in double quotes (no operator can sneak in), the last
        # one with `*` for a prefix match, served by the table's prefix index.
        terms = [f'"{w}"' for w in words]
        terms[-1] += "*"
        matches = (
            text(
                "SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT :n"
            )
            .bindparams(q=" ".join(terms), n=limit)
            .columns(column("rowid", Integer))
        )
        found = session.scalars(
            select(Ticket.id).where(literal_column("tickets.rowid").in_(matches))
        ).all()
    ids.extend(i for i in found if i != exact)
    return ids


# --- One ticket -----------------------------------------------------------------------------


def get_live(session: Session, ticket_id: uuid.UUID) -> Ticket | None:
    ticket = session.get(Ticket, ticket_id)
    return ticket if ticket is not None and ticket.deleted_at is None else None


def get_for_update(session: Session, ticket_id: uuid.UUID) -> Ticket | None:
    """The ticket, locked against concurrent writers on PostgreSQL (SQLite locks the file)."""
    return session.scalars(
        select(Ticket).where(Ticket.id == ticket_id, Ticket.deleted_at.is_(None)).with_for_update()
    ).first()


def detail_row(session: Session, ticket_id: uuid.UUID) -> AnyRow | None:
    """The ticket with its requester, organisation, assignee, team and SLA policy targets."""
    stmt = (
        select(
            Ticket,
            Contact.full_name.label("requester_name"),
            Contact.email.label("requester_email"),
            Contact.phone.label("requester_phone"),
            Organisation.name.label("organisation_name"),
            _Assignee.full_name.label("assignee_name"),
            Team.name.label("team_name"),
            SlaPolicy.name.label("policy_name"),
            SlaPolicy.first_response_minutes.label("policy_first_response_minutes"),
            SlaPolicy.resolution_minutes.label("policy_resolution_minutes"),
        )
        .outerjoin(Contact, Contact.id == Ticket.requester_id)
        .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
        .outerjoin(_Assignee, _Assignee.id == Ticket.assignee_id)
        .outerjoin(Team, Team.id == Ticket.team_id)
        .outerjoin(SlaPolicy, SlaPolicy.id == Ticket.sla_policy_id)
        .where(Ticket.id == ticket_id, Ticket.deleted_at.is_(None))
    )
    return session.execute(stmt).first()


def events(session: Session, ticket_id: uuid.UUID) -> Sequence[AnyRow]:
    """The timeline, oldest first, each event with its author's name."""
    stmt = (
        select(TicketEvent, User.full_name.label("author_name"))
        .outerjoin(User, User.id == TicketEvent.author_id)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.deleted_at.is_(None))
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    return session.execute(stmt).all()


def tag_names(session: Session, ticket_id: uuid.UUID) -> list[str]:
    stmt = (
        select(Tag.name)
        .join(TicketTag, TicketTag.tag_id == Tag.id)
        .where(
            TicketTag.ticket_id == ticket_id,
            TicketTag.deleted_at.is_(None),
            Tag.deleted_at.is_(None),
        )
        .order_by(Tag.name)
    )
    return list(session.scalars(stmt))


def satisfaction(session: Session, ticket_id: uuid.UUID) -> SatisfactionRating | None:
    return session.scalars(
        select(SatisfactionRating).where(
            SatisfactionRating.ticket_id == ticket_id, SatisfactionRating.deleted_at.is_(None)
        )
    ).first()


# --- SLA policies and calendars ------------------------------------------------------------


def sla_policy_for(
    session: Session, priority: Priority, organisation_id: uuid.UUID | None
) -> SlaPolicy | None:
    """The organisation's own policy for `priority` if it has one, else the general one."""
    live = (SlaPolicy.priority == priority, SlaPolicy.deleted_at.is_(None))
    if organisation_id is not None:
        own = session.scalars(
            select(SlaPolicy).where(*live, SlaPolicy.organisation_id == organisation_id)
        ).first()
        if own is not None:
            return own
    return session.scalars(
        select(SlaPolicy).where(*live, SlaPolicy.organisation_id.is_(None))
    ).first()


def calendar_with_holidays(
    session: Session, calendar_id: uuid.UUID
) -> tuple[BusinessCalendar, list[str]] | None:
    """The calendar row and its holidays as ISO dates, or None if it is gone."""
    calendar = session.get(BusinessCalendar, calendar_id)
    if calendar is None or calendar.deleted_at is not None:
        return None
    days = session.scalars(
        select(Holiday.day).where(Holiday.calendar_id == calendar_id, Holiday.deleted_at.is_(None))
    )
    return calendar, list(days)


def policy(session: Session, policy_id: uuid.UUID) -> SlaPolicy | None:
    found = session.get(SlaPolicy, policy_id)
    return found if found is not None and found.deleted_at is None else None


# --- Options for forms ---------------------------------------------------------------------


def staff_for_tickets(session: Session) -> Sequence[AnyRow]:
    """Active users who work tickets (technicians, supervisors, admins): (id, full_name)."""
    holders = select(UserRole.user_id).where(
        UserRole.deleted_at.is_(None),
        UserRole.role.in_([Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMIN]),
    )
    stmt = (
        select(User.id, User.full_name)
        .where(User.deleted_at.is_(None), User.is_active.is_(True), User.id.in_(holders))
        .order_by(func.lower(User.full_name))
    )
    return session.execute(stmt).all()


def active_user(session: Session, user_id: uuid.UUID) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.deleted_at is None and user.is_active else None


def live_team(session: Session, team_id: uuid.UUID) -> Team | None:
    team = session.get(Team, team_id)
    return team if team is not None and team.deleted_at is None else None


def live_contact(session: Session, contact_id: uuid.UUID) -> Contact | None:
    contact = session.get(Contact, contact_id)
    return contact if contact is not None and contact.deleted_at is None else None


def teams(session: Session) -> Sequence[AnyRow]:
    return session.execute(
        select(Team.id, Team.name).where(Team.deleted_at.is_(None)).order_by(Team.name)
    ).all()


def contacts(session: Session, query: str, limit: int) -> Sequence[AnyRow]:
    """Requesters whose name or email contains `query`: (id, full_name, email, org name)."""
    stmt = (
        select(Contact.id, Contact.full_name, Contact.email, Organisation.name.label("org"))
        .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
        .where(Contact.deleted_at.is_(None))
    )
    query = query.strip()
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            func.lower(Contact.full_name).like(like) | func.lower(Contact.email).like(like)
        )
    return session.execute(stmt.order_by(func.lower(Contact.full_name)).limit(limit)).all()


def categories(session: Session, limit: int = 100) -> list[str]:
    """Categories already in use, for the category field's suggestions."""
    stmt = (
        select(Ticket.category)
        .where(Ticket.deleted_at.is_(None), Ticket.category != "")
        .group_by(Ticket.category)
        .order_by(Ticket.category)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def active_statuses() -> list[TicketStatus]:
    return [s for s in TicketStatus if s.is_active]
