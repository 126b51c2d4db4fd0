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
