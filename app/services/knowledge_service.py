"""Knowledge base: user manuals and troubleshooting guides, searchable and linked to tickets."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from app.data.base import utcnow
from app.data.database import Session
from app.data.models.knowledge import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleRevision,
    ArticleTicketLink,
)
from app.data.repos import knowledge as kb_repo
from app.domain.enums import ArticleStatus
from app.domain.permissions import Permission
from app.errors import NotFoundError, ValidationError
from app.services.base import Area, Changes, Service

#: What a list shows unless asked otherwise: archived articles stay out of the way.
DEFAULT_STATUSES: frozenset[ArticleStatus] = frozenset(
    {ArticleStatus.PUBLISHED, ArticleStatus.DRAFT}
)
SORT_KEYS = kb_repo.SORT_KEYS

_MAX_TITLE = 300
_MAX_SUMMARY = 500
_MAX_CATEGORY_NAME = 120


@dataclass(frozen=True)
class CategoryNode:
    """A category in the tree; `article_count` includes its subcategories' articles."""

    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    article_count: int
    children: tuple[CategoryNode, ...] = ()


@dataclass(frozen=True)
class ExcerptPart:
    """A piece of a search excerpt; `highlighted` pieces matched the search words."""

    text: str
    highlighted: bool


@dataclass(frozen=True)
class ArticleRow:
    """One line of an article list or of search results (then `excerpt` and `score` are set)."""

    id: uuid.UUID
    title: str
    summary: str
    category_id: uuid.UUID | None
    category_name: str
    status: ArticleStatus
    revision: int
    updated_at: datetime
    view_count: int
    excerpt: tuple[ExcerptPart, ...] = ()
    score: float | None = None

    @property
    def excerpt_text(self) -> str:
        return "".join(part.text for part in self.excerpt)


@dataclass(frozen=True)
class LinkedTicket:
    id: uuid.UUID
    number: str
    subject: str


@dataclass(frozen=True)
class ArticleDetail:
    id: uuid.UUID
    title: str
    body: str  # Markdown
    summary: str
    category_id: uuid.UUID | None
    category_path: tuple[str, ...]  # top-level category first
    status: ArticleStatus
    author_name: str
    revision: int
    created_at: datetime
    updated_at: datetime
    view_count: int
    helpful_count: int
    not_helpful_count: int
    linked_tickets: tuple[LinkedTicket, ...]

    @property
    def ticket_numbers(self) -> tuple[str, ...]:
        return tuple(t.number for t in self.linked_tickets)


@dataclass(frozen=True)
class RevisionView:
    id: uuid.UUID
    revision: int
    title: str
    body: str
    author_name: str
    created_at: datetime


def split_excerpt(marked: str) -> tuple[ExcerptPart, ...]:
    """Turn an excerpt with highlight marks from the repository into typed parts."""
    parts: list[ExcerptPart] = []
    highlighted = False
    buffer = ""
    for ch in marked:
        if ch in (kb_repo.HIGHLIGHT_START, kb_repo.HIGHLIGHT_END):
            if buffer:
                parts.append(ExcerptPart(buffer, highlighted))
            buffer = ""
            highlighted = ch == kb_repo.HIGHLIGHT_START
        else:
            buffer += ch
    if buffer:
        parts.append(ExcerptPart(buffer, highlighted))
    return tuple(parts)


def _row(
    article: Article,
    category_name: str | None,
    excerpt: tuple[ExcerptPart, ...] = (),
    score: float | None = None,
) -> ArticleRow:
    return ArticleRow(
        id=article.id,
        title=article.title,
        summary=article.summary,
        category_id=article.category_id,
        category_name=category_name or "",
        status=article.status,
        revision=article.revision,
        updated_at=article.updated_at,
        view_count=article.view_count,
        excerpt=excerpt,
        score=score,
    )


class KnowledgeService(Service):
    """Categories, articles (with append-only revisions), search, feedback and ticket links."""

    # --- categories -----------------------------------------------------------------------

    def category_tree(
        self, statuses: Collection[ArticleStatus] = DEFAULT_STATUSES
    ) -> list[CategoryNode]:
        """Top-level categories with their subcategories, counting articles of `statuses`."""
        self._require(Permission.KB_READ)
        with self._db.read_session() as session:
            categories = kb_repo.all_categories(session)
            direct = kb_repo.article_counts_by_category(session, statuses)
        children: dict[uuid.UUID | None, list[ArticleCategory]] = {}
        for c in categories:
            children.setdefault(c.parent_id, []).append(c)

        def build(c: ArticleCategory, seen: frozenset[uuid.UUID]) -> CategoryNode:
            # `seen` guards against a parent cycle arriving by replication.
            kids = tuple(
                build(k, seen | {k.id}) for k in children.get(c.id, []) if k.id not in seen
            )
            total = direct.get(c.id, 0) + sum(k.article_count for k in kids)
            return CategoryNode(c.id, c.name, c.parent_id, total, kids)

        known = {c.id for c in categories}
        # Orphans (parent tombstoned elsewhere) show at the top level rather than vanish.
        roots = [c for c in categories if c.parent_id is None or c.parent_id not in known]
        return [build(c, frozenset({c.id})) for c in roots]

    def create_category(
        self, name: str, parent_id: uuid.UUID | None = None
    ) -> tuple[uuid.UUID, Changes]:
        self._require(Permission.KB_WRITE)
        name = " ".join(name.split())
        if not name:
            raise ValidationError("Enter a name for the category.")
        if len(name) > _MAX_CATEGORY_NAME:
            raise ValidationError(f"Keep the name under {_MAX_CATEGORY_NAME} characters.")
        with self._unit_of_work() as session:
            parent = None
            if parent_id is not None:
                parent = kb_repo.category(session, parent_id)
                if parent is None:
                    raise NotFoundError("The parent category no longer exists.")
            if kb_repo.category_named(session, name, parent_id) is not None:
                where = f"in “{parent.name}”" if parent else "at the top level"
                raise ValidationError(f"There is already a category “{name}” {where}.")
            created = ArticleCategory(name=name, parent_id=parent_id)
            session.add(created)
            session.flush()
            self._audit(
                session,
                "kb.category.create",
                entity="article_category",
                entity_id=created.id,
                summary=name if parent is None else f"{parent.name} › {name}",
            )
            return created.id, Changes.of(Area.KNOWLEDGE, ids=(created.id,))

    # --- lists and search -----------------------------------------------------------------

    def _category_scope(
        self, session: Session, category_id: uuid.UUID | None
    ) -> set[uuid.UUID] | None:
        """The category and all its subcategories; None means every article."""
        if category_id is None:
            return None
        children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
        for c in kb_repo.all_categories(session):
            children.setdefault(c.parent_id, []).append(c.id)
        scope = {category_id}
        stack = [category_id]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in scope:
                    scope.add(child)
                    stack.append(child)
        return scope

    def list_page(
        self,
        category_id: uuid.UUID | None = None,
        *,
        statuses: Collection[ArticleStatus] = DEFAULT_STATUSES,
        sort: str = "updated_at",
        descending: bool = True,
        offset: int = 0,
        limit: int = 200,
    ) -> list[ArticleRow]:
        """A page of articles, sorted in SQL.

        Args:
            category_id: a category (its subcategories included) or None for all articles.
            statuses: which statuses to show; published and drafts unless asked.
            sort: "title", "updated_at", "views", "status" or "category".
        """
        self._require(Permission.KB_READ)
        if sort not in SORT_KEYS:
            raise ValidationError(f"Cannot sort articles by “{sort}”.")
        with self._db.read_session() as session:
            rows = kb_repo.article_page(
                session,
                category_ids=self._category_scope(session, category_id),
                statuses=statuses,
                sort=sort,
                descending=descending,
                offset=max(0, offset),
                limit=max(0, limit),
            )
            return [_row(a, name) for a, name in rows]

    def count(
        self,
        category_id: uuid.UUID | None = None,
        *,
        statuses: Collection[ArticleStatus] = DEFAULT_STATUSES,
    ) -> int:
        self._require(Permission.KB_READ)
        with self._db.read_session() as session:
            return kb_repo.article_count(
                session,
                category_ids=self._category_scope(session, category_id),
                statuses=statuses,
            )

    def search(
        self,
        text: str,
        limit: int = 50,
        *,
        statuses: Collection[ArticleStatus] = DEFAULT_STATUSES,
    ) -> list[ArticleRow]:
        """Articles containing every word typed (the last one may be unfinished), best first.

        Anything typed is safe: quotes, operators and stray symbols are dropped, not parsed.
        """
        self._require(Permission.KB_READ)
        tokens = kb_repo.search_tokens(text)
        if not tokens or limit <= 0:
            return []
        with self._db.read_session() as session:
            matches = kb_repo.search(session, tokens, statuses=statuses, limit=limit)
            shown = kb_repo.articles_by_ids(session, [m.article_id for m in matches])
        return [
            _row(*shown[m.article_id], excerpt=split_excerpt(m.excerpt), score=m.score)
            for m in matches
            if m.article_id in shown
        ]

    def articles_for_ticket(self, ticket_id: uuid.UUID) -> list[ArticleRow]:
        """Articles linked to a ticket (for the ticket view)."""
        self._require(Permission.KB_READ)
        with self._db.read_session() as session:
            ids = kb_repo.articles_linked_to(session, ticket_id)
            shown = kb_repo.articles_by_ids(session, ids)
        return sorted((_row(a, name) for a, name in shown.values()), key=lambda r: r.title)

    # --- one article ----------------------------------------------------------------------

    def get(self, article_id: uuid.UUID) -> ArticleDetail:
        self._require(Permission.KB_READ)
        with self._db.read_session() as session:
            article = kb_repo.article(session, article_id)
            if article is None:
                raise NotFoundError("That article no longer exists.")
            by_id = {c.id: c for c in kb_repo.all_categories(session)}
            path: list[str] = []
            current = by_id.get(article.category_id) if article.category_id else None
            while current is not None and current.name not in path:
                path.insert(0, current.name)
                current = by_id.get(current.parent_id) if current.parent_id else None
            helpful, not_helpful = kb_repo.feedback_counts(session, article_id)
            return ArticleDetail(
                id=article.id,
                title=article.title,
                body=article.body,
                summary=article.summary,
                category_id=article.category_id,
                category_path=tuple(path),
                status=article.status,
                author_name=kb_repo.user_name(session, article.author_id),
                revision=article.revision,
                created_at=article.created_at,
                updated_at=article.updated_at,
                view_count=article.view_count,
                helpful_count=helpful,
                not_helpful_count=not_helpful,
                linked_tickets=tuple(
                    LinkedTicket(tid, number, subject)
                    for tid, number, subject in kb_repo.linked_tickets(session, article_id)
                ),
            )

    def revisions(self, article_id: uuid.UUID) -> list[RevisionView]:
        """Every saved version, newest first."""
        self._require(Permission.KB_READ)
        with self._db.read_session() as session:
            return [
                RevisionView(r.id, r.revision, r.title, r.body, author or "", r.created_at)
                for r, author in kb_repo.revisions(session, article_id)
            ]

    def _checked(
        self,
        session: Session,
        title: str,
        summary: str,
        category_id: uuid.UUID | None,
        status: ArticleStatus | str,
    ) -> tuple[str, str, ArticleStatus]:
        title = " ".join(title.split())
        summary = " ".join(summary.split())
        if not title:
            raise ValidationError("Give the article a title.")
        if len(title) > _MAX_TITLE:
            raise ValidationError(f"Keep the title under {_MAX_TITLE} characters.")
        if len(summary) > _MAX_SUMMARY:
            raise ValidationError(f"Keep the summary under {_MAX_SUMMARY} characters.")
        try:
            checked_status = ArticleStatus(status)
        except ValueError:
            raise ValidationError(f"“{status}” is not an article status.") from None
        if category_id is not None and kb_repo.category(session, category_id) is None:
            raise NotFoundError("That category no longer exists; choose another.")
        return title, summary, checked_status

    def _append_revision(self, session: Session, article: Article) -> None:
        session.add(
            ArticleRevision(
                article_id=article.id,
                revision=article.revision,
                title=article.title,
                body=article.body,
                author_id=self._actor.user_id,
            )
        )

    def create(
        self,
        title: str,
        body: str = "",
        summary: str = "",
        category_id: uuid.UUID | None = None,
        status: ArticleStatus | str = ArticleStatus.DRAFT,
    ) -> tuple[uuid.UUID, Changes]:
        """Write a new article; its first revision is saved with it."""
        self._require(Permission.KB_WRITE)
        with self._unit_of_work() as session:
            title, summary, checked_status = self._checked(
                session, title, summary, category_id, status
            )
            article = Article(
                title=title,
                body=body,
                summary=summary,
                category_id=category_id,
                status=checked_status,
                author_id=self._actor.user_id,
                revision=1,
            )
            session.add(article)
            session.flush()
            self._append_revision(session, article)
            self._audit(
                session,
                "kb.article.create",
                entity="article",
                entity_id=article.id,
                summary=f"{title} ({checked_status.label})",
            )
            return article.id, Changes.of(Area.KNOWLEDGE, ids=(article.id,))

    def update(
        self,
        article_id: uuid.UUID,
        title: str,
        body: str,
        summary: str,
        category_id: uuid.UUID | None,
        status: ArticleStatus | str,
    ) -> Changes:
        """Save a new version; the previous ones stay in `revisions`."""
        self._require(Permission.KB_WRITE)
        with self._unit_of_work() as session:
            article = kb_repo.article(session, article_id)
            if article is None:
                raise NotFoundError("That article no longer exists.")
            title, summary, checked_status = self._checked(
                session, title, summary, category_id, status
            )
            before = (article.title, article.status)
            article.title = title
            article.body = body
            article.summary = summary
            article.category_id = category_id
            article.status = checked_status
            # Numbered after the highest stored revision, so a revision from another desktop
            # is never overwritten by a second "revision 3".
            stored = kb_repo.latest_revision_number(session, article_id)
            article.revision = max(article.revision, stored) + 1
            self._append_revision(session, article)
            changed = []
            if before[0] != title:
                changed.append(f"title “{before[0]}” → “{title}”")
            if before[1] != checked_status:
                changed.append(f"status {before[1].label} → {checked_status.label}")
            self._audit(
                session,
                "kb.article.update",
                entity="article",
                entity_id=article_id,
                summary=f"{title}: revision {article.revision}"
                + (f" ({'; '.join(changed)})" if changed else ""),
            )
        return Changes.of(Area.KNOWLEDGE, ids=(article_id,))

    def record_view(self, article_id: uuid.UUID) -> None:
        """Count that someone opened the article. Not audited: reading changes nothing."""
        self._require(Permission.KB_READ)
        with self._unit_of_work() as session:
            kb_repo.add_view(session, article_id)

    def add_feedback(self, article_id: uuid.UUID, helpful: bool, comment: str = "") -> Changes:
        """Record whether the article helped; a person's later answer replaces their earlier."""
        self._require(Permission.KB_READ)
        with self._unit_of_work() as session:
            article = kb_repo.article(session, article_id)
            if article is None:
                raise NotFoundError("That article no longer exists.")
            existing = kb_repo.feedback_of(session, article_id, self._actor.user_id)
            if existing is None:
                session.add(
                    ArticleFeedback(
                        article_id=article_id,
                        helpful=helpful,
                        comment=comment.strip(),
                        user_id=self._actor.user_id,
                    )
                )
            else:
                existing.helpful = helpful
                existing.comment = comment.strip()
            self._audit(
                session,
                "kb.article.feedback",
                entity="article",
                entity_id=article_id,
                summary=f"{article.title}: {'helpful' if helpful else 'not helpful'}",
            )
        return Changes.of(Area.KNOWLEDGE, ids=(article_id,))

    # --- ticket links ---------------------------------------------------------------------

    def link_ticket(self, article_id: uuid.UUID, ticket_id: uuid.UUID) -> Changes:
        """Note that the article helped with (or documents) the ticket. Linking twice is fine."""
        self._require(Permission.KB_WRITE)
        with self._unit_of_work() as session:
            article = kb_repo.article(session, article_id)
            ticket = kb_repo.ticket(session, ticket_id)
            if article is None:
                raise NotFoundError("That article no longer exists.")
            if ticket is None:
                raise NotFoundError("That ticket no longer exists.")
            existing = kb_repo.link(session, article_id, ticket_id)
            if existing is not None and existing.deleted_at is None:
                return Changes.of(Area.KNOWLEDGE, Area.TICKETS, ids=(article_id, ticket_id))
            if existing is None:
                session.add(ArticleTicketLink(article_id=article_id, ticket_id=ticket_id))
            else:
                existing.deleted_at = None  # the pair is unique: revive the tombstone
            self._audit(
                session,
                "kb.article.link",
                entity="article",
                entity_id=article_id,
                summary=f"{article.title} ↔ ticket {ticket.number}",
            )
        return Changes.of(Area.KNOWLEDGE, Area.TICKETS, ids=(article_id, ticket_id))

    def unlink_ticket(self, article_id: uuid.UUID, ticket_id: uuid.UUID) -> Changes:
        self._require(Permission.KB_WRITE)
        with self._unit_of_work() as session:
            existing = kb_repo.link(session, article_id, ticket_id)
            if existing is None or existing.deleted_at is not None:
                return Changes.of(Area.KNOWLEDGE, Area.TICKETS, ids=(article_id, ticket_id))
            existing.deleted_at = utcnow()  # tombstone, so the removal replicates
            article = kb_repo.article(session, article_id)
            ticket = kb_repo.ticket(session, ticket_id)
            self._audit(
                session,
                "kb.article.unlink",
                entity="article",
                entity_id=article_id,
                summary=f"{article.title if article else article_id} ↮ ticket "
                f"{ticket.number if ticket else ticket_id}",
            )
        return Changes.of(Area.KNOWLEDGE, Area.TICKETS, ids=(article_id, ticket_id))


__all__ = [
    "DEFAULT_STATUSES",
    "SORT_KEYS",
    "ArticleDetail",
    "ArticleRow",
    "CategoryNode",
    "ExcerptPart",
    "KnowledgeService",
    "LinkedTicket",
    "RevisionView",
]
