"""Knowledge base: categories, articles with revisions, reader feedback, links to tickets."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.data.base import Base, Replicated, str_enum
from app.domain.enums import ArticleStatus


class ArticleCategory(Replicated, Base):
    __tablename__ = "article_categories"
    __table_args__ = (
        UniqueConstraint("parent_id", "name", name="uq_article_categories_parent_name"),
    )

    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("article_categories.id"), default=None
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class Article(Replicated, Base):
    """The current text of an article; every saved version is an `ArticleRevision`."""

    __tablename__ = "articles"

    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    summary: Mapped[str] = mapped_column(String(500), default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("article_categories.id"), default=None, index=True
    )
    status: Mapped[ArticleStatus] = mapped_column(
        str_enum(ArticleStatus), default=ArticleStatus.DRAFT
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    view_count: Mapped[int] = mapped_column(Integer, default=0)


class ArticleRevision(Replicated, Base):
    """Append-only: one row per saved version of an article."""

    __tablename__ = "article_revisions"
    __table_args__ = (
        UniqueConstraint("article_id", "revision", name="uq_article_revisions_article_revision"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("articles.id"))
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)


class ArticleFeedback(Replicated, Base):
    __tablename__ = "article_feedback"

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("articles.id"), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)


class ArticleTicketLink(Replicated, Base):
    __tablename__ = "article_ticket_links"
    __table_args__ = (
        UniqueConstraint("article_id", "ticket_id", name="uq_article_ticket_links_article_ticket"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("articles.id"))
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
