"""Placeholder until the kpi vertical lands."""

from __future__ import annotations

from app.services.base import Service


class KpiService(Service):
    pass
