from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from app.domain.enums import ArticleStatus
from app.services.knowledge_service import ArticleRow, CategoryNode, ExcerptPart
from app.ui.models.article_model import EXCERPT_COLUMN, ArticleModel, excerpt_html
from app.ui.models.category_tree_model import ALL_ARTICLES, CategoryTreeModel
from app.ui.models.roles import ID_ROLE


def _tree() -> tuple[list[CategoryNode], uuid.UUID, uuid.UUID]:
    hw, printers, net = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    printers_node = CategoryNode(printers, "Printers", hw, 2)
    roots = [
        CategoryNode(hw, "Hardware", None, 3, (printers_node,)),
        CategoryNode(net, "Network", None, 0),
    ]
    return roots, hw, printers


def test_category_tree_model_structure_and_counts(qtmodeltester: ModelTester) -> None:
    model = CategoryTreeModel()
    roots, hw, printers = _tree()
    model.set_tree(roots, 5)
    qtmodeltester.check(model)

    assert model.rowCount() == 3
    first = model.index(0, 0)
    assert first.data() == f"{ALL_ARTICLES} (5)"
    assert first.data(ID_ROLE) is None
    hardware = model.index(1, 0)
    assert hardware.data() == "Hardware (3)"
    assert model.rowCount(hardware) == 1
    child = model.index(0, 0, hardware)
    assert child.data() == "Printers (2)"
    assert child.data(ID_ROLE) == printers
    assert model.parent(child) == hardware
    assert not model.parent(hardware).isValid()
    assert model.index_of(printers) == child
    assert model.index_of(hw) == hardware
    assert model.index_of(None) == first
    assert [(d, n.name) for d, n in model.category_choices()] == [
        (0, "Hardware"),
        (1, "Printers"),
        (0, "Network"),
    ]

    model.set_tree([], 0)  # reset to just "All articles"
    qtmodeltester.check(model)
    assert model.rowCount() == 1
    assert model.index(5, 0) == QModelIndex()


def _row(title: str, excerpt: tuple[ExcerptPart, ...] = ()) -> ArticleRow:
    return ArticleRow(
        id=uuid.uuid4(),
        title=title,
        summary="A <summary>",
        category_id=None,
        category_name="",
        status=ArticleStatus.PUBLISHED,
        revision=1,
        updated_at=datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
        view_count=7,
        excerpt=excerpt,
    )


def test_article_model_pages_and_shows_excerpts(qtmodeltester: ModelTester) -> None:
    rows = [_row(f"Guide {i:02}") for i in range(5)]
    requested: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int) -> list[ArticleRow]:
        requested.append((offset, limit))
        return rows[offset : offset + limit]

    model = ArticleModel(page_size=2)
    model.reset(fetch)
    assert model.rowCount() == 2  # one page until the view asks for more
    qtmodeltester.check(model)  # the tester fetches the rest
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 5
    assert requested[:2] == [(0, 2), (2, 2)]
    assert model.index(0, 4).data() == "7"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Title"

    hit = _row("Printer <offline>", (ExcerptPart("check the ", False), ExcerptPart("cable", True)))
    model.set_rows([hit])
    qtmodeltester.check(model)
    assert model.index(0, EXCERPT_COLUMN).data() == "check the cable"
    tooltip = model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "<b>cable</b>" in tooltip
    assert "&lt;offline&gt;" in tooltip  # titles are escaped, not interpreted
    assert excerpt_html(_row("x")) == "A &lt;summary&gt;"
