"""All mapped tables; importing this module registers them on `Base.metadata`."""

from app.data.base import Base
from app.data.models.audit import AuditEvent
from app.data.models.knowledge import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleRevision,
    ArticleTicketLink,
)
from app.data.models.local import Device, OutboxEntry, SyncState
from app.data.models.people import Contact, Organisation, Team, User, UserRole
from app.data.models.sync import ChangeLogEntry, RowClock, SyncConflict, SyncPeer
from app.data.models.tickets import (
    Attachment,
    AttachmentBlob,
    BusinessCalendar,
    CannedResponse,
    Holiday,
    SatisfactionRating,
    SavedView,
    SlaPolicy,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketTag,
    TimeEntry,
)
from app.data.models.training import (
    AttendanceMark,
    Certification,
    Course,
    Enrolment,
    TrainingSession,
)

__all__ = [
    "Article",
    "ArticleCategory",
    "ArticleFeedback",
    "ArticleRevision",
    "ArticleTicketLink",
    "Attachment",
    "AttachmentBlob",
    "AttendanceMark",
    "AuditEvent",
    "Base",
    "BusinessCalendar",
    "CannedResponse",
    "Certification",
    "ChangeLogEntry",
    "Contact",
    "Course",
    "Device",
    "Enrolment",
    "Holiday",
    "Organisation",
    "OutboxEntry",
    "RowClock",
    "SatisfactionRating",
    "SavedView",
    "SlaPolicy",
    "SyncConflict",
    "SyncPeer",
    "SyncState",
    "Tag",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketLink",
    "TicketTag",
    "TimeEntry",
    "TrainingSession",
    "User",
    "UserRole",
]
