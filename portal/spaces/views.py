"""Residents' pages: find a free slot, book it, see, cancel, check in, subscribe."""
from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_time, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice

from portal import pagecache
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import attempt, show_domain_error
from portal.qr import qr_svg
from portal.spaces import ical, notifications
from portal.spaces.errors import BookingConflict
from portal.spaces.forms import (
    ACCESSIBILITY_LABELS,
    AMENITY_LABELS,
    KIND_LABELS,
    PART_LABELS,
    WEEKDAY_CHOICES,
    RecurringForm,
    BookingForm,
    CancelForm,
    FilterForm,
)
from markupsafe import Markup

from portal.spaces.models import Audience, BookingStatus, SlotMode
from portal.spaces.parsing import parse_instant, parse_int
from portal.spaces.services import availability, bookings, feeds, queries, recurrence, rules
from portal.spaces.services import cache as availability_cache
from portal.timeutil import paris_today, to_paris
from portal.urls import absolute_url

bp = Blueprint("spaces", __name__)

LABELS = {"kinds": KIND_LABELS, "amenities": AMENITY_LABELS, "accessibility": ACCESSIBILITY_LABELS, "parts": PART_LABELS}


STATUS_LABELS = {
    "pending": _l("en attente de validation"),
    "confirmed": _l("confirmée"),
    "cancelled": _l("annulée"),
    "declined": _l("refusée"),
    "released": _l("libérée (absence)"),
    "awaiting_payment": _l("en attente de paiement"),
}


@bp.app_context_processor
def _space_helpers():
    return {
        "space_labels": LABELS,
        "booking_status_label": lambda status: STATUS_LABELS[getattr(status, "value", status)],
        "weekday_name": lambda index: WEEKDAY_CHOICES[index].label,
    }


def matching_spaces(form: FilterForm):
    spaces = queries.list_spaces()
    if form.kind.data:
        spaces = [s for s in spaces if s.kind.value == form.kind.data]
    if form.capacity.data:
        spaces = [s for s in spaces if s.capacity >= form.capacity.data]
    if form.amenity.data:
        spaces = [s for s in spaces if form.amenity.data in (s.amenities or [])]
    if form.step_free.data:
        spaces = [s for s in spaces if "step_free" in (s.accessibility or [])]
    return spaces


@bp.get("/reservations")
def book():
    now = utcnow()
    page = pagecache.anonymous_page(availability_cache.data_version(now), lambda **extra: _render_book(now, **extra))
    return page if page is not None else _render_book(now)


def _render_book(now, **extra) -> str:
    today = paris_today(now)
    form = FilterForm(request.args)
    form.validate()
    day = form.date.data if form.date.data and not form.date.errors else today
    day = max(day, today)
    single = parse_int(request.args.get("space"))
    filters = {k: v for k, v in request.args.items() if k != "date" and v}
    space_list = availability_cache.availability_pages.get(
        key=(day, tuple(sorted(filters.items())), str(get_locale()), _audience_key()),
        version=availability_cache.day_version(day, now),
        compute=lambda: _render_space_list(form, day, single, now),
    )
    return render_template(
        "spaces/book.html", form=form, day=day, today=today, single=bool(single), space_list=space_list,
        previous_day=day - timedelta(days=1), next_day=day + timedelta(days=1), filters=filters, **extra,
    )


def _audience_key() -> tuple:
    """What changes the list for this visitor: which spaces they may book, and staff rules."""
    if not current_user.is_authenticated:
        return ("anonymous",)
    return (current_user.is_staff, *(rules.may_book(current_user, s) for s in _AUDIENCE_PROBES))


class _Probe:
    def __init__(self, audience):
        self.bookable_by = audience


_AUDIENCE_PROBES = [_Probe(audience) for audience in Audience]


def _render_space_list(form: FilterForm, day, single: int | None, now) -> Markup:
    spaces = matching_spaces(form)
    if single:
        spaces = [s for s in spaces if s.id == single]
    staff = current_user.is_authenticated and current_user.is_staff
    if current_user.is_authenticated:
        spaces = [s for s in spaces if rules.may_book(current_user, s)]
    days = availability.day_availability(spaces, day, now, staff=staff)
    return Markup(render_template(
        "spaces/_space_list.html", days=days, day=day, single=bool(single), form=form, today=paris_today(now),
        filters={k: v for k, v in request.args.items() if k != "date" and v},
        slot_href=SlotLinks(url_for("spaces.new_booking")), time_label=TimeLabels(), shown_per_room=ROOM_SLOTS_SHOWN,
    ))


# A phone screen shows a few start times per room; "all times" opens that room's day.
ROOM_SLOTS_SHOWN = 8


class SlotLinks:
    """Builds the "book this slot" link of hundreds of slots without url_for's per-call cost."""

    def __init__(self, base: str):
        self.base = base

    def __call__(self, space_id: int, slot) -> str:
        return (f"{self.base}?space={space_id}&start={quote(slot.starts_at.isoformat())}"
                f"&end={quote(slot.ends_at.isoformat())}")


class TimeLabels:
    """Formats each distinct instant once per page (slots of every room share their times)."""

    def __init__(self):
        self.cache: dict = {}

    def __call__(self, moment) -> str:
        label = self.cache.get(moment)
        if label is None:
            label = self.cache[moment] = format_time(moment, "short")
        return label


@bp.get("/reservations/confirmer")
@login_required
def new_booking():
    now = utcnow()
    try:
        space = queries.get_space(parse_int(request.args.get("space"), 0))
        starts_at = parse_instant(request.args.get("start"), "starts_at")
        ends_at = parse_instant(request.args.get("end"), "ends_at")
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("spaces.book")), 303
    form = BookingForm(space_id=space.id, starts_at=starts_at.isoformat(), ends_at=ends_at.isoformat(),
                       idempotency_key=uuid.uuid4().hex)
    preselected = parse_int(request.args.get("resource"))
    return _render_confirmation(form, space, starts_at, ends_at, now, preselected=preselected)


def _render_confirmation(form, space, starts_at, ends_at, now, *, preselected=None, status=200, suggestions=None):
    problem = None
    try:
        rules.check_times(space, starts_at, ends_at, now, staff=current_user.is_staff)
        rules.check_may_book(current_user, space)
    except DomainError as err:
        problem = str(err.message)
        status = status if status != 200 else 422
    day = availability.day_availability([space], to_paris(starts_at).date(), now, staff=current_user.is_staff)[0]
    free_desks = []
    if space.is_desk_area:
        slot = next((s for s in day.slots if s.starts_at == starts_at and s.ends_at == ends_at), None)
        free_desks = [r for r in space.resources if slot and r.id in slot.free_resource_ids]
        form.resource_id.choices = [SelectChoice("", _("N'importe quel poste libre"))] + [
            SelectChoice(str(r.id), r.name) for r in free_desks]
        if preselected and any(r.id == preselected for r in free_desks):
            form.resource_id.data = str(preselected)
    durations = []
    if space.slot_mode == SlotMode.GRID and day.hours is not None:
        durations = _duration_choices(space, day, starts_at)
    return render_template(
        "spaces/new_booking.html", form=form, space=space, starts_at=starts_at, ends_at=ends_at,
        problem=problem, durations=durations, suggestions=suggestions or [], free_desks=free_desks,
        conflict=suggestions is not None,  # taken meanwhile, even when nothing else is free to suggest
    ), status


def _duration_choices(space, day, starts_at):
    """End times reachable from this start without crossing a taken slot or the rules."""
    choices = []
    slots = [s for s in day.slots if s.starts_at >= starts_at]
    common = None
    for slot in slots:
        if slot.starts_at != (choices[-1][0] if choices else starts_at):
            break
        common = set(slot.free_resource_ids) if common is None else common & set(slot.free_resource_ids)
        if not common or slot.ends_at - starts_at > timedelta(minutes=space.max_duration_minutes):
            break
        choices.append((slot.ends_at, slot.ends_at - starts_at))
    return choices


@bp.post("/reservations")
@login_required
def create_booking():
    now = utcnow()
    form = BookingForm()
    try:
        space = queries.get_space(parse_int(form.space_id.data, 0))
        starts_at = parse_instant(form.starts_at.data, "starts_at")
        ends_at = parse_instant(form.ends_at.data, "ends_at")
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("spaces.book")), 303
    if not form.validate_on_submit():
        return _render_confirmation(form, space, starts_at, ends_at, now, status=422)
    try:
        booking = bookings.create_booking(
            current_user, space_id=space.id, starts_at=starts_at, ends_at=ends_at, now=now,
            title=form.title.data or "", resource_id=parse_int(form.resource_id.data),
            idempotency_key=form.idempotency_key.data or None,
        )
    except BookingConflict as err:
        db.session.rollback()
        form.idempotency_key.data = uuid.uuid4().hex
        return _render_confirmation(form, space, starts_at, ends_at, now, status=409, suggestions=err.suggestions)
    except DomainError as err:
        db.session.rollback()
        show_domain_error(form, err)
        return _render_confirmation(form, space, starts_at, ends_at, now, status=422)
    db.session.commit()
    if booking.status.value == "awaiting_payment":
        return redirect(url_for("payments.pay_booking", booking_id=booking.id), 303)
    if booking.status.value == "pending":
        flash(_("Demande envoyée : l'équipe doit la valider. Le créneau vous est gardé en attendant."), "success")
    else:
        flash(_("Réservation confirmée."), "success")
    return redirect(url_for("spaces.show_booking", booking_id=booking.id), 303)


@bp.get("/reservations/<int:booking_id>")
@login_required
def show_booking(booking_id: int):
    now = utcnow()
    booking = bookings.get_booking(booking_id, current_user)
    check_in_url = absolute_url("spaces_staff.check_in", booking_id=booking.id, token=booking.check_in_token)
    cancellable = True
    try:
        rules.check_cancellable(booking, now, staff=current_user.is_staff)
    except DomainError:
        cancellable = False
    return render_template(
        "spaces/show_booking.html", booking=booking, space=booking.resource.space, cancellable=cancellable,
        can_check_in=bookings.can_check_in(booking, now), can_leave_early=bookings.can_leave_early(booking, now),
        cancel_form=CancelForm(), qr=qr_svg(check_in_url, label=_("Code QR de la réservation n° %(id)s", id=booking.id)),
        now=now,
    )


@bp.post("/reservations/<int:booking_id>/annuler")
@login_required
def cancel_booking(booking_id: int):
    form = CancelForm()
    booking = bookings.get_booking(booking_id, current_user)
    if form.validate_on_submit():
        attempt(lambda: bookings.cancel_booking(current_user, booking, now=utcnow()), _("Réservation annulée."))
    return redirect(url_for("spaces.show_booking", booking_id=booking_id), 303)


@bp.post("/reservations/<int:booking_id>/arrivee")
@login_required
def check_in_self(booking_id: int):
    """The resident says "I'm here" from their phone (the desk's QR code leads here too)."""
    booking = bookings.get_booking(booking_id, current_user)
    if CancelForm().validate_on_submit():
        attempt(lambda: bookings.check_in(current_user, booking, now=utcnow()),
                _("Arrivée enregistrée. Bonne journée aux Chrysalides !"))
    return redirect(url_for("spaces.show_booking", booking_id=booking_id), 303)


@bp.post("/reservations/<int:booking_id>/liberer")
@login_required
def leave_early(booking_id: int):
    """The holder leaves before the end: the rest of the slot becomes free for others."""
    booking = bookings.get_booking(booking_id, current_user)
    if CancelForm().validate_on_submit():
        attempt(lambda: bookings.leave_early(current_user, booking, now=utcnow()),
                lambda ends_at: _("Merci ! La place est libre pour d'autres à partir de %(time)s.",
                                  time=format_time(ends_at, "short")))
    return redirect(url_for("spaces.show_booking", booking_id=booking_id), 303)


@bp.post("/reservations/<int:booking_id>/annuler-la-suite")
@login_required
def cancel_series(booking_id: int):
    form = CancelForm()
    booking = bookings.get_booking(booking_id, current_user)
    if form.validate_on_submit():
        count = recurrence.cancel_rest_of_series(current_user, booking, now=utcnow())
        db.session.commit()
        flash(ngettext("%(num)s réservation de la série est annulée.", "%(num)s réservations de la série sont annulées.",
                       count), "success")
    return redirect(url_for("spaces.my_bookings"), 303)


@bp.get("/reservations/<int:booking_id>/calendrier.ics")
@login_required
def booking_ics(booking_id: int):
    booking = bookings.get_booking(booking_id, current_user)
    body = ical.bookings_calendar([booking], name=_("Mes réservations"), describe=notifications.describe)
    return _ics_response(body, f"reservation-{booking.id}.ics")


@bp.get("/mes-reservations")
@login_required
def my_bookings():
    now = utcnow()
    feed_url = None
    if current_user.calendar_token:
        feed_url = absolute_url("spaces.personal_feed", token=current_user.calendar_token)
    return render_template(
        "spaces/my_bookings.html",
        upcoming=bookings.bookings_of(current_user, now, upcoming=True),
        past=bookings.bookings_of(current_user, now, upcoming=False, limit=20),
        feed_url=feed_url, webcal_url=feed_url and "webcal://" + feed_url.split("://", 1)[1],
        form=CancelForm(),
    )


@bp.post("/mes-reservations/calendrier")
@login_required
def regenerate_feed():
    if CancelForm().validate_on_submit():
        feeds.regenerate_feed_token(current_user)
        db.session.commit()
        flash(_("Nouvelle adresse d'abonnement créée. L'ancienne ne fonctionne plus."), "success")
    return redirect(url_for("spaces.my_bookings") + "#calendrier", 303)


@bp.post("/mes-reservations/calendrier/supprimer")
@login_required
def revoke_feed():
    if CancelForm().validate_on_submit():
        feeds.revoke_feed_token(current_user)
        db.session.commit()
        flash(_("L'adresse d'abonnement est supprimée."), "success")
    return redirect(url_for("spaces.my_bookings") + "#calendrier", 303)


@bp.get("/calendrier/<token>.ics")
def personal_feed(token: str):
    user = feeds.user_for_feed(token)
    if user is None:
        abort(404)
    from flask_babel import force_locale

    with force_locale(user.preferred_language):
        body = ical.bookings_calendar(feeds.feed_bookings(user, utcnow()), name=_("Mes réservations aux Chrysalides"),
                                      describe=notifications.describe)
    return _ics_response(body, "reservations.ics", inline=True)


def _ics_response(body: bytes, filename: str, *, inline: bool = False) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@bp.get("/espaces/<int:space_id>")
def show_space(space_id: int):
    space = queries.get_space(space_id)
    return render_template("spaces/show_space.html", space=space)


@bp.get("/poste/<qr_token>")
def desk(qr_token: str):
    """What the QR code printed on a desk opens: book this desk now, if it is free."""
    now = utcnow()
    resource = queries.resource_by_qr(qr_token)
    if resource is None:
        abort(404)
    space = resource.space
    day = availability.day_availability([space], paris_today(now), now, staff=False)[0]
    slots = [s for s in day.slots if s.open_for_booking and s.ends_at > now]
    mine = None
    if current_user.is_authenticated:
        mine = bookings.current_booking_on(resource, current_user, now)
    return render_template("spaces/desk.html", resource=resource, space=space, day=day,
                           slots=slots, now=now, mine=mine, form=CancelForm())


@bp.route("/reservations/recurrente", methods=["GET", "POST"])
@login_required
def new_series():
    """Preview every occurrence and its conflicts, then book the free ones."""
    now = utcnow()
    form = RecurringForm()
    form.space_id.choices = [SelectChoice(s.id, s.name) for s in queries.list_spaces()
                             if rules.may_book(current_user, s) and s.slot_mode == SlotMode.GRID]
    if request.method == "GET":
        form.starts_on.data = paris_today(now) + timedelta(days=1)
        form.until.data = form.starts_on.data + timedelta(weeks=8)
        form.idempotency_key.data = uuid.uuid4().hex
    occurrences = None
    if form.validate_on_submit():
        arguments = dict(space_id=form.space_id.data, starts_on=form.starts_on.data, until=form.until.data,
                         start=form.start_time.data, end=form.end_time.data,
                         weekdays={int(d) for d in form.weekdays.data}, interval_weeks=form.interval_weeks.data,
                         now=now)
        try:
            if request.form.get("action") == "confirm":
                _series, booked, skipped = recurrence.book_series(current_user, title=form.title.data or "", **arguments)
                db.session.commit()
                flash(_("Dates réservées : %(booked)s. Dates impossibles : %(skipped)s.", booked=len(booked),
                        skipped=len(skipped)), "success")
                to_pay = next((b for b in booked if b.status == BookingStatus.AWAITING_PAYMENT), None)
                if to_pay is not None:  # one payment holds every date left to pay (others used credits)
                    return redirect(url_for("payments.pay_booking", booking_id=to_pay.id), 303)
                return redirect(url_for("spaces.my_bookings"), 303)
            occurrences = recurrence.preview_series(current_user, **arguments)
        except DomainError as err:
            db.session.rollback()
            show_domain_error(form, err)
    status = 422 if form.errors else 200
    space = queries.get_space(form.space_id.data) if occurrences else None
    return render_template("spaces/new_series.html", form=form, occurrences=occurrences, space=space), status
