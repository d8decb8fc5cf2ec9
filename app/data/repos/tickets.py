"""Queries over tickets, their timeline, SLA policies and the options of ticket forms.

Lists are paged, sorted and filtered in SQL. Full-text search runs first and alone, capped
at `SEARCH_LIMIT` matches, and only its ids feed the joined, filtered and sorted page query:
combining `MATCH` (or `@@`) with joined-table filters in one WHERE makes the planners pick
plans that take minutes on large tables. Per-page extras (tags, "waiting to sync") are one
query per page over the page's ids, never one per row.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from sqlalchemy import (
    Integer,
    Row,
    Select,
    String,
    and_,
    case,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from app.data.models.local import OutboxEntry
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
    TimeEntry,
)
from app.domain.enums import Channel, Priority, Role, TicketEventKind, TicketStatus

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
class DueWindow:
    """How close a due time must be to count as "due soon" for tickets under one target.

    Attributes:
        policy_id: tickets of this SLA policy; None for tickets without a policy.
        priority: with `policy_id` None, tickets of this priority (default targets); with
            both None, every ticket.
        first_response: due soon when the first response is due within this span.
        resolution: due soon when the resolution is due within this span.
    """

    policy_id: uuid.UUID | None
    priority: Priority | None
    first_response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class TicketCriteria:
    """What a ticket list shows; `None` means "no restriction" for each field.

    Attributes:
        statuses: only these statuses.
        assignee_id: only tickets assigned to this user.
        unassigned: only tickets without an assignee.
        team_id: only tickets of this team.
        ids: only these tickets (the result of a text search).
        priorities: only these priorities.
        tag: only tickets carrying this tag (stored name).
        category: only this category (exact).
        tier: only this escalation tier.
        channel: only tickets that came in this way.
        due: "breached" (a clock is past due, or was met late) or "due_soon" (a running
            clock is within its `due_windows`, none breached), judged at `now`.
        resolved_since: only tickets resolved at or after this moment.
    """

    statuses: Collection[TicketStatus] | None = None
    assignee_id: uuid.UUID | None = None
    unassigned: bool = False
    team_id: uuid.UUID | None = None
    ids: Collection[uuid.UUID] | None = None
    priorities: Collection[Priority] | None = None
    tag: str = ""
    category: str = ""
    tier: int | None = None
    channel: Channel | None = None
    due: str | None = None
    now: datetime | None = None
    due_windows: Sequence[DueWindow] = field(default_factory=tuple)
    resolved_since: datetime | None = None


#: Sort keys `page` accepts ("updated_at" and "opened_at" are older names of two of them).
SORT_KEYS = (
    "number",
    "subject",
    "requester",
    "organisation",
    "status",
    "priority",
    "channel",
    "category",
    "team",
    "assignee",
    "tier",
    "opened",
    "updated",
    "due",
    "sla",
    "updated_at",
    "opened_at",
)

# The next due time of a running clock: the first response while unanswered, else the
# resolution; nothing once resolved. Ascending = most urgent first.
_NEXT_DUE = case(
    (Ticket.resolved_at.is_not(None), None),
    (Ticket.first_responded_at.is_(None), Ticket.first_response_due_at),
    else_=Ticket.resolution_due_at,
)


def _sort_columns(sort_key: str) -> list[Any]:
    columns: dict[str, list[Any]] = {
        "number": [Ticket.number],
        "subject": [func.lower(Ticket.subject)],
        "requester": [func.lower(Contact.full_name)],
        "organisation": [func.lower(Organisation.name)],
        "status": [_STATUS_RANK],
        "priority": [_PRIORITY_RANK],
        "channel": [Ticket.channel],
        # Empty categories sort last, like missing values.
        "category": [func.nullif(func.lower(Ticket.category), "")],
        "team": [func.lower(Team.name)],
        "assignee": [func.lower(_Assignee.full_name)],
        "tier": [Ticket.tier],
        "opened": [Ticket.opened_at],
        "opened_at": [Ticket.opened_at],
        "updated": [Ticket.updated_at],
        "updated_at": [Ticket.updated_at],
        "due": [Ticket.resolution_due_at],
        "sla": [_NEXT_DUE],
    }
    if sort_key not in columns:
        raise ValueError(f"unknown ticket sort key {sort_key!r}")
    return columns[sort_key]


def _breached(now: datetime) -> ColumnElement[bool]:
    """A clock missed its target: met late, or still running (or paused) past its due time.

    Mirrors `app.domain.sla.sla_state`, so the "Breached" view lists exactly the rows the list
    shows as breached.
    """

    def clock(due: Any, done: Any) -> ColumnElement[bool]:
        return and_(
            due.is_not(None),
            or_(
                and_(done.is_not(None), done > due),
                and_(done.is_(None), due <= func.coalesce(Ticket.sla_paused_at, now)),
            ),
        )

    return or_(
        clock(Ticket.first_response_due_at, Ticket.first_responded_at),
        clock(Ticket.resolution_due_at, Ticket.resolved_at),
    )


def _due_soon(now: datetime, windows: Sequence[DueWindow]) -> ColumnElement[bool]:
    """A running clock (not paused, not done) is due within its window; none is breached."""
    soon: list[ColumnElement[bool]] = []
    for w in windows:
        owner: ColumnElement[bool]
        if w.policy_id is not None:
            owner = Ticket.sla_policy_id == w.policy_id
        elif w.priority is not None:
            owner = and_(Ticket.sla_policy_id.is_(None), Ticket.priority == w.priority)
        else:
            owner = true()  # one window for every ticket
        soon.append(
            and_(
                owner,
                or_(
                    and_(
                        Ticket.first_responded_at.is_(None),
                        Ticket.first_response_due_at > now,
                        Ticket.first_response_due_at <= now + w.first_response,
                    ),
                    and_(
                        Ticket.resolved_at.is_(None),
                        Ticket.resolution_due_at > now,
                        Ticket.resolution_due_at <= now + w.resolution,
                    ),
                ),
            )
        )
    if not soon:
        return false()
    return and_(Ticket.sla_paused_at.is_(None), or_(*soon), ~_breached(now))


#: How likely SQLite's planner is told an "active statuses only" filter is to hold. Without
#: histograms (no STAT4 in the stock builds) it assumes every status is equally common, so an
#: active-only filter looks like two thirds of the table and the planner scans it; on a desk
#: with history nearly every ticket is resolved or closed.
ACTIVE_LIKELIHOOD = 0.05


def _status_filter(statuses: Collection[TicketStatus], sqlite: bool) -> ColumnElement[bool]:
    wanted = sorted(statuses, key=list(TicketStatus).index)
    condition: ColumnElement[bool] = Ticket.status.in_(wanted)
    if sqlite and wanted and all(s.is_active for s in wanted):
        # SQLite only (PostgreSQL keeps per-value statistics): a hint, not a change of meaning.
        condition = func.likelihood(condition, literal_column(repr(ACTIVE_LIKELIHOOD)))
    return condition


def _filtered(stmt: _AnySelect, criteria: TicketCriteria, *, sqlite: bool = False) -> _AnySelect:
    stmt = stmt.where(Ticket.deleted_at.is_(None))
    if criteria.statuses is not None:
        stmt = stmt.where(_status_filter(criteria.statuses, sqlite))
    if criteria.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif criteria.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == criteria.assignee_id)
    if criteria.team_id is not None:
        stmt = stmt.where(Ticket.team_id == criteria.team_id)
    if criteria.ids is not None:
        stmt = stmt.where(Ticket.id.in_(list(criteria.ids)))
    if criteria.priorities is not None:
        stmt = stmt.where(Ticket.priority.in_(list(criteria.priorities)))
    if criteria.tag:
        # Served by the (ticket_id, tag_id) unique index and the tag_id index.
        tagged = (
            select(TicketTag.ticket_id)
            .join(Tag, Tag.id == TicketTag.tag_id)
            .where(Tag.name == criteria.tag, Tag.deleted_at.is_(None))
            .where(TicketTag.deleted_at.is_(None))
        )
        stmt = stmt.where(Ticket.id.in_(tagged))
    if criteria.category:
        stmt = stmt.where(Ticket.category == criteria.category)
    if criteria.tier is not None:
        stmt = stmt.where(Ticket.tier == criteria.tier)
    if criteria.channel is not None:
        stmt = stmt.where(Ticket.channel == criteria.channel)
    if criteria.resolved_since is not None:
        stmt = stmt.where(Ticket.resolved_at >= criteria.resolved_since)
    if criteria.due is not None:
        now = criteria.now
        if now is None:
            raise ValueError("a due filter needs the moment it is judged at")
        if criteria.due == "breached":
            stmt = stmt.where(_breached(now))
        elif criteria.due == "due_soon":
            stmt = stmt.where(_due_soon(now, criteria.due_windows))
        else:
            raise ValueError(f"unknown due filter {criteria.due!r}")
    return stmt


def page(
    session: Session,
    criteria: TicketCriteria,
    *,
    sort_key: str,
    descending: bool,
    offset: int,
    limit: int,
    total: int | None = None,
) -> Sequence[AnyRow]:
    """One page of list rows: ticket columns plus the names of the people and groups.

    The ticket id is the last sort column, so paging is stable when sort values tie. Empty
    values (no assignee, no due date) sort last in both directions.

    `total` (how many rows `criteria` matches, when the caller knows it) lets a page in the
    second half of the list be read from the other end: every ORDER BY term is flipped, the
    mirrored offset is fetched and the rows are reversed. The rows are the same; the
    database skips `total - offset` rows instead of `offset` (jumping to the last row of a
    million-ticket list is then as quick as showing the first).
    """
    offset, limit = max(0, offset), max(0, limit)
    flip = total is not None and total > 0 and offset > total // 2
    if flip:
        assert total is not None
        if offset >= total:
            return []
        end = min(offset + limit, total)
        offset, limit = total - end, end - offset
    sqlite = not _is_pg(session)
    order = order_by(sort_key, descending, flip)
    base = select(*PAGE_COLUMNS)
    if sort_key in _JOINED_SORT_KEYS:
        stmt = _filtered(with_names(base.select_from(Ticket)), criteria, sqlite=sqlite)
    else:
        # Sort and skip over the tickets table alone (its indexes can serve the order), then
        # join the names for the page's rows only: not for every row the sort reads.
        ids = _filtered(select(Ticket.id).select_from(Ticket), criteria, sqlite=sqlite)
        picked = ids.order_by(*order).offset(offset).limit(limit).subquery("picked")
        stmt = with_names(base.select_from(picked).join(Ticket, Ticket.id == picked.c.id))
        offset = 0
    rows = session.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
    return rows[::-1] if flip else rows


#: Sort keys whose value comes from a joined table (the sort needs the join for every row).
_JOINED_SORT_KEYS = frozenset({"requester", "organisation", "team", "assignee"})

PAGE_COLUMNS = (
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
    Ticket.category,
    Ticket.tier,
    Ticket.sla_paused_at,
    Contact.full_name.label("requester_name"),
    Organisation.name.label("organisation_name"),
    _Assignee.full_name.label("assignee_name"),
    Team.name.label("team_name"),
    SlaPolicy.first_response_minutes.label("policy_first_response_minutes"),
    SlaPolicy.resolution_minutes.label("policy_resolution_minutes"),
)


def with_names(stmt: _AnySelect) -> _AnySelect:
    """The outer joins that bring the requester, organisation, assignee, team and policy."""
    return (
        stmt.outerjoin(Contact, Contact.id == Ticket.requester_id)
        .outerjoin(Organisation, Organisation.id == Contact.organisation_id)
        .outerjoin(_Assignee, _Assignee.id == Ticket.assignee_id)
        .outerjoin(Team, Team.id == Ticket.team_id)
        .outerjoin(SlaPolicy, SlaPolicy.id == Ticket.sla_policy_id)
    )


def order_by(sort_key: str, descending: bool, flip: bool) -> list[ColumnElement[Any]]:
    """ORDER BY terms: the sort columns with empty values last, then the id; `flip` gives the
    exact reverse (empty values first, every direction turned, the id too)."""
    backwards = descending != flip
    order: list[ColumnElement[Any]] = []
    for col in _sort_columns(sort_key):
        term = col.desc() if backwards else col.asc()
        order.append(term.nulls_first() if flip else term.nulls_last())
    order.append(Ticket.id.desc() if backwards else Ticket.id.asc())
    return order


def _unrestricted(criteria: TicketCriteria) -> bool:
    """True when `criteria` keeps every live ticket (the "All tickets" list)."""
    return (
        criteria.statuses is None
        and criteria.assignee_id is None
        and not criteria.unassigned
        and criteria.team_id is None
        and criteria.ids is None
        and criteria.priorities is None
        and not criteria.tag
        and not criteria.category
        and criteria.tier is None
        and criteria.channel is None
        and criteria.due is None
        and criteria.resolved_since is None
    )


def count(session: Session, criteria: TicketCriteria) -> int:
    sqlite = not _is_pg(session)
    if sqlite and _unrestricted(criteria):
        # Every ticket minus the deleted ones: SQLite counts a whole table from its b-tree
        # pages without reading each entry (a million tickets: ~10 ms instead of ~60-90 ms),
        # and the deleted ones are a short range of `ix_tickets_live`. One read transaction,
        # so both figures are of the same moment.
        everything = session.scalar(select(func.count()).select_from(Ticket)) or 0
        deleted = session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.deleted_at.is_not(None))
        )
        return int(everything) - int(deleted or 0)
    stmt = _filtered(select(func.count()).select_from(Ticket), criteria, sqlite=sqlite)
    return int(session.scalar(stmt) or 0)


def tags_of(session: Session, ticket_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The tag names of each of `ticket_ids` (a page), in one query."""
    out: dict[uuid.UUID, list[str]] = {}
    if not ticket_ids:
        return out
    stmt = (
        select(TicketTag.ticket_id, Tag.name)
        .join(Tag, Tag.id == TicketTag.tag_id)
        .where(
            TicketTag.ticket_id.in_(list(ticket_ids)),
            TicketTag.deleted_at.is_(None),
            Tag.deleted_at.is_(None),
        )
        .order_by(Tag.name)
    )
    for ticket_id, name in session.execute(stmt):
        out.setdefault(ticket_id, []).append(name)
    return out


def pending_inserts(session: Session, ticket_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ticket_ids` were created here and wait in the outbox for the server."""
    if not ticket_ids:
        return set()
    stmt = select(OutboxEntry.row_id).where(
        OutboxEntry.table_name == Ticket.__tablename__,
        OutboxEntry.op == "insert",
        OutboxEntry.row_id.in_(list(ticket_ids)),
    )
    return set(session.scalars(stmt))


def policy_targets(session: Session) -> Sequence[AnyRow]:
    """Every SLA policy's targets: (id, priority, first_response_minutes, resolution_minutes).

    Deleted policies too: tickets keep pointing at the policy they were opened under.
    """
    return session.execute(
        select(
            SlaPolicy.id,
            SlaPolicy.priority,
            SlaPolicy.first_response_minutes,
            SlaPolicy.resolution_minutes,
        )
    ).all()


# --- Full-text search ------------------------------------------------------------------------


def _words(query: str) -> list[str]:
    return _WORD.findall(query)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _pg_query(words: list[str]) -> str:
    # Each word quoted (the words hold only letters, digits and underscores, so no quote can
    # break out); the last one is a prefix.
    terms = [f"'{w}'" for w in words]
    terms[-1] += ":*"
    return " & ".join(terms)


def _fts5_query(words: list[str]) -> str:
    # FTS5 phrase strings: each word in double quotes (no operator can sneak in), the last one
    # with `*` for a prefix match, served by the table's prefix index.
    terms = [f'"{w}"' for w in words]
    terms[-1] += "*"
    return " ".join(terms)


def exact_number(session: Session, query: str) -> uuid.UUID | None:
    """The live ticket whose number is `query` (any case, surrounding spaces ignored)."""
    number = query.strip().upper()
    if not number:
        return None
    return session.scalar(
        select(Ticket.id).where(Ticket.number == number, Ticket.deleted_at.is_(None))
    )


def search_ids(session: Session, query: str, limit: int = SEARCH_LIMIT) -> list[uuid.UUID]:
    """Ids of tickets whose number, subject, description, replies or notes match `query`.

    Every word must match; the last word also matches as a prefix, so results follow the
    typing. A ticket number typed exactly always finds its ticket. Ticket matches come first
    (newest first), then tickets found through their conversation; at most `limit` of each.
    """
    ids: list[uuid.UUID] = []
    exact = exact_number(session, query)
    if exact is not None:
        ids.append(exact)
    words = _words(query)
    if not words:
        return ids
    found: list[uuid.UUID]
    if _is_pg(session):
        fts = text(
            "SELECT id FROM tickets WHERE search_tsv @@ to_tsquery('english', :q) "
            "ORDER BY id DESC LIMIT :n"
        ).bindparams(q=_pg_query(words), n=limit)
        found = list(session.execute(fts.columns(Ticket.id)).scalars())
        in_events = text(
            "SELECT ticket_id FROM ticket_events WHERE search_tsv @@ to_tsquery('english', :q) "
            "AND kind IN ('reply', 'note') AND deleted_at IS NULL ORDER BY id DESC LIMIT :n"
        ).bindparams(q=_pg_query(words), n=limit)
        found += session.execute(in_events.columns(TicketEvent.ticket_id)).scalars()
    else:
        matches = (
            text(
                "SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT :n"
            )
            .bindparams(q=_fts5_query(words), n=limit)
            .columns(column("rowid", Integer))
        )
        found = list(
            session.scalars(select(Ticket.id).where(literal_column("tickets.rowid").in_(matches)))
        )
        event_matches = (
            text(
                "SELECT rowid FROM ticket_event_fts WHERE ticket_event_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT :n"
            )
            .bindparams(q=_fts5_query(words), n=limit)
            .columns(column("rowid", Integer))
        )
        found += session.scalars(
            select(TicketEvent.ticket_id).where(
                literal_column("ticket_events.rowid").in_(event_matches),
                TicketEvent.kind.in_([TicketEventKind.REPLY, TicketEventKind.NOTE]),
                TicketEvent.deleted_at.is_(None),
            )
        )
    seen = set(ids)
    for ticket_id in found:
        if ticket_id not in seen:
            seen.add(ticket_id)
            ids.append(ticket_id)
    return ids


@dataclass(frozen=True)
class RawHit:
    """One full-text match before it becomes a `SearchHit`.

    Attributes:
        ticket_id: the ticket.
        where: "subject", "description", "reply" or "note".
        snippet: text around the match, matched words between \\x02 and \\x03.
        at: when the matched text was written (ticket opened, reply sent), for ordering.
    """

    ticket_id: uuid.UUID
    where: str
    snippet: str
    at: datetime


MARK_START, MARK_END = "\x02", "\x03"

# ts_headline options; the marks are added with chr() so no control byte sits in the SQL.
_PG_HEADLINE_OPTS = (
    "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || "
    "', MaxWords=18, MinWords=6, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"'"
)


def search_hits(session: Session, query: str, limit: int) -> list[RawHit]:
    """Matches in subjects and descriptions (newest tickets first, at most `limit`) and in
    replies and notes (newest first, at most `limit`), each with a marked snippet."""
    words = _words(query)
    if not words:
        return []
    hits: list[RawHit] = []
    if _is_pg(session):
        q = _pg_query(words)
        tickets_sql = text(
            "SELECT t.id, t.opened_at, "
            "to_tsvector('english', t.subject) @@ q.q AS in_subject, "
            f"ts_headline('english', t.subject, q.q, {_PG_HEADLINE_OPTS}) AS subject_snip, "
            f"ts_headline('english', t.description, q.q, {_PG_HEADLINE_OPTS}) AS desc_snip "
            "FROM (SELECT id, opened_at, subject, description FROM tickets "
            "      WHERE search_tsv @@ to_tsquery('english', :q) AND deleted_at IS NULL "
            "      ORDER BY id DESC LIMIT :n) t, "
            "     (SELECT to_tsquery('english', :q) AS q) q"
        ).bindparams(q=q, n=limit)
        for r in session.execute(
            tickets_sql.columns(
                Ticket.id,
                Ticket.opened_at,
                column("in_subject"),
                column("subject_snip", String),
                column("desc_snip", String),
            )
        ):
            subject_snip, desc_snip = r.subject_snip or "", r.desc_snip or ""
            if r.in_subject or MARK_START not in desc_snip:
                hits.append(RawHit(r.id, "subject", subject_snip, r.opened_at))
            else:
                hits.append(RawHit(r.id, "description", desc_snip, r.opened_at))
        events_sql = text(
            "SELECT e.ticket_id, e.kind, e.created_at, "
            f"ts_headline('english', e.body, q.q, {_PG_HEADLINE_OPTS}) AS snip "
            "FROM (SELECT ticket_events.ticket_id, ticket_events.kind, "
            "             ticket_events.created_at, ticket_events.body "
            "      FROM ticket_events JOIN tickets ON tickets.id = ticket_events.ticket_id "
            "      WHERE ticket_events.search_tsv @@ to_tsquery('english', :q) "
            "        AND ticket_events.kind IN ('reply', 'note') "
            "        AND ticket_events.deleted_at IS NULL AND tickets.deleted_at IS NULL "
            "      ORDER BY ticket_events.id DESC LIMIT :n) e, "
            "     (SELECT to_tsquery('english', :q) AS q) q"
        ).bindparams(q=q, n=limit)
    else:
        q = _fts5_query(words)
        tickets_sql = text(
            "SELECT t.id, t.opened_at, "
            "snippet(ticket_fts, 1, char(2), char(3), '…', 16) AS subject_snip, "
            "snippet(ticket_fts, 2, char(2), char(3), '…', 16) AS desc_snip "
            "FROM ticket_fts JOIN tickets t ON t.rowid = ticket_fts.rowid "
            "WHERE ticket_fts MATCH :q AND t.deleted_at IS NULL "
            "ORDER BY ticket_fts.rowid DESC LIMIT :n"
        ).bindparams(q=q, n=limit)
        for r in session.execute(
            tickets_sql.columns(
                Ticket.id,
                Ticket.opened_at,
                column("subject_snip", String),
                column("desc_snip", String),
            )
        ):
            subject_snip, desc_snip = r.subject_snip or "", r.desc_snip or ""
            if MARK_START in subject_snip or MARK_START not in desc_snip:
                hits.append(RawHit(r.id, "subject", subject_snip, r.opened_at))
            else:
                hits.append(RawHit(r.id, "description", desc_snip, r.opened_at))
        events_sql = text(
            "SELECT e.ticket_id, e.kind, e.created_at, "
            "snippet(ticket_event_fts, 0, char(2), char(3), '…', 16) AS snip "
            "FROM ticket_event_fts JOIN ticket_events e ON e.rowid = ticket_event_fts.rowid "
            "JOIN tickets t ON t.id = e.ticket_id "
            "WHERE ticket_event_fts MATCH :q AND e.kind IN ('reply', 'note') "
            "AND e.deleted_at IS NULL AND t.deleted_at IS NULL "
            "ORDER BY ticket_event_fts.rowid DESC LIMIT :n"
        ).bindparams(q=q, n=limit)
    for r in session.execute(
        events_sql.columns(
            TicketEvent.ticket_id,
            column("kind", String),
            TicketEvent.created_at,
            column("snip", String),
        )
    ):
        hits.append(RawHit(r.ticket_id, str(r.kind), r.snip or "", r.created_at))
    return hits


def numbers_and_subjects(
    session: Session, ticket_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """Number and subject of each live ticket of `ticket_ids`."""
    if not ticket_ids:
        return {}
    stmt = select(Ticket.id, Ticket.number, Ticket.subject).where(
        Ticket.id.in_(list(ticket_ids)), Ticket.deleted_at.is_(None)
    )
    return {r.id: (r.number, r.subject) for r in session.execute(stmt)}


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


# --- Tags ------------------------------------------------------------------------------------


def tag_by_name(session: Session, name: str) -> Tag | None:
    """The tag called `name`, deleted or not (names are unique either way)."""
    return session.scalars(select(Tag).where(Tag.name == name)).first()


def ticket_tag_links(session: Session, ticket_id: uuid.UUID) -> dict[uuid.UUID, TicketTag]:
    """Every tag link of the ticket, removed ones too, by tag id."""
    rows = session.scalars(select(TicketTag).where(TicketTag.ticket_id == ticket_id))
    return {row.tag_id: row for row in rows}


def tag_names_by_id(session: Session, tag_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not tag_ids:
        return {}
    return dict(session.execute(select(Tag.id, Tag.name).where(Tag.id.in_(list(tag_ids)))).all())


# --- One ticket's extras ---------------------------------------------------------------------


def total_minutes(session: Session, ticket_id: uuid.UUID) -> int:
    """Minutes of time logged on the ticket."""
    stmt = select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
        TimeEntry.ticket_id == ticket_id, TimeEntry.deleted_at.is_(None)
    )
    return int(session.scalar(stmt) or 0)


def number_of(session: Session, ticket_id: uuid.UUID) -> str:
    """The ticket's number ("" if it is unknown here)."""
    return session.scalar(select(Ticket.number).where(Ticket.id == ticket_id)) or ""


def numbers_taken(session: Session, numbers: Collection[str]) -> set[str]:
    """Which of `numbers` some ticket already has."""
    wanted = list(numbers)
    taken: set[str] = set()
    for start in range(0, len(wanted), 500):  # stay far below the bound-parameter limits
        chunk = wanted[start : start + 500]
        taken.update(session.scalars(select(Ticket.number).where(Ticket.number.in_(chunk))))
    return taken


def clock_events(session: Session, ticket_id: uuid.UUID) -> Sequence[AnyRow]:
    """The events that move the SLA clock, oldest first: (kind, old_value, new_value, at)."""
    kinds = [TicketEventKind.STATUS, TicketEventKind.SLA_PAUSED, TicketEventKind.SLA_RESUMED]
    stmt = (
        select(
            TicketEvent.kind,
            TicketEvent.old_value,
            TicketEvent.new_value,
            TicketEvent.created_at,
        )
        .where(
            TicketEvent.ticket_id == ticket_id,
            TicketEvent.deleted_at.is_(None),
            TicketEvent.kind.in_(kinds),
        )
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    return session.execute(stmt).all()


# --- SLA breaches ----------------------------------------------------------------------------

#: `new_value` of an SLA_BREACH event: which target was missed.
BREACH_FIRST_RESPONSE = "first_response"
BREACH_RESOLUTION = "resolution"


def breached_targets(session: Session, ticket_id: uuid.UUID) -> set[str]:
    """Targets the ticket already has an SLA_BREACH event for."""
    stmt = select(TicketEvent.new_value).where(
        TicketEvent.ticket_id == ticket_id,
        TicketEvent.kind == TicketEventKind.SLA_BREACH,
        TicketEvent.deleted_at.is_(None),
    )
    return set(session.scalars(stmt))


def breach_candidates(session: Session, now: datetime) -> list[tuple[uuid.UUID, str]]:
    """(ticket id, target) of active tickets past a due time of a running clock that lack
    the SLA_BREACH event for it, or whose `sla_breached` flag is not yet set.

    A clock paused before its due time is not past due.
    """
    active = [s for s in TicketStatus if s.is_active]
    out: list[tuple[uuid.UUID, str]] = []
    for target, due, done in (
        (BREACH_FIRST_RESPONSE, Ticket.first_response_due_at, Ticket.first_responded_at),
        (BREACH_RESOLUTION, Ticket.resolution_due_at, Ticket.resolved_at),
    ):
        recorded = (
            select(TicketEvent.id)
            .where(
                TicketEvent.ticket_id == Ticket.id,
                TicketEvent.kind == TicketEventKind.SLA_BREACH,
                TicketEvent.new_value == target,
                TicketEvent.deleted_at.is_(None),
            )
            .exists()
        )
        stmt = select(Ticket.id).where(
            Ticket.deleted_at.is_(None),
            Ticket.status.in_(active),
            done.is_(None),
            due.is_not(None),
            due <= now,
            or_(Ticket.sla_paused_at.is_(None), due <= Ticket.sla_paused_at),
            or_(~recorded, Ticket.sla_breached.is_(False)),
        )
        out.extend((ticket_id, target) for ticket_id in session.scalars(stmt))
    return out
