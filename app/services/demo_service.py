"""Placeholder: the demo-data builder lands with its own change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.data.database import Database

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "demo-password"
DEFAULT_TICKETS = 1500


@dataclass(frozen=True)
class DemoReport:
    summary: str


def build_demo(
    db: Database,
    *,
    tickets: int = DEFAULT_TICKETS,
    seed: int = 7,
    progress: Callable[[str, float], None] | None = None,
) -> DemoReport:
    from app.services.people_service import AuthService

    AuthService(db).create_first_admin(DEMO_ADMIN, "Ada Admin", DEMO_PASSWORD)
    return DemoReport("placeholder")
