"""E-mails about payments, queued in the outbox in the payer's language."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.mail.services import queue_email
from portal.urls import absolute_url


def _send(user, *, subject, template: str, now: datetime, **context) -> None:
    if user is None:
        return
    queue_email(to=user.email, subject=subject, template=f"payments/{template}", language=user.preferred_language,
                now=now, user=user, history_url=absolute_url("payments.my_payments"), **context)


def payment_received(payment, receipt, *, now: datetime) -> None:
    _send(payment.user, subject=_l("Paiement reçu"), template="payment_received", now=now, payment=payment,
          receipt=receipt)


def refund_issued(payment, credit_note, *, now: datetime) -> None:
    _send(payment.user, subject=_l("Remboursement effectué"), template="refund_issued", now=now, payment=payment,
          credit_note=credit_note)


def membership_payment_failed(membership, *, now: datetime) -> None:
    _send(membership.user, subject=_l("Le paiement de votre adhésion a échoué"), template="membership_failed",
          now=now, membership=membership)
