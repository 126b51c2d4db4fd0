"""Project holders' requests, their timeline, and the accompaniment team's routing.

"No status change without a recorded event" is enforced by the database: a
trigger (migration 0004) refuses an UPDATE of ``project_requests.status`` unless
a ``status_changed`` row of the timeline carries the new status and the new
version. ``version`` is SQLAlchemy's version counter, so every UPDATE is
conditional on the version that was read (two staff members never overwrite
each other silently).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, str_enum, utcnow
from portal.extensions import db


class RequestStatus(StrEnum):
    NEW = "new"
    QUALIFYING = "qualifying"
    ACCOMPANIED = "accompanied"
    WAITING = "waiting"  # waiting for the holder: a pause
    LAUNCHED = "launched"
    REFERRED = "referred"  # referred to a partner
    CLOSED = "closed"


FINAL_STATUSES = frozenset({RequestStatus.LAUNCHED, RequestStatus.REFERRED, RequestStatus.CLOSED})
OPEN_STATUSES = frozenset(set(RequestStatus) - FINAL_STATUSES)


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    STATUS_CHANGED = "status_changed"
    NOTE = "note"  # internal: staff only
    MESSAGE_TO_HOLDER = "message_to_holder"
    MESSAGE_FROM_HOLDER = "message_from_holder"
    EMAIL_SENT = "email_sent"
    MERGED = "merged"
    DATA_EXPORTED = "data_exported"
    ANONYMISED = "anonymised"


HOLDER_VISIBLE_KINDS = frozenset({EventKind.SUBMITTED, EventKind.STATUS_CHANGED, EventKind.MESSAGE_TO_HOLDER,
                                  EventKind.MESSAGE_FROM_HOLDER})


class Team(db.Model):
    __tablename__ = "accompaniment_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[TeamMember]] = relationship(back_populates="team", cascade="all, delete-orphan",
                                                     passive_deletes=True)

    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)


class TeamMember(db.Model):
    __tablename__ = "accompaniment_team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("accompaniment_teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    team: Mapped[Team] = relationship(back_populates="members")
    user = relationship("User")

    __table_args__ = (UniqueConstraint("team_id", "user_id"),)


class Partner(db.Model):
    """A partner organisation: requests are referred to it, and its site may send requests (API token)."""

    __tablename__ = "accompaniment_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str | None] = mapped_column(String(12))
    token_created_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)


class RoutingRule(db.Model):
    """The first active rule (by position) whose criteria all match sends a request to a team or a person.

    An empty criterion matches anything.
    """

    __tablename__ = "accompaniment_routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=100)
    theme: Mapped[str | None] = mapped_column(String(24))
    need: Mapped[str | None] = mapped_column(String(24))
    stage: Mapped[str | None] = mapped_column(String(24))
    language: Mapped[str | None] = mapped_column(String(8))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("accompaniment_teams.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship()
    user = relationship("User")

    __table_args__ = (
        CheckConstraint("(team_id IS NULL) <> (user_id IS NULL)", name="one_target"),
        Index("ix_accompaniment_routing_rules_active_position", "active", "position"),
    )


class AccompanimentSettings(db.Model):
    """One row: the response-time commitment and the retention period."""

    __tablename__ = "accompaniment_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_contact_days: Mapped[int] = mapped_column(default=3)
    retention_months: Mapped[int] = mapped_column(default=24)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("first_contact_days >= 1 AND first_contact_days <= 30", name="valid_first_contact_days"),
        CheckConstraint("retention_months >= 1 AND retention_months <= 120", name="valid_retention_months"),
    )


class ProjectRequest(TimestampMixin, db.Model):
    __tablename__ = "project_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)  # the secret link
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # who
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_digits: Mapped[str | None] = mapped_column(String(20), index=True)  # for duplicates
    language: Mapped[str] = mapped_column(String(8), default="fr")
    contact_channel: Mapped[str] = mapped_column(String(16), default="email")
    # the project
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str] = mapped_column(String(24))
    stage: Mapped[str] = mapped_column(String(24))
    place: Mapped[str] = mapped_column(String(120), default="")
    needs: Mapped[list] = mapped_column(JSON, default=list)
    needs_other: Mapped[str] = mapped_column(String(300), default="")
    heard_from: Mapped[str] = mapped_column(String(24), default="")
    consent_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16), default="form")  # form, api
    source_partner_id: Mapped[int | None] = mapped_column(ForeignKey("accompaniment_partners.id", ondelete="SET NULL"))
    # the team's side
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, 16), default=RequestStatus.NEW)
    status_reason: Mapped[str | None] = mapped_column(Text)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("accompaniment_partners.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("accompaniment_teams.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[datetime]
    first_contact_due_at: Mapped[datetime]
    first_contact_at: Mapped[datetime | None]
    holder_waiting_since: Mapped[datetime | None]  # the holder wrote and nobody answered yet
    closed_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("project_requests.id", ondelete="SET NULL"))
    anonymised_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    user = relationship("User", foreign_keys=[user_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    team: Mapped[Team | None] = relationship()
    partner: Mapped[Partner | None] = relationship(foreign_keys=[partner_id])
    source_partner: Mapped[Partner | None] = relationship(foreign_keys=[source_partner_id])
    merged_into: Mapped[ProjectRequest | None] = relationship(remote_side=[id])
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", passive_deletes=True,
        order_by="RequestEvent.id")

    # Set by services.timeline on every change, used in the WHERE of every UPDATE.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL OR anonymised_at IS NOT NULL", name="reachable"),
        CheckConstraint("status <> 'referred' OR partner_id IS NOT NULL OR anonymised_at IS NOT NULL",
                        name="referral_names_partner"),
        CheckConstraint("status <> 'closed' OR (status_reason IS NOT NULL AND length(status_reason) > 0)",
                        name="closing_reason_not_empty"),
        CheckConstraint("status NOT IN ('launched', 'referred', 'closed') OR closed_at IS NOT NULL",
                        name="final_has_closed_at"),
        CheckConstraint("version >= 1", name="positive_version"),
        Index("ix_project_requests_status_due", "status", "first_contact_due_at"),
    )

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def is_overdue(self, now: datetime) -> bool:
        return self.first_contact_at is None and not self.is_final and now > self.first_contact_due_at


class RequestEvent(db.Model):
    """One line of a request's timeline: who did what, when. Notes are for staff only."""

    __tablename__ = "project_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("project_requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(160), default="")  # kept when the account goes
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int | None]  # the request's version this event produced
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)

    request: Mapped[ProjectRequest] = relationship(back_populates="events")
    actor = relationship("User")

    __table_args__ = (
        UniqueConstraint("request_id", "version"),
        CheckConstraint("kind <> 'status_changed' OR (to_status IS NOT NULL AND version IS NOT NULL)",
                        name="status_change_complete"),
        Index("ix_project_request_events_request_id_at", "request_id", "at"),
    )

    @property
    def visible_to_holder(self) -> bool:
        return self.kind in HOLDER_VISIBLE_KINDS


class RequestDraft(db.Model):
    """What a holder typed so far, keyed by the random token in their cookie."""

    __tablename__ = "project_request_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    step: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AccessLog(db.Model):
    """Every time a staff member opens or exports a request (RGPD accountability)."""

    __tablename__ = "project_request_access_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("project_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(16))  # view, export, api

    user = relationship("User")
