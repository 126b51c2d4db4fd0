"""French labels of the directory's values (translated at display time)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.events.forms import LANGUAGE_LABELS, THEME_LABELS  # noqa: F401  (one list for the portal)

ORGANISATION_TYPE_LABELS = {
    "association": _l("Association"),
    "religious_community": _l("Communauté religieuse"),
    "public_body": _l("Acteur public"),
    "company": _l("Entreprise"),
    "academic": _l("Acteur académique"),
    "other": _l("Autre"),
}
VISIBILITY_LABELS = {
    "hidden": _l("Caché : personne ne voit ma fiche"),
    "members": _l("Visible des membres connectés"),
    "public": _l("Public : visible de tous"),
}
VISIBILITY_SHORT = {"hidden": _l("cachée"), "members": _l("membres"), "public": _l("publique")}
TAG_CATEGORY_LABELS = {
    "skill": _l("Compétence"),
    "service": _l("Service"),
    "room": _l("Salle"),
    "equipment": _l("Matériel"),
    "other": _l("Autre"),
}
KIND_LABELS = {"person": _l("Personnes"), "organisation": _l("Organisations")}
PERIOD_LABELS = {"morning": _l("matin"), "afternoon": _l("après-midi"), "evening": _l("soirée")}
WEEKDAY_LABELS = {0: _l("lundi"), 1: _l("mardi"), 2: _l("mercredi"), 3: _l("jeudi"), 4: _l("vendredi"),
                  5: _l("samedi"), 6: _l("dimanche")}
