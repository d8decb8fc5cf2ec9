"""Tickets: the paged list, one ticket's detail and timeline, and every change to a ticket.

Each change writes a timeline event (what the requester and colleagues see happened) and an
audit event (who did it, from which device) in the same unit of work, and returns `Changes`.
SLA due dates are business time: the ticket's SLA policy for its priority (the requester's
organisation's own policy first, else the general one) over that policy's business calendar;
without any policy the built-in `DEFAULT_TARGETS` over a default office-hours calendar apply.
The clocks pause while a ticket waits on the requester (status pending): on resuming, the due
times move on by the business time the clock stood still.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, NamedTuple, cast

from app.data.base import utcnow
from app.data.database import Session
from app.data.models.tickets import SavedView, Tag, Ticket, TicketEvent, TicketTag
from app.data.repos import device as device_repo
from app.data.repos import saved_views as views_repo
from app.data.repos import tickets as tickets_repo
from app.domain.enums import Channel, Priority, TicketEventKind, TicketStatus
from app.domain.permissions import Permission, PermissionDeniedError
from app.domain.sla import (
    DEFAULT_TARGETS,
    DUE_SOON_FRACTION,
    BusinessCalendar,
    ClockChange,
    SlaState,
    SlaStretch,
    SlaTargets,
    add_business_minutes,
    business_minutes_between,
    shift_due,
    sla_state,
    sla_timeline,
)
from app.domain.tags import TagError, normalise_tag, normalise_tags
from app.domain.workflow import (
    MAX_TIER,
    MIN_TIER,
    TransitionError,
    check_escalation,
    check_tier,
    check_transition,
    tier_label,
)
from app.errors import NotFoundError, ValidationError
from app.services.base import Area, Changes, Service

__all__ = [
    "MAX_TIER",
    "MIN_TIER",
    "SORT_KEYS",
    "TICKET_COLUMNS",
    "UNSET",
    "BulkResult",
    "ColumnSpec",
    "ContactOption",
    "PersonOption",
    "SatisfactionView",
    "SavedViewInfo",
    "SearchHit",
    "SlaStretch",
    "TeamOption",
    "TicketDetail",
    "TicketDraft",
    "TicketEventView",
    "TicketFilter",
    "TicketRow",
    "TicketService",
]


class ColumnSpec(NamedTuple):
    """One column the ticket list can show; `key` is also its sort key."""

    key: str
    title: str
    default_visible: bool


#: Every column of the ticket list, in the default order; each key sorts in SQL.
TICKET_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("number", "Number", True),
    ColumnSpec("subject", "Subject", True),
    ColumnSpec("requester", "Requester", True),
    ColumnSpec("organisation", "Organisation", False),
    ColumnSpec("status", "Status", True),
    ColumnSpec("priority", "Priority", True),
    ColumnSpec("channel", "Channel", False),
    ColumnSpec("category", "Category", False),
    ColumnSpec("team", "Team", False),
    ColumnSpec("assignee", "Assignee", True),
    ColumnSpec("tier", "Tier", False),
    ColumnSpec("opened", "Opened", False),
    ColumnSpec("updated", "Updated", True),
    ColumnSpec("due", "Due", True),
    ColumnSpec("sla", "SLA", False),
)

#: Sort keys `list_page` accepts: every `TICKET_COLUMNS` key, plus the older names
#: "updated_at" and "opened_at".
SORT_KEYS = tickets_repo.SORT_KEYS
MAX_SUBJECT = 300
MAX_CATEGORY = 120
MAX_NUMBER = 24
MAX_PAGE = 1000
#: From this offset on, `list_page` without a `total` counts the list first, so that a page
#: in the second half can be read from the far end (cheaper than skipping the rows before it).
FLIP_MIN_OFFSET = 20_000
MAX_VIEW_NAME = 120
#: Most tickets one `create_many` call takes.
MAX_BATCH = 50_000

# Worst first: the row shows the most urgent of its two clocks.
_SLA_SEVERITY = {
    SlaState.BREACHED: 4,
    SlaState.DUE_SOON: 3,
    SlaState.PAUSED: 2,
    SlaState.OK: 1,
    SlaState.MET: 0,
}

# Events written by one action share its moment; a follow-on event (the status change after
# a reply) is a microsecond later so the timeline order never depends on id generation.
_NEXT = timedelta(microseconds=1)

# Breach events get ids derived from the ticket and the target: two desktops that record the
# same breach while apart write the same row, which sync merges instead of doubling.
_BREACH_IDS = uuid.UUID("6f1d2c3e-5b7a-4c1e-9d2f-0a8b7c6d5e4f")


def _breach_event_id(ticket_id: uuid.UUID, target: str) -> uuid.UUID:
    return uuid.uuid5(_BREACH_IDS, f"{ticket_id}:{target}")


# Built-in saved views and tags get ids derived from their names, so two desktops that create
# the same one offline create the same row rather than two rows that clash on sync.
_ID_NAMESPACE = uuid.UUID("6f1d8a52-2c1e-4c8e-9a57-3b8d0f4e2a10")

_CLOSED_MESSAGE = "A closed ticket cannot change; open a new ticket instead."


class _Unset(enum.Enum):
    UNSET = "unset"


#: "Leave as it is" for `bulk_update(assignee=...)`, where None means "nobody".
UNSET = _Unset.UNSET

AssigneeFilter = Literal["me", "unassigned"] | uuid.UUID | None
DueFilter = Literal["due_soon", "breached"]


@dataclass(frozen=True)
class TicketFilter:
    """Which tickets a list shows. Every field left at its default means "any".

    Attributes:
        statuses: only these statuses; None for every status.
        active_only: only tickets that still need work (not resolved or closed).
        assignee: "me" (the signed-in person), "unassigned", a user id, or None for anyone.
        team_id: only this team's tickets.
        text: words to find in the number, subject, description, replies or notes.
        priorities: only these priorities.
        tag: only tickets with this tag (typed as the user likes; compared normalised).
        category: only this category.
        due: "due_soon" (a running clock is close to its due time) or "breached".
        tier: only this escalation tier (1-3).
        channel: only tickets that came in this way.
        resolved_within_days: only tickets resolved in the last this many days.
    """

    statuses: frozenset[TicketStatus] | None = None
    active_only: bool = False
    assignee: AssigneeFilter = None
    team_id: uuid.UUID | None = None
    text: str = ""
    priorities: frozenset[Priority] | None = None
    tag: str = ""
    category: str = ""
    due: DueFilter | None = None
    tier: int | None = None
    channel: Channel | None = None
    resolved_within_days: int | None = None


@dataclass(frozen=True)
class TicketRow:
    """One line of the ticket list.

    `tags` are always filled (one query per page); `pending_sync` says the ticket was created
    on this desktop and has not reached the team server yet.
    """

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
    category: str = ""
    tier: int = 1
    tags: tuple[str, ...] = ()
    pending_sync: bool = False
    sla_paused: bool = False


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
    tier: int = 1
    sla_paused: bool = False
    #: Business minutes the SLA clock has stood still so far (finished pauses).
    sla_paused_minutes: int = 0
    merged_into_number: str = ""
    pending_sync: bool = False
    #: Minutes of time logged on the ticket.
    total_minutes: int = 0


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


@dataclass(frozen=True)
class SavedViewInfo:
    """A saved ticket view: shared with the team (personal False) or the user's own."""

    id: uuid.UUID
    name: str
    filter: TicketFilter
    personal: bool


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did.

    Attributes:
        changed: tickets that changed.
        refused: (ticket number, reason) of tickets the workflow did not allow to change.
        changes: what to refresh.
    """

    changed: list[uuid.UUID]
    refused: list[tuple[str, str]]
    changes: Changes


SearchWhere = Literal["subject", "description", "reply", "note"]
_STATUS_VALUES = frozenset(s.value for s in TicketStatus)


@dataclass(frozen=True)
class SearchHit:
    """One ticket found by `TicketService.search`.

    Attributes:
        snippet: text around the match; matched words sit between "\\x02" and "\\x03".
        where: where the best match is: "subject", "description", "reply" or "note".
    """

    ticket_id: uuid.UUID
    number: str
    subject: str
    snippet: str
    where: SearchWhere


@dataclass(frozen=True)
class TicketDraft:
    """A ticket to create: the parameters of `TicketService.create`, for `create_many`."""

    subject: str
    description: str = ""
    priority: Priority = Priority.NORMAL
    channel: Channel = Channel.EMAIL
    category: str = ""
    requester_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    tier: int = 1
    tags: list[str] = field(default_factory=list)
    opened_at: datetime | None = None
    #: Only for imports: keep this number (else the next number of this desktop).
    number: str = ""
    #: Only for imports: the status the ticket is in. A resolved or closed one counts as
    #: resolved when it was opened (the import does not know when), never as late.
    status: TicketStatus = TicketStatus.NEW


def _targets(priority: Priority, first_response: int | None, resolution: int | None) -> SlaTargets:
    if first_response is not None and resolution is not None:
        return SlaTargets(first_response, resolution)
    return DEFAULT_TARGETS[priority]


def _worst(*states: str | None) -> str | None:
    known = [s for s in states if s is not None]
    return max(known, key=lambda s: _SLA_SEVERITY.get(s, 0)) if known else None


def _row(r: Any, now: datetime, tags: Sequence[str] = (), pending: bool = False) -> TicketRow:
    targets = _targets(r.priority, r.policy_first_response_minutes, r.policy_resolution_minutes)
    paused_at = r.sla_paused_at
    first = sla_state(
        r.first_response_due_at,
        now,
        targets.first_response_minutes,
        r.first_responded_at,
        paused_at=paused_at,
    )
    resolution = sla_state(
        r.resolution_due_at, now, targets.resolution_minutes, r.resolved_at, paused_at=paused_at
    )
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
        category=r.category or "",
        tier=r.tier or 1,
        tags=tuple(tags),
        pending_sync=pending,
        sla_paused=paused_at is not None,
    )


# --- saved-view filters as JSON ----------------------------------------------------------


def filter_to_json(flt: TicketFilter) -> str:
    """A filter as the JSON stored in `saved_views.filter_json` (defaults left out)."""
    data: dict[str, Any] = {}
    if flt.statuses is not None:
        data["statuses"] = sorted(s.value for s in flt.statuses)
    if flt.active_only:
        data["active_only"] = True
    if flt.assignee is not None:
        data["assignee"] = str(flt.assignee)
    if flt.team_id is not None:
        data["team_id"] = str(flt.team_id)
    if flt.text:
        data["text"] = flt.text
    if flt.priorities is not None:
        data["priorities"] = sorted(p.value for p in flt.priorities)
    for key in ("tag", "category", "due", "tier", "resolved_within_days"):
        value = getattr(flt, key)
        if value not in (None, ""):
            data[key] = value
    if flt.channel is not None:
        data["channel"] = flt.channel.value
    return json.dumps(data, sort_keys=True)


def filter_from_json(raw: str) -> TicketFilter:
    """The filter of a saved view; values this version does not know are ignored."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return TicketFilter()
    if not isinstance(data, dict):
        return TicketFilter()

    def members(enum_cls: Any, values: Any) -> frozenset[Any] | None:
        if not isinstance(values, list):
            return None
        return frozenset(enum_cls(v) for v in values if v in {m.value for m in enum_cls})

    def as_uuid(value: Any) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(value)) if value else None
        except ValueError:
            return None

    assignee_raw = data.get("assignee")
    assignee: AssigneeFilter = None
    if assignee_raw in ("me", "unassigned"):
        assignee = assignee_raw
    elif assignee_raw:
        assignee = as_uuid(assignee_raw)
    due = data.get("due") if data.get("due") in ("due_soon", "breached") else None
    tier = data.get("tier")
    days = data.get("resolved_within_days")
    channel = data.get("channel")
    return TicketFilter(
        statuses=members(TicketStatus, data.get("statuses")),
        active_only=bool(data.get("active_only", False)),
        assignee=assignee,
        team_id=as_uuid(data.get("team_id")),
        text=str(data.get("text", "")),
        priorities=members(Priority, data.get("priorities")),
        tag=str(data.get("tag", "")),
        category=str(data.get("category", "")),
        due=due,
        tier=tier if isinstance(tier, int) else None,
        channel=Channel(channel) if channel in {c.value for c in Channel} else None,
        resolved_within_days=days if isinstance(days, int) and days > 0 else None,
    )


_ACTIVE = frozenset(s for s in TicketStatus if s.is_active)

#: The views every team starts with: (key, name, filter).
BUILTIN_VIEWS: tuple[tuple[str, str, TicketFilter], ...] = (
    ("my-open", "My open", TicketFilter(active_only=True, assignee="me")),
    ("unassigned", "Unassigned", TicketFilter(active_only=True, assignee="unassigned")),
    ("due-soon", "Due soon", TicketFilter(active_only=True, due="due_soon")),
    ("breached", "Breached", TicketFilter(active_only=True, due="breached")),
    (
        "waiting",
        "Waiting on requester",
        TicketFilter(statuses=frozenset({TicketStatus.PENDING})),
    ),
    ("all-open", "All open", TicketFilter(active_only=True)),
    (
        "recently-resolved",
        "Recently resolved",
        TicketFilter(
            statuses=frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED}),
            resolved_within_days=7,
        ),
    ),
    # Closed ones too: finding an old ticket again.
    ("all", "All tickets", TicketFilter()),
)


def builtin_view_id(key: str) -> uuid.UUID:
    """The fixed id of a built-in view (the same on every desktop)."""
    return uuid.uuid5(_ID_NAMESPACE, f"saved-view:{key}")


def _minutes_words(minutes: float) -> str:
    whole = round(minutes)
    hours, mins = divmod(whole, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    if hours:
        return f"{hours} h"
    return f"{mins} min"


_PREFER_WHERE = {"subject": 0, "description": 1, "reply": 2, "note": 3}


class TicketService(Service):
    """Use cases of the Tickets pane, acting as one signed-in person."""

    _views_seeded = False

    # --- reading ------------------------------------------------------------------------

    def _due_windows(self, session: Session) -> list[tickets_repo.DueWindow]:
        """The "due soon" span of every target: a quarter of it, as in `sla_state`."""

        def span(minutes: int) -> timedelta:
            return timedelta(minutes=minutes * DUE_SOON_FRACTION)

        windows = [
            tickets_repo.DueWindow(
                r.id, None, span(r.first_response_minutes), span(r.resolution_minutes)
            )
            for r in tickets_repo.policy_targets(session)
        ]
        windows += [
            tickets_repo.DueWindow(
                None, p, span(t.first_response_minutes), span(t.resolution_minutes)
            )
            for p, t in DEFAULT_TARGETS.items()
        ]
        return windows

    def _criteria(
        self, session: Session, flt: TicketFilter, now: datetime | None = None
    ) -> tickets_repo.TicketCriteria:
        now = now or utcnow()
        statuses: set[TicketStatus] | None = set(flt.statuses) if flt.statuses is not None else None
        if flt.active_only:
            statuses = set(_ACTIVE) if statuses is None else statuses & _ACTIVE
        ids = tickets_repo.search_ids(session, flt.text) if flt.text.strip() else None
        assignee_id = None
        if flt.assignee == "me":
            assignee_id = self._actor.user_id
        elif isinstance(flt.assignee, uuid.UUID):
            assignee_id = flt.assignee
        tag = ""
        if flt.tag.strip():
            try:
                tag = normalise_tag(flt.tag)
            except TagError:
                tag = flt.tag.strip().lower()  # longer than any tag: matches nothing
        return tickets_repo.TicketCriteria(
            statuses=statuses,
            assignee_id=assignee_id,
            unassigned=flt.assignee == "unassigned",
            team_id=flt.team_id,
            ids=ids,
            priorities=set(flt.priorities) if flt.priorities is not None else None,
            tag=tag,
            category=flt.category.strip(),
            tier=flt.tier,
            channel=Channel(flt.channel) if flt.channel is not None else None,
            due=flt.due,
            now=now,
            due_windows=self._due_windows(session) if flt.due == "due_soon" else (),
            resolved_since=(
                now - timedelta(days=flt.resolved_within_days) if flt.resolved_within_days else None
            ),
        )

    def _rows(self, session: Session, raw: Sequence[Any], now: datetime) -> list[TicketRow]:
        ids = [r.id for r in raw]
        tags = tickets_repo.tags_of(session, ids)
        pending = tickets_repo.pending_inserts(session, ids)
        return [_row(r, now, tags.get(r.id, ()), r.id in pending) for r in raw]

    def list_page(
        self,
        flt: TicketFilter,
        sort_key: str = "updated",
        descending: bool = True,
        offset: int = 0,
        limit: int = 200,
        *,
        now: datetime | None = None,
        total: int | None = None,
    ) -> list[TicketRow]:
        """One page of the ticket list, filtered and sorted in SQL.

        Args:
            flt: which tickets.
            sort_key: one of `SORT_KEYS` (every `TICKET_COLUMNS` key); priority and status
                sort by rank, not by name; "sla" by the next due time of a running clock.
            descending: reverse order (empty values still come last).
            offset: rows to skip.
            limit: rows to return (at most `MAX_PAGE`).
            now: the moment SLA states are judged at (default: now).
            total: how many tickets `flt` matches, if the caller knows (the list's count).
                A page past the middle is then read from the far end of the order, which
                keeps a jump to the end of a long list quick. Without it, a page at least
                `FLIP_MIN_OFFSET` rows in counts first (in the same read).
        """
        self._require(Permission.TICKET_READ)
        if sort_key not in SORT_KEYS:
            raise ValidationError(f"Tickets cannot be sorted by '{sort_key}'.")
        now = now or utcnow()
        with self._db.read_session() as session:
            criteria = self._criteria(session, flt, now)
            if criteria.ids is not None and not criteria.ids:
                return []
            if total is None and offset >= FLIP_MIN_OFFSET:
                total = tickets_repo.count(session, criteria)
            rows = tickets_repo.page(
                session,
                criteria,
                sort_key=sort_key,
                descending=descending,
                offset=max(0, offset),
                limit=max(0, min(limit, MAX_PAGE)),
                total=total,
            )
            return self._rows(session, rows, now)

    def count(self, flt: TicketFilter, *, now: datetime | None = None) -> int:
        """How many tickets `flt` matches."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            criteria = self._criteria(session, flt, now)
            if criteria.ids is not None and not criteria.ids:
                return 0
            return tickets_repo.count(session, criteria)

    def due_soon_for_me(
        self, within_minutes: int = 60, *, now: datetime | None = None
    ) -> list[TicketRow]:
        """My active tickets whose running clock comes due within `within_minutes` (not yet
        breached, not paused), most urgent first: for the "about to breach" notification."""
        self._require(Permission.TICKET_READ)
        now = now or utcnow()
        span = timedelta(minutes=max(0, within_minutes))
        criteria = tickets_repo.TicketCriteria(
            statuses=_ACTIVE,
            assignee_id=self._actor.user_id,
            due="due_soon",
            now=now,
            due_windows=(tickets_repo.DueWindow(None, None, span, span),),
        )
        with self._db.read_session() as session:
            rows = tickets_repo.page(
                session, criteria, sort_key="sla", descending=False, offset=0, limit=MAX_PAGE
            )
            return self._rows(session, rows, now)

    def find_by_number(self, number: str) -> uuid.UUID | None:
        """The ticket with this number (any case), or None."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            return tickets_repo.exact_number(session, number)

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
                    paused_at=t.sla_paused_at,
                ),
                resolution_state=sla_state(
                    t.resolution_due_at,
                    now,
                    targets.resolution_minutes,
                    t.resolved_at,
                    paused_at=t.sla_paused_at,
                ),
                sla_breached=t.sla_breached,
                events=events,
                satisfaction=(
                    SatisfactionView(rating.score, rating.comment, rating.rated_at)
                    if rating is not None
                    else None
                ),
                tier=t.tier or 1,
                sla_paused=t.sla_paused_at is not None,
                sla_paused_minutes=t.sla_paused_minutes or 0,
                merged_into_number=(
                    tickets_repo.number_of(session, t.merged_into_id) if t.merged_into_id else ""
                ),
                pending_sync=bool(tickets_repo.pending_inserts(session, [t.id])),
                total_minutes=tickets_repo.total_minutes(session, t.id),
            )

    def sla_timeline(self, ticket_id: uuid.UUID) -> list[SlaStretch]:
        """The SLA clock of the ticket as stretches: running, paused (and why), stopped."""
        self._require(Permission.TICKET_READ)
        with self._db.read_session() as session:
            ticket = tickets_repo.get_live(session, ticket_id)
            if ticket is None:
                raise NotFoundError("That ticket no longer exists.")
            return self._timeline(session, ticket)

    @staticmethod
    def _timeline(session: Session, ticket: Ticket) -> list[SlaStretch]:
        changes: list[ClockChange] = []
        for kind, old, new, at in tickets_repo.clock_events(session, ticket.id):
            if kind is TicketEventKind.SLA_PAUSED:
                changes.append(ClockChange(at, "pause", "Waiting on the requester"))
            elif kind is TicketEventKind.SLA_RESUMED:
                label = TicketStatus(new).label if new in _STATUS_VALUES else "another status"
                changes.append(ClockChange(at, "resume", f"Moved to {label.lower()}"))
            elif new in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                changes.append(ClockChange(at, "stop", TicketStatus(new).label))
            elif old in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                changes.append(ClockChange(at, "restart", "Reopened"))
        return sla_timeline(ticket.opened_at, changes)

    def _standstills(self, session: Session, ticket: Ticket) -> list[tuple[datetime, datetime]]:
        """Finished stretches when the clock stood still: paused, or stopped then reopened."""
        if ticket.id is None:  # not written yet: no history
            return []
        session.flush()  # events of this unit of work count too
        return [
            (stretch.start, stretch.end)
            for stretch in self._timeline(session, ticket)
            if stretch.state != "running" and stretch.end is not None
        ]

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

    # --- search -------------------------------------------------------------------------

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        """Tickets whose number, subject, description, replies or internal notes match.

        Every word must match, the last one also as the start of a word. One hit per ticket
        (its best place: subject, then description, reply, note), tickets with the most recent
        matching text first; a ticket number typed exactly comes first.
        """
        self._require(Permission.TICKET_READ)
        limit = max(1, min(limit, 200))
        with self._db.read_session() as session:
            exact = tickets_repo.exact_number(session, text)
            best: dict[uuid.UUID, tickets_repo.RawHit] = {}
            latest: dict[uuid.UUID, datetime] = {}
            for hit in tickets_repo.search_hits(session, text, limit):
                if hit.where not in _PREFER_WHERE:
                    continue
                known = best.get(hit.ticket_id)
                if known is None or _PREFER_WHERE[hit.where] < _PREFER_WHERE[known.where]:
                    best[hit.ticket_id] = hit
                latest[hit.ticket_id] = max(latest.get(hit.ticket_id, hit.at), hit.at)
            order = sorted(best, key=lambda i: latest[i], reverse=True)
            if exact is not None:
                order = [exact, *(i for i in order if i != exact)]
            order = order[:limit]
            names = tickets_repo.numbers_and_subjects(session, order)
            out: list[SearchHit] = []
            for ticket_id in order:
                if ticket_id not in names:
                    continue
                number, subject = names[ticket_id]
                raw = best.get(ticket_id)
                if raw is None:  # found by its number only
                    out.append(SearchHit(ticket_id, number, subject, subject, "subject"))
                    continue
                where = cast(SearchWhere, raw.where)
                out.append(SearchHit(ticket_id, number, subject, raw.snippet, where))
            return out

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

    def _policy_for(
        self,
        session: Session,
        priority: Priority,
        organisation_id: uuid.UUID | None,
        cache: dict[Any, Any] | None = None,
    ) -> tuple[uuid.UUID | None, SlaTargets, BusinessCalendar]:
        """(policy id, targets, calendar) for a ticket of this priority and organisation."""
        key = ("policy", priority, organisation_id)
        if cache is not None and key in cache:
            found: tuple[uuid.UUID | None, SlaTargets, BusinessCalendar] = cache[key]
            return found
        policy = tickets_repo.sla_policy_for(session, priority, organisation_id)
        result: tuple[uuid.UUID | None, SlaTargets, BusinessCalendar]
        if policy is None:
            result = (None, DEFAULT_TARGETS[priority], BusinessCalendar())
        else:
            result = (
                policy.id,
                SlaTargets(policy.first_response_minutes, policy.resolution_minutes),
                self._calendar(session, policy.calendar_id),
            )
        if cache is not None:
            cache[key] = result
        return result

    def _apply_sla(
        self,
        session: Session,
        ticket: Ticket,
        organisation_id: uuid.UUID | None,
        cache: dict[Any, Any] | None = None,
    ) -> None:
        """Set the policy and due dates of `ticket` from its priority and `opened_at`.

        Each finished stretch when the clock stood still moves a due time on, unless the target
        was already missed when it began (as on resume: a pause never turns a breach into a met
        target). A clock that has stopped (answered, resolved) keeps its due time: its outcome
        is settled and a later priority change must not rewrite it.
        """
        policy_id, targets, calendar = self._policy_for(
            session, ticket.priority, organisation_id, cache
        )
        ticket.sla_policy_id = policy_id
        standstills = self._standstills(session, ticket) if cache is None else []

        def due(minutes: int) -> datetime:
            moment: datetime | None = add_business_minutes(ticket.opened_at, minutes, calendar)
            for start, end in standstills:
                moment = shift_due(moment, start, end, calendar)
            assert moment is not None
            return moment

        if ticket.first_responded_at is None or ticket.first_response_due_at is None:
            ticket.first_response_due_at = due(targets.first_response_minutes)
        if ticket.resolved_at is None or ticket.resolution_due_at is None:
            ticket.resolution_due_at = due(targets.resolution_minutes)

    def _ticket_calendar(self, session: Session, ticket: Ticket) -> BusinessCalendar:
        policy = (
            tickets_repo.policy(session, ticket.sla_policy_id) if ticket.sla_policy_id else None
        )
        return self._calendar(session, policy.calendar_id if policy else None)

    def _organisation_of(self, session: Session, contact_id: uuid.UUID | None) -> uuid.UUID | None:
        contact = tickets_repo.live_contact(session, contact_id) if contact_id else None
        return contact.organisation_id if contact else None

    # --- writing ------------------------------------------------------------------------

    def _load(self, session: Session, ticket_id: uuid.UUID) -> Ticket:
        ticket = tickets_repo.get_for_update(session, ticket_id)
        if ticket is None:
            raise NotFoundError("That ticket no longer exists.")
        return ticket

    def _load_open(self, session: Session, ticket_id: uuid.UUID) -> Ticket:
        """The ticket, refusing a closed one."""
        ticket = self._load(session, ticket_id)
        if ticket.status is TicketStatus.CLOSED:
            raise ValidationError(_CLOSED_MESSAGE)
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
        by_system: bool = False,
        event_id: uuid.UUID | None = None,
    ) -> TicketEvent:
        event = TicketEvent(
            ticket_id=ticket.id,
            kind=kind,
            author_id=None if by_system else self._actor.user_id,
            body=body,
            is_public=is_public,
            old_value=old[:255],
            new_value=new[:255],
        )
        if at is not None:
            event.created_at = at
        if event_id is not None:
            event.id = event_id
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

    def _assignee_name(self, session: Session, user_id: uuid.UUID | None) -> str:
        user = tickets_repo.active_user(session, user_id) if user_id else None
        return user.full_name if user else ""

    @staticmethod
    def _clean_draft(draft: TicketDraft, now: datetime) -> TicketDraft:
        """The draft with tidied values; raises ValidationError for what cannot be stored."""
        subject = " ".join(draft.subject.split())
        if not subject:
            raise ValidationError("Enter a subject: a few words that say what is wrong.")
        if len(subject) > MAX_SUBJECT:
            raise ValidationError(f"Keep the subject under {MAX_SUBJECT} characters.")
        category = draft.category.strip()
        if len(category) > MAX_CATEGORY:
            raise ValidationError(f"Keep the category under {MAX_CATEGORY} characters.")
        try:
            priority, channel = Priority(draft.priority), Channel(draft.channel)
        except ValueError as exc:
            raise ValidationError(
                "Choose a priority and a channel from the lists offered."
            ) from exc
        try:
            check_tier(draft.tier)
            tags = list(normalise_tags(draft.tags))
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        number = draft.number.strip().upper()
        if len(number) > MAX_NUMBER:
            raise ValidationError(f"Keep the ticket number under {MAX_NUMBER + 1} characters.")
        try:
            status = TicketStatus(draft.status)
        except ValueError as exc:
            raise ValidationError("Choose a status from the list offered.") from exc
        opened_at = draft.opened_at
        if opened_at is not None:
            if opened_at.tzinfo is None:
                raise ValidationError(
                    "Give the opening time with its time zone (for example 2024-03-01T09:00Z)."
                )
            if opened_at > now + timedelta(minutes=5):
                raise ValidationError("The opening time is in the future; check the date.")
        return replace(
            draft,
            subject=subject,
            description=draft.description.strip(),
            category=category,
            priority=priority,
            channel=channel,
            tags=tags,
            number=number,
            status=status,
        )

    def _insert_ticket(
        self,
        session: Session,
        draft: TicketDraft,
        now: datetime,
        cache: dict[Any, Any],
    ) -> Ticket:
        """Write one cleaned draft: the ticket, its tags, events and audit entry."""
        organisation_id = None
        if draft.requester_id is not None:
            key = ("contact", draft.requester_id)
            if key not in cache:
                contact = tickets_repo.live_contact(session, draft.requester_id)
                if contact is None:
                    raise ValidationError("That requester no longer exists; choose another.")
                cache[key] = contact.organisation_id
            organisation_id = cache[key]
        if draft.team_id is not None and ("team", draft.team_id) not in cache:
            if tickets_repo.live_team(session, draft.team_id) is None:
                raise ValidationError("That team no longer exists; choose another.")
            cache[("team", draft.team_id)] = True
        assignee_key = ("assignee", draft.assignee_id)
        if assignee_key not in cache:
            cache[assignee_key] = self._check_assignee(session, draft.assignee_id)
        assignee_name: str = cache[assignee_key]
        opened = draft.opened_at or now
        ticket = Ticket(
            number=draft.number or device_repo.next_ticket_number(session),
            subject=draft.subject,
            description=draft.description,
            status=TicketStatus.NEW,
            priority=draft.priority,
            channel=draft.channel,
            category=draft.category,
            requester_id=draft.requester_id,
            team_id=draft.team_id,
            assignee_id=draft.assignee_id,
            opened_at=opened,
            tier=draft.tier,
            sla_paused_minutes=0,
        )
        self._apply_sla(session, ticket, organisation_id, cache)
        session.add(ticket)
        session.flush()
        self._event(session, ticket, TicketEventKind.CREATED, new=ticket.number, at=opened)
        if draft.assignee_id is not None:
            self._event(
                session, ticket, TicketEventKind.ASSIGNMENT, new=assignee_name, at=opened + _NEXT
            )
        if draft.tags:
            self._replace_tags(session, ticket, draft.tags, now)
        if draft.status is not TicketStatus.NEW:
            self._apply_status(session, ticket, draft.status, opened + 2 * _NEXT)
        self._audit(
            session,
            "ticket.create",
            entity="ticket",
            entity_id=ticket.id,
            summary=f"{ticket.number}: {draft.subject[:120]}",
        )
        return ticket

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
        tier: int = 1,
        tags: Sequence[str] = (),
        opened_at: datetime | None = None,
    ) -> tuple[uuid.UUID, Changes]:
        """Log a new ticket with SLA due dates; returns its id and what changed.

        Args:
            tier: escalation tier it starts at (1-3).
            tags: tags to put on it (created on first use).
            opened_at: when it was really opened (importing older tickets); due dates count
                from then. Default: now.
        """
        self._require(Permission.TICKET_WRITE)
        if assignee_id is not None and assignee_id != self._actor.user_id:
            self._require(Permission.TICKET_ASSIGN_OTHERS)
        now = utcnow()
        draft = self._clean_draft(
            TicketDraft(
                subject=subject,
                description=description,
                priority=priority,
                channel=channel,
                category=category,
                requester_id=requester_id,
                team_id=team_id,
                assignee_id=assignee_id,
                tier=tier,
                tags=list(tags),
                opened_at=opened_at,
            ),
            now,
        )
        with self._unit_of_work() as session:
            ticket = self._insert_ticket(session, draft, now, {})
            return ticket.id, Changes.of(Area.TICKETS, ids=(ticket.id,))

    def create_many(self, drafts: Sequence[TicketDraft]) -> list[tuple[uuid.UUID, str]]:
        """Create every draft, or none: one unit of work. Returns (id, number) in order.

        A bad draft refuses the whole batch with a message naming it ("Ticket 3: ...").
        """
        self._require(Permission.TICKET_WRITE)
        if len(drafts) > MAX_BATCH:
            raise ValidationError(f"Create at most {MAX_BATCH:,} tickets at once.")
        me = self._actor.user_id
        if any(d.assignee_id not in (None, me) for d in drafts):
            self._require(Permission.TICKET_ASSIGN_OTHERS)
        now = utcnow()
        cleaned: list[TicketDraft] = []
        for index, draft in enumerate(drafts, start=1):
            try:
                cleaned.append(self._clean_draft(draft, now))
            except ValidationError as exc:
                raise ValidationError(f"Ticket {index}: {exc} Nothing was created.") from exc
        seen: dict[str, int] = {}
        for index, draft in enumerate(cleaned, start=1):
            if draft.number and draft.number in seen:
                raise ValidationError(
                    f"Ticket {index}: the number {draft.number} is also on ticket "
                    f"{seen[draft.number]}. Nothing was created."
                )
            if draft.number:
                seen[draft.number] = index
        out: list[tuple[uuid.UUID, str]] = []
        cache: dict[Any, Any] = {}
        with self._unit_of_work() as session:
            taken = tickets_repo.numbers_taken(session, list(seen))
            if taken:
                first = min(taken, key=lambda n: seen[n])
                raise ValidationError(
                    f"Ticket {seen[first]}: the number {first} is already used by another "
                    "ticket. Nothing was created."
                )
            for index, draft in enumerate(cleaned, start=1):
                try:
                    ticket = self._insert_ticket(session, draft, now, cache)
                except ValidationError as exc:
                    raise ValidationError(f"Ticket {index}: {exc} Nothing was created.") from exc
                out.append((ticket.id, ticket.number))
        return out

    def add_reply(self, ticket_id: uuid.UUID, body: str, public: bool = True) -> Changes:
        """Add a public reply to the requester, or an internal note for colleagues.

        The first public reply stops the first-response clock (an internal note does not);
        a public reply to a new ticket also opens it.
        """
        self._require(Permission.TICKET_WRITE)
        body = body.strip()
        if not body:
            raise ValidationError("Write something before sending.")
        now = utcnow()
        with self._unit_of_work() as session:
            ticket = self._load_open(session, ticket_id)
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

    # --- status and the SLA clock -------------------------------------------------------

    def change_status(self, ticket_id: uuid.UUID, status: TicketStatus) -> Changes:
        """Move the ticket along the workflow, stopping, pausing or restarting its SLA clocks.

        Entering "waiting on requester" pauses the clock; leaving it resumes the clock with
        the due times moved on by the business time it stood still.
        """
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
            self._apply_status(session, ticket, status, now)
            self._audit(
                session,
                "ticket.status",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old.label} → {status.label}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def _apply_status(
        self, session: Session, ticket: Ticket, status: TicketStatus, now: datetime
    ) -> None:
        """Set an allowed status with its events and clock effects (checked by the caller)."""
        old = ticket.status
        ticket.status = status
        self._event(
            session, ticket, TicketEventKind.STATUS, old=old.value, new=status.value, at=now
        )
        at = now + _NEXT
        if status is TicketStatus.PENDING and ticket.sla_paused_at is None:
            if ticket.resolved_at is None:
                ticket.sla_paused_at = now
                self._event(
                    session,
                    ticket,
                    TicketEventKind.SLA_PAUSED,
                    body="Waiting on the requester",
                    old=old.value,
                    new=status.value,
                    at=at,
                )
                at += _NEXT
        elif old is TicketStatus.PENDING and ticket.sla_paused_at is not None:
            self._resume_clock(session, ticket, status, now, at)
            at += _NEXT
        if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at is None:
            # Closing straight from an active status also stops the resolution clock: the
            # work on the ticket is over either way.
            self._stop_resolution_clock(session, ticket, now, at)
        if status is TicketStatus.CLOSED:
            ticket.closed_at = now
        if old is TicketStatus.RESOLVED and status is TicketStatus.OPEN:
            # Reopened: the resolution clock stood still while the ticket was resolved, so
            # its due time moves on by that stretch (unless it had already passed).
            if ticket.resolved_at is not None:
                ticket.resolution_due_at = shift_due(
                    ticket.resolution_due_at,
                    ticket.resolved_at,
                    now,
                    self._ticket_calendar(session, ticket),
                )
            ticket.resolved_at = None
            ticket.resolution_minutes = None
            late_response = ticket.first_response_due_at is not None and (
                (ticket.first_responded_at or now) > ticket.first_response_due_at
            )
            late_resolution = ticket.resolution_due_at is not None and (
                now > ticket.resolution_due_at
            )
            ticket.sla_breached = late_response or late_resolution

    def _resume_clock(
        self,
        session: Session,
        ticket: Ticket,
        status: TicketStatus,
        now: datetime,
        at: datetime,
    ) -> None:
        paused_at = ticket.sla_paused_at
        assert paused_at is not None
        calendar = self._ticket_calendar(session, ticket)
        minutes = business_minutes_between(paused_at, now, calendar)
        if ticket.first_responded_at is None:
            ticket.first_response_due_at = shift_due(
                ticket.first_response_due_at, paused_at, now, calendar
            )
        if ticket.resolved_at is None:
            ticket.resolution_due_at = shift_due(ticket.resolution_due_at, paused_at, now, calendar)
        ticket.sla_paused_minutes = (ticket.sla_paused_minutes or 0) + round(minutes)
        ticket.sla_paused_at = None
        self._event(
            session,
            ticket,
            TicketEventKind.SLA_RESUMED,
            body=f"The clock stood still for {_minutes_words(minutes)} of business time.",
            old=TicketStatus.PENDING.value,
            new=status.value,
            at=at,
        )

    def _stop_resolution_clock(
        self, session: Session, ticket: Ticket, now: datetime, at: datetime
    ) -> None:
        ticket.resolved_at = now
        ticket.resolution_minutes = round(
            business_minutes_between(ticket.opened_at, now, self._ticket_calendar(session, ticket))
        )
        late_resolution = ticket.resolution_due_at is not None and now > ticket.resolution_due_at
        late_response = ticket.first_response_due_at is not None and (
            (ticket.first_responded_at or now) > ticket.first_response_due_at
        )
        ticket.sla_breached = late_resolution or late_response
        missed = [
            target
            for target, late in (
                (tickets_repo.BREACH_FIRST_RESPONSE, late_response),
                (tickets_repo.BREACH_RESOLUTION, late_resolution),
            )
            if late
        ]
        if missed:
            recorded = tickets_repo.breached_targets(session, ticket.id)
            for target in missed:
                if target not in recorded:
                    self._event(
                        session,
                        ticket,
                        TicketEventKind.SLA_BREACH,
                        new=target,
                        at=at,
                        event_id=_breach_event_id(ticket.id, target),
                    )
                    at += _NEXT

    def record_breaches(self, now: datetime | None = None) -> int:
        """Record every missed due time of a running clock: the ticket is marked breached
        and gets one SLA breach event per missed target, dated at the due time.

        Safe to call as often as liked (a timer does): a breach is recorded once. The events
        are the system's, with no author. Returns how many breaches were newly recorded.
        """
        self._require(Permission.TICKET_READ)
        now = now or utcnow()
        written = 0
        with self._unit_of_work() as session:
            by_ticket: dict[uuid.UUID, list[str]] = {}
            for ticket_id, target in tickets_repo.breach_candidates(session, now):
                by_ticket.setdefault(ticket_id, []).append(target)
            for ticket_id, targets in by_ticket.items():
                ticket = tickets_repo.get_for_update(session, ticket_id)
                if ticket is None:
                    continue
                ticket.sla_breached = True
                recorded = tickets_repo.breached_targets(session, ticket_id)
                for target in sorted(targets):
                    if target in recorded:
                        continue
                    due = (
                        ticket.first_response_due_at
                        if target == tickets_repo.BREACH_FIRST_RESPONSE
                        else ticket.resolution_due_at
                    )
                    self._event(
                        session,
                        ticket,
                        TicketEventKind.SLA_BREACH,
                        new=target,
                        at=due or now,
                        by_system=True,
                        event_id=_breach_event_id(ticket.id, target),
                    )
                    written += 1
            if written:
                self._audit(
                    session,
                    "ticket.sla_breach",
                    entity="ticket",
                    summary=f"{written} missed SLA target{'s' if written != 1 else ''} recorded",
                )
        return written

    # --- other fields -------------------------------------------------------------------

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
                raise ValidationError(_CLOSED_MESSAGE)
            self._apply_priority(session, ticket, priority)
            self._audit(
                session,
                "ticket.priority",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old.label} → {priority.label}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def _apply_priority(self, session: Session, ticket: Ticket, priority: Priority) -> None:
        old = ticket.priority
        ticket.priority = priority
        self._apply_sla(session, ticket, self._organisation_of(session, ticket.requester_id))
        self._event(session, ticket, TicketEventKind.PRIORITY, old=old.value, new=priority.value)

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
            ticket = self._load_open(session, ticket_id)
            if self._assign_refusal(ticket, assignee_id):
                raise PermissionDeniedError(Permission.TICKET_ASSIGN_OTHERS)
            if team_id is not None and tickets_repo.live_team(session, team_id) is None:
                raise ValidationError("That team no longer exists; choose another.")
            if ticket.assignee_id == assignee_id and ticket.team_id == team_id:
                raise ValidationError("The ticket is already assigned like that.")
            old_name = self._assignee_name(session, ticket.assignee_id)
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

    def _assign_refusal(self, ticket: Ticket, assignee_id: uuid.UUID | None) -> str:
        """Why the actor may not move this ticket to `assignee_id` ("" if they may)."""
        me = self._actor.user_id
        others = {ticket.assignee_id, assignee_id} - {None, me}
        moves_others = ticket.assignee_id != assignee_id and bool(others)
        if moves_others and not self._actor.can(Permission.TICKET_ASSIGN_OTHERS):
            return "You may take tickets or let go of your own, not move other people's."
        return ""

    def escalate(self, ticket_id: uuid.UUID, tier: int, reason: str) -> Changes:
        """Move the ticket to another escalation tier (1 = L1 … 3 = L3), saying why."""
        self._require(Permission.TICKET_WRITE)
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError(
                "Say why the ticket changes tier; the reason goes on its timeline."
            )
        with self._unit_of_work() as session:
            ticket = self._load_open(session, ticket_id)
            old = ticket.tier or 1
            try:
                check_escalation(old, tier)
            except TransitionError as exc:
                raise ValidationError(str(exc)) from exc
            ticket.tier = tier
            self._event(
                session,
                ticket,
                TicketEventKind.ESCALATION,
                body=reason,
                old=str(old),
                new=str(tier),
            )
            self._audit(
                session,
                "ticket.escalate",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {tier_label(old)} → {tier_label(tier)}: {reason[:100]}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def set_team(self, ticket_id: uuid.UUID, team_id: uuid.UUID | None) -> Changes:
        """Hand the ticket to a team's queue (or to none)."""
        self._require(Permission.TICKET_WRITE)
        with self._unit_of_work() as session:
            ticket = self._load_open(session, ticket_id)
            new_team = tickets_repo.live_team(session, team_id) if team_id else None
            if team_id is not None and new_team is None:
                raise ValidationError("That team no longer exists; choose another.")
            if ticket.team_id == team_id:
                raise ValidationError(
                    "The ticket is already with that team." if team_id else
                    "The ticket already has no team."
                )  # fmt: skip
            old_team = tickets_repo.live_team(session, ticket.team_id) if ticket.team_id else None
            old_name, new_name = (
                (old_team.name if old_team else ""),
                (new_team.name if new_team else ""),
            )
            ticket.team_id = team_id
            self._event(session, ticket, TicketEventKind.TEAM, old=old_name, new=new_name)
            self._audit(
                session,
                "ticket.team",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old_name or 'no team'} → {new_name or 'no team'}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def set_category(self, ticket_id: uuid.UUID, category: str) -> Changes:
        """Change the category ("" for none)."""
        self._require(Permission.TICKET_WRITE)
        category = " ".join(category.split())
        if len(category) > MAX_CATEGORY:
            raise ValidationError(f"Keep the category under {MAX_CATEGORY} characters.")
        with self._unit_of_work() as session:
            ticket = self._load_open(session, ticket_id)
            old = ticket.category
            if old == category:
                raise ValidationError(
                    f"The category is already '{category}'." if category else
                    "The ticket already has no category."
                )  # fmt: skip
            ticket.category = category
            self._event(session, ticket, TicketEventKind.CATEGORY, old=old, new=category)
            self._audit(
                session,
                "ticket.category",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old or 'none'} → {category or 'none'}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def set_channel(self, ticket_id: uuid.UUID, channel: Channel) -> Changes:
        """Correct how the ticket came in (phone, email, walk-in, …)."""
        self._require(Permission.TICKET_WRITE)
        try:
            channel = Channel(channel)
        except ValueError as exc:
            raise ValidationError("Choose a channel from the list offered.") from exc
        with self._unit_of_work() as session:
            ticket = self._load_open(session, ticket_id)
            old = ticket.channel
            if old is channel:
                raise ValidationError(f"The channel is already {channel.label.lower()}.")
            ticket.channel = channel
            self._event(session, ticket, TicketEventKind.CHANNEL, old=old.value, new=channel.value)
            self._audit(
                session,
                "ticket.channel",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old.label} → {channel.label}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def set_requester(self, ticket_id: uuid.UUID, contact_id: uuid.UUID | None) -> Changes:
        """Change who the ticket is for. While the ticket is unresolved, a different
        organisation's SLA policy (if it has one) sets new due dates."""
        self._require(Permission.TICKET_WRITE)
        with self._unit_of_work() as session:
            ticket = self._load_open(session, ticket_id)
            if ticket.requester_id == contact_id:
                raise ValidationError(
                    "The ticket is already for that requester." if contact_id else
                    "The ticket already has no requester."
                )  # fmt: skip
            new = tickets_repo.live_contact(session, contact_id) if contact_id else None
            if contact_id is not None and new is None:
                raise ValidationError("That requester no longer exists; choose another.")
            old = (
                tickets_repo.live_contact(session, ticket.requester_id)
                if ticket.requester_id
                else None
            )
            ticket.requester_id = contact_id
            if ticket.resolved_at is None:
                organisation_id = new.organisation_id if new else None
                policy_id, _, _ = self._policy_for(session, ticket.priority, organisation_id)
                if policy_id != ticket.sla_policy_id:
                    self._apply_sla(session, ticket, organisation_id)
            old_name, new_name = (old.full_name if old else ""), (new.full_name if new else "")
            self._event(session, ticket, TicketEventKind.REQUESTER, old=old_name, new=new_name)
            self._audit(
                session,
                "ticket.requester",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {old_name or 'nobody'} → {new_name or 'nobody'}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def set_tags(self, ticket_id: uuid.UUID, tags: Sequence[str]) -> Changes:
        """Replace the ticket's tags. Names are trimmed and lower-cased; a new name creates
        the tag."""
        self._require(Permission.TICKET_WRITE)
        try:
            names = list(normalise_tags(tags))
        except TagError as exc:
            raise ValidationError(str(exc)) from exc
        now = utcnow()
        with self._unit_of_work() as session:
            ticket = self._load_open(session, ticket_id)
            old, new = self._replace_tags(session, ticket, names, now)
            if old == new:
                raise ValidationError("The ticket already has exactly these tags.")
            self._event(
                session, ticket, TicketEventKind.TAGS, old=", ".join(old), new=", ".join(new)
            )
            self._audit(
                session,
                "ticket.tags",
                entity="ticket",
                entity_id=ticket.id,
                summary=f"{ticket.number}: {', '.join(new) or 'no tags'}",
            )
        return Changes.of(Area.TICKETS, ids=(ticket_id,))

    def _tag(self, session: Session, name: str) -> Tag:
        """The live tag called `name`, created (or brought back) on first use."""
        tag = tickets_repo.tag_by_name(session, name)
        if tag is None:
            tag = Tag(id=uuid.uuid5(_ID_NAMESPACE, f"tag:{name}"), name=name)
            session.add(tag)
            session.flush()
        elif tag.deleted_at is not None:
            tag.deleted_at = None
        return tag

    def _replace_tags(
        self, session: Session, ticket: Ticket, names: Sequence[str], now: datetime
    ) -> tuple[list[str], list[str]]:
        """Make `names` the ticket's tags; returns (old names, new names), each sorted."""
        links = tickets_repo.ticket_tag_links(session, ticket.id)
        live = {tag_id for tag_id, link in links.items() if link.deleted_at is None}
        old_names = sorted(tickets_repo.tag_names_by_id(session, live).values())
        wanted: set[uuid.UUID] = set()
        for name in names:
            tag = self._tag(session, name)
            wanted.add(tag.id)
            link = links.get(tag.id)
            if link is None:
                session.add(
                    TicketTag(
                        id=uuid.uuid5(ticket.id, tag.id.hex), ticket_id=ticket.id, tag_id=tag.id
                    )
                )
            elif link.deleted_at is not None:
                link.deleted_at = None
        for tag_id in live - wanted:
            links[tag_id].deleted_at = now
        return old_names, sorted(names)

    # --- bulk ---------------------------------------------------------------------------

    def bulk_update(
        self,
        ticket_ids: Iterable[uuid.UUID],
        *,
        status: TicketStatus | None = None,
        priority: Priority | None = None,
        assignee: uuid.UUID | _Unset | None = UNSET,
        add_tag: str | None = None,
    ) -> BulkResult:
        """Change many tickets at once, in one unit of work.

        A ticket the workflow does not allow to change (closed, a status it cannot move to,
        someone else's ticket without the right to reassign) is listed in `refused` with the
        reason and left as it was; the others change, each with its events and audit entry.
        Values a ticket already has are skipped for it.
        """
        self._require(Permission.TICKET_WRITE)
        try:
            status = TicketStatus(status) if status is not None else None
            priority = Priority(priority) if priority is not None else None
            tag = normalise_tag(add_tag) if add_tag is not None else ""
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if add_tag is not None and not tag:
            raise ValidationError("Type the tag to add.")
        if status is None and priority is None and assignee is UNSET and not tag:
            raise ValidationError("Choose what to change: status, priority, assignee or a tag.")
        me = self._actor.user_id
        if isinstance(assignee, uuid.UUID) and assignee != me:
            self._require(Permission.TICKET_ASSIGN_OTHERS)
        now = utcnow()
        changed: list[uuid.UUID] = []
        refused: list[tuple[str, str]] = []
        with self._unit_of_work() as session:
            new_name = ""
            if isinstance(assignee, uuid.UUID):
                new_name = self._check_assignee(session, assignee)
            for ticket_id in dict.fromkeys(ticket_ids):
                ticket = tickets_repo.get_for_update(session, ticket_id)
                if ticket is None:
                    refused.append(("", "That ticket no longer exists."))
                    continue
                reason = self._bulk_refusal(ticket, status, assignee)
                if reason:
                    refused.append((ticket.number, reason))
                    continue
                done: list[str] = []
                # Status last: closing is the one change after which nothing else may change.
                if priority is not None and priority is not ticket.priority:
                    done.append(f"priority {priority.label.lower()}")
                    self._apply_priority(session, ticket, priority)
                if not isinstance(assignee, _Unset) and assignee != ticket.assignee_id:
                    old_name = self._assignee_name(session, ticket.assignee_id)
                    self._event(
                        session, ticket, TicketEventKind.ASSIGNMENT, old=old_name, new=new_name
                    )
                    ticket.assignee_id = assignee
                    done.append(f"assigned to {new_name or 'nobody'}")
                if tag:
                    old, new = self._replace_tags(
                        session,
                        ticket,
                        sorted({*tickets_repo.tag_names(session, ticket.id), tag}),
                        now,
                    )
                    if old != new:
                        self._event(
                            session,
                            ticket,
                            TicketEventKind.TAGS,
                            old=", ".join(old),
                            new=", ".join(new),
                        )
                        done.append(f"tag {tag}")
                if status is not None and status is not ticket.status:
                    done.append(f"{ticket.status.label} → {status.label}")
                    self._apply_status(session, ticket, status, now)
                if done:
                    changed.append(ticket.id)
                    self._audit(
                        session,
                        "ticket.bulk",
                        entity="ticket",
                        entity_id=ticket.id,
                        summary=f"{ticket.number}: {'; '.join(done)}",
                    )
        return BulkResult(changed, refused, Changes.of(Area.TICKETS, ids=tuple(changed)))

    def _bulk_refusal(
        self, ticket: Ticket, status: TicketStatus | None, assignee: uuid.UUID | _Unset | None
    ) -> str:
        """Why a bulk action must leave this ticket alone ("" if it may change)."""
        if status is not None and status is not ticket.status:
            try:
                check_transition(ticket.status, status)
            except TransitionError as exc:
                return str(exc)
        elif ticket.status is TicketStatus.CLOSED:
            return _CLOSED_MESSAGE
        if not isinstance(assignee, _Unset):
            return self._assign_refusal(ticket, assignee)
        return ""

    # --- saved views --------------------------------------------------------------------

    def _seed_views(self) -> None:
        """Add the built-in views the first time views are read (never one deleted since)."""
        if self._views_seeded:
            return
        wanted = {builtin_view_id(key): (i, name, flt) for i, (key, name, flt) in
                  enumerate(BUILTIN_VIEWS)}  # fmt: skip
        with self._db.read_session() as session:
            missing = set(wanted) - views_repo.existing_ids(session, wanted)
        if missing:
            with self._unit_of_work() as session:
                missing -= views_repo.existing_ids(session, missing)
                for view_id in sorted(missing, key=lambda v: wanted[v][0]):
                    position, name, flt = wanted[view_id]
                    session.add(
                        SavedView(
                            id=view_id,
                            name=name,
                            owner_id=None,
                            filter_json=filter_to_json(flt),
                            position=position,
                        )
                    )
        self._views_seeded = True

    def saved_views(self) -> list[SavedViewInfo]:
        """The team's shared views and my own, in their order (built-ins first)."""
        self._require(Permission.TICKET_READ)
        self._seed_views()
        with self._db.read_session() as session:
            return [
                SavedViewInfo(v.id, v.name, filter_from_json(v.filter_json), v.owner_id is not None)
                for v in views_repo.visible(session, self._actor.user_id)
            ]

    def view_counts(
        self, ids: Iterable[uuid.UUID] | None = None, *, now: datetime | None = None
    ) -> dict[uuid.UUID, int]:
        """How many tickets each view shows now (every view I see, or just `ids`)."""
        self._require(Permission.TICKET_READ)
        self._seed_views()
        only = set(ids) if ids is not None else None
        now = now or utcnow()
        out: dict[uuid.UUID, int] = {}
        with self._db.read_session() as session:
            for view in views_repo.visible(session, self._actor.user_id):
                if only is not None and view.id not in only:
                    continue
                criteria = self._criteria(session, filter_from_json(view.filter_json), now)
                if criteria.ids is not None and not criteria.ids:
                    out[view.id] = 0
                else:
                    out[view.id] = tickets_repo.count(session, criteria)
        return out

    def save_view(self, name: str, flt: TicketFilter, personal: bool = True) -> uuid.UUID:
        """Save a filter under a name, for me only or (with `personal=False`) for the team."""
        self._require(Permission.TICKET_READ)
        if not personal:
            self._require(Permission.TICKET_WRITE)
        name = " ".join(name.split())
        if not name:
            raise ValidationError("Give the view a name.")
        if len(name) > MAX_VIEW_NAME:
            raise ValidationError(f"Keep the view name under {MAX_VIEW_NAME} characters.")
        self._seed_views()
        with self._unit_of_work() as session:
            visible = views_repo.visible(session, self._actor.user_id)
            if any(v.name.lower() == name.lower() for v in visible):
                raise ValidationError(
                    f"There is already a view called '{name}'; choose another name."
                )
            view = SavedView(
                name=name,
                owner_id=self._actor.user_id if personal else None,
                filter_json=filter_to_json(flt),
                position=max((v.position for v in visible), default=0) + 1,
            )
            session.add(view)
            session.flush()
            self._audit(
                session,
                "view.save",
                entity="saved_view",
                entity_id=view.id,
                summary=f"{'personal' if personal else 'shared'} view '{name}'",
            )
            return view.id

    def delete_view(self, view_id: uuid.UUID) -> Changes:
        """Remove a view: my own, or (with the right to change tickets) a shared one."""
        self._require(Permission.TICKET_READ)
        with self._unit_of_work() as session:
            view = views_repo.get_live(session, view_id)
            if view is None or view.owner_id not in (None, self._actor.user_id):
                raise NotFoundError("That view no longer exists.")
            if view.owner_id is None:
                self._require(Permission.TICKET_WRITE)
            view.deleted_at = utcnow()
            self._audit(
                session,
                "view.delete",
                entity="saved_view",
                entity_id=view.id,
                summary=f"view '{view.name}'",
            )
        return Changes.of(Area.TICKETS, ids=(view_id,))
