"""Queries over people, roles and teams."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.data.models.people import Contact, Organisation, Team, User, UserRole
from app.domain.enums import Role


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(
        select(User).where(func.lower(User.username) == username.lower().strip())
    ).first()


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def roles_of(session: Session, user_id: uuid.UUID) -> frozenset[Role]:
    rows = session.scalars(
        select(UserRole.role).where(UserRole.user_id == user_id, UserRole.deleted_at.is_(None))
    )
    return frozenset(rows)


def roles_by_user(session: Session) -> dict[uuid.UUID, set[Role]]:
    out: dict[uuid.UUID, set[Role]] = {}
    for user_id, role in session.execute(
        select(UserRole.user_id, UserRole.role).where(UserRole.deleted_at.is_(None))
    ):
        out.setdefault(user_id, set()).add(role)
    return out


def set_roles(session: Session, user_id: uuid.UUID, roles: frozenset[Role]) -> None:
    session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    for role in sorted(roles):
        session.add(UserRole(user_id=user_id, role=role))


def all_users(session: Session, *, active_only: bool = False) -> Sequence[User]:
    stmt = select(User).where(User.deleted_at.is_(None))
    if active_only:
        stmt = stmt.where(User.is_active.is_(True))
    return session.scalars(stmt.order_by(User.full_name)).all()


def users_with_role(session: Session, role: Role) -> Sequence[User]:
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role, User.deleted_at.is_(None), User.is_active.is_(True))
        .order_by(User.full_name)
    )
    return session.scalars(stmt).all()


def all_teams(session: Session) -> Sequence[Team]:
    return session.scalars(select(Team).where(Team.deleted_at.is_(None)).order_by(Team.name)).all()


def team_names(session: Session) -> dict[uuid.UUID, str]:
    return {t.id: t.name for t in all_teams(session)}


def all_organisations(session: Session) -> Sequence[Organisation]:
    return session.scalars(
        select(Organisation).where(Organisation.deleted_at.is_(None)).order_by(Organisation.name)
    ).all()


def search_contacts(session: Session, text: str, limit: int = 50) -> Sequence[Contact]:
    stmt = select(Contact).where(Contact.deleted_at.is_(None))
    if text:
        like = f"%{text}%"
        stmt = stmt.where(Contact.full_name.ilike(like) | Contact.email.ilike(like))
    return session.scalars(stmt.order_by(Contact.full_name).limit(limit)).all()
