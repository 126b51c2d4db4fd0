"""The staff log of data exports and account deletions (RGPD requests)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import str_enum, utcnow
from portal.extensions import db


class PrivacyRequestKind(StrEnum):
    EXPORT = "export"
    DELETION = "deletion"


class PrivacyRequest(db.Model):
    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Emptied when the account is deleted: the log keeps that a request happened, not who made it.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[PrivacyRequestKind] = mapped_column(str_enum(PrivacyRequestKind, 12))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    completed_at: Mapped[datetime | None]
    # Counts per table of what was removed or anonymised; no personal data.
    summary: Mapped[str] = mapped_column(Text, default="")
    account_ref: Mapped[str] = mapped_column(String(40), default="")  # "compte n° 42"
