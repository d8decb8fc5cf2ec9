"""A second person to act as in a test: the same database, another role."""

from __future__ import annotations

from app.domain.enums import Role
from app.services.base import Principal
from app.services.registry import Services


def services_as(services: Services, role: Role, username: str, full_name: str) -> Services:
    """Create `username` with `role` and return the services acting as that person."""
    user_id, _ = services.people.create_person(
        username=username,
        full_name=full_name,
        email="",
        password=f"{role.value} password 1",
        roles=frozenset({role}),
    )
    return Services(services.db, Principal(user_id, username, full_name, frozenset({role})))
