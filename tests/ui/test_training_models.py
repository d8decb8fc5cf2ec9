"""The Training pane's item models: Qt's model contract, display text, colours, roles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from app.domain.enums import AttendanceStatus, EnrolmentStatus
from app.domain.sla import SlaState
from app.services.training_service import PersonOption, RosterRow, SessionRow
from app.ui import theme
from app.ui.models.roles import ID_ROLE, ROW_ROLE
from app.ui.models.training_models import (
    NOT_MARKED,
    PeopleChoiceModel,
    RosterModel,
    SessionsModel,
    date_text,
)

pytestmark = pytest.mark.gui

START = datetime(2025, 5, 6, 8, 30, tzinfo=UTC)


def session_row(n: int, *, enrolled: int = 8, waitlisted: int = 0) -> SessionRow:
    return SessionRow(
        uuid.uuid4(),
        uuid.uuid4(),
        f"C-{n}",
        f"Course {n}",
        None,
        "Tom Trainer" if n % 2 else "",
        START + timedelta(days=n),
        START + timedelta(days=n, hours=2),
        "Room 4",
        12,
        enrolled,
        waitlisted,
        0,
    )


def roster_row(name: str, status: EnrolmentStatus, mark: AttendanceStatus | None) -> RosterRow:
    return RosterRow(
        uuid.uuid4(), uuid.uuid4(), name, status, mark, START if mark is not None else None
    )


def test_sessions_model_pages_and_shows_seats(qtmodeltester: object, qtbot: QtBot) -> None:
    rows = [session_row(n, waitlisted=2 if n == 0 else 0) for n in range(5)]
    model = SessionsModel()
    model.reset(lambda offset, limit: rows[offset : offset + limit])
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.rowCount() == 5
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Date", "Time", "Course", "Trainer", "Location", "Seats"]
    assert model.index(1, 5).data() == "8 / 12"
    assert model.index(0, 5).data() == "8 / 12 (+2 waiting)"
    assert model.index(0, 3).data() == "No trainer yet"
    assert model.index(0, 0).data() == date_text(rows[0].starts_at)
    local_start = rows[0].starts_at.astimezone()
    assert model.index(0, 1).data().startswith(f"{local_start:%H:%M}")
    assert model.index(2, 0).data(ID_ROLE) == rows[2].id
    with qtbot.waitSignal(model.sort_requested) as sorted_by:
        model.sort(2, Qt.SortOrder.DescendingOrder)
    assert sorted_by.args == ["course", True]


def test_roster_model_shows_latest_mark_with_colour(qtmodeltester: object) -> None:
    model = RosterModel()
    rows = [
        roster_row("Ann", EnrolmentStatus.ENROLLED, AttendanceStatus.PRESENT),
        roster_row("Bob", EnrolmentStatus.ENROLLED, AttendanceStatus.ABSENT),
        roster_row("Cat", EnrolmentStatus.WAITLISTED, None),
    ]
    model.set_rows(rows)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert [model.index(r, 0).data() for r in range(3)] == ["Ann", "Bob", "Cat"]
    assert model.index(2, 1).data() == "Waiting list"
    assert model.index(0, 2).data() == "Present"
    assert model.index(2, 2).data() == NOT_MARKED
    fg = Qt.ItemDataRole.ForegroundRole
    assert model.index(0, 2).data(fg) == theme.sla_colour(SlaState.MET)
    assert model.index(1, 2).data(fg) == theme.sla_colour(SlaState.BREACHED)
    assert model.index(2, 2).data(fg) is None
    assert model.index(1, 0).data(ID_ROLE) == rows[1].enrolment_id
    assert model.index(1, 0).data(ROW_ROLE) is rows[1]
    assert model.row_of_enrolment(rows[2].enrolment_id) == 2
    model.set_rows([])
    assert model.rowCount() == 0
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_people_choice_model_ticks_and_locks(qtmodeltester: object, qtbot: QtBot) -> None:
    people = [PersonOption(uuid.uuid4(), name, name.lower()) for name in ("Ann", "Bob", "Cat")]
    model = PeopleChoiceModel(people, already={people[1].id})
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    check = Qt.ItemDataRole.CheckStateRole
    assert model.index(1).data() == "Bob (already on this session)"
    assert model.index(1).data(check) == Qt.CheckState.Checked
    assert not model.flags(model.index(1)) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.setData(model.index(1), Qt.CheckState.Unchecked, check)

    with qtbot.waitSignal(model.checked_changed) as changed:
        assert model.setData(model.index(2), Qt.CheckState.Checked.value, check)
    assert changed.args == [1]
    model.set_checked(people[0].id, True)
    assert model.checked_ids() == [people[0].id, people[2].id]
    model.set_checked(people[2].id, False)
    assert model.checked_ids() == [people[0].id]
    assert not model.setData(QModelIndex(), Qt.CheckState.Checked, check)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
