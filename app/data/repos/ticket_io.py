"""Queries of the CSV import and export: a ticket list streamed from one snapshot, requesters
found by their exact email, and whether a search hit its cap.

The list query is the one `tickets.page` runs (same columns, joins, filters and order), read
in batches from a single statement instead of page after page: no OFFSET to skip over, and
every row comes from the same state of the database, whatever is written meanwhile.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.data.models.people import Contact
from app.data.models.tickets import Ticket
from app.data.repos import tickets as tickets_repo
from app.data.repos.tickets import AnyRow, TicketCriteria

#: Emails per `IN (…)` when looking up many requesters at once.
_EMAIL_CHUNK = 500


def begin_snapshot(session: Session) -> None:
    """Make every later query of this read session see one consistent state of the database.

    Call it first, before any other query of the session. PostgreSQL: a read-only REPEATABLE
    READ transaction. SQLite: an explicit (deferred) BEGIN, so the snapshot taken at the first
    read lasts until the session ends; in WAL mode writers are not held up by it.
    """
    if tickets_repo._is_pg(session):
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    else:
        # The sqlite3 module opens no transaction for a SELECT on its own; it rolls this one
        # back when SQLAlchemy returns the connection to its pool.
        session.connection().exec_driver_sql("BEGIN")


def stream_rows(
    session: Session,
    criteria: TicketCriteria,
    *,
    sort_key: str,
    descending: bool,
    batch: int,
) -> Iterator[Sequence[AnyRow]]:
    """The rows `tickets.page` would list for `criteria`, in its order, `batch` at a time.

    One statement, fetched as it is consumed (a server-side cursor on PostgreSQL, SQLite's own
    stepping): memory holds one batch, whatever the number of tickets. The caller keeps
    `session` open until the iterator is exhausted and may run other queries on it meanwhile.
    """
    # The list's own columns, joins, filter and order: the export is the view, row for row.
    stmt = tickets_repo.with_names(select(*tickets_repo.PAGE_COLUMNS).select_from(Ticket))
    stmt = tickets_repo._filtered(stmt, criteria)
    order = tickets_repo.order_by(sort_key, descending, flip=False)
    result = session.execute(stmt.order_by(*order), execution_options={"yield_per": batch})
    try:
        yield from result.partitions()
    finally:
        result.close()


def search_capped(session: Session, query: str, limit: int = tickets_repo.SEARCH_LIMIT) -> bool:
    """Whether `tickets.search_ids(query, limit)` left matches out.

    The search takes at most `limit` matches from the tickets and `limit` from their replies
    and notes; this counts each source (as that search reads it) up to `limit + 1`.
    """
    words = tickets_repo._words(query)
    if not words:
        return False
    if tickets_repo._is_pg(session):
        q = tickets_repo._pg_query(words)
        sources = (
            "SELECT 1 FROM tickets WHERE search_tsv @@ to_tsquery('english', :q) LIMIT :n",
            "SELECT 1 FROM ticket_events WHERE search_tsv @@ to_tsquery('english', :q) "
            "AND kind IN ('reply', 'note') AND deleted_at IS NULL LIMIT :n",
        )
    else:
        q = tickets_repo._fts5_query(words)
        sources = (
            "SELECT 1 FROM ticket_fts WHERE ticket_fts MATCH :q LIMIT :n",
            "SELECT 1 FROM ticket_event_fts WHERE ticket_event_fts MATCH :q LIMIT :n",
        )
    for source in sources:
        found = session.scalar(
            text(f"SELECT count(*) FROM ({source}) AS matches").bindparams(q=q, n=limit + 1)
        )
        if int(found or 0) > limit:
            return True
    return False


def contact_by_email(session: Session, email: str) -> uuid.UUID | None:
    """The live requester whose email is `email`, ignoring case and surrounding spaces."""
    return contacts_by_email(session, [email]).get(email.strip().lower())


def contacts_by_email(session: Session, emails: Collection[str]) -> dict[str, uuid.UUID]:
    """Lower-cased email → live requester id, for those of `emails` some requester has.

    Exact matches only (no substring search, no result cap). When two requesters share an
    email, the one first by name (then id) wins, the same one every time.
    """
    wanted = sorted({e.strip().lower() for e in emails if e.strip()})
    found: dict[str, uuid.UUID] = {}
    email = func.lower(func.trim(Contact.email))
    for start in range(0, len(wanted), _EMAIL_CHUNK):
        chunk = wanted[start : start + _EMAIL_CHUNK]
        stmt = (
            select(email.label("email"), Contact.id)
            .where(Contact.deleted_at.is_(None), email.in_(chunk))
            .order_by(func.lower(Contact.full_name), Contact.id)
        )
        for row in session.execute(stmt):
            found.setdefault(row.email, row.id)
    return found
