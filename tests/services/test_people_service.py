from __future__ import annotations

import pytest

from app.data.database import Database
from app.domain.enums import AuditKind, Role
from app.domain.permissions import PermissionDeniedError
from app.errors import AuthenticationError, ValidationError
from app.services.people_service import MAX_FAILED_SIGN_INS, AuthService
from app.services.registry import Services
from tests.conftest import ADMIN_PASSWORD


def test_first_admin_then_sign_in(any_db: Database) -> None:
    auth = AuthService(any_db)
    assert auth.needs_first_admin()
    auth.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    assert not auth.needs_first_admin()
    principal = auth.sign_in("ADMIN", ADMIN_PASSWORD)
    assert Role.ADMIN in principal.roles
    with pytest.raises(ValidationError):
        auth.create_first_admin("other", "Other", ADMIN_PASSWORD)


def test_wrong_password_is_refused_and_audited(any_services: Services) -> None:
    auth = AuthService(any_services.db)
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        auth.sign_in("admin", "not the password")
    rows = any_services.people.audit_page(0, 10, kind=AuditKind.SECURITY)
    assert rows[0].action == "auth.failed"


def test_lockout_after_repeated_failures(services: Services) -> None:
    auth = AuthService(services.db)
    for _ in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(AuthenticationError):
            auth.sign_in("admin", "nope nope nope")
    with pytest.raises(AuthenticationError, match="Too many failed attempts"):
        auth.sign_in("admin", ADMIN_PASSWORD)
    assert any(r.action == "auth.locked" for r in services.people.audit_page(0, 20))


def test_roles_gate_services(services: Services) -> None:
    user_id, changes = services.people.create_person(
        username="tina",
        full_name="Tina Tech",
        email="tina@example.org",
        password="tech password 1",
        roles=frozenset({Role.TECHNICIAN}),
    )
    assert changes.touches("people")
    tech = AuthService(services.db).sign_in("tina", "tech password 1")
    assert tech.roles == frozenset({Role.TECHNICIAN})
    with pytest.raises(PermissionDeniedError):
        Services(services.db, tech).people.set_roles(user_id, frozenset({Role.ADMIN}))
    services.people.set_roles(user_id, frozenset({Role.TECHNICIAN, Role.TRAINER}))
    people = {p.username: p for p in services.people.list_people()}
    assert people["tina"].roles == {Role.TECHNICIAN, Role.TRAINER}
    assert services.people.audit_page(0, 1)[0].action == "person.roles"


def test_cannot_remove_own_admin_role(services: Services) -> None:
    with pytest.raises(ValidationError):
        services.people.set_roles(services.actor.user_id, frozenset({Role.TECHNICIAN}))
