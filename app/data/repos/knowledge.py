"""Queries over knowledge-base categories, articles, revisions, feedback and ticket links.

Full-text search runs the FTS query with its LIMIT first (SQLite FTS5 / PostgreSQL tsvector)
and only then joins the article rows for display, never MATCH plus a joined filter in one WHERE.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Float,
    Row,
    String,
    Uuid,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, aliased

from app.data.models.knowledge import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleRevision,
    ArticleTicketLink,
)
from app.data.models.people import User
from app.data.models.tickets import Ticket
from app.domain.enums import ArticleStatus

#: Marks around highlighted words in search excerpts; control characters never typed by users.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"

# Letters and digits only: quotes, operators, '*', '-' and '_' never reach the FTS parser.
_TOKEN = re.compile(r"[^\W_]+")
_MAX_TOKENS = 12
_MAX_TOKEN_LENGTH = 64


def search_tokens(text_: str) -> list[str]:
    """Safe search words from what a person typed (empty when nothing searchable is left)."""
    tokens = [t[:_MAX_TOKEN_LENGTH] for t in _TOKEN.findall(text_.lower())]
    return tokens[:_MAX_TOKENS]


@dataclass(frozen=True)
class SearchMatch:
    """One full-text hit: the article, its relevance (higher is better) and a marked excerpt."""

    article_id: uuid.UUID
    score: float
    excerpt: str


# --- categories ---------------------------------------------------------------------------


def all_categories(session: Session) -> Sequence[ArticleCategory]:
    return session.scalars(
        select(ArticleCategory)
        .where(ArticleCategory.deleted_at.is_(None))
        .order_by(ArticleCategory.position, ArticleCategory.name)
    ).all()


def category(session: Session, category_id: uuid.UUID) -> ArticleCategory | None:
    found = session.get(ArticleCategory, category_id)
    return found if found is not None and found.deleted_at is None else None


def category_named(
    session: Session, name: str, parent_id: uuid.UUID | None
) -> ArticleCategory | None:
    """A live category of that name (any case) under the parent; None = top level."""
    stmt = select(ArticleCategory).where(
        ArticleCategory.deleted_at.is_(None),
        func.lower(ArticleCategory.name) == name.lower(),
    )
    if parent_id is None:
        stmt = stmt.where(ArticleCategory.parent_id.is_(None))
    else:
        stmt = stmt.where(ArticleCategory.parent_id == parent_id)
    return session.scalars(stmt).first()


def article_counts_by_category(
    session: Session, statuses: Collection[ArticleStatus]
) -> dict[uuid.UUID | None, int]:
    """Live articles per category id (None = uncategorised), only the given statuses."""
    rows = session.execute(
        select(Article.category_id, func.count())
        .where(Article.deleted_at.is_(None), Article.status.in_(list(statuses)))
        .group_by(Article.category_id)
    )
    return {category_id: int(n) for category_id, n in rows}


# --- articles -----------------------------------------------------------------------------


def article(session: Session, article_id: uuid.UUID) -> Article | None:
    found = session.get(Article, article_id)
    return found if found is not None and found.deleted_at is None else None


_SORT_COLUMNS = {
    "title": func.lower(Article.title),
    "updated_at": Article.updated_at,
    "views": Article.view_count,
    "status": Article.status,
    "category": func.lower(func.coalesce(ArticleCategory.name, "")),
}

SORT_KEYS = frozenset(_SORT_COLUMNS)


def _listing(
    category_ids: Collection[uuid.UUID] | None, statuses: Collection[ArticleStatus]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Article.deleted_at.is_(None),
        Article.status.in_(list(statuses)),
    ]
    if category_ids is not None:
        conditions.append(Article.category_id.in_(list(category_ids)))
    return conditions


def article_page(
    session: Session,
    *,
    category_ids: Collection[uuid.UUID] | None,
    statuses: Collection[ArticleStatus],
    sort: str,
    descending: bool,
    offset: int,
    limit: int,
) -> Sequence[Row[Article, str]]:
    """Articles with their category name, sorted and paged in SQL.

    Args:
        category_ids: only articles in these categories; None = every article.
        sort: one of `SORT_KEYS`.
    """
    order = _SORT_COLUMNS[sort]
    stmt = (
        select(Article, ArticleCategory.name)
        .outerjoin(ArticleCategory, ArticleCategory.id == Article.category_id)
        .where(*_listing(category_ids, statuses))
        .order_by(order.desc() if descending else order.asc(), Article.id)
        .offset(offset)
        .limit(limit)
    )
    return session.execute(stmt).all()


def article_count(
    session: Session,
    *,
    category_ids: Collection[uuid.UUID] | None,
    statuses: Collection[ArticleStatus],
) -> int:
    stmt = select(func.count()).select_from(Article).where(*_listing(category_ids, statuses))
    return int(session.scalar(stmt) or 0)


def articles_by_ids(
    session: Session, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[Article, str | None]]:
    """Live articles with their category names, keyed by id (display data for search hits)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Article, ArticleCategory.name)
        .outerjoin(ArticleCategory, ArticleCategory.id == Article.category_id)
        .where(Article.id.in_(list(ids)), Article.deleted_at.is_(None))
    ).all()
    return {a.id: (a, name) for a, name in rows}


def add_view(session: Session, article_id: uuid.UUID) -> None:
    """Count one view in SQL (no lost increments between sessions).

    `updated_at` is set to itself so that reading an article does not look like editing it.
    """
    session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(view_count=Article.view_count + 1, updated_at=Article.updated_at)
    )


def user_name(session: Session, user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return ""
    return session.scalar(select(User.full_name).where(User.id == user_id)) or ""


# --- revisions ----------------------------------------------------------------------------


def revisions(session: Session, article_id: uuid.UUID) -> Sequence[Row[ArticleRevision, str]]:
    author = aliased(User)
    return session.execute(
        select(ArticleRevision, author.full_name)
        .outerjoin(author, author.id == ArticleRevision.author_id)
        .where(ArticleRevision.article_id == article_id, ArticleRevision.deleted_at.is_(None))
        .order_by(ArticleRevision.revision.desc())
    ).all()


def latest_revision_number(session: Session, article_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.max(ArticleRevision.revision)).where(
                ArticleRevision.article_id == article_id
            )
        )
        or 0
    )


# --- feedback -----------------------------------------------------------------------------


def feedback_of(
    session: Session, article_id: uuid.UUID, user_id: uuid.UUID
) -> ArticleFeedback | None:
    return session.scalars(
        select(ArticleFeedback).where(
            ArticleFeedback.article_id == article_id,
            ArticleFeedback.user_id == user_id,
            ArticleFeedback.deleted_at.is_(None),
        )
    ).first()


def feedback_counts(session: Session, article_id: uuid.UUID) -> tuple[int, int]:
    """(helpful, not helpful) votes on an article."""
    rows = session.execute(
        select(ArticleFeedback.helpful, func.count())
        .where(ArticleFeedback.article_id == article_id, ArticleFeedback.deleted_at.is_(None))
        .group_by(ArticleFeedback.helpful)
    )
    counts = {bool(helpful): int(n) for helpful, n in rows}
    return counts.get(True, 0), counts.get(False, 0)


# --- ticket links -------------------------------------------------------------------------


def ticket(session: Session, ticket_id: uuid.UUID) -> Ticket | None:
    found = session.get(Ticket, ticket_id)
    return found if found is not None and found.deleted_at is None else None


def link(session: Session, article_id: uuid.UUID, ticket_id: uuid.UUID) -> ArticleTicketLink | None:
    """The link row (live or tombstoned: the pair is unique) or None."""
    return session.scalars(
        select(ArticleTicketLink).where(
            ArticleTicketLink.article_id == article_id, ArticleTicketLink.ticket_id == ticket_id
        )
    ).first()


def linked_tickets(session: Session, article_id: uuid.UUID) -> Sequence[Row[uuid.UUID, str, str]]:
    return session.execute(
        select(Ticket.id, Ticket.number, Ticket.subject)
        .join(ArticleTicketLink, ArticleTicketLink.ticket_id == Ticket.id)
        .where(
            ArticleTicketLink.article_id == article_id,
            ArticleTicketLink.deleted_at.is_(None),
            Ticket.deleted_at.is_(None),
        )
        .order_by(Ticket.number)
    ).all()


def articles_linked_to(session: Session, ticket_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(ArticleTicketLink.article_id).where(
                ArticleTicketLink.ticket_id == ticket_id, ArticleTicketLink.deleted_at.is_(None)
            )
        )
    )


# --- full-text search ---------------------------------------------------------------------

# bm25 column weights follow article_fts(title, summary, body): a title hit counts most.
_SQLITE_SEARCH = text(
    """
    SELECT a.id AS id, f.score AS score, f.excerpt AS excerpt
    FROM (
        SELECT rowid AS rid,
               -bm25(article_fts, 10.0, 4.0, 1.0) AS score,
               snippet(article_fts, -1, char(2), char(3), '…', 16) AS excerpt
        FROM article_fts
        WHERE article_fts MATCH :query
        ORDER BY bm25(article_fts, 10.0, 4.0, 1.0)
        LIMIT :candidates
    ) AS f
    JOIN articles AS a ON a.rowid = f.rid
    WHERE a.deleted_at IS NULL AND a.status IN :statuses
    ORDER BY f.score DESC
    LIMIT :limit
    """
).bindparams(bindparam("statuses", expanding=True))

# The generated search_tsv has no weights, so the title's own vector is added with weight A
# for the (already limited) candidates only; ts_headline is costly and runs on those alone.
_PG_SEARCH = text(
    """
    SELECT a.id AS id,
           ts_rank(setweight(to_tsvector('english', a.title), 'A') || a.search_tsv, f.q)
               AS score,
           ts_headline('english', a.summary || ' ' || a.body, f.q, :headline) AS excerpt
    FROM (
        SELECT articles.id AS id, q.q AS q
        FROM articles,
             (SELECT websearch_to_tsquery('english', :words)
                     || to_tsquery('english', :prefix) AS q) AS q
        WHERE articles.search_tsv @@ q.q
        ORDER BY ts_rank(articles.search_tsv, q.q) DESC
        LIMIT :candidates
    ) AS f
    JOIN articles AS a ON a.id = f.id
    WHERE a.deleted_at IS NULL AND a.status IN :statuses
    ORDER BY score DESC
    LIMIT :limit
    """
).bindparams(bindparam("statuses", expanding=True))

_PG_HEADLINE = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, "
    'MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
)


def search(
    session: Session,
    tokens: Sequence[str],
    *,
    statuses: Collection[ArticleStatus],
    limit: int,
) -> list[SearchMatch]:
    """Articles matching every token (the last one as a prefix), best first.

    Args:
        tokens: words from `search_tokens` (letters and digits only).
    """
    if not tokens:
        return []
    # Extra candidates so that archived or deleted rows filtered after the LIMIT rarely
    # leave the page short.
    params = {
        "statuses": [s.value for s in statuses],
        "limit": limit,
        "candidates": limit * 2 + 20,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        *whole, last = tokens
        query = " ".join([*(f'"{t}"' for t in whole), f'"{last}"*'])
        stmt = _SQLITE_SEARCH.columns(id=Uuid(), score=Float(), excerpt=String())
        rows = session.execute(stmt, {**params, "query": query})
    else:
        prefix = " & ".join([*tokens[:-1], f"{tokens[-1]}:*"])
        stmt = _PG_SEARCH.columns(id=Uuid(), score=Float(), excerpt=String())
        rows = session.execute(
            stmt,
            {**params, "words": " ".join(tokens), "prefix": prefix, "headline": _PG_HEADLINE},
        )
    return [SearchMatch(r.id, float(r.score or 0.0), r.excerpt or "") for r in rows]
