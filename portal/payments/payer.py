"""Who pays: a member, or a visitor without an account paying for their event ticket.

A visitor's payment has no user: their name, address and language are those they gave when
registering, and their registration's secret link stands in for the payment history.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.urls import absolute_url


@dataclass(frozen=True)
class Payer:
    name: str
    email: str
    language: str
    history_url: str
    history_label: str


def member_payer(user) -> Payer:
    return Payer(user.display_name, user.email, user.preferred_language, absolute_url("payments.my_payments"),
                 _l("Mes paiements"))


def payer_of(payment) -> Payer | None:
    user = payment.user
    if user is not None:
        return member_payer(user)
    registration = payment.registration
    if registration is None or registration.user_id is not None or not registration.guest_email:
        return None
    return Payer(registration.guest_name, registration.guest_email, registration.language or "fr",
                 absolute_url("events.manage_registration", token=registration.token), _l("Mon inscription"))
