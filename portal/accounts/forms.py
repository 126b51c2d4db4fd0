from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional, Regexp

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]
EMAIL_MAX = 254
PASSWORD_MAX = 256


def email_field(label=None, **kwargs):
    return EmailField(
        label or _l("Adresse e-mail"),
        validators=[DataRequired(_l("Saisissez votre adresse e-mail.")), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
        **kwargs,
    )


def new_password_field(label=None):
    return PasswordField(
        label or _l("Mot de passe"),
        validators=[DataRequired(_l("Choisissez un mot de passe.")), Length(max=PASSWORD_MAX)],
        description=_l("Au moins 12 caractères. Une phrase de quelques mots est facile à retenir."),
        render_kw={"autocomplete": "new-password", "minlength": 12},
    )


def display_name_field():
    return StringField(
        _l("Nom affiché"),
        validators=[DataRequired(_l("Indiquez le nom à afficher.")), Length(max=120)],
        description=_l("Votre prénom et votre nom, ou le nom que vous utilisez."),
        render_kw={"autocomplete": "name"},
    )


def language_field():
    return SelectField(_l("Langue préférée"), choices=LANGUAGE_CHOICES, default="fr")


class SignupForm(FlaskForm):
    display_name = display_name_field()
    email = email_field()
    password = new_password_field()
    preferred_language = language_field()


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté sur cet appareil"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("Nouveau mot de passe"))


class ConfirmForm(FlaskForm):
    """A button that turns an e-mailed link into a POST (no state change on GET)."""


class ProfileForm(FlaskForm):
    display_name = display_name_field()
    phone = TelField(
        _l("Téléphone (facultatif)"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9+().\s-]{6,40}$", message=_l("Saisissez un numéro de téléphone, par exemple 06 12 34 56 78.")),
        ],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    preferred_language = language_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Saisissez votre mot de passe actuel.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field(_l("Nouveau mot de passe"))


class ChangeEmailForm(FlaskForm):
    new_email = email_field(_l("Nouvelle adresse e-mail"))
    password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Saisissez votre mot de passe actuel.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Nom du jeton"),
        validators=[DataRequired(_l("Donnez un nom au jeton, par exemple le site qui l'utilisera.")), Length(max=80)],
        description=_l("Pour vous souvenir de ce qui l'utilise, par exemple « site de l'association »."),
    )


class RevokeForm(FlaskForm):
    """A confirmation button (CSRF only)."""
