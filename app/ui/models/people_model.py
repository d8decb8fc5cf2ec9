"""The people table of the Admin pane."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt

from app.services.people_service import PersonView
from app.ui.models.paged_table_model import Column, PagedTableModel
from app.ui.models.roles import SORT_ROLE

NEVER = "Never"


def status_text(person: PersonView) -> str:
    """Active, Disabled or Locked (a disabled account reads Disabled even if also locked)."""
    if not person.is_active:
        return "Disabled"
    if person.locked:
        return "Locked"
    return "Active"


def roles_text(person: PersonView) -> str:
    return ", ".join(r.label for r in sorted(person.roles))


def _local(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else NEVER


COLUMNS: list[Column[PersonView]] = [
    Column("name", "Name", lambda p: p.full_name, sort_value=lambda p: p.full_name.casefold()),
    Column("username", "User name", lambda p: p.username),
    Column("roles", "Roles", roles_text),
    Column("team", "Team", lambda p: p.team_name),
    Column("status", "Status", status_text),
    Column(
        "last_login",
        "Last sign-in",
        lambda p: _local(p.last_login_at),
        sort_value=lambda p: p.last_login_at.timestamp() if p.last_login_at else 0.0,
    ),
]


class PeopleModel(PagedTableModel[PersonView]):
    """All people, loaded whole: a support organisation has tens or hundreds of staff, not
    the millions of rows that make the ticket and audit tables page and sort in SQL.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, None, parent=parent)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < self.columnCount():
            return
        self.layoutAboutToBeChanged.emit()
        rows = self.loaded_rows()
        keyed = [(self.data(self.index(i, column), SORT_ROLE), i) for i in range(len(rows))]
        keyed.sort(key=lambda pair: pair[0], reverse=order == Qt.SortOrder.DescendingOrder)
        # Keep the selection on the same people while their rows move.
        moved = {i: new_pos for new_pos, (_key, i) in enumerate(keyed)}
        self._rows = [rows[i] for _key, i in keyed]
        for index in self.persistentIndexList():
            self.changePersistentIndex(
                index, self.index(moved.get(index.row(), index.row()), index.column())
            )
        self.layoutChanged.emit()
