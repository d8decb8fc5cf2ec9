"""Placeholder until the knowledge vertical lands."""

from __future__ import annotations

from app.services.base import Service


class KnowledgeService(Service):
    pass
