"""What every service shares: the acting user, permission checks, audit, change reports."""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from app.data.database import Database, Session
from app.data.repos import audit as audit_repo
from app.domain.enums import AuditKind, Role
from app.domain.permissions import Permission, PermissionDeniedError, permissions_for


@dataclass(frozen=True)
class Principal:
    """The signed-in person on whose behalf a service acts."""

    user_id: uuid.UUID
    username: str
    full_name: str
    roles: frozenset[Role]

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_for(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


class Area:
    """Names of the areas a write may change; panes refresh only for their own."""

    TICKETS = "tickets"
    KNOWLEDGE = "knowledge"
    TRAINING = "training"
    PEOPLE = "people"
    AUDIT = "audit"


@dataclass(frozen=True)
class Changes:
    """What a write changed: the areas and, where useful, the ids of changed records."""

    areas: frozenset[str]
    ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *areas: str, ids: tuple[uuid.UUID, ...] = ()) -> Changes:
        # Every change is audited, so the audit log changes too.
        return cls(frozenset((*areas, Area.AUDIT)), frozenset(ids))

    def touches(self, area: str) -> bool:
        return area in self.areas


class Service:
    """Base of the use-case classes. Each public method is one unit of work."""

    def __init__(self, db: Database, actor: Principal) -> None:
        self._db = db
        self._actor = actor

    @property
    def actor(self) -> Principal:
        return self._actor

    def _require(self, permission: Permission) -> None:
        if not self._actor.can(permission):
            raise PermissionDeniedError(permission)

    def _unit_of_work(self) -> AbstractContextManager[Session]:
        """Open the one session of a service call, stamped with the acting user."""
        return self._db.session(actor_id=self._actor.user_id)

    def _audit(
        self,
        session: Session,
        action: str,
        *,
        entity: str = "",
        entity_id: uuid.UUID | None = None,
        summary: str = "",
        kind: AuditKind = AuditKind.CHANGE,
    ) -> None:
        audit_repo.add_event(
            session,
            kind=kind,
            action=action,
            actor_id=self._actor.user_id,
            actor_name=self._actor.full_name,
            entity=entity,
            entity_id=entity_id,
            summary=summary,
            device_id=self._db.device_id,
        )
