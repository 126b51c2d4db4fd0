from __future__ import annotations

from portal.errors import Conflict, DomainError


class PaymentRefused(DomainError):
    pass


class NotEnoughCredits(Conflict):
    pass


class PaymentServiceUnavailable(PaymentRefused):
    """Stripe did not answer: worth trying again in a moment."""

    status_code = 503


class TransientFailure(Exception):
    """Something outside us failed; the caller should answer 5xx so that the sender retries."""
