"""The article list of the knowledge base: a paged table, also used for ranked search hits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from PySide6.QtCore import QDate, QLocale

from app.services.knowledge_service import ArticleRow
from app.ui.models.paged_table_model import Column, PagedTableModel

EXCERPT_COLUMN = 5


def excerpt_html(row: ArticleRow) -> str:
    """The search excerpt as rich text with the matched words in bold (for tooltips)."""
    if not row.excerpt:
        return escape(row.summary)
    return "".join(
        f"<b>{escape(p.text)}</b>" if p.highlighted else escape(p.text) for p in row.excerpt
    )


def _tooltip(row: ArticleRow) -> str:
    body = excerpt_html(row)
    return f"<p><b>{escape(row.title)}</b></p><p>{body}</p>" if body else escape(row.title)


def _updated(row: ArticleRow) -> str:
    local = row.updated_at.astimezone().date()
    return QLocale().toString(
        QDate(local.year, local.month, local.day), QLocale.FormatType.ShortFormat
    )


ARTICLE_COLUMNS: list[Column[ArticleRow]] = [
    Column("title", "Title", lambda r: r.title, sort_value=lambda r: r.title.lower(),
           tooltip=_tooltip),
    Column("category", "Category", lambda r: r.category_name or "—", tooltip=_tooltip),
    Column("status", "Status", lambda r: r.status.label, tooltip=_tooltip),
    Column("updated_at", "Updated", _updated, sort_value=lambda r: r.updated_at,
           tooltip=_tooltip),
    Column("views", "Views", lambda r: str(r.view_count), sort_value=lambda r: r.view_count,
           align_right=True, tooltip=_tooltip),
    # Shown only for search results; the tooltip shows the matched words in bold.
    Column("excerpt", "Match", lambda r: " ".join(r.excerpt_text.split()),
           tooltip=_tooltip, sortable=False),
]  # fmt: skip


class ArticleModel(PagedTableModel[ArticleRow]):
    """Title, Category, Status, Updated, Views, and the search excerpt ("Match")."""

    def __init__(
        self,
        fetch_page: Callable[[int, int], Sequence[ArticleRow]] | None = None,
        *,
        page_size: int = 200,
        parent: Any = None,
    ) -> None:
        super().__init__(ARTICLE_COLUMNS, fetch_page, page_size=page_size, parent=parent)
