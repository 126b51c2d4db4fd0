"""Spaces of Les Chrysalides, their bookable units, hours, closures and bookings.

"Never twice" is enforced by the database: on PostgreSQL an exclusion
constraint over (resource_id, tstzrange(starts_at, ends_at, '[)')) for active
bookings; on SQLite a BEFORE INSERT/UPDATE trigger. Both are created by the
migration (see migrations/versions/0002_spaces_and_bookings.py).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
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



class SpaceKind(StrEnum):
    DESK_AREA = "desk_area"
    MEETING_ROOM = "meeting_room"
    HALL = "hall"
    WORKSHOP = "workshop"


class Audience(StrEnum):
    """Who may book a space."""

    MEMBERS = "members"
    ORGANISERS = "organisers"
    STAFF = "staff"


class SlotMode(StrEnum):
    GRID = "grid"  # rooms: any start on a grid of N minutes
    HALF_DAY = "half_day"  # desks: morning, afternoon or the whole day


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    RELEASED = "released"  # no-show released by the scheduled command
    AWAITING_PAYMENT = "awaiting_payment"  # holds the slot while the online payment is made (payments)


ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.AWAITING_PAYMENT)
# Longer bookings are refused by the rules; queries rely on this bound to stay fast.
MAX_BOOKING_LENGTH = timedelta(days=2)
ACTIVE_STATUS_SQL = "('pending', 'confirmed', 'awaiting_payment')"

AMENITIES = ("screen", "videoconference", "whiteboard", "kitchen", "sound", "wifi", "printer", "tools")
ACCESSIBILITY = ("step_free", "hearing_loop", "accessible_toilet", "quiet")


class Space(TimestampMixin, db.Model):
    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[SpaceKind] = mapped_column(str_enum(SpaceKind, 20))
    description: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(200))  # path under static/
    capacity: Mapped[int]
    floor: Mapped[str] = mapped_column(String(40), default="")
    amenities: Mapped[list] = mapped_column(JSON, default=list)
    accessibility: Mapped[list] = mapped_column(JSON, default=list)
    accessibility_notes: Mapped[str] = mapped_column(Text, default="")
    bookable_by: Mapped[Audience] = mapped_column(str_enum(Audience, 20), default=Audience.MEMBERS)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    slot_mode: Mapped[SlotMode] = mapped_column(str_enum(SlotMode, 20), default=SlotMode.GRID)
    slot_minutes: Mapped[int] = mapped_column(default=30)
    half_day_split: Mapped[time] = mapped_column(default=time(13, 0))
    max_days_ahead: Mapped[int] = mapped_column(default=30)
    min_notice_minutes: Mapped[int] = mapped_column(default=0)
    max_duration_minutes: Mapped[int] = mapped_column(default=8 * 60)
    max_active_bookings: Mapped[int] = mapped_column(default=10)
    cancellation_deadline_hours: Mapped[int] = mapped_column(default=0)
    no_show_release_minutes: Mapped[int | None]  # None: never released automatically

    resources: Mapped[list[Resource]] = relationship(
        back_populates="space", order_by="Resource.position", cascade="all, delete-orphan"
    )
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="space", order_by="OpeningHours.weekday", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("capacity > 0", name="positive_capacity"),
        CheckConstraint("slot_minutes > 0 AND slot_minutes <= 240", name="valid_slot_minutes"),
        CheckConstraint("max_days_ahead >= 0", name="valid_max_days_ahead"),
        CheckConstraint("max_duration_minutes > 0", name="positive_max_duration"),
        CheckConstraint("max_active_bookings > 0", name="positive_max_active_bookings"),
        CheckConstraint("min_notice_minutes >= 0", name="valid_min_notice"),
        CheckConstraint("cancellation_deadline_hours >= 0", name="valid_cancellation_deadline"),
    )

    @property
    def is_desk_area(self) -> bool:
        return self.kind == SpaceKind.DESK_AREA


class Resource(db.Model):
    """One bookable unit: a desk of a desk area, or the room itself."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    qr_token: Mapped[str] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    space: Mapped[Space] = relationship(back_populates="resources")

    __table_args__ = (UniqueConstraint("space_id", "name"),)


class OpeningHours(db.Model):
    __tablename__ = "opening_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday
    opens_at: Mapped[time]
    closes_at: Mapped[time]

    space: Mapped[Space] = relationship(back_populates="opening_hours")

    __table_args__ = (
        UniqueConstraint("space_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="valid_weekday"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )


class Closure(db.Model):
    """Days a space (or, with no space, the whole place) is closed, both ends included."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))

    space: Mapped[Space | None] = relationship()

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="valid_range"),
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
    )


class BookingSeries(db.Model):
    """A recurring booking: same local times every N weeks on chosen weekdays."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    weekdays: Mapped[list] = mapped_column(JSON)
    interval_weeks: Mapped[int] = mapped_column(default=1)
    local_start: Mapped[time]
    local_end: Mapped[time]
    starts_on: Mapped[date]
    until: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("interval_weeks BETWEEN 1 AND 8", name="valid_interval"),
        CheckConstraint("until >= starts_on", name="valid_range"),
    )


class Booking(TimestampMixin, db.Model):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_phone: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, 20))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id", ondelete="SET NULL"), index=True)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_in_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE
    check_in_token: Mapped[str] = mapped_column(String(40), unique=True)

    resource: Mapped[Resource] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    booked_by = relationship("User", foreign_keys=[booked_by_id])
    series: Mapped[BookingSeries | None] = relationship()

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="valid_range"),
        CheckConstraint(
            "user_id IS NOT NULL OR (guest_name IS NOT NULL AND length(guest_name) > 0)",
            name="has_a_holder",
        ),
        CheckConstraint(
            "status <> 'declined' OR (decision_reason IS NOT NULL AND length(decision_reason) > 0)",
            name="decline_reason_not_empty",
        ),
        UniqueConstraint("booked_by_id", "idempotency_key"),
        Index("ix_bookings_resource_id_starts_at", "resource_id", "starts_at"),
        Index("ix_bookings_starts_at", "starts_at"),
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def holder_name(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.guest_name or ""


class JobRun(db.Model):
    """When each scheduled command last ran, so a forgotten cron shows on the staff board."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_run_at: Mapped[datetime]
    last_result: Mapped[str] = mapped_column(String(200), default="")
