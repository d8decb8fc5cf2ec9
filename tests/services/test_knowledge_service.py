from __future__ import annotations

import uuid

import pytest

from app.data.base import utcnow
from app.data.database import Database
from app.data.models.knowledge import Article
from app.data.models.tickets import Ticket
from app.domain.enums import ArticleStatus, Role
from app.domain.permissions import PermissionDeniedError
from app.errors import NotFoundError, ValidationError
from app.services.base import Area
from app.services.people_service import AuthService
from app.services.registry import Services

PUBLISHED = ArticleStatus.PUBLISHED


def _ticket(db: Database, number: str = "T-1") -> uuid.UUID:
    """A bare ticket row; the ticket service is not what these tests are about."""
    with db.session() as session:
        ticket = Ticket(number=number, subject="Printer jams", opened_at=utcnow())
        session.add(ticket)
        session.flush()
        return ticket.id


def test_category_tree_counts_include_subcategories(any_services: Services) -> None:
    kb = any_services.knowledge
    hw, _ = kb.create_category("Hardware")
    printers, changes = kb.create_category("Printers", hw)
    assert changes.touches(Area.KNOWLEDGE)
    kb.create_category("Network")
    kb.create("Clearing a paper jam", "Open tray 2.", category_id=printers, status=PUBLISHED)
    kb.create("Replacing a keyboard", category_id=hw)
    kb.create("Old fax guide", category_id=printers, status=ArticleStatus.ARCHIVED)

    tree = {n.name: n for n in kb.category_tree()}
    assert set(tree) == {"Hardware", "Network"}
    assert tree["Hardware"].article_count == 2  # archived one not counted
    assert [(c.name, c.article_count) for c in tree["Hardware"].children] == [("Printers", 1)]
    assert tree["Network"].article_count == 0

    assert kb.count() == 2
    assert kb.count(hw) == 2
    assert kb.count(printers) == 1
    assert [r.title for r in kb.list_page(hw, sort="title", descending=False)] == [
        "Clearing a paper jam",
        "Replacing a keyboard",
    ]
    archived = kb.list_page(statuses={ArticleStatus.ARCHIVED})
    assert [r.title for r in archived] == ["Old fax guide"]


def test_duplicate_category_name_refused(any_services: Services) -> None:
    kb = any_services.knowledge
    hw, _ = kb.create_category("Hardware")
    kb.create_category("Printers", hw)
    with pytest.raises(ValidationError, match="already a category"):
        kb.create_category("printers ", hw)
    with pytest.raises(ValidationError, match="already a category"):
        kb.create_category("HARDWARE")
    kb.create_category("Printers")  # same name elsewhere is fine
    with pytest.raises(ValidationError):
        kb.create_category("   ")


def test_list_sorts_and_pages_in_sql(any_services: Services) -> None:
    kb = any_services.knowledge
    ids = {t: kb.create(t, status=PUBLISHED)[0] for t in ("beta", "Alpha", "gamma")}
    for _ in range(3):
        kb.record_view(ids["beta"])
    kb.record_view(ids["gamma"])
    assert [r.title for r in kb.list_page(sort="title", descending=False)] == [
        "Alpha",
        "beta",
        "gamma",
    ]
    assert [r.title for r in kb.list_page(sort="views", descending=True)][:2] == [
        "beta",
        "gamma",
    ]
    page = kb.list_page(sort="title", descending=False, offset=1, limit=1)
    assert [r.title for r in page] == ["beta"]
    with pytest.raises(ValidationError):
        kb.list_page(sort="id; DROP TABLE articles")


def test_create_and_update_append_revisions(any_services: Services) -> None:
    kb = any_services.knowledge
    article_id, changes = kb.create("VPN setup", "Install the client.", "How to", None)
    assert article_id in changes.ids
    kb.update(article_id, "VPN set-up", "Install the client, then sign in.", "", None, PUBLISHED)
    kb.update(article_id, "VPN set-up", "Final text.", "", None, PUBLISHED)

    detail = kb.get(article_id)
    assert detail.revision == 3
    assert detail.title == "VPN set-up"
    assert detail.body == "Final text."
    assert detail.status == PUBLISHED
    assert detail.author_name == "Ada Admin"
    revisions = kb.revisions(article_id)
    assert [r.revision for r in revisions] == [3, 2, 1]
    assert revisions[-1].title == "VPN setup"
    assert revisions[-1].body == "Install the client."

    with pytest.raises(ValidationError, match="title"):
        kb.update(article_id, "  ", "x", "", None, PUBLISHED)
    with pytest.raises(ValidationError, match="title"):
        kb.create("")
    assert kb.get(article_id).revision == 3  # refused saves leave no revision
    actions = [e.action for e in any_services.people.audit_page(0, 10)]
    assert actions.count("kb.article.update") == 2
    assert "kb.article.create" in actions


def test_detail_shows_category_path_views_and_links(any_services: Services) -> None:
    kb = any_services.knowledge
    hw, _ = kb.create_category("Hardware")
    printers, _ = kb.create_category("Printers", hw)
    article_id, _ = kb.create("Paper jam", "Open tray.", category_id=printers)
    kb.record_view(article_id)
    kb.record_view(article_id)
    ticket_id = _ticket(any_services.db)
    changes = kb.link_ticket(article_id, ticket_id)
    assert changes.touches(Area.TICKETS)
    kb.link_ticket(article_id, ticket_id)  # twice is harmless

    detail = kb.get(article_id)
    assert detail.category_path == ("Hardware", "Printers")
    assert detail.view_count == 2
    assert detail.ticket_numbers == ("T-1",)
    assert [r.id for r in kb.articles_for_ticket(ticket_id)] == [article_id]

    kb.unlink_ticket(article_id, ticket_id)
    assert kb.get(article_id).ticket_numbers == ()
    kb.link_ticket(article_id, ticket_id)  # the tombstoned link comes back
    assert kb.get(article_id).ticket_numbers == ("T-1",)
    with pytest.raises(NotFoundError):
        kb.link_ticket(article_id, uuid.uuid4())


def test_search_by_body_word_prefix_and_title_rank(any_services: Services) -> None:
    kb = any_services.knowledge
    body_hit, _ = kb.create(
        "Network basics",
        "When the printer is offline, check the printer cable and the printer queue.",
        status=PUBLISHED,
    )
    title_hit, _ = kb.create("Printer troubleshooting", "Start with the cable.", status=PUBLISHED)
    kb.create("Unrelated", "Nothing about that here.", status=PUBLISHED)

    hits = kb.search("printer")
    assert [h.id for h in hits] == [title_hit, body_hit]
    assert all(h.score is not None for h in hits)

    by_prefix = kb.search("troublesh")
    assert [h.id for h in by_prefix] == [title_hit]

    body_only = kb.search("queue")
    assert [h.id for h in body_only] == [body_hit]
    excerpt = body_only[0].excerpt
    assert any(p.highlighted and p.text.lower() == "queue" for p in excerpt)
    assert "queue" in body_only[0].excerpt_text

    assert kb.search("printer offline cable")[0].id == body_hit  # every word must match
    assert kb.search("zzzqqq") == []


HOSTILE = [
    '"',
    "AND",
    "foo*bar",
    "-",
    "*",
    "NEAR(",
    "printer OR",
    "(",
    "a:b",
    "' OR 1=1 --",
    "^",
    "",
]


def test_hostile_queries_do_not_raise(any_services: Services) -> None:
    kb = any_services.knowledge
    kb.create("Foo bar guide", "foo bar and near", status=PUBLISHED)
    for hostile in HOSTILE:
        assert isinstance(kb.search(hostile), list), hostile
    assert kb.search('"') == []
    assert kb.search("-") == []


def test_foo_star_bar_finds_both_words(any_services: Services) -> None:
    kb = any_services.knowledge
    wanted, _ = kb.create("Foo bar guide", "foo barometer", status=PUBLISHED)
    assert [h.id for h in kb.search("foo*bar")] == [wanted]


def test_search_excludes_archived_and_tombstoned(any_services: Services) -> None:
    kb = any_services.knowledge
    live, _ = kb.create("Toner swap", "toner", status=PUBLISHED)
    draft, _ = kb.create("Toner draft", "toner", status=ArticleStatus.DRAFT)
    archived, _ = kb.create("Toner archive", "toner", status=ArticleStatus.ARCHIVED)
    gone, _ = kb.create("Toner gone", "toner", status=PUBLISHED)
    with any_services.db.session() as session:
        row = session.get(Article, gone)
        assert row is not None
        row.deleted_at = utcnow()

    assert {h.id for h in kb.search("toner")} == {live, draft}
    assert {h.id for h in kb.search("toner", statuses={ArticleStatus.ARCHIVED})} == {archived}
    assert gone not in {r.id for r in kb.list_page()}
    with pytest.raises(NotFoundError):
        kb.get(gone)


def test_feedback_counts_one_answer_per_person(any_services: Services) -> None:
    kb = any_services.knowledge
    article_id, _ = kb.create("Reset a password", "Use the portal.", status=PUBLISHED)
    kb.add_feedback(article_id, True)
    detail = kb.get(article_id)
    assert (detail.helpful_count, detail.not_helpful_count) == (1, 0)
    kb.add_feedback(article_id, False, "Out of date")
    detail = kb.get(article_id)
    assert (detail.helpful_count, detail.not_helpful_count) == (0, 1)


def test_trainer_reads_but_cannot_write(any_services: Services) -> None:
    kb = any_services.knowledge
    article_id, _ = kb.create("Projector set-up", "HDMI first.", status=PUBLISHED)
    any_services.people.create_person(
        username="tom",
        full_name="Tom Trainer",
        email="tom@example.org",
        password="trainer password 1",
        roles=frozenset({Role.TRAINER}),
    )
    trainer = AuthService(any_services.db).principal_for("tom")
    as_trainer = Services(any_services.db, trainer).knowledge

    assert as_trainer.get(article_id).title == "Projector set-up"
    assert [h.id for h in as_trainer.search("projector")] == [article_id]
    as_trainer.add_feedback(article_id, True)  # readers may say whether it helped
    with pytest.raises(PermissionDeniedError):
        as_trainer.create("Mine", "x")
    with pytest.raises(PermissionDeniedError):
        as_trainer.update(article_id, "Changed", "x", "", None, PUBLISHED)
    with pytest.raises(PermissionDeniedError):
        as_trainer.create_category("Trainers")
    kb.add_feedback(article_id, True)
    assert kb.get(article_id).helpful_count == 2
    assert kb.get(article_id).title == "Projector set-up"
