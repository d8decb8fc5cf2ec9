"""Signing in, the first administrator, people and roles, and the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.data.base import utcnow
from app.data.database import Database, Session
from app.data.models.people import User
from app.data.repos import audit as audit_repo
from app.data.repos import people as people_repo
from app.domain.enums import AuditKind, Role
from app.domain.permissions import Permission
from app.errors import AuthenticationError, NotFoundError, ValidationError
from app.services.base import Area, Changes, Principal, Service
from app.services.passwords import hash_password, needs_rehash, password_problem, verify_password

MAX_FAILED_SIGN_INS = 5
#: Keys `PeopleService.audit_page` sorts by.
AUDIT_SORT_KEYS = frozenset(audit_repo.SORT_COLUMNS)
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class PersonView:
    id: uuid.UUID
    username: str
    full_name: str
    email: str
    roles: frozenset[Role]
    team_id: uuid.UUID | None
    team_name: str
    is_active: bool
    last_login_at: datetime | None
    locked: bool


@dataclass(frozen=True)
class TeamView:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class AuditRow:
    id: uuid.UUID
    at: datetime
    kind: AuditKind
    action: str
    actor_name: str
    entity: str
    summary: str
    device_id: str


def _principal(user: User, roles: frozenset[Role]) -> Principal:
    return Principal(user.id, user.username, user.full_name, roles)


class AuthService:
    """Sign-in and first-run set-up; acts before anyone is signed in."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _audit(self, session: Session, action: str, user: User | None, summary: str) -> None:
        audit_repo.add_event(
            session,
            kind=AuditKind.SECURITY,
            action=action,
            actor_id=user.id if user else None,
            actor_name=user.full_name if user else "",
            entity="user",
            entity_id=user.id if user else None,
            summary=summary,
            device_id=self._db.device_id,
        )

    def needs_first_admin(self) -> bool:
        with self._db.read_session() as session:
            return people_repo.count_users(session) == 0

    def create_first_admin(self, username: str, full_name: str, password: str) -> Principal:
        username, full_name = username.strip(), full_name.strip()
        if not username or not full_name:
            raise ValidationError("Enter a user name and a full name.")
        if problem := password_problem(password):
            raise ValidationError(problem)
        with self._db.session() as session:
            if people_repo.count_users(session) > 0:
                raise ValidationError("An administrator already exists; sign in instead.")
            user = User(
                username=username, full_name=full_name, password_hash=hash_password(password)
            )
            session.add(user)
            session.flush()
            roles = frozenset({Role.ADMIN, Role.SUPERVISOR})
            people_repo.set_roles(session, user.id, roles)
            self._audit(session, "auth.first_admin", user, f"First administrator {username}")
            return _principal(user, roles)

    def sign_in(self, username: str, password: str) -> Principal:
        """Check the password; lock the account for a while after repeated failures."""
        now = utcnow()
        refused = AuthenticationError("Wrong user name or password.")
        with self._db.session() as session:
            user = people_repo.user_by_username(session, username)
            if user is None or user.deleted_at is not None:
                self._audit(session, "auth.failed", None, f"Unknown user name '{username[:64]}'")
                failure: AuthenticationError | None = refused
            elif not user.is_active:
                self._audit(session, "auth.failed", user, "Account disabled")
                failure = AuthenticationError("This account is disabled. Ask an administrator.")
            elif user.locked_until is not None and user.locked_until > now:
                self._audit(session, "auth.failed", user, "Account locked")
                minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
                failure = AuthenticationError(
                    f"Too many failed attempts. Try again in {minutes} minutes."
                )
            elif not verify_password(user.password_hash, password):
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILED_SIGN_INS:
                    user.locked_until = now + LOCKOUT
                    user.failed_logins = 0
                    self._audit(session, "auth.locked", user, "Locked after repeated failures")
                else:
                    self._audit(session, "auth.failed", user, "Wrong password")
                failure = refused
            else:
                failure = None
                user.failed_logins = 0
                user.locked_until = None
                user.last_login_at = now
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                self._audit(session, "auth.sign_in", user, "Signed in")
                principal = _principal(user, people_repo.roles_of(session, user.id))
        # The failed attempt is committed (audit, counter) before the refusal is raised.
        if failure is not None:
            raise failure
        return principal

    def principal_for(self, username: str) -> Principal:
        """The principal of a known user without a password (demo mode, CLI automation)."""
        with self._db.read_session() as session:
            user = people_repo.user_by_username(session, username)
            if user is None:
                raise NotFoundError(f"No user named '{username}'.")
            return _principal(user, people_repo.roles_of(session, user.id))


class PeopleService(Service):
    """People, roles and teams (admin), and the audit log (supervisors and admins)."""

    def list_people(self) -> list[PersonView]:
        now = utcnow()
        with self._db.read_session() as session:
            roles = people_repo.roles_by_user(session)
            teams = people_repo.team_names(session)
            return [
                PersonView(
                    u.id,
                    u.username,
                    u.full_name,
                    u.email,
                    frozenset(roles.get(u.id, set())),
                    u.team_id,
                    teams.get(u.team_id, "") if u.team_id else "",
                    u.is_active,
                    u.last_login_at,
                    u.locked_until is not None and u.locked_until > now,
                )
                for u in people_repo.all_users(session)
            ]

    def list_teams(self) -> list[TeamView]:
        with self._db.read_session() as session:
            return [TeamView(t.id, t.name) for t in people_repo.all_teams(session)]

    def create_person(
        self,
        *,
        username: str,
        full_name: str,
        email: str,
        password: str,
        roles: frozenset[Role],
        team_id: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, Changes]:
        self._require(Permission.PEOPLE_MANAGE)
        username, full_name = username.strip(), full_name.strip()
        if not username or not full_name:
            raise ValidationError("Enter a user name and a full name.")
        if not roles:
            raise ValidationError("Give the person at least one role.")
        if problem := password_problem(password):
            raise ValidationError(problem)
        with self._unit_of_work() as session:
            if people_repo.user_by_username(session, username) is not None:
                raise ValidationError(f"The user name '{username}' is taken.")
            user = User(
                username=username,
                full_name=full_name,
                email=email.strip(),
                password_hash=hash_password(password),
                team_id=team_id,
            )
            session.add(user)
            session.flush()
            people_repo.set_roles(session, user.id, roles)
            self._audit(
                session,
                "person.create",
                entity="user",
                entity_id=user.id,
                summary=f"Created {username} with roles {', '.join(sorted(roles))}",
                kind=AuditKind.SECURITY,
            )
            return user.id, Changes.of(Area.PEOPLE, ids=(user.id,))

    def set_roles(self, user_id: uuid.UUID, roles: frozenset[Role]) -> Changes:
        self._require(Permission.PEOPLE_MANAGE)
        if not roles:
            raise ValidationError("Give the person at least one role.")
        if user_id == self._actor.user_id and Role.ADMIN not in roles:
            raise ValidationError("You cannot remove your own administrator role.")
        with self._unit_of_work() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFoundError("That person no longer exists.")
            before = people_repo.roles_of(session, user_id)
            people_repo.set_roles(session, user_id, roles)
            self._audit(
                session,
                "person.roles",
                entity="user",
                entity_id=user_id,
                summary=f"{user.username}: {', '.join(sorted(before)) or 'none'} → "
                f"{', '.join(sorted(roles))}",
                kind=AuditKind.SECURITY,
            )
        return Changes.of(Area.PEOPLE, ids=(user_id,))

    def set_active(self, user_id: uuid.UUID, active: bool) -> Changes:
        self._require(Permission.PEOPLE_MANAGE)
        if user_id == self._actor.user_id and not active:
            raise ValidationError("You cannot disable your own account.")
        with self._unit_of_work() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFoundError("That person no longer exists.")
            user.is_active = active
            self._audit(
                session,
                "person.enable" if active else "person.disable",
                entity="user",
                entity_id=user_id,
                summary=user.username,
                kind=AuditKind.SECURITY,
            )
        return Changes.of(Area.PEOPLE, ids=(user_id,))

    def update_person(
        self,
        user_id: uuid.UUID,
        *,
        full_name: str,
        email: str,
        team_id: uuid.UUID | None,
    ) -> Changes:
        """Change a person's name, e-mail address and team (not the user name)."""
        self._require(Permission.PEOPLE_MANAGE)
        full_name = full_name.strip()
        if not full_name:
            raise ValidationError("Enter a full name.")
        with self._unit_of_work() as session:
            user = session.get(User, user_id)
            if user is None or user.deleted_at is not None:
                raise NotFoundError("That person no longer exists.")
            changed = [
                label
                for label, before, after in (
                    ("name", user.full_name, full_name),
                    ("e-mail", user.email, email.strip()),
                    ("team", user.team_id, team_id),
                )
                if before != after
            ]
            user.full_name, user.email, user.team_id = full_name, email.strip(), team_id
            self._audit(
                session,
                "person.update",
                entity="user",
                entity_id=user_id,
                summary=f"{user.username}: changed {', '.join(changed) or 'nothing'}",
            )
        return Changes.of(Area.PEOPLE, ids=(user_id,))

    def reset_password(self, user_id: uuid.UUID, password: str) -> Changes:
        """Give a person a new password and lift any lock-out (security event)."""
        self._require(Permission.PEOPLE_MANAGE)
        if problem := password_problem(password):
            raise ValidationError(problem)
        with self._unit_of_work() as session:
            user = session.get(User, user_id)
            if user is None or user.deleted_at is not None:
                raise NotFoundError("That person no longer exists.")
            user.password_hash = hash_password(password)
            user.failed_logins = 0
            user.locked_until = None
            self._audit(
                session,
                "person.password_reset",
                entity="user",
                entity_id=user_id,
                summary=f"Password of {user.username} reset",
                kind=AuditKind.SECURITY,
            )
        return Changes.of(Area.PEOPLE, ids=(user_id,))

    def audit_page(
        self,
        offset: int,
        limit: int,
        *,
        kind: AuditKind | None = None,
        text: str = "",
        sort: str = "at",
        descending: bool = True,
    ) -> list[AuditRow]:
        """One page of the audit log, filtered and sorted in SQL.

        Args:
            sort: one of `AUDIT_SORT_KEYS` ("at", "kind", "action", "actor", "entity",
                "summary", "device").
        """
        self._require(Permission.AUDIT_READ)
        if sort not in AUDIT_SORT_KEYS:
            raise ValidationError(f"The audit log cannot be sorted by '{sort}'.")
        with self._db.read_session() as session:
            return [
                AuditRow(
                    e.id,
                    e.created_at,
                    e.kind,
                    e.action,
                    e.actor_name,
                    e.entity,
                    e.summary,
                    e.device_id,
                )
                for e in audit_repo.page(
                    session,
                    offset=offset,
                    limit=limit,
                    kind=kind,
                    text=text,
                    sort=sort,
                    descending=descending,
                )
            ]

    def audit_count(self, *, kind: AuditKind | None = None, text: str = "") -> int:
        self._require(Permission.AUDIT_READ)
        with self._db.read_session() as session:
            return audit_repo.count(session, kind=kind, text=text)
