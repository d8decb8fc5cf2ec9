"""App-wide signals: how panes talk to each other without knowing each other."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppSignals(QObject):
    """Signals:
    changed(object): a `Changes` value after any write; panes refresh only their own areas.
    open_ticket_requested(object): a ticket id to show in the Tickets pane.
    open_article_requested(object): an article id to show in the Knowledge base.
    status_message(str): a short message for the status bar.
    error_raised(object): an exception a pane could not handle itself.
    """

    changed = Signal(object)
    open_ticket_requested = Signal(object)
    open_article_requested = Signal(object)
    status_message = Signal(str)
    error_raised = Signal(object)
