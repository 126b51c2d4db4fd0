"""Events of Les Chrysalides and its partners, their series and registrations.

"Never over-full" is enforced by the database: ``events.seats_taken`` is kept
by triggers on ``registrations`` (see migration 0003) and a CHECK refuses more
seats than the capacity, whatever the concurrency.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, str_enum, utcnow
from portal.extensions import db



class Theme(StrEnum):
    LIVING_TOGETHER = "vivre_ensemble"
    WORKING = "travailler"
    VISITING_MEETING = "visiter_rencontrer"


class EventAudience(StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"


class RegistrationMode(StrEnum):
    NONE = "none"
    FREE = "free"
    APPROVAL = "approval"


class EventStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for moderation
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # a guest who has not yet clicked the e-mailed link
    PENDING = "pending"  # waiting for the organiser's approval (holds a seat)
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # promoted from the waiting list, must confirm before a deadline (holds a seat)
    CANCELLED = "cancelled"
    DECLINED = "declined"
    EXPIRED = "expired"  # an offer not confirmed in time


SEAT_HOLDING = (RegistrationStatus.PENDING, RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED)
SEAT_HOLDING_SQL = "('pending', 'registered', 'offered')"


class EventSeries(db.Model):
    """A recurrence rule; each occurrence is an Event row with its own registrations."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    frequency: Mapped[str] = mapped_column(String(24))  # weekly, monthly_date, monthly_weekday
    interval: Mapped[int] = mapped_column(default=1)
    weekdays: Mapped[list | None] = mapped_column(JSON)
    until: Mapped[date | None]
    count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("interval >= 1 AND interval <= 12", name="valid_interval"),
        CheckConstraint("until IS NOT NULL OR count IS NOT NULL", name="bounded"),
    )


class Event(TimestampMixin, db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True)  # iCalendar UID, stable
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    detached: Mapped[bool] = mapped_column(default=False)  # an occurrence edited on its own
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str] = mapped_column(Text, default="")  # sanitised on the way in
    theme: Mapped[Theme] = mapped_column(str_enum(Theme, 24))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    image: Mapped[str | None] = mapped_column(String(200))  # file name under the upload folder
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(default=False)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="SET NULL"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[EventAudience] = mapped_column(str_enum(EventAudience, 24), default=EventAudience.PUBLIC)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    accessibility: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None]
    seats_taken: Mapped[int] = mapped_column(default=0)  # kept by triggers, see module docstring
    registration_mode: Mapped[RegistrationMode] = mapped_column(str_enum(RegistrationMode, 24), default=RegistrationMode.NONE)
    registration_deadline: Mapped[datetime | None]
    is_free: Mapped[bool] = mapped_column(default=True)
    price_info: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus, 24), default=EventStatus.DRAFT)
    moderation_note: Mapped[str | None] = mapped_column(Text)
    cancellation_message: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE: time, place or status changes
    published_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]

    organiser = relationship("User", foreign_keys=[organiser_id])
    space = relationship("Space")
    booking = relationship("Booking")
    series: Mapped[EventSeries | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(back_populates="event", cascade="all, delete-orphan",
                                                            passive_deletes=True)

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="valid_range"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="positive_capacity"),
        CheckConstraint("seats_taken >= 0", name="seats_not_negative"),
        CheckConstraint("capacity IS NULL OR seats_taken <= capacity", name="never_over_full"),
        CheckConstraint("status <> 'refused' OR (moderation_note IS NOT NULL AND length(moderation_note) > 0)",
                        name="refusal_reason_not_empty"),
        Index("ix_events_status_starts_at", "status", "starts_at"),
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.seats_taken, 0)


class Registration(TimestampMixin, db.Model):
    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="fr")  # for e-mails to guests
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus, 24))
    token: Mapped[str] = mapped_column(String(48), unique=True)  # the e-mailed cancel / confirm link
    offer_expires_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship(back_populates="registrations")
    user = relationship("User")

    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR (guest_email IS NOT NULL AND guest_name IS NOT NULL)",
                        name="has_a_person"),
        CheckConstraint("status <> 'offered' OR offer_expires_at IS NOT NULL", name="offer_has_deadline"),
        Index("ix_registrations_event_id_status", "event_id", "status"),
        UniqueConstraint("event_id", "user_id"),
        UniqueConstraint("event_id", "guest_email"),
    )

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING

    @property
    def name(self) -> str:
        return self.user.display_name if self.user is not None else (self.guest_name or "")

    @property
    def email(self) -> str:
        return self.user.email if self.user is not None else (self.guest_email or "")

    @property
    def email_language(self) -> str:
        return self.user.preferred_language if self.user is not None else self.language
