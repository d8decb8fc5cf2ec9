"""Ticket conversation extras: canned responses, attachments, knowledge-base links, time
entries, satisfaction ratings, merging and linking tickets."""

from __future__ import annotations

from app.services.base import Service


class ConversationService(Service):
    """Use cases around a ticket's conversation (see the module docstring)."""
