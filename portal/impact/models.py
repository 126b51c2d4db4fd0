"""Le Lab: funding lines and what they cover, avoided-cost assumptions, partner access and share links.

Indicators are never stored: they are computed from the other capabilities' tables for each report.
Links to events, bookings and project requests live here, so those tables stay as their owners made them.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, str_enum, utcnow
from portal.extensions import db


class CostDriver(StrEnum):
    """The recorded quantity an avoided-cost assumption multiplies."""

    DESK_DAYS = "desk_days"
    ROOM_HOURS = "room_hours"
    EVENT_ATTENDANCES = "event_attendances"
    PARTICIPANTS = "participants"
    PROJECTS_ACCOMPANIED = "projects_accompanied"
    PROJECTS_LAUNCHED = "projects_launched"
    VOLUNTEER_PLACEMENTS = "volunteer_placements"
    INTRODUCTIONS = "introductions"


class FundingLine(TimestampMixin, db.Model):
    """A funder's grant and what it covers. Empty criteria lists mean "not restricted by this"."""

    __tablename__ = "funding_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    funder: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    amount_cents: Mapped[int | None]
    themes: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    space_ids: Mapped[list] = mapped_column(JSON, default=list)
    needs: Mapped[list] = mapped_column(JSON, default=list)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="valid_range"),
        CheckConstraint("length(funder) > 0", name="funder_not_empty"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name="amount_not_negative"),
    )


class FundingLineEvent(db.Model):
    __tablename__ = "funding_line_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_line_id: Mapped[int] = mapped_column(ForeignKey("funding_lines.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("funding_line_id", "event_id"),)


class FundingLineBooking(db.Model):
    __tablename__ = "funding_line_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_line_id: Mapped[int] = mapped_column(ForeignKey("funding_lines.id", ondelete="CASCADE"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("funding_line_id", "booking_id"),)


class FundingLineRequest(db.Model):
    __tablename__ = "funding_line_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_line_id: Mapped[int] = mapped_column(ForeignKey("funding_lines.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("project_requests.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("funding_line_id", "request_id"),)


class FundingLinePartner(db.Model):
    """A partner account that may read this funding line's report."""

    __tablename__ = "funding_line_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_line_id: Mapped[int] = mapped_column(ForeignKey("funding_lines.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    __table_args__ = (UniqueConstraint("funding_line_id", "user_id"),)


class AvoidedCostAssumption(TimestampMixin, db.Model):
    """A reference cost defined by an admin, with where the figure comes from."""

    __tablename__ = "avoided_cost_assumptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    driver: Mapped[CostDriver] = mapped_column(str_enum(CostDriver, 40))
    unit_cost_cents: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        CheckConstraint("length(label) > 0", name="label_not_empty"),
        CheckConstraint("length(source) > 0", name="source_not_empty"),
        CheckConstraint("unit_cost_cents >= 0", name="cost_not_negative"),
    )


class ShareLink(db.Model):
    """A secret, expiring link to one funding line's report for one period. Only its hash is kept."""

    __tablename__ = "report_share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    funding_line_id: Mapped[int] = mapped_column(ForeignKey("funding_lines.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    period_kind: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # exclusive
    expires_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    funding_line: Mapped[FundingLine] = relationship()

    __table_args__ = (
        CheckConstraint("ends_on > starts_on", name="valid_range"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )
