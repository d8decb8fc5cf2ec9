"""Tickets: the paged list, one ticket's detail and timeline, and every change to a ticket.

Each change writes a timeline event (what the requester and colleagues see happened) and an
audit event (who did it, from which device) in the same unit of work, and returns `Changes`.
SLA due dates are business time: the ticket's SLA policy for its priority (the requester's
organisation's own policy first, else the general one) over that policy's business calendar;
without any policy the built-in `DEFAULT_TARGETS` over a default office-hours calendar apply.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from app.data.base import utcnow
from app.data.database import Session
from app.data.models.tickets import Ticket, TicketEvent
from app.data.repos import device as device_repo
from app.data.repos import tickets as tickets_repo
from app.domain.enums import Channel, Priority, TicketEventKind, TicketStatus
from app.domain.permissions import Permission, PermissionDeniedError
from app.domain.sla import (
    DEFAULT_TARGETS,
    BusinessCalendar,
    SlaState,
    SlaTargets,
    add_business_minutes,
    business_minutes_between,
    sla_state,
)
from app.domain.workflow import TransitionError, check_transition
from app.errors import NotFoundError, ValidationError
from app.services.base import Area, Changes, Service

#: Sort keys `list_page` accepts.
SORT_KEYS = (
    "number",
    "subject",
    "requester",
    "status",
    "priority",
    "assignee",
    "updated_at",
    "opened_at",
    "due",
)
MAX_SUBJECT = 300
MAX_PAGE = 1000

# Worst first: the row shows the most urgent of its two clocks.
_SLA_SEVERITY = {SlaState.BREACHED: 3, SlaState.DUE_SOON: 2, SlaState.OK: 1, SlaState.MET: 0}

# Events written by one action share its moment; a follow-on event (the status change after
# a reply) is a microsecond later so the timeline order never depends on id generation.
_NEXT = timedelta(microseconds=1)

AssigneeFilter = Literal["me", "unassigned"] | uuid.UUID | None


@dataclass(frozen=True)
class TicketFilter:
    """Which tickets a list shows.

    Attributes:
        statuses: only these statuses; None for every status.
        active_only: only tickets that still need work (not resolved or closed).
        assignee: "me" (the signed-in person), "unassigned", a user id, or None for anyone.
        team_id: only this team's tickets.
        text: words to find in the number, subject or description.
    """

    statuses: frozenset[TicketStatus] | None = None
    active_only: bool = False
    assignee: AssigneeFilter = None
    team_id: uuid.UUID | None = None
    text: str = ""


@dataclass(frozen=True)
class TicketRow:
    """One line of the ticket list."""

    id: uuid.UUID
    number: str
    subject: str
    requester_name: str
    organisation_name: str
    status: TicketStatus
    priority: Priority
    channel: Channel
    assignee_name: str
    team_name: str
    opened_at: datetime
    updated_at: datetime
    resolution_due_at: datetime | None
    first_response_due_at: datetime | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    sla_state: str | None


@dataclass(frozen=True)
class TicketEventView:
    """One entry of a ticket's timeline."""

    id: uuid.UUID
    kind: TicketEventKind
    author_name: str
    body: str
    is_public: bool
    old_value: str
    new_value: str
    created_at: datetime


@dataclass(frozen=True)
class SatisfactionView:
    score: int
    comment: str
    rated_at: datetime


@dataclass(frozen=True)
class TicketDetail:
    """Everything the detail side of the Tickets pane shows about one ticket."""

    id: uuid.UUID
    number: str
    subject: str
    description: str
    status: TicketStatus
    priority: Priority
    channel: Channel
    category: str
    requester_id: uuid.UUID | None
    requester_name: str
    requester_email: str
    requester_phone: str
    organisation_name: str
    assignee_id: uuid.UUID | None
    assignee_name: str
    team_id: uuid.UUID | None
    team_name: str
    tags: tuple[str, ...]
    opened_at: datetime
    updated_at: datetime
    sla_policy_name: str
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_state: str | None
    resolution_state: str | None
    sla_breached: bool
    events: tuple[TicketEventView, ...]
    satisfaction: SatisfactionView | None


@dataclass(frozen=True)
class PersonOption:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class TeamOption:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class ContactOption:
    id: uuid.UUID
    name: str
    email: str
    organisation_name: str

    @property
    def label(self) -> str:
        """How the contact reads in a list: name, then email and organisation if known."""
        extra = ", ".join(x for x in (self.email, self.organisation_name) if x)
        return f"{self.name} ({extra})" if extra else self.name


def _targets(priority: Priority, first_response: int | None, resolution: int | None) -> SlaTargets:
    if first_response is not None and resolution is not None:
        return SlaTargets(first_response, resolution)
    return DEFAULT_TARGETS[priority]


def _worst(*states: str | None) -> str | None:
    known = [s for s in states if s is not None]
    return max(known, key=lambda s: _SLA_SEVERITY.get(s, 0)) if known else None


def _row(r: Any, now: datetime) -> TicketRow:
    targets = _targets(r.priority, r.policy_first_response_minutes, r.policy_resolution_minutes)
    first = sla_state(
        r.first_response_due_at, now, targets.first_response_minutes, r.first_responded_at
    )
    resolution = sla_state(r.resolution_due_at, now, targets.resolution_minutes, r.resolved_at)
    return TicketRow(
        id=r.id,
        number=r.number,
        subject=r.subject,
        requester_name=r.requester_name or "",
        organisation_name=r.organisation_name or "",
        status=r.status,
        priority=r.priority,
        channel=r.channel,
        assignee_name=r.assignee_name or "",
        team_name=r.team_name or "",
        opened_at=r.opened_at,
        updated_at=r.updated_at,
        resolution_due_at=r.resolution_due_at,
        first_response_due_at=r.first_response_due_at,
        first_responded_at=r.first_responded_at,
        resolved_at=r.resolved_at,
        sla_state=_worst(first, resolution),
    )


class TicketService(Service):
    """Use cases of the Tickets pane, acting as one signed-in person."""

    # --- reading ------------------------------------------------------------------------

    def _criteria(self, session: Session, flt: TicketFilter) -> tickets_repo.TicketCriteria:
        statuses: set[TicketStatus] | None = set(flt.statuses) if flt.statuses is not None else None
        if flt.active_only:
            active = {s for s in TicketStatus if s.is_active}
            statuses = active if statuses is None else statuses & active
        ids = tickets_repo.search_ids(session, flt.text) if flt.text.strip() else None
        assignee_id = None
        if flt.assignee == "me":
            assignee_id = self._actor.user_id
        elif isinstance(flt.assignee, uuid.UUID):
            assignee_id = flt.assignee
        return tickets_repo.TicketCriteria(
            statuses=statuses,
            assignee_id=assignee_id,
            unassigned=flt.assignee == "unassigned",
            team_id=flt.team_id,
            ids=ids,
        )

    def list_page(
        self,
        flt: TicketFilter,
        sort_key: str = "updated_at",
        descending: bool = True,
        offset: int = 0,
        limit: int = 200,
        *,
        now: datetime | None = None,
    ) -> list[TicketRow]:
        """One page of the ticket list, filtered and sorted in SQL.

        Args:
            flt: which tickets.
            sort_key: one of `SORT_KEYS`; priority and status sort by rank, not by name.
            descending: reverse order (empty values still come last).
            offset: rows to skip.
            limit: rows to return (at most `MAX_PAGE`).
            now: the moment SLA states are judged at (default: now).
        """
        self._require(Permission.TICKET_READ)
        if sort_key not in SORT_KEYS:
            raise ValidationError(f"Tickets cannot be sorted by '{sort_key}'.")
        now = now or utcnow()
        with self._db.read_session() as session:
            criteria = self._criteria(session, flt)
            if criteria.ids is not None and not criteria.ids:
                return []
            rows = tickets_repo.page(
                session,
                criteria,
                sort_key=sort_key,
                descending=descending,
                offset=max(0, offset),
                limit=max(0, min(limit, MAX_PAGE)),
            )
            return [_row(r, now) for r in rows]

    def count(self, flt: TicketFilter) -> int:
        """How many tickets `flt` matches."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            criteria = self._criteria(session, flt)
            if criteria.ids is not None and not criteria.ids:
                return 0
            return tickets_repo.count(session, criteria)

    def get(self, ticket_id: uuid.UUID, *, now: datetime | None = None) -> TicketDetail:
        """One ticket with its requester, SLA clocks, tags, timeline and rating."""
        self._require(Permission.TICKET_READ)
        now = now or utcnow()
        with self._db.read_session() as session:
            row = tickets_repo.detail_row(session, ticket_id)
            if row is None:
                raise NotFoundError("That ticket no longer exists.")
            t: Ticket = row.Ticket
            targets = _targets(
                t.priority, row.policy_first_response_minutes, row.policy_resolution_minutes
            )
            events = tuple(
                TicketEventView(
                    id=e.TicketEvent.id,
                    kind=e.TicketEvent.kind,
                    author_name=e.author_name or "",
                    body=e.TicketEvent.body,
                    is_public=e.TicketEvent.is_public,
                    old_value=e.TicketEvent.old_value,
                    new_value=e.TicketEvent.new_value,
                    created_at=e.TicketEvent.created_at,
                )
                for e in tickets_repo.events(session, ticket_id)
            )
            rating = tickets_repo.satisfaction(session, ticket_id)
            return TicketDetail(
                id=t.id,
                number=t.number,
                subject=t.subject,
                description=t.description,
                status=t.status,
                priority=t.priority,
                channel=t.channel,
                category=t.category,
                requester_id=t.requester_id,
                requester_name=row.requester_name or "",
                requester_email=row.requester_email or "",
                requester_phone=row.requester_phone or "",
                organisation_name=row.organisation_name or "",
                assignee_id=t.assignee_id,
                assignee_name=row.assignee_name or "",
                team_id=t.team_id,
                team_name=row.team_name or "",
                tags=tuple(tickets_repo.tag_names(session, ticket_id)),
                opened_at=t.opened_at,
                updated_at=t.updated_at,
                sla_policy_name=row.policy_name or "",
                first_response_due_at=t.first_response_due_at,
                resolution_due_at=t.resolution_due_at,
                first_responded_at=t.first_responded_at,
                resolved_at=t.resolved_at,
                closed_at=t.closed_at,
                first_response_state=sla_state(
                    t.first_response_due_at,
                    now,
                    targets.first_response_minutes,
                    t.first_responded_at,
                ),
                resolution_state=sla_state(
                    t.resolution_due_at, now, targets.resolution_minutes, t.resolved_at
                ),
                sla_breached=t.sla_breached,
                events=events,
                satisfaction=(
                    SatisfactionView(rating.score, rating.comment, rating.rated_at)
                    if rating is not None
                    else None
                ),
            )

    # --- options for forms --------------------------------------------------------------

    def assignees(self) -> list[PersonOption]:
        """People who can be given tickets: active technicians, supervisors and admins."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            return [
                PersonOption(r.id, r.full_name) for r in tickets_repo.staff_for_tickets(session)
            ]

    def teams(self) -> list[TeamOption]:
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            return [TeamOption(r.id, r.name) for r in tickets_repo.teams(session)]

    def contacts(self, text: str = "", limit: int = 20) -> list[ContactOption]:
        """Requesters whose name or email contains `text`, by name."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            return [
                ContactOption(r.id, r.full_name, r.email or "", r.org or "")
                for r in tickets_repo.contacts(session, text, max(1, min(limit, 200)))
            ]

    def categories(self) -> list[str]:
        """Categories already used on tickets, for suggestions."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            return tickets_repo.categories(session)

    # --- SLA helpers --------------------------------------------------------------------

    @staticmethod
    def _calendar(session: Session, calendar_id: uuid.UUID | None) -> BusinessCalendar:
        found = tickets_repo.calendar_with_holidays(session, calendar_id) if calendar_id else None
        if found is None:
            return BusinessCalendar()
        row, holidays = found
        return BusinessCalendar(
            timezone=row.timezone,
            workdays=frozenset(int(d) for d in row.workdays.split(",") if d.strip()),
            day_start=time(row.day_start_minute // 60, row.day_start_minute % 60),
            day_end=time(row.day_end_minute // 60, row.day_end_minute % 60)
            if row.day_end_minute < 24 * 60
            else time(23, 59, 59),
            holidays=frozenset(date.fromisoformat(d) for d in holidays),
        )

    def _apply_sla(
        self, session: Session, ticket: Ticket, organisation_id: uuid.UUID | None
    ) -> None:
        """Set the policy and due dates of `ticket` from its priority and `opened_at`."""
        policy = tickets_repo.sla_policy_for(session, ticket.priority, organisation_id)
        if policy is None:
            targets, calendar = DEFAULT_TARGETS[ticket.priority], BusinessCalendar()
            ticket.sla_policy_id = None
        else:
            targets = SlaTargets(policy.first_response_minutes, policy.resolution_minutes)
            calendar = self._calendar(session, policy.calendar_id)
            ticket.sla_policy_id = policy.id
        ticket.first_response_due_at = add_business_minutes(
            ticket.opened_at, targets.first_response_minutes, calendar
        )
        ticket.resolution_due_at = add_business_minutes(
            ticket.opened_at, targets.resolution_minutes, calendar
        )

    def _ticket_calendar(self, session: Session, ticket: Ticket) -> BusinessCalendar:
        policy = (
            tickets_repo.policy(session, ticket.sla_policy_id) if ticket.sla_policy_id else None
        )
        return self._calendar(session, policy.calendar_id if policy else None)

    # --- writing ------------------------------------------------------------------------

    def _load(self, session: Session, ticket_id: uuid.UUID) -> Ticket:
        ticket = tickets_repo.get_for_update(session, ticket_id)
        if ticket is None:
            raise NotFoundError("That ticket no longer exists.")
        return ticket

    def _event(
        self,
        session: Session,
        ticket: Ticket,
        kind: TicketEventKind,
        *,
        body: str = "",
        is_public: bool = False,
        old: str = "",
        new: str = "",
        at: datetime | None = None,
    ) -> TicketEvent:
        event = TicketEvent(
            ticket_id=ticket.id,
            kind=kind,
            author_id=self._actor.user_id,
            body=body,
            is_public=is_public,
            old_value=old[:255],
            new_value=new[:255],
        )
        if at is not None:
            event.created_at = at
        session.add(event)
        return event

    def _check_assignee(self, session: Session, assignee_id: uuid.UUID | None) -> str:
        """The assignee's name; refuses unknown or disabled people."""
        if assignee_id is None:
            return ""
        user = tickets_repo.active_user(session, assignee_id)
        if user is None:
            raise ValidationError("That person cannot take tickets (unknown or disabled).")
        return user.full_name

    def create(
        self,
        subject: str,
        description: str = "",
        priority: Priority = Priority.NORMAL,
        channel: Channel = Channel.EMAIL,
        category: str = "",
        requester_id: uuid.UUID | None = None,
        team_id: uuid.UUID | None = None,
        assignee_id: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, Changes]:
        """Log a new ticket with SLA due dates; returns its id and what changed."""
        self._require(Permission.TICKET_WRITE)
        subject = " ".join(subject.split())
        if not subject:
            raise ValidationError("Enter a subject: a few words that say what is wrong.")
        if len(subject) > MAX_SUBJECT:
            raise ValidationError(f"Keep the subject under {MAX_SUBJECT} characters.")
        if assignee_id is not None and assignee_id != self._actor.user_id:
            self._require(Permission.TICKET_ASSIGN_OTHERS)
        priority, channel = Priority(priority), Channel(channel)
        now = utcnow()
        with self._unit_of_work() as session:
            organisation_id = None
            if requester_id is not None:
                contact = tickets_repo.live_contact(session, requester_id)
                if contact is None:
                    raise ValidationError("That requester no longer exists; choose another.")
                organisation_id = contact.organisation_id
            if team_id is not None and tickets_repo.live_team(session, team_id) is None:
                raise ValidationError("That team no longer exists; choose another.")
            assignee_name = self._check_assignee(session, assignee_id)
            ticket = Ticket(
                number=device_repo.next_ticket_number(session),
                subject=subject,
                description=description.strip(),
                status=TicketStatus.NEW,
                priority=priority,
                channel=channel,
                category=category.strip()[:120],
                requester_id=requester_id,
                team_id=team_id,
                assignee_id=assignee_id,
                opened_at=now,
            )
            self._apply_sla(session, ticket, organisation_id)
            session.add(ticket)
            session.flush()
            self._event(session, ticket, TicketEventKind.CREATED, new=ticket.number, at=now)
            if assignee_id is not None:
                self._event(
                    session, ticket, TicketEventKind.ASSIGNMENT, new=assignee_name, at=now + _NEXT
                )
            self._audit(
                session,
                "ticket.create",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {subject[:120]}",
            )
            return ticket.id, Changes.of(Area.TICKETS, ids=(ticket.id,))

    def add_reply(self, ticket_id: uuid.UUID, body: str, public: bool = True) -> Changes:
        """Add a public reply to the requester, or an internal note for colleagues.

        The first public reply stops the first-response clock; a public reply to a new
        ticket also opens it.
        """
        self._require(Permission.TICKET_WRITE)
        body = body.strip()
        if not body:
            raise ValidationError("Write something before sending.")
        now = utcnow()
        with self._unit_of_work() as session:
            ticket = self._load(session, ticket_id)
            if ticket.status is TicketStatus.CLOSED:
                raise ValidationError("A closed ticket cannot change; open a new ticket instead.")
            kind = TicketEventKind.REPLY if public else TicketEventKind.NOTE
            self._event(session, ticket, kind, body=body, is_public=public, at=now)
            if public and ticket.first_responded_at is None:
                ticket.first_responded_at = now
                ticket.first_response_minutes = round(
                    business_minutes_between(
                        ticket.opened_at, now, self._ticket_calendar(session, ticket)
                    )
                )
            if public and ticket.status is TicketStatus.NEW:
                ticket.status = TicketStatus.OPEN
                self._event(
                    session,
                    ticket,
                    TicketEventKind.STATUS,
                    old=TicketStatus.NEW.value,
                    new=TicketStatus.OPEN.value,
                    at=now + _NEXT,
                )
            ticket.updated_at = now  # a reply is activity on the ticket: it sorts as updated
            self._audit(
                session,
                "ticket.reply" if public else "ticket.note",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {'public reply' if public else 'internal note'}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def change_status(self, ticket_id: uuid.UUID, status: TicketStatus) -> Changes:
        """Move the ticket along the workflow, stopping or restarting its SLA clocks."""
        self._require(Permission.TICKET_WRITE)
        status = TicketStatus(status)  # also accepts the plain string value
        now = utcnow()
        with self._unit_of_work() as session:
            ticket = self._load(session, ticket_id)
            old = ticket.status
            try:
                check_transition(old, status)
            except TransitionError as exc:
                raise ValidationError(str(exc)) from exc
            ticket.status = status
            if (
                status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
                and ticket.resolved_at is None
            ):
                # Closing straight from an active status also stops the resolution clock: the
                # work on the ticket is over either way.
                self._stop_resolution_clock(session, ticket, now)
            if status is TicketStatus.CLOSED:
                ticket.closed_at = now
            if old is TicketStatus.RESOLVED and status is TicketStatus.OPEN:
                ticket.resolved_at = None
                ticket.resolution_minutes = None
                ticket.sla_breached = False
            self._event(
                session, ticket, TicketEventKind.STATUS, old=old.value, new=status.value, at=now
            )
            self._audit(
                session,
                "ticket.status",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old.label} → {status.label}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def _stop_resolution_clock(self, session: Session, ticket: Ticket, now: datetime) -> None:
        ticket.resolved_at = now
        ticket.resolution_minutes = round(
            business_minutes_between(ticket.opened_at, now, self._ticket_calendar(session, ticket))
        )
        late_resolution = ticket.resolution_due_at is not None and now > ticket.resolution_due_at
        late_response = ticket.first_response_due_at is not None and (
            (ticket.first_responded_at or now) > ticket.first_response_due_at
        )
        ticket.sla_breached = late_resolution or late_response
        if ticket.sla_breached:
            self._event(
                session,
                ticket,
                TicketEventKind.SLA_BREACH,
                new="resolution" if late_resolution else "first_response",
                at=now + _NEXT,
            )

    def change_priority(self, ticket_id: uuid.UUID, priority: Priority) -> Changes:
        """Change the priority; due dates are recomputed from when the ticket was opened."""
        self._require(Permission.TICKET_WRITE)
        priority = Priority(priority)  # also accepts the plain string value
        with self._unit_of_work() as session:
            ticket = self._load(session, ticket_id)
            old = ticket.priority
            if old is priority:
                raise ValidationError(f"The priority is already {priority.label.lower()}.")
            if ticket.status is TicketStatus.CLOSED:
                raise ValidationError("A closed ticket cannot change; open a new ticket instead.")
            ticket.priority = priority
            contact = (
                tickets_repo.live_contact(session, ticket.requester_id)
                if ticket.requester_id
                else None
            )
            self._apply_sla(session, ticket, contact.organisation_id if contact else None)
            self._event(
                session, ticket, TicketEventKind.PRIORITY, old=old.value, new=priority.value
            )
            self._audit(
                session,
                "ticket.priority",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old.label} → {priority.label}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def assign(
        self,
        ticket_id: uuid.UUID,
        assignee_id: uuid.UUID | None,
        team_id: uuid.UUID | None = None,
    ) -> Changes:
        """Give the ticket to a person (or nobody) and a team (or none).

        Anyone who works tickets may take a ticket or let go of their own; moving a ticket
        to or away from someone else needs the right to assign others.
        """
        self._require(Permission.TICKET_WRITE)
        with self._unit_of_work() as session:
            ticket = self._load(session, ticket_id)
            if ticket.status is TicketStatus.CLOSED:
                raise ValidationError("A closed ticket cannot change; open a new ticket instead.")
            me = self._actor.user_id
            others = {ticket.assignee_id, assignee_id} - {None, me}
            changes_others = ticket.assignee_id != assignee_id and bool(others)
            if changes_others and not self._actor.can(Permission.TICKET_ASSIGN_OTHERS):
                raise PermissionDeniedError(Permission.TICKET_ASSIGN_OTHERS)
            if team_id is not None and tickets_repo.live_team(session, team_id) is None:
                raise ValidationError("That team no longer exists; choose another.")
            if ticket.assignee_id == assignee_id and ticket.team_id == team_id:
                raise ValidationError("The ticket is already assigned like that.")
            old_name = ""
            if ticket.assignee_id is not None:
                old_user = tickets_repo.active_user(session, ticket.assignee_id)
                old_name = old_user.full_name if old_user else ""
            new_name = (
                self._check_assignee(session, assignee_id)
                if assignee_id != ticket.assignee_id
                else old_name
            )
            if ticket.assignee_id != assignee_id:
                self._event(session, ticket, TicketEventKind.ASSIGNMENT, old=old_name, new=new_name)
            if ticket.team_id != team_id:
                old_team = (
                    tickets_repo.live_team(session, ticket.team_id) if ticket.team_id else None
                )
                new_team = tickets_repo.live_team(session, team_id) if team_id else None
                self._event(
                    session,
                    ticket,
                    TicketEventKind.ASSIGNMENT,
                    body="team",
                    old=old_team.name if old_team else "",
                    new=new_team.name if new_team else "",
                )
            ticket.assignee_id = assignee_id
            ticket.team_id = team_id
            self._audit(
                session,
                "ticket.assign",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old_name or 'nobody'} → {new_name or 'nobody'}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))
