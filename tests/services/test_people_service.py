from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.data.database import Database
from app.data.models.people import Team, User
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


def _tina(services: Services) -> uuid.UUID:
    user_id, _ = services.people.create_person(
        username="tina",
        full_name="Tina Tech",
        email="tina@example.org",
        password="tech password 1",
        roles=frozenset({Role.TECHNICIAN}),
    )
    return user_id


def test_update_person_changes_details_and_team(any_services: Services) -> None:
    with any_services.db.session() as s:
        team = Team(name="Field")
        s.add(team)
    user_id = _tina(any_services)
    changes = any_services.people.update_person(
        user_id, full_name=" Tina Tech-Smith ", email="ts@example.org", team_id=team.id
    )
    assert changes.touches("people")
    person = {p.username: p for p in any_services.people.list_people()}["tina"]
    assert (person.full_name, person.email, person.team_name) == (
        "Tina Tech-Smith",
        "ts@example.org",
        "Field",
    )
    row = any_services.people.audit_page(0, 1)[0]
    assert row.action == "person.update"
    assert "name, e-mail, team" in row.summary
    with pytest.raises(ValidationError):
        any_services.people.update_person(user_id, full_name=" ", email="", team_id=None)


def test_reset_password_lifts_lockout(services: Services) -> None:
    user_id = _tina(services)
    with services.db.session() as s:  # locked as after repeated failures (tested above)
        user = s.get(User, user_id)
        assert user is not None
        user.locked_until = datetime.now(UTC) + timedelta(minutes=10)
    assert {p.username: p for p in services.people.list_people()}["tina"].locked
    auth = AuthService(services.db)
    with pytest.raises(ValidationError):
        services.people.reset_password(user_id, "short")
    services.people.reset_password(user_id, "brand new secret")
    assert auth.sign_in("tina", "brand new secret").username == "tina"
    security = services.people.audit_page(0, 5, kind=AuditKind.SECURITY)
    assert "person.password_reset" in [r.action for r in security]


def test_audit_page_sorts_in_sql(any_services: Services) -> None:
    _tina(any_services)  # person.create after auth.first_admin
    by_action = any_services.people.audit_page(0, 10, sort="action", descending=False)
    assert [r.action for r in by_action] == sorted(r.action for r in by_action)
    assert by_action[0].action == "auth.first_admin"
    newest = any_services.people.audit_page(0, 10)
    assert newest[0].action == "person.create"
    with pytest.raises(ValidationError):
        any_services.people.audit_page(0, 10, sort="password_hash")


def test_people_management_needs_permission(services: Services) -> None:
    user_id = _tina(services)
    tech = AuthService(services.db).sign_in("tina", "tech password 1")
    people = Services(services.db, tech).people
    with pytest.raises(PermissionDeniedError):
        people.reset_password(services.actor.user_id, "taken over!!")
    with pytest.raises(PermissionDeniedError):
        people.update_person(user_id, full_name="X", email="", team_id=None)
    with pytest.raises(PermissionDeniedError):
        people.audit_page(0, 10)
