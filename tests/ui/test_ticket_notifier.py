"""What the about-to-breach notice asks for: the clock that is running out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from app.ui.tickets.notifications import TicketNotifier

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@dataclass
class _Row:
    id: uuid.UUID
    number: str
    subject: str
    first_response_due_at: datetime | None
    first_responded_at: datetime | None
    resolution_due_at: datetime | None


def test_due_soon_names_the_first_response_while_nobody_answered(qtbot: QtBot) -> None:
    notifier = TicketNotifier(use_tray=False)
    unanswered = _Row(
        uuid.uuid4(), "A-1", "VPN down", NOW + timedelta(minutes=20), None, NOW + timedelta(hours=8)
    )
    answered = _Row(
        uuid.uuid4(),
        "A-2",
        "Printer",
        NOW - timedelta(hours=1),
        NOW - timedelta(hours=2),
        NOW + timedelta(minutes=30),
    )
    notices = notifier.look([], [unanswered, answered])
    by_number = {n.title.split()[1]: n.message for n in notices}
    first_due = unanswered.first_response_due_at
    resolution_due = answered.resolution_due_at
    assert first_due is not None
    assert resolution_due is not None
    assert by_number["A-1"].endswith(
        f"answer the requester by {first_due.astimezone().strftime('%H:%M')}."
    )
    assert by_number["A-2"].endswith(
        f"resolve it by {resolution_due.astimezone().strftime('%H:%M')}."
    )
    # Told once per session.
    assert notifier.look([], [unanswered, answered]) == []
