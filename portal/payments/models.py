"""Products, price lists, credits, payments, memberships, Stripe events and receipts.

Invariants kept by the database: a credit balance never goes below zero
(``ck_credit_balances_never_negative``, updated in the same transaction as its
ledger line), a Stripe event is applied at most once (its id is the primary
key of ``stripe_events``), receipt numbers come from one counter row updated in
the payment's transaction (no gap), a refund never exceeds the amount paid.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, str_enum, utcnow
from portal.extensions import db


class BookerCategory(StrEnum):
    INDIVIDUAL = "individual"
    PARTNER_ASSOCIATION = "partner_association"
    PTCE_MEMBER = "ptce_member"
    COMPANY = "company"
    SOLIDARITY = "solidarity"


DEFAULT_CATEGORY = BookerCategory.INDIVIDUAL


class ProductKind(StrEnum):
    DAY_PASS = "day_pass"  # one desk booking in a desk area
    DESK_PACK = "desk_pack"  # N desk-day credits
    HOUR_PACK = "hour_pack"  # N room-hour credits
    MEMBERSHIP = "membership"  # monthly, recurring
    ROOM_HIRE = "room_hire"  # per hour, for one space
    TICKET = "ticket"  # an event's ticket


class CreditKind(StrEnum):
    DESK_DAY = "desk_day"
    ROOM_HOUR = "room_hour"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # waiting for Stripe or for the desk
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"  # the hold ran out before payment
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class PaymentMethod(StrEnum):
    STRIPE = "stripe"
    CASH = "cash"
    CHEQUE = "cheque"
    TRANSFER = "transfer"
    DESK = "desk"  # to be paid at the reception, method chosen then


DESK_METHODS = (PaymentMethod.CASH, PaymentMethod.CHEQUE, PaymentMethod.TRANSFER)


class PaymentProfile(TimestampMixin, db.Model):
    """A person's booker category (set by staff only) and Stripe customer."""

    __tablename__ = "payment_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    category: Mapped[BookerCategory] = mapped_column(str_enum(BookerCategory, 24), default=DEFAULT_CATEGORY)
    category_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_note: Mapped[str] = mapped_column(String(300), default="")
    # A supporting document waiting for review; deleted from disk once reviewed.
    document_name: Mapped[str | None] = mapped_column(String(120))
    document_uploaded_at: Mapped[datetime | None]
    stripe_customer_id: Mapped[str | None] = mapped_column(String(80), unique=True)

    user = relationship("User", foreign_keys=[user_id])


class Product(TimestampMixin, db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ProductKind] = mapped_column(str_enum(ProductKind, 20))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    credit_kind: Mapped[CreditKind | None] = mapped_column(str_enum(CreditKind, 20))
    credit_quantity: Mapped[int] = mapped_column(default=0)
    vat_rate_bp: Mapped[int] = mapped_column(default=0)  # basis points: 2000 = 20 %
    active: Mapped[bool] = mapped_column(default=True)

    space = relationship("Space")
    prices: Mapped[list[Price]] = relationship(back_populates="product", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("credit_quantity >= 0", name="credit_quantity_not_negative"),
        CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="valid_vat_rate"),
        CheckConstraint("kind NOT IN ('desk_pack', 'hour_pack') OR (credit_kind IS NOT NULL AND credit_quantity > 0)",
                        name="pack_has_credits"),
    )


class Price(db.Model):
    """What one category pays for a product (per hour for room hire); 0 is free."""

    __tablename__ = "prices"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    category: Mapped[BookerCategory] = mapped_column(str_enum(BookerCategory, 24))
    amount_cents: Mapped[int]
    # Room hire only: a morning or an afternoon (up to 4 h on one side of the space's split) costs at most this.
    half_day_amount_cents: Mapped[int | None]

    product: Mapped[Product] = relationship(back_populates="prices")

    __table_args__ = (
        UniqueConstraint("product_id", "category"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("half_day_amount_cents IS NULL OR half_day_amount_cents >= 0",
                        name="half_day_amount_not_negative"),
    )


class CreditBalance(db.Model):
    """The current balance of one kind of credit, for a person or an organisation."""

    __tablename__ = "credit_balances"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[CreditKind] = mapped_column(str_enum(CreditKind, 20))
    balance: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        CheckConstraint("balance >= 0", name="never_negative"),
        CheckConstraint("(user_id IS NULL) <> (organisation_id IS NULL)", name="one_owner"),
        UniqueConstraint("user_id", "kind"),
        UniqueConstraint("organisation_id", "kind"),
    )


class CreditEntry(db.Model):
    """One line of the append-only credit ledger (a trigger refuses updates)."""

    __tablename__ = "credit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    balance_id: Mapped[int] = mapped_column(ForeignKey("credit_balances.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int]
    balance_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(300))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    balance = relationship(CreditBalance)
    created_by = relationship("User", foreign_keys=[created_by_id])

    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
    )


class Payment(TimestampMixin, db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(300))
    category: Mapped[BookerCategory] = mapped_column(str_enum(BookerCategory, 24))
    amount_cents: Mapped[int]
    refunded_cents: Mapped[int] = mapped_column(default=0)
    vat_rate_bp: Mapped[int] = mapped_column(default=0)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, 20))
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus, 24), default=PaymentStatus.PENDING)
    hold_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    paid_at: Mapped[datetime | None]
    stripe_session_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")

    user = relationship("User", foreign_keys=[user_id])
    product: Mapped[Product | None] = relationship()
    booking = relationship("Booking")
    registration = relationship("Registration")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refund_within_amount"),
        CheckConstraint("length(description) > 0", name="description_not_empty"),
        Index("ix_payments_status_hold_expires_at", "status", "hold_expires_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status == PaymentStatus.PENDING

    @property
    def payer_name(self) -> str:
        """Who pays, for the staff: the member, the visitor who registered, or what the desk noted."""
        if self.user is not None:
            return self.user.display_name
        if self.registration is not None:
            return self.registration.name
        return self.note


class PaymentBooking(db.Model):
    """A booking paid as part of one payment for several: the occurrences of a recurring booking.

    Each keeps its share, refunded alone when that occurrence is cancelled.
    """

    __tablename__ = "payment_bookings"

    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True,
                                            unique=True)
    amount_cents: Mapped[int]

    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive_share"),)


class MembershipStatus(StrEnum):
    INCOMPLETE = "incomplete"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELLED = "cancelled"


class Membership(TimestampMixin, db.Model):
    """A monthly membership paid by a Stripe subscription."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    status: Mapped[MembershipStatus] = mapped_column(str_enum(MembershipStatus, 20), default=MembershipStatus.INCOMPLETE)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    current_period_end: Mapped[datetime | None]
    # Stripe's "created" of the last event applied: an older event arriving late changes nothing.
    last_event_at: Mapped[int] = mapped_column(default=0)

    user = relationship("User")
    product: Mapped[Product | None] = relationship()


class StripeEvent(db.Model):
    """Each Stripe event applied, recorded in the transaction that applied it."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(200), default="")


class DocumentCounter(db.Model):
    """The last number given to a receipt or credit note: one row, updated in the payment's transaction."""

    __tablename__ = "document_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)

    __table_args__ = (CheckConstraint("last_value >= 0", name="not_negative"),)


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    CREDIT_NOTE = "credit_note"


class Document(db.Model):
    """A receipt (facture acquittée) or a credit note (avoir), frozen when issued."""

    __tablename__ = "accounting_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(unique=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, 20))
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("accounting_documents.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_email: Mapped[str] = mapped_column(String(254), default="")
    label: Mapped[str] = mapped_column(String(300))
    amount_cents: Mapped[int]
    vat_rate_bp: Mapped[int] = mapped_column(default=0)
    method: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(index=True)
    seller: Mapped[dict] = mapped_column(JSON, default=dict)  # legal mentions at the time of issue

    payment: Mapped[Payment] = relationship()
    corrects: Mapped[Document | None] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint("sequence > 0", name="positive_sequence"),
        CheckConstraint("kind <> 'credit_note' OR corrects_id IS NOT NULL", name="credit_note_corrects"),
    )
