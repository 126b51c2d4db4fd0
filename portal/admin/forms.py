from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.models import Role

ROLE_LABELS = {
    Role.MEMBER: _l("Membre"),
    Role.ORGANISER: _l("Organisateur ou organisatrice"),
    Role.STAFF: _l("Équipe"),
    Role.ADMIN: _l("Administrateur ou administratrice"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(
        _l("Rôles"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
    )


class ActivationForm(FlaskForm):
    active = HiddenField()



