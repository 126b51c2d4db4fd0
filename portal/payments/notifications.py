"""E-mails about payments, queued in the outbox in the payer's language."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.mail.services import queue_email
from portal.payments.payer import Payer, member_payer, payer_of


def _send(payer: Payer | None, *, subject, template: str, now: datetime, **context) -> None:
    if payer is None:
        return
    queue_email(to=payer.email, subject=subject, template=f"payments/{template}", language=payer.language,
                now=now, name=payer.name, history_url=payer.history_url, history_label=payer.history_label, **context)


def payment_received(payment, receipt, *, now: datetime) -> None:
    _send(payer_of(payment), subject=_l("Paiement reçu"), template="payment_received", now=now, payment=payment,
          receipt=receipt)


def refund_issued(payment, credit_note, *, now: datetime) -> None:
    _send(payer_of(payment), subject=_l("Remboursement effectué"), template="refund_issued", now=now,
          payment=payment, credit_note=credit_note)


def membership_payment_failed(membership, *, now: datetime) -> None:
    _send(member_payer(membership.user), subject=_l("Le paiement de votre adhésion a échoué"),
          template="membership_failed", now=now, membership=membership)
