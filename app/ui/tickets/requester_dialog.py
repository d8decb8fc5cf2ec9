"""Changing who asked for help: search the contacts by name or email."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QStringListModel, Qt, QTimer, Slot
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QWidget

from app.services.ticket_service import ContactOption
from app.ui.form_dialog import FormDialog

LOOKUP_MS = 200


class RequesterDialog(FormDialog):
    """`submitted` carries the chosen `ContactOption`, or None for "no requester"."""

    def __init__(
        self,
        number: str,
        current: str,
        contacts: Callable[[str, int], list[ContactOption]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Change the requester of {number}", "Change requester", parent=parent)
        self.setMinimumWidth(460)
        self._contacts = contacts
        self._known: dict[str, ContactOption] = {}
        self.requester_edit = QLineEdit()
        self.requester_edit.setPlaceholderText("Type a name or email to search")
        self.requester_edit.setClearButtonEnabled(True)
        self._names = QStringListModel(self)
        self.completer = QCompleter(self._names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.requester_edit.setCompleter(self.completer)
        hint = QLabel("Leave it empty for a ticket without a requester.")
        hint.setEnabled(False)
        self.form.addRow("Now", QLabel(current or "No requester"))
        self.form.addRow("&Requester", self.requester_edit)
        self.form.addRow(hint)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LOOKUP_MS)
        self.requester_edit.textEdited.connect(self._on_requester_edit_text_edited)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._remember(contacts("", 50))

    def _remember(self, options: list[ContactOption]) -> None:
        for option in options:
            self._known[option.label] = option
        self._names.setStringList([o.label for o in options])

    def values(self) -> ContactOption | None:
        text = self.requester_edit.text().strip()
        if not text:
            return None
        if text in self._known:
            return self._known[text]
        matches = self._contacts(text, 2)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValueError(f"No contact matches “{text}”. Check the spelling.")
        raise ValueError(f"More than one contact matches “{text}”. Choose one from the list.")

    @Slot(str)
    def _on_requester_edit_text_edited(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        try:
            options = self._contacts(self.requester_edit.text(), 20)
        except Exception as exc:  # shown in place; typing again retries
            self.show_problem(str(exc))
            return
        self._remember(options)
        if options and self.requester_edit.hasFocus():
            self.completer.complete()
