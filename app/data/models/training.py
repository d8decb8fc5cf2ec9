"""Training: courses, scheduled sessions, enrolments, attendance, certifications."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.data.base import Base, Replicated, str_enum
from app.domain.enums import AttendanceStatus, EnrolmentStatus


class Course(Replicated, Base):
    __tablename__ = "courses"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # Months a certification from this course stays valid; 0 = it does not certify.
    certification_months: Mapped[int] = mapped_column(Integer, default=0)


class TrainingSession(Replicated, Base):
    __tablename__ = "training_sessions"
    __table_args__ = (Index("ix_training_sessions_starts_at", "starts_at"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"), index=True)
    trainer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=12)


class Enrolment(Replicated, Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_enrolments_session_user"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_sessions.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus), default=EnrolmentStatus.ENROLLED
    )


class AttendanceMark(Replicated, Base):
    """Append-only: the latest mark for an enrolment is the one that counts."""

    __tablename__ = "attendance_marks"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolments.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus))
    marked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)


class Certification(Replicated, Base):
    __tablename__ = "certifications"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
