from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired


class ButtonForm(FlaskForm):
    pass


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Votre mot de passe"), validators=[DataRequired(_l("Indiquez votre mot de passe."))])
    confirm = BooleanField(_l("Je comprends que la suppression est définitive."),
                           validators=[DataRequired(_l("Cochez la case pour confirmer."))])
