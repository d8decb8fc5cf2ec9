"""Placeholder until the ticket vertical lands."""

from __future__ import annotations

from app.services.base import Service


class TicketService(Service):
    pass
