"""Enumerations shared by every layer. Stored in the database as their string values."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    TECHNICIAN = "technician"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"on_hold": "On hold", "pending": "Waiting on requester"}.get(
            self.value, self.value.capitalize()
        )

    @property
    def is_active(self) -> bool:
        """Whether the ticket still needs work (counts in the backlog)."""
        return self not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        return ["low", "normal", "high", "urgent"].index(self.value)


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WALK_IN = "walk_in"
    FIELD_VISIT = "field_visit"
    MONITORING = "monitoring_alert"
    PORTAL = "portal"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class TicketEventKind(StrEnum):
    CREATED = "created"
    REPLY = "reply"
    NOTE = "note"
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNMENT = "assignment"
    SLA_BREACH = "sla_breach"
    RATING = "rating"
    TEAM = "team"
    ESCALATION = "escalation"
    CATEGORY = "category"
    CHANNEL = "channel"
    TAGS = "tags"
    SLA_PAUSED = "sla_pause"
    SLA_RESUMED = "sla_resume"
    ATTACHMENT = "attachment"
    TIME_ENTRY = "time_entry"
    ARTICLE = "article"
    MERGED = "merged"
    LINKED = "linked"
    REQUESTER = "requester"

    @property
    def label(self) -> str:
        return {
            "note": "Internal note",
            "sla_breach": "SLA breached",
            "assignment": "Assigned",
            "created": "Created",
            "team": "Team changed",
            "escalation": "Escalated",
            "category": "Category changed",
            "channel": "Channel changed",
            "tags": "Tags changed",
            "sla_pause": "SLA clock paused",
            "sla_resume": "SLA clock resumed",
            "attachment": "Attachment added",
            "time_entry": "Time logged",
            "article": "Knowledge-base article linked",
            "merged": "Merged",
            "linked": "Linked",
            "requester": "Requester changed",
        }.get(self.value, self.value.capitalize())


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AuditKind(StrEnum):
    """Category of an audit event: a change to data, or a security-relevant event."""

    CHANGE = "change"
    SECURITY = "security"
