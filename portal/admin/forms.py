from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice

from portal.accounts.models import Role
from portal.forms import MultiCheckboxField

ROLE_LABELS = {
    Role.MEMBER: _l("Membre"),
    Role.ORGANISER: _l("Organisateur ou organisatrice"),
    Role.STAFF: _l("Équipe"),
    Role.ADMIN: _l("Administrateur ou administratrice"),
    Role.PARTNER: _l("Partenaire ou financeur (lecture des rapports d’impact)"),
}


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(
        _l("Rôles"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
    )


class ActivationForm(FlaskForm):
    active = HiddenField()



