"""What account deletion and the data export need from payments, beyond the rows themselves.

A person who leaves must not go on being charged: their Stripe subscriptions end
before their account is anonymised. A supporting document still on disk is part
of their export, then deleted with the account. Receipts and credit notes stay
(accounting records are kept ten years), as retention.py states.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.privacy.registry import register


def _documents(user) -> dict[str, bytes]:
    from portal.payments.models import PaymentProfile
    from portal.payments.services.catalogue import document_path

    profile = db.session.scalar(select(PaymentProfile).where(PaymentProfile.user_id == user.id))
    path = document_path(profile) if profile is not None else None
    return {f"fichiers/justificatif{path.suffix}": path.read_bytes()} if path else {}


def _erase(user, now: datetime) -> dict[str, int]:
    from portal.payments import stripe_gateway
    from portal.payments.models import Membership, MembershipStatus, PaymentProfile
    from portal.payments.services.catalogue import delete_document

    done: dict[str, int] = {}
    running = db.session.scalars(select(Membership).where(
        Membership.user_id == user.id, Membership.status != MembershipStatus.CANCELLED)).all()
    for membership in running:
        if membership.stripe_subscription_id and stripe_gateway.configured():
            # GatewayUnavailable propagates: the deletion is refused and can be asked again,
            # rather than leaving a subscription that charges a person who is gone.
            stripe_gateway.cancel_subscription(membership.stripe_subscription_id)
        membership.status = MembershipStatus.CANCELLED
    if running:
        done["abonnements résiliés"] = len(running)
    profile = db.session.scalar(select(PaymentProfile).where(PaymentProfile.user_id == user.id))
    if profile is not None and profile.document_name:
        delete_document(profile)
        done["justificatif supprimé"] = 1
    return done


register("payments", files=_documents, erase=_erase)
