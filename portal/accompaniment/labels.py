"""The words shown for each stored value, in plain French (translated at display time)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.events.forms import LANGUAGE_LABELS, THEME_LABELS

__all__ = ["THEME_LABELS", "LANGUAGE_LABELS", "STAGE_LABELS", "NEED_LABELS", "CHANNEL_LABELS", "HEARD_LABELS",
           "STATUS_LABELS", "STATUS_HOLDER_TEXT", "label"]

STAGE_LABELS = {
    "idea": _l("C'est une idée"),
    "first_steps": _l("J'ai fait les premiers pas"),
    "running": _l("Le projet fonctionne déjà"),
}
NEED_LABELS = {
    "space": _l("Un lieu, un local"),
    "funding": _l("De l'argent, un financement"),
    "training": _l("Une formation"),
    "legal": _l("Choisir un statut (association, entreprise…)"),
    "network": _l("Des partenaires, un réseau"),
    "volunteers": _l("Des bénévoles"),
    "mentoring": _l("Quelqu'un pour me conseiller"),
    "other": _l("Autre chose"),
}
CHANNEL_LABELS = {
    "email": _l("Par e-mail"),
    "phone": _l("Par téléphone"),
    "sms": _l("Par SMS"),
    "whatsapp": _l("Par WhatsApp"),
    "meeting": _l("En venant aux Chrysalides"),
}
HEARD_LABELS = {
    "": _l("Je ne sais pas / je préfère ne pas dire"),
    "word_of_mouth": _l("Par quelqu'un que je connais"),
    "association": _l("Par une association"),
    "town_hall": _l("Par la mairie ou un service public"),
    "job_centre": _l("Par France Travail ou la Mission locale"),
    "event": _l("À un événement des Chrysalides"),
    "internet": _l("Sur internet ou les réseaux sociaux"),
    "partner_site": _l("Par le site d'un partenaire"),
    "other": _l("Autrement"),
}
STATUS_LABELS = {
    "new": _l("Nouvelle"),
    "qualifying": _l("En cours d'étude"),
    "accompanied": _l("Accompagnée"),
    "waiting": _l("En attente du porteur"),
    "launched": _l("Projet lancé"),
    "referred": _l("Orientée vers un partenaire"),
    "closed": _l("Close"),
}
# What the holder reads on the tracking page: plain words, what happens next.
STATUS_HOLDER_TEXT = {
    "new": _l("Votre demande est bien arrivée. Quelqu'un de l'équipe va vous contacter."),
    "qualifying": _l("L'équipe étudie votre projet avec vous."),
    "accompanied": _l("L'équipe vous accompagne dans votre projet."),
    "waiting": _l("L'équipe attend une réponse de votre part. Écrivez-lui ci-dessous."),
    "launched": _l("Votre projet est lancé. Bravo !"),
    "referred": _l("L'équipe vous a orienté·e vers un partenaire qui peut mieux vous aider."),
    "closed": _l("Cette demande est close."),
}


def label(labels: dict, value) -> str:
    value = getattr(value, "value", value)
    return str(labels.get(value, value or ""))


ACCESS_LABELS = {"view": _l("consultation"), "export": _l("export CSV"), "api": _l("lecture par l'API")}
EMAIL_LABELS = {
    "acknowledgement": _l("accusé de réception"),
    "assignment": _l("avis d'attribution"),
    "reply": _l("réponse de l'équipe"),
    "holder_reply": _l("avis de réponse du porteur"),
}
