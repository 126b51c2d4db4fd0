"""Volunteer pool and volunteer calls.

"Never more accepted than wanted" is kept by the database: ``accepted_count`` is
moved only by a conditional UPDATE (see services) and a CHECK refuses
``accepted_count > wanted`` whatever the concurrency.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, str_enum, utcnow
from portal.extensions import db


class Period(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class CallStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # full, or closed by its organiser
    CANCELLED = "cancelled"


class AnswerStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Volunteer(TimestampMixin, db.Model):
    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    neighbourhood: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")  # free text: what I like doing, constraints

    user = relationship("User")
    skills: Mapped[list[VolunteerSkill]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                        lazy="selectin")
    languages: Mapped[list[VolunteerLanguage]] = relationship(cascade="all, delete-orphan",
                                                              passive_deletes=True, lazy="selectin")
    availability: Mapped[list[VolunteerAvailability]] = relationship(cascade="all, delete-orphan",
                                                                     passive_deletes=True, lazy="selectin")

    @property
    def language_codes(self) -> list[str]:
        return sorted(link.code for link in self.languages)

    @property
    def slots(self) -> set[tuple[int, str]]:
        return {(link.weekday, link.period) for link in self.availability}


class VolunteerSkill(db.Model):
    __tablename__ = "volunteer_skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("directory_tags.id", ondelete="CASCADE"), index=True)

    tag = relationship("Tag", lazy="joined")

    __table_args__ = (UniqueConstraint("volunteer_id", "tag_id"),)


class VolunteerLanguage(db.Model):
    __tablename__ = "volunteer_languages"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))

    __table_args__ = (UniqueConstraint("volunteer_id", "code"),)


class VolunteerAvailability(db.Model):
    __tablename__ = "volunteer_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday
    period: Mapped[Period] = mapped_column(str_enum(Period, 12))

    __table_args__ = (
        UniqueConstraint("volunteer_id", "weekday", "period"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )


class VolunteerCall(TimestampMixin, db.Model):
    __tablename__ = "volunteer_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    neighbourhood: Mapped[str] = mapped_column(String(120), default="")
    language: Mapped[str] = mapped_column(String(8), default="")  # a language wanted, if any
    wanted: Mapped[int]
    accepted_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[CallStatus] = mapped_column(str_enum(CallStatus, 12), default=CallStatus.OPEN, index=True)
    cancelled_at: Mapped[datetime | None]
    cancel_message: Mapped[str] = mapped_column(Text, default="")  # e-mailed to those who answered, shown on the page

    organiser = relationship("User")
    organisation = relationship("Organisation")
    skills: Mapped[list[VolunteerCallSkill]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                            lazy="selectin")

    __table_args__ = (
        CheckConstraint("wanted > 0", name="wanted_positive"),
        CheckConstraint("accepted_count >= 0 AND accepted_count <= wanted", name="never_over_full"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_when_dated"),
    )

    @property
    def places_left(self) -> int:
        return max(self.wanted - self.accepted_count, 0)


class VolunteerCallSkill(db.Model):
    __tablename__ = "volunteer_call_skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("volunteer_calls.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("directory_tags.id", ondelete="CASCADE"), index=True)

    tag = relationship("Tag", lazy="joined")

    __table_args__ = (UniqueConstraint("call_id", "tag_id"),)


class VolunteerAnswer(db.Model):
    __tablename__ = "volunteer_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("volunteer_calls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AnswerStatus] = mapped_column(str_enum(AnswerStatus, 12), default=AnswerStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    call: Mapped[VolunteerCall] = relationship()
    user = relationship("User")

    __table_args__ = (UniqueConstraint("call_id", "user_id"),)
