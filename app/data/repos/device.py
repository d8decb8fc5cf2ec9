"""This desktop's identity row and its counters."""

from __future__ import annotations

import platform

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.data.models.local import Device
from app.domain.ids import device_prefix, new_id, ticket_number


def ensure_device(session: Session) -> Device:
    device = session.scalars(select(Device)).first()
    if device is None:
        device_id = new_id()
        device = Device(
            id=device_id,
            prefix=device_prefix(device_id),
            name=platform.node()[:120],
            ticket_counter=0,
            last_hlc="",
        )
        session.add(device)
        session.flush()
    return device


def next_ticket_number(session: Session) -> str:
    """Atomically take the next number of this device (unique per device prefix)."""
    row = session.execute(
        update(Device)
        .values(ticket_counter=Device.ticket_counter + 1)
        .returning(Device.prefix, Device.ticket_counter)
    ).one()
    return ticket_number(row.prefix, row.ticket_counter)


def reserve_ticket_numbers(session: Session, count: int) -> tuple[str, int]:
    """Reserve `count` numbers at once (bulk generation); returns (prefix, first counter)."""
    row = session.execute(
        update(Device)
        .values(ticket_counter=Device.ticket_counter + count)
        .returning(Device.prefix, Device.ticket_counter)
    ).one()
    return row.prefix, row.ticket_counter - count + 1
