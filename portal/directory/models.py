"""Member directory: organisations, their members, and the profiles people choose to show.

A profile (``directory_profiles``) presents either a person (``user_id``) or an
organisation (``organisation_id``). It is hidden until its owner chooses
otherwise; every listing filters on ``visibility`` in SQL so that a hidden
profile never reaches a page, a count, a suggestion or the API.

Full-text search: ``search_text`` is the flattened text of the profile (tags,
languages, place…). SQLite indexes it in the FTS5 table ``directory_profiles_fts``
(external content, kept by triggers); PostgreSQL in a generated ``search_vector``
column over the ``fr_unaccent`` text-search configuration, with a GIN index. Both
are created by migration 0005 and are not described here.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, str_enum, utcnow
from portal.extensions import db


class OrganisationType(StrEnum):
    ASSOCIATION = "association"
    RELIGIOUS_COMMUNITY = "religious_community"
    PUBLIC_BODY = "public_body"
    COMPANY = "company"
    ACADEMIC = "academic"
    OTHER = "other"


class Visibility(StrEnum):
    HIDDEN = "hidden"
    MEMBERS = "members"
    PUBLIC = "public"


class ProfileKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class TagDirection(StrEnum):
    OFFER = "offer"
    NEED = "need"


class TagCategory(StrEnum):
    SKILL = "skill"
    SERVICE = "service"
    ROOM = "room"
    EQUIPMENT = "equipment"
    OTHER = "other"


class Organisation(TimestampMixin, db.Model):
    """A member organisation of the PTCE. Its public face is its directory profile."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType, 24),
                                                  default=OrganisationType.ASSOCIATION)
    verified: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Contact of the organisation (never public; shown to members only if the profile shares it).
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))

    memberships: Mapped[list[OrganisationMembership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", passive_deletes=True
    )
    profile: Mapped[Profile | None] = relationship(back_populates="organisation", uselist=False,
                                                  cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(slug) > 0", name="slug_not_empty"),
        CheckConstraint("verified = (verified_at IS NOT NULL)", name="verified_has_date"),
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.slug}>"


class OrganisationMembership(db.Model):
    """A person belongs to an organisation, with a role there; managers edit its page."""

    __tablename__ = "organisation_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(120), default="")
    is_manager: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user = relationship("User")

    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)


class JoinStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class JoinRequest(db.Model):
    """A member asks to join an organisation; one of its managers accepts or declines."""

    __tablename__ = "organisation_join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[JoinStatus] = mapped_column(str_enum(JoinStatus, 12), default=JoinStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    user = relationship("User", foreign_keys=[user_id])

    # One request per person and organisation: asking again after a refusal reopens the same row.
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_when_dated"),
    )


class Tag(db.Model):
    """The shared list of things offered and looked for (skills, services, rooms, equipment)."""

    __tablename__ = "directory_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    category: Mapped[TagCategory] = mapped_column(str_enum(TagCategory, 16), default=TagCategory.SKILL)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("length(label) > 0", name="label_not_empty"),)


class Profile(TimestampMixin, db.Model):
    __tablename__ = "directory_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ProfileKind] = mapped_column(str_enum(ProfileKind, 16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        unique=True)
    # Copied from users.display_name / organisations.name by the service: search and sort need it here.
    name: Mapped[str] = mapped_column(String(200))
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, 12), default=Visibility.HIDDEN)
    # When the owner last chose a visibility other than hidden (the consent and its date).
    consent_at: Mapped[datetime | None]
    share_contact: Mapped[bool] = mapped_column(default=False)
    presentation: Mapped[str] = mapped_column(Text, default="")
    neighbourhood: Mapped[str] = mapped_column(String(120), default="")
    town: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    social_links: Mapped[str] = mapped_column(Text, default="")  # one address a line
    offers_text: Mapped[str] = mapped_column(Text, default="")
    needs_text: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(200))  # file name under the upload folder
    search_text: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")
    organisation: Mapped[Organisation | None] = relationship(back_populates="profile")
    tags: Mapped[list[ProfileTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                  lazy="selectin")
    languages: Mapped[list[ProfileLanguage]] = relationship(cascade="all, delete-orphan",
                                                            passive_deletes=True, lazy="selectin")
    themes: Mapped[list[ProfileTheme]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                      lazy="selectin")

    __table_args__ = (
        CheckConstraint(
            "(kind = 'person' AND user_id IS NOT NULL AND organisation_id IS NULL)"
            " OR (kind = 'organisation' AND organisation_id IS NOT NULL AND user_id IS NULL)",
            name="one_owner",
        ),
        CheckConstraint("visibility = 'hidden' OR consent_at IS NOT NULL", name="visible_needs_consent"),
        Index("ix_directory_profiles_visibility_name", "visibility", "name"),
    )

    @property
    def offer_tags(self) -> list[Tag]:
        return [link.tag for link in self.tags if link.direction == TagDirection.OFFER]

    @property
    def need_tags(self) -> list[Tag]:
        return [link.tag for link in self.tags if link.direction == TagDirection.NEED]

    @property
    def language_codes(self) -> list[str]:
        return sorted(link.code for link in self.languages)

    @property
    def theme_values(self) -> list[str]:
        return sorted(link.theme for link in self.themes)


class ProfileTag(db.Model):
    __tablename__ = "directory_profile_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("directory_profiles.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("directory_tags.id", ondelete="CASCADE"), index=True)
    direction: Mapped[TagDirection] = mapped_column(str_enum(TagDirection, 8))

    tag: Mapped[Tag] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("profile_id", "tag_id", "direction"),)


class ProfileLanguage(db.Model):
    __tablename__ = "directory_profile_languages"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("directory_profiles.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8), index=True)

    __table_args__ = (UniqueConstraint("profile_id", "code"),)


class ProfileTheme(db.Model):
    __tablename__ = "directory_profile_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("directory_profiles.id", ondelete="CASCADE"), index=True)
    theme: Mapped[str] = mapped_column(String(24), index=True)

    __table_args__ = (UniqueConstraint("profile_id", "theme"),)


class ContactMessage(db.Model):
    """A message sent through the portal; kept (without being shown) for abuse reports and rate limits."""

    __tablename__ = "directory_contact_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("directory_profiles.id", ondelete="SET NULL"),
                                                   index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    report_token: Mapped[str] = mapped_column(String(64), unique=True)
    reported_at: Mapped[datetime | None]
    report_reason: Mapped[str] = mapped_column(Text, default="")

    sender = relationship("User")
    profile = relationship(Profile)


class IntroductionAnswer(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Introduction(db.Model):
    """A proposed *mise en relation* between two people: contact details are shared only once both accept."""

    __tablename__ = "introductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    first_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    second_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    first_answer: Mapped[IntroductionAnswer] = mapped_column(str_enum(IntroductionAnswer, 12),
                                                             default=IntroductionAnswer.PENDING)
    second_answer: Mapped[IntroductionAnswer] = mapped_column(str_enum(IntroductionAnswer, 12),
                                                              default=IntroductionAnswer.PENDING)
    first_answered_at: Mapped[datetime | None]
    second_answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the second acceptance arrives: counted in the impact report, kept after account deletion.
    accepted_at: Mapped[datetime | None] = mapped_column(index=True)

    proposer = relationship("User", foreign_keys=[proposer_id])
    first_user = relationship("User", foreign_keys=[first_user_id])
    second_user = relationship("User", foreign_keys=[second_user_id])

    __table_args__ = (
        CheckConstraint("first_user_id IS NULL OR second_user_id IS NULL OR first_user_id <> second_user_id",
                        name="two_people"),
        CheckConstraint("accepted_at IS NULL OR (first_answer = 'accepted' AND second_answer = 'accepted')",
                        name="accepted_by_both"),
    )

    @property
    def both_accepted(self) -> bool:
        return self.accepted_at is not None
