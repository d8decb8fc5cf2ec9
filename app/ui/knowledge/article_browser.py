"""A Markdown reader that never fetches anything: no local files, no network."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

# GitHub-flavoured Markdown (tables, task lists, autolinks) with raw HTML shown as text.
MARKDOWN_FEATURES = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)

# Links a person may choose to open in their own browser or mail program.
_EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})


class ArticleBrowser(QTextBrowser):
    """Shows article Markdown. Images and other resources are never loaded (an article must
    not read local files or call out to the network just by being opened); links open
    outside the app only when clicked.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_self_anchor_clicked)

    def set_markdown(self, text: str) -> None:
        self.document().setMarkdown(text, MARKDOWN_FEATURES)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        # Refuse everything: file:, http:, qrc:, data: and relative names alike. The answer
        # must be an empty value, not None: on a null answer QTextDocument falls back to
        # reading local files itself.
        return QByteArray()

    @Slot(QUrl)
    def _on_self_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme().lower() in _EXTERNAL_SCHEMES:
            QDesktopServices.openUrl(url)
        elif not url.scheme() and url.hasFragment():
            self.scrollToAnchor(url.fragment())
