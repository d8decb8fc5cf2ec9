"""Enrol people: tick them in a filterable list; the dialog says how many seats are left."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Slot
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QWidget

from app.services.training_service import PersonOption, SessionRow
from app.ui.form_dialog import FormDialog
from app.ui.models.training_models import PeopleChoiceModel, date_text


class EnrolDialog(FormDialog):
    """Collects the people to enrol in one session; `values()` is their ids."""

    def __init__(
        self,
        session: SessionRow,
        people: list[PersonOption],
        already: set[uuid.UUID],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Enrol people", "Enrol", parent=parent)
        self._session = session
        self.resize(420, 480)
        heading = QLabel(f"{session.course_title}, {date_text(session.starts_at)}")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Type part of a name")
        self.filter_edit.setClearButtonEnabled(True)
        self.people_model = PeopleChoiceModel(people, already, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.people_model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.people_view = QListView()
        self.people_view.setModel(self.proxy)
        self.people_view.setUniformItemSizes(True)
        self.seats_label = QLabel()
        self.seats_label.setWordWrap(True)
        self.form.addRow("Session", heading)
        self.form.addRow("Find", self.filter_edit)
        self.form.addRow("People", self.people_view)
        # Below the form, not in it: a wrapped label in a form row gets squeezed to one line.
        self.body.insertWidget(1, self.seats_label)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.people_model.checked_changed.connect(self._on_people_model_checked_changed)
        self.people_view.activated.connect(self._on_people_view_activated)
        self._on_people_model_checked_changed(0)
        self.filter_edit.setFocus()

    def values(self) -> list[uuid.UUID]:
        chosen = self.people_model.checked_ids()
        if not chosen:
            raise ValueError("Tick the people to enrol.")
        return chosen

    def seats_text(self, chosen: int) -> str:
        free = self._session.seats_left
        text = f"{free} of {self._session.capacity} seats left."
        if chosen:
            text += f" {chosen} chosen."
        if chosen > free:
            waiting = chosen - free
            text += (
                f" {waiting} {'person goes' if waiting == 1 else 'people go'} on the waiting "
                "list and get a seat when someone cancels."
            )
        return text

    @Slot(str)
    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())

    @Slot(int)
    def _on_people_model_checked_changed(self, chosen: int) -> None:
        self.seats_label.setText(self.seats_text(chosen))
        self.ok_button.setEnabled(chosen > 0)

    @Slot(QModelIndex)
    def _on_people_view_activated(self, proxy_index: QModelIndex) -> None:
        # Enter or double-click ticks/unticks, as a click on the box does.
        index = self.proxy.mapToSource(proxy_index)
        if not index.isValid() or not (index.flags() & Qt.ItemFlag.ItemIsUserCheckable):
            return
        ticked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        state = Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked
        self.people_model.setData(index, state, Qt.ItemDataRole.CheckStateRole)
