"""Who may do what. Services call `require`; the UI only hides what would be refused."""

from __future__ import annotations

from enum import StrEnum

from app.domain.enums import Role


class Permission(StrEnum):
    TICKET_READ = "ticket.read"
    TICKET_WRITE = "ticket.write"
    TICKET_ASSIGN_OTHERS = "ticket.assign_others"
    SLA_MANAGE = "sla.manage"  # business calendars, holidays, SLA policies
    KB_READ = "kb.read"
    KB_WRITE = "kb.write"
    TRAINING_READ = "training.read"
    TRAINING_MANAGE = "training.manage"
    TRAINING_ATTENDANCE = "training.attendance"
    KPI_READ = "kpi.read"
    PEOPLE_MANAGE = "people.manage"
    AUDIT_READ = "audit.read"


_ALL_STAFF = {Permission.TICKET_READ, Permission.KB_READ, Permission.TRAINING_READ}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.TECHNICIAN: frozenset(
        _ALL_STAFF | {Permission.TICKET_WRITE, Permission.KB_WRITE, Permission.KPI_READ}
    ),
    Role.SUPERVISOR: frozenset(
        _ALL_STAFF
        | {
            Permission.TICKET_WRITE,
            Permission.TICKET_ASSIGN_OTHERS,
            Permission.SLA_MANAGE,
            Permission.KB_WRITE,
            Permission.KPI_READ,
            Permission.AUDIT_READ,
            Permission.TRAINING_ATTENDANCE,
        }
    ),
    Role.TRAINER: frozenset(
        _ALL_STAFF
        | {Permission.TRAINING_MANAGE, Permission.TRAINING_ATTENDANCE, Permission.KPI_READ}
    ),
    Role.ADMIN: frozenset(Permission),
}


def permissions_for(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    out: set[Permission] = set()
    for role in roles:
        out |= GRANTS[role]
    return frozenset(out)


class PermissionDeniedError(PermissionError):
    """The acting user lacks a permission the action needs."""

    def __init__(self, permission: Permission) -> None:
        super().__init__(f"You do not have permission for this ({permission.value}).")
        self.permission = permission
