"""Placeholder until the training vertical lands."""

from __future__ import annotations

from app.services.base import Service


class TrainingService(Service):
    pass
