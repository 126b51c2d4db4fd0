"""Words and amounts shown for payments, in the current language."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

PAYMENT_STATUS_LABELS = {
    "pending": _l("en attente"),
    "paid": _l("payé"),
    "failed": _l("échoué"),
    "expired": _l("expiré"),
    "cancelled": _l("abandonné"),
    "refunded": _l("remboursé"),
    "partially_refunded": _l("remboursé en partie"),
}
MEMBERSHIP_STATUS_LABELS = {
    "incomplete": _l("en cours de création"),
    "active": _l("active"),
    "past_due": _l("paiement en retard"),
    "cancelled": _l("terminée"),
}


def money(cents) -> str:
    """An amount in the current language's format: « 1 234,50 € » in French, "1,234.50 €" in English."""
    return format_decimal(Decimal(int(cents or 0)) / 100, format="#,##0.00") + "\u00a0€"
