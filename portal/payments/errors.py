from __future__ import annotations

from portal.errors import Conflict, DomainError


class PaymentRefused(DomainError):
    pass


class NotEnoughCredits(Conflict):
    pass


class TransientFailure(Exception):
    """Something outside us failed; the caller should answer 5xx so that the sender retries."""
