from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QKeySequence, QTextDocument
from pytestqt.qtbot import QtBot

from app.domain.enums import ArticleStatus, Role
from app.services.people_service import AuthService
from app.services.registry import Services
from app.ui.knowledge.article_browser import ArticleBrowser
from app.ui.knowledge.knowledge_pane import KnowledgePane
from app.ui.models.article_model import EXCERPT_COLUMN
from app.ui.pane import Pane
from app.ui.signals import AppSignals
from app.ui.worker import TaskRunner

pytestmark = pytest.mark.gui

MakePane = Callable[[type[Pane]], Pane]


def _pane(make_pane: MakePane) -> KnowledgePane:
    pane = make_pane(KnowledgePane)
    assert isinstance(pane, KnowledgePane)
    return pane


def test_empty_state_says_what_to_do(make_pane: MakePane) -> None:
    pane = _pane(make_pane)
    assert pane.list_stack.currentWidget() is pane.empty_label
    assert pane.empty_label.text() == "No articles yet. Write the first guide with New article."
    assert pane.tree_model.index(0, 0).data() == "All articles (0)"


def test_write_an_article_in_the_editor_then_read_and_find_it(
    make_pane: MakePane, qtbot: QtBot, app_signals: AppSignals, services: Services
) -> None:
    services.knowledge.create_category("Printers")
    pane = _pane(make_pane)
    assert pane.new_action.shortcut() == QKeySequence(QKeySequence.StandardKey.New)

    pane.new_action.trigger()
    dialog = pane.editor
    assert dialog is not None
    assert dialog.save_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    dialog.body_edit.setPlainText("# Paper jam\n\nOpen **tray 2** and pull the sheet out slowly.")
    assert not dialog.save()  # no title yet
    assert dialog.message.isVisible()
    assert "title" in dialog.message.text()

    dialog.title_edit.setText("Clearing a paper jam")
    dialog.category_combo.setCurrentIndex(dialog.category_combo.findText("Printers"))
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findText("Published"))
    qtbot.waitUntil(lambda: "tray 2" in dialog.preview.toPlainText())  # live preview
    with qtbot.waitSignal(app_signals.changed) as changed:
        dialog.save_action.trigger()
    assert changed.args is not None
    assert changed.args[0].touches("knowledge")

    assert pane.current_article_id is not None
    assert pane.title_label.text() == "Clearing a paper jam"
    assert pane.path_label.text() == "Printers"
    assert "Revision 1" in pane.revision_label.text()
    text = pane.browser.toPlainText()
    assert "Open tray 2 and pull the sheet out slowly." in text
    assert "**" not in text  # rendered, not shown as source
    assert pane.model.rowCount() == 1
    assert pane.tree_model.index(0, 0).data() == "All articles (1)"

    # Edit saves revision 2.
    pane.edit_action.trigger()
    editor = pane.editor
    assert editor is not None
    assert editor.title_edit.text() == "Clearing a paper jam"
    assert editor.category_combo.currentText().strip() == "Printers"  # kept, not reset
    assert editor.status_combo.currentText() == "Published"
    editor.body_edit.setPlainText("Open tray 3 instead.")
    with qtbot.waitSignal(app_signals.changed):
        assert editor.save()
    assert "Revision 2" in pane.revision_label.text()
    assert pane.path_label.text() == "Printers"
    assert "tray 3" in pane.browser.toPlainText()

    # Search shows ranked hits with the excerpt column; no hits says what to try.
    pane.search_edit.setText("tray")
    qtbot.waitUntil(lambda: not pane.table.isColumnHidden(EXCERPT_COLUMN))
    assert pane.model.rowCount() == 1
    assert "tray" in pane.model.index(0, EXCERPT_COLUMN).data()
    pane.search_edit.setText("zebra crossing")
    qtbot.waitUntil(lambda: pane.list_stack.currentWidget() is pane.empty_label)
    assert pane.empty_label.text() == "No articles match “zebra crossing”. Try fewer words."
    pane.search_edit.clear()
    qtbot.waitUntil(lambda: pane.table.isColumnHidden(EXCERPT_COLUMN))
    assert pane.model.rowCount() == 1


def test_find_shortcut_focuses_search(make_pane: MakePane, qtbot: QtBot) -> None:
    pane = _pane(make_pane)
    assert pane.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    pane.activateWindow()
    pane.find_action.trigger()
    qtbot.waitUntil(pane.search_edit.hasFocus)


def test_open_article_request_shows_it_and_feedback_counts(
    make_pane: MakePane, qtbot: QtBot, app_signals: AppSignals, services: Services
) -> None:
    article_id, _ = services.knowledge.create(
        "Reset a password", "Use the **self-service** portal.", status=ArticleStatus.PUBLISHED
    )
    pane = _pane(make_pane)
    app_signals.open_article_requested.emit(article_id)
    assert pane.current_article_id == article_id
    assert "self-service portal" in pane.browser.toPlainText()
    assert services.knowledge.get(article_id).view_count == 1

    with qtbot.waitSignal(app_signals.changed):
        pane.yes_button.click()
    assert pane.feedback_label.text() == "1 found this helpful, 0 did not"
    assert services.knowledge.get(article_id).view_count == 1  # refreshing is not a view


def test_reader_refuses_to_load_files_or_network(tmp_path: Path, qtbot: QtBot) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for articles")
    browser = ArticleBrowser()
    qtbot.addWidget(browser)
    image = QTextDocument.ResourceType.ImageResource
    assert not browser.loadResource(image, QUrl.fromLocalFile(str(secret)))
    assert not browser.loadResource(image, QUrl("https://example.org/track.png"))
    browser.set_markdown(f"![x]({QUrl.fromLocalFile(str(secret)).toString()})\n\n<b>raw</b>")
    assert "<b>raw</b>" in browser.toPlainText()  # raw HTML is shown, never interpreted
    # The document itself must not fall back to reading the file either.
    loaded = browser.document().resource(image, QUrl.fromLocalFile(str(secret)))
    assert not loaded
    assert b"not for articles" not in bytes(loaded or b"")


def test_splitter_sizes_are_remembered(make_pane: MakePane) -> None:
    pane = _pane(make_pane)
    pane.splitter.setSizes([300, 400, 480])
    sizes = pane.splitter.sizes()
    pane.splitter.splitterMoved.emit(300, 1)
    assert QSettings().value("knowledge/splitter") is not None
    again = _pane(make_pane)
    assert again.splitter.sizes() == sizes


def test_trainer_reads_but_cannot_write(
    services: Services, app_signals: AppSignals, tasks: TaskRunner, qtbot: QtBot
) -> None:
    services.knowledge.create("Projector set-up", "HDMI first.", status=ArticleStatus.PUBLISHED)
    services.people.create_person(
        username="tom",
        full_name="Tom Trainer",
        email="",
        password="trainer password 1",
        roles=frozenset({Role.TRAINER}),
    )
    trainer = Services(services.db, AuthService(services.db).principal_for("tom"))
    pane = KnowledgePane(trainer, app_signals, tasks)
    qtbot.addWidget(pane)
    pane.show()
    pane.activate()
    assert pane.model.rowCount() == 1
    assert not pane.new_action.isEnabled()
    pane.table.selectRow(0)
    assert pane.title_label.text() == "Projector set-up"
    assert not pane.edit_action.isEnabled()
    assert not pane.new_category_button.isEnabled()
