"""Identifiers: time-ordered UUID v7 keys and short human ticket numbers."""

from __future__ import annotations

import uuid

import uuid_utils.compat as _uuid_compat

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I: read aloud over the phone


def new_id() -> uuid.UUID:
    """A UUID v7: unique without coordination, sortable by creation time."""
    return _uuid_compat.uuid7()


def device_prefix(device_id: uuid.UUID) -> str:
    """Three unambiguous characters derived from the device id (e.g. ``K7Q``)."""
    n = device_id.int
    chars = []
    for _ in range(3):
        n, r = divmod(n, len(_ALPHABET))
        chars.append(_ALPHABET[r])
    return "".join(chars)


def ticket_number(prefix: str, counter: int) -> str:
    """The number people see and say: device prefix plus a per-device counter."""
    return f"{prefix}-{counter}"
