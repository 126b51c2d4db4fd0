"""The agenda, event pages and registration: residents and the public."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask import make_response
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from portal import pagecache, versions
from portal.db import utcnow
from portal.errors import DomainError, NotFound, render_error
from portal.events import ical
from portal.events.forms import (
    AUDIENCE_LABELS,
    LANGUAGE_LABELS,
    REGISTRATION_LABELS,
    THEME_LABELS,
    AgendaFilterForm,
    ButtonForm,
    GuestRegistrationForm,
)
from portal.events.models import RegistrationStatus
from portal.events.services import agenda, registrations
from portal.events.services.events import get_event, may_manage
from portal.extensions import db
from portal.forms import REFUSED, attempt, committed
from portal.security import allow_framing
from portal.spaces.parsing import parse_day, parse_int
from portal.spaces.services.cache import VersionedCache
from portal.timeutil import paris_today
from portal.urls import absolute_url

bp = Blueprint("events", __name__)

@bp.app_context_processor
def _event_helpers():
    return {
        "event_labels": {"themes": THEME_LABELS, "audiences": AUDIENCE_LABELS, "languages": LANGUAGE_LABELS,
                         "registration": REGISTRATION_LABELS},
        "event_location": ical.location_of,
        "registration_status_label": registration_status_label,
        "event_status_label": lambda status: str(EVENT_STATUS[getattr(status, "value", status)]),
    }


EVENT_STATUS = {
    "draft": _l("brouillon"),
    "submitted": _l("en relecture"),
    "changes_requested": _l("changements demandés"),
    "published": _l("publié"),
    "refused": _l("refusé"),
    "cancelled": _l("annulé"),
}


REGISTRATION_STATUS = {
    "unconfirmed": _l("à confirmer par e-mail"),
    "pending": _l("en attente de validation"),
    "registered": _l("inscrit·e"),
    "waitlisted": _l("sur liste d'attente"),
    "offered": _l("place proposée, à confirmer"),
    "cancelled": _l("annulée"),
    "declined": _l("non retenue"),
    "expired": _l("délai dépassé"),
}


def registration_status_label(status) -> str:
    return str(REGISTRATION_STATUS[getattr(status, "value", status)])


def _filters_from(form: AgendaFilterForm) -> agenda.AgendaFilters:
    price = form.price.data
    return agenda.AgendaFilters(
        theme=form.theme.data or None, audience=form.audience.data or None,
        free=True if price == "free" else False if price == "paid" else None,
        this_week=bool(form.this_week.data), language=form.language.data or None,
        tag=(request.args.get("tag") or "").strip().lower() or None,
    )


AGENDA_PAGE_SIZE = 40
agenda_listings = VersionedCache(maxsize=256)
# What the listing shows: events (seats are counted on them from registrations), their rooms.
AGENDA_TABLES = ("events", "registrations", "spaces", "event_series")


@bp.get("/evenements")
def agenda_page():
    """Upcoming events by day, 40 at a time; the listing is reused while no event changes."""
    now = utcnow()
    version = (versions.stamp(*AGENDA_TABLES), int(now.timestamp()) // 60)
    page = pagecache.anonymous_page(version, lambda **extra: _render_agenda(now, version, **extra))
    return page if page is not None else _render_agenda(now, version)


def _render_agenda(now, version: tuple, **extra) -> str:
    form = AgendaFilterForm(request.args)
    form.validate()
    page = max(parse_int(request.args.get("page"), 1) or 1, 1)
    filters = {k: v for k, v in request.args.items() if v and k != "page"}
    listing = agenda_listings.get(
        key=(tuple(sorted(filters.items())), page, str(get_locale()), current_user.is_authenticated),
        version=version,
        compute=lambda: _render_listing(form, filters, page, now),
    )
    return render_template("events/agenda.html", form=form, filters=filters, listing=listing,
                           feed_url=absolute_url("event_feeds.public_feed"), **extra)


def _render_listing(form: AgendaFilterForm, filters: dict, page: int, now) -> Markup:
    events = agenda.search(current_user, _filters_from(form), now, limit=AGENDA_PAGE_SIZE + 1,
                           offset=(page - 1) * AGENDA_PAGE_SIZE)
    more = len(events) > AGENDA_PAGE_SIZE
    return Markup(render_template("events/_agenda_listing.html", days=agenda.by_day(events[:AGENDA_PAGE_SIZE]),
                                  page=page, more=more, filters=filters, form=form))


@bp.get("/evenements/mois")
def month():
    now = utcnow()
    today = paris_today(now)
    first = parse_day((request.args.get("m") or "") + "-01" if request.args.get("m") else None, today.replace(day=1))
    first = first.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    filters = agenda.AgendaFilters(first=first, last=last, theme=request.args.get("theme") or None)
    events = agenda.search(current_user, filters, now, limit=500)
    previous_month = (first - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    return render_template("events/month.html", weeks=agenda.month_grid(first, events), month=first, today=today,
                           previous_month=previous_month, next_month=next_month)


EMBED_LIMIT, EMBED_MAX = 10, 50


@bp.get("/evenements/integrer")
def embed():
    """Upcoming public events for partner sites to show in an <iframe>: no script, no form, no account."""
    theme = request.args.get("theme") or None
    if theme is not None and theme not in THEME_LABELS:
        abort(404)
    limit = min(max(request.args.get("limit", EMBED_LIMIT, type=int), 1), EMBED_MAX)
    events = agenda.search(None, agenda.AgendaFilters(theme=theme), utcnow(), limit=limit)
    response = make_response(render_template("events/embed.html", days=agenda.by_day(events), theme=theme))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Language")
    return allow_framing(response)


@bp.get("/evenements/<int:event_id>")
def show_event(event_id: int):
    now = utcnow()
    try:
        event = get_event(event_id, current_user)
    except NotFound as err:  # says why: a members-only event asks visitors to log in
        return render_error(404, str(err.message))
    mine = None
    if current_user.is_authenticated:
        mine = registrations.existing_registration(event, user=current_user)
    can_register = True
    try:
        registrations.check_open(event, now)
    except DomainError:
        can_register = False
    share_url = url_for("events.show_event", event_id=event.id, _external=True)
    return render_template("events/show_event.html", event=event, mine=mine, can_register=can_register,
                           guest_form=GuestRegistrationForm(), button=ButtonForm(), manage=may_manage(current_user, event),
                           share_url=share_url, now=now)


@bp.post("/evenements/<int:event_id>/inscription")
def register(event_id: int):
    now = utcnow()
    event = get_event(event_id, current_user)
    if current_user.is_authenticated:
        if not ButtonForm().validate_on_submit():
            abort(400)
        registration = committed(lambda: registrations.register_member(current_user, event, now=now))
        if registration is REFUSED:
            return redirect(url_for("events.show_event", event_id=event_id), 303)
        flash(_registration_message(registration.status), "success")
        from portal.payments.hooks import open_online_payment_id

        payment_id = open_online_payment_id(registration)
        if payment_id is not None:
            return redirect(url_for("payments.show_payment", payment_id=payment_id), 303)
        return redirect(url_for("events.show_event", event_id=event_id), 303)
    form = GuestRegistrationForm()
    if form.validate_on_submit():
        registered = committed(lambda: registrations.register_guest(event, name=form.name.data, email=form.email.data,
                                                                    now=now, language=str(get_locale())), form)
        if registered is not REFUSED:
            return render_template("events/check_inbox.html", event=event)
    return render_template("events/show_event.html", event=event, mine=None, can_register=True, guest_form=form,
                           button=ButtonForm(), manage=False, now=now,
                           share_url=url_for("events.show_event", event_id=event.id, _external=True)), 422


def _registration_message(status: RegistrationStatus) -> str:
    if status == RegistrationStatus.REGISTERED:
        return _("Vous êtes inscrit·e. Un e-mail de confirmation arrive avec l'événement pour votre agenda.")
    if status == RegistrationStatus.PENDING:
        return _("Demande d'inscription envoyée : l'organisateur la valide, votre place est gardée en attendant.")
    if status == RegistrationStatus.WAITLISTED:
        return _("L'événement est complet : vous êtes sur la liste d'attente. Nous vous écrirons si une place se libère.")
    return _("Votre inscription est enregistrée.")


@bp.route("/evenements/inscription/<token>/confirmer", methods=["GET", "POST"])
def confirm_guest(token: str):
    """The guest's e-mailed link shows a button; only the POST confirms."""
    registration = registrations.by_token(token)
    form = ButtonForm()
    if form.validate_on_submit():
        attempt(lambda: registrations.confirm_guest(token, now=utcnow()),
                lambda confirmed: _registration_message(confirmed.status))
        return redirect(url_for("events.manage_registration", token=token), 303)
    return render_template("events/confirm_registration.html", registration=registration, form=form,
                           action=url_for("events.confirm_guest", token=token), offer=False)


@bp.route("/evenements/inscription/<token>/place", methods=["GET", "POST"])
def confirm_offer(token: str):
    registration = registrations.by_token(token)
    form = ButtonForm()
    if form.validate_on_submit():
        attempt(lambda: registrations.confirm_offer(token, now=utcnow()), _("C'est confirmé : la place est à vous."))
        return redirect(url_for("events.manage_registration", token=token), 303)
    return render_template("events/confirm_registration.html", registration=registration, form=form,
                           action=url_for("events.confirm_offer", token=token), offer=True)


@bp.get("/evenements/inscription/<token>")
def manage_registration(token: str):
    from portal.payments.hooks import open_online_payment_id
    from portal.payments.views import allowing_stripe_redirects

    registration = registrations.by_token(token)
    to_pay = open_online_payment_id(registration)
    html = render_template("events/manage_registration.html", registration=registration, event=registration.event,
                           form=ButtonForm(), to_pay=to_pay)
    # The "pay" button leaves for the hosted payment page: the policy must let that form go there.
    return allowing_stripe_redirects(html) if to_pay else html


@bp.post("/evenements/inscription/<token>/annuler")
def cancel_registration(token: str):
    registration = registrations.by_token(token)
    if ButtonForm().validate_on_submit():
        registrations.cancel(registration, now=utcnow())
        db.session.commit()
        flash(_("Votre inscription est annulée."), "success")
    return redirect(url_for("events.manage_registration", token=token), 303)


@bp.get("/mes-inscriptions")
@login_required
def my_registrations():
    feed_url = None
    if current_user.calendar_token:
        feed_url = absolute_url("event_feeds.personal_feed", token=current_user.calendar_token)
    return render_template("events/my_registrations.html",
                           registrations=registrations.registrations_of(current_user, utcnow()), form=ButtonForm(),
                           feed_url=feed_url)


@bp.get("/medias/<path:name>")
def media(name: str):
    if "/" in name or name.startswith("."):
        abort(404)
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], name, max_age=31536000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

