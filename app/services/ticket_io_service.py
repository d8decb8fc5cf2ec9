"""CSV import (column mapping, dry run, all-or-nothing) and CSV export of tickets."""

from __future__ import annotations

from app.services.base import Service


class TicketIoService(Service):
    """Import and export tickets as CSV."""
