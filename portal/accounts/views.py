from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import services
from portal.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SignupForm,
    ApiTokenForm,
    RevokeForm,
)
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db, limiter, login_manager
from portal.forms import show_domain_error, status_for
from portal.security import safe_next_url

bp = Blueprint("accounts", __name__)

AUTH_LIMIT = "10 per minute;50 per hour"
MAIL_LIMIT = "5 per 15 minutes;20 per day"


@login_manager.user_loader
def load_user(session_token: str):
    return services.load_session_user(session_token)


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignupForm()
    if request.method == "GET":
        form.preferred_language.data = session.get("lang") or _current_language()
    if form.validate_on_submit():
        try:
            services.register(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                language=form.preferred_language.data,
                now=utcnow(),
            )
        except DomainError as err:
            show_domain_error(form, err)
        else:
            db.session.commit()
            return redirect(url_for("accounts.check_inbox"))
    return render_template("accounts/signup.html", form=form), status_for(form)


@bp.get("/inscription/verifiez-vos-e-mails")
def check_inbox():
    return render_template("accounts/check_inbox.html")


@bp.route("/confirmer/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The e-mailed link shows a button; only the POST confirms (no state change on GET)."""
    form = ConfirmForm()
    now = utcnow()
    try:
        if not form.validate_on_submit():
            services.check_confirm_link(token, now=now)
            return render_template("accounts/confirm_email.html", form=form)
        _user, already = services.confirm_email(token, now=now)
    except services.BadLink as err:
        return render_template("accounts/bad_link.html", message=err.message), 400
    db.session.commit()
    if already:
        flash(_("Votre adresse était déjà confirmée. Vous pouvez vous connecter."), "info")
    else:
        flash(_("Merci, votre adresse e-mail est confirmée. Vous pouvez vous connecter."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next")) or ""
    if form.validate_on_submit():
        now = utcnow()
        try:
            user = services.authenticate(form.email.data, form.password.data, now=now)
        except services.EmailNotConfirmed as err:
            db.session.commit()  # keeps the confirmation e-mail just queued
            show_domain_error(form, err)
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
        else:
            services.start_session(user, now=now)
            db.session.commit()
            language = session.get("lang")
            session.clear()
            if language:
                session["lang"] = language
            login_user(user, remember=form.remember.data)
            flash(_("Bienvenue, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next_url(form.next.data) or url_for("main.home"))
    return render_template("accounts/login.html", form=form), status_for(form)


@bp.post("/deconnexion")
@login_required
def logout():
    services.end_session(current_user.current_session_token)
    db.session.commit()
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.home"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, now=utcnow())
        db.session.commit()
        return render_template("accounts/reset_sent.html")
    return render_template("accounts/forgot_password.html", form=form), status_for(form)


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    now = utcnow()
    try:
        services.check_reset_link(token, now=now)
    except services.BadLink as err:
        return render_template("accounts/bad_link.html", message=err.message), 400
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, now=now)
        except services.BadLink as err:
            return render_template("accounts/bad_link.html", message=err.message), 400
        except DomainError as err:
            show_domain_error(form, err)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(_("Votre mot de passe est changé. Connectez-vous avec le nouveau."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), status_for(form)


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                display_name=form.display_name.data,
                phone=form.phone.data,
                language=form.preferred_language.data,
            )
        except DomainError as err:
            show_domain_error(form, err)
        else:
            db.session.commit()
            session["lang"] = current_user.preferred_language
            flash(_("Votre profil est enregistré."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form), status_for(form)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data, now=utcnow()
            )
        except DomainError as err:
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(_("Votre mot de passe est changé. Vos autres appareils sont déconnectés."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form), status_for(form)


@bp.route("/compte/e-mail", methods=["GET", "POST"])
@login_required
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(
                current_user, form.password.data, form.new_email.data, now=utcnow()
            )
        except DomainError as err:
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(
                _("Nous avons envoyé un lien de confirmation à la nouvelle adresse. Votre adresse change quand vous cliquez dessus."),
                "info",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_email.html", form=form), status_for(form)


@bp.route("/compte/e-mail/confirmer/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    form = ConfirmForm()
    now = utcnow()
    try:
        if not form.validate_on_submit():
            _user, new_email = services.check_email_change_link(token, now=now)
            return render_template("accounts/confirm_email_change.html", form=form, new_email=new_email)
        services.confirm_email_change(token, now=now)
    except services.BadLink as err:
        return render_template("accounts/bad_link.html", message=err.message), 400
    db.session.commit()
    flash(_("Votre nouvelle adresse e-mail est enregistrée."), "success")
    return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))


@bp.route("/compte/jetons", methods=["GET", "POST"])
@login_required
def api_tokens():
    from portal.api import auth as api_auth

    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = api_auth.create_token(current_user, form.name.data, now=utcnow())
        except DomainError as err:
            show_domain_error(form, err)
        else:
            db.session.commit()
            form = ApiTokenForm(formdata=None)
    return render_template("accounts/api_tokens.html", form=form, secret=secret, revoke_form=RevokeForm(),
                           tokens=api_auth.tokens_of(current_user)), status_for(form)


@bp.post("/compte/jetons/<int:token_id>/revoquer")
@login_required
def revoke_api_token(token_id: int):
    from portal.api import auth as api_auth

    if RevokeForm().validate_on_submit():
        api_auth.revoke_token(current_user, token_id, now=utcnow())
        db.session.commit()
        flash(_("Le jeton est révoqué : il ne fonctionne plus."), "success")
    return redirect(url_for("accounts.api_tokens"), 303)


def _current_language() -> str:
    from portal.i18n import select_locale

    return select_locale()
