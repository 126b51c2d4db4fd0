"""A recurring booking of a paid room is paid once for all its occurrences, each keeping its share:
cancelling one gives back (or no longer asks for) that share only."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from tests.payments.conftest import make_event

HOUR = 2000  # the priced room: 20 € an hour at the individual rate


@pytest.fixture
def weekly(db, make_user, priced_room):
    """book() → (member, payment, bookings) for a one-hour slot on the same weekday, three weeks running."""
    from portal.db import utcnow
    from portal.spaces.services import recurrence
    from portal.timeutil import paris_today

    def book(member=None):
        member = member or make_user()
        space = priced_room("Salle Loire payante")
        first = paris_today(utcnow()) + timedelta(days=7)
        _series, booked, skipped = recurrence.book_series(
            member, space_id=space.id, starts_on=first, until=first + timedelta(days=14), start=time(10),
            end=time(11), weekdays={first.weekday()}, interval_weeks=1, title="Atelier hebdo", now=utcnow())
        db.session.commit()
        assert (len(booked), skipped) == (3, [])
        return member, _payment(db, booked[0].id), booked

    return book


def _payment(db, booking_id):
    from portal.payments.services.lifecycle import payment_for_booking

    db.session.rollback()  # end this test's read: the server wrote meanwhile
    return payment_for_booking(booking_id)


def _statuses(db, bookings):
    db.session.rollback()  # end this test's read: the server wrote meanwhile
    return [b.status.value for b in bookings]


def _open_page(db, payment, *, later=timedelta(0)) -> str:
    """The hosted payment page opened for ``payment`` (as its "pay" button does); returns its session id."""
    from portal.db import utcnow
    from portal.payments.services import checkout

    checkout.start(payment, now=utcnow() + later, success_url="http://portal.test/ok",
                   cancel_url="http://portal.test/ko")
    db.session.commit()
    return payment.stripe_session_id


def _pay(db, stripe_on, paid_intent, post_event, payment):
    _open_page(db, payment)
    session = stripe_on.complete(payment.stripe_session_id, payment_intent=paid_intent(payment.amount_cents))
    outcome = post_event(make_event("checkout.session.completed", session)).json["outcome"]
    db.session.rollback()  # end this test's read: the server wrote meanwhile
    return outcome


def test_one_payment_holds_every_occurrence_and_confirms_them_together(db, stripe_on, weekly, paid_intent, post_event):
    from portal.payments.models import Document, Payment

    member, payment, bookings = weekly()

    assert _series_mails(db, member) == []
    assert (payment.amount_cents, payment.status.value, payment.user_id) == (3 * HOUR, "pending", member.id)
    assert payment.hold_expires_at is not None and payment.booking_id is None
    assert db.session.scalar(select(Payment.id).where(Payment.user_id == member.id, Payment.id != payment.id)) is None
    assert _statuses(db, bookings) == ["awaiting_payment"] * 3

    assert _pay(db, stripe_on, paid_intent, post_event, payment) == "fulfilled"

    assert _statuses(db, bookings) == ["confirmed"] * 3
    receipts = db.session.scalars(select(Document).where(Document.payment_id == payment.id)).all()
    assert [(d.kind.value, d.amount_cents) for d in receipts] == [("receipt", 3 * HOUR)]
    (announced,) = _series_mails(db, member)  # once paid, not before
    assert announced.body_text.count("10:00 – 11:00") == 3


def test_an_occurrence_cancelled_before_paying_is_no_longer_asked_for(db, stripe_on, weekly, paid_intent, post_event):
    from portal.db import utcnow
    from portal.spaces.services.bookings import cancel_booking

    member, payment, bookings = weekly()
    cancel_booking(member, bookings[1], now=utcnow())
    db.session.commit()

    payment = _payment(db, bookings[0].id)
    assert payment.amount_cents == 2 * HOUR and payment.status.value == "pending"
    assert _payment(db, bookings[1].id) is None
    assert _pay(db, stripe_on, paid_intent, post_event, payment) == "fulfilled"
    assert _statuses(db, bookings) == ["confirmed", "cancelled", "confirmed"]
    assert _payment(db, bookings[0].id).refunded_cents == 0


def test_cancelling_once_the_payment_page_is_open_closes_it_and_asks_for_less(db, stripe_on, weekly):
    from portal.db import utcnow
    from portal.spaces.services.bookings import cancel_booking

    member, payment, bookings = weekly()
    first_session = _open_page(db, payment)

    cancel_booking(member, bookings[2], now=utcnow())
    db.session.commit()

    payment = _payment(db, bookings[0].id)
    assert stripe_on.session(first_session)["status"] == "expired"
    assert (payment.amount_cents, payment.stripe_session_id) == (2 * HOUR, None)
    _open_page(db, payment, later=timedelta(seconds=5))
    assert stripe_on.created()[-1]["form"]["line_items[0][price_data][unit_amount]"] == str(2 * HOUR)


def test_cancelling_every_occurrence_cancels_the_payment(db, stripe_on, weekly):
    from portal.db import utcnow
    from portal.spaces.services.bookings import cancel_booking

    member, payment, bookings = weekly()
    for booking in bookings:
        cancel_booking(member, booking, now=utcnow())
    db.session.commit()

    db.session.refresh(payment)
    assert payment.status.value == "cancelled"
    assert _statuses(db, bookings) == ["cancelled"] * 3


def test_a_paid_occurrence_cancelled_in_time_gives_back_its_share(db, stripe_on, weekly, paid_intent, post_event):
    from portal.db import utcnow
    from portal.payments.models import Document, DocumentKind
    from portal.spaces.services.bookings import cancel_booking

    member, payment, bookings = weekly()
    assert _pay(db, stripe_on, paid_intent, post_event, payment) == "fulfilled"

    cancel_booking(member, bookings[0], now=utcnow())
    db.session.commit()

    payment = _payment(db, bookings[1].id)
    assert (payment.status.value, payment.refunded_cents) == ("partially_refunded", HOUR)
    notes = db.session.scalars(select(Document).where(Document.payment_id == payment.id,
                                                      Document.kind == DocumentKind.CREDIT_NOTE)).all()
    assert [n.amount_cents for n in notes] == [HOUR]
    assert _statuses(db, bookings) == ["cancelled", "confirmed", "confirmed"]


def test_an_unpaid_series_is_released_and_a_late_payment_takes_back_only_the_free_dates(
        db, stripe_on, weekly, make_user, paid_intent, post_event):
    from portal.db import utcnow
    from portal.payments.services import checkout
    from portal.spaces.services.bookings import create_booking

    member, payment, bookings = weekly()
    session_id = _open_page(db, payment)
    stripe_on.complete(session_id, payment_intent=None)  # paid at the last second, the webhook not yet here
    stripe_on.sessions[session_id].update(status="open", payment_status="unpaid")
    assert checkout.sweep(utcnow() + timedelta(minutes=40)) == (1, 0)
    db.session.commit()
    assert _statuses(db, bookings) == ["cancelled"] * 3

    someone = make_user(roles=("member", "staff"))  # staff: books the freed slot without paying
    create_booking(someone, space_id=bookings[1].resource.space_id, starts_at=bookings[1].starts_at,
                   ends_at=bookings[1].ends_at, now=utcnow())
    db.session.commit()

    session = stripe_on.complete(session_id, payment_intent=paid_intent(3 * HOUR))
    assert post_event(make_event("checkout.session.completed", session)).json["outcome"] == "fulfilled"

    assert _statuses(db, bookings) == ["confirmed", "cancelled", "confirmed"]
    payment = _payment(db, bookings[0].id)
    assert (payment.status.value, payment.refunded_cents) == ("partially_refunded", HOUR)


def test_a_member_sees_the_total_books_the_series_and_pays_or_gives_up_from_one_page(
        app, db, stripe_on, make_user, priced_room):
    from portal.db import utcnow
    from portal.timeutil import paris_today
    from tests.support import PASSWORD, page

    space = priced_room("Salle Marne payante")
    member = make_user()
    client = app.test_client()
    assert client.post("/connexion", data={"email": member.email, "password": PASSWORD}).status_code == 302
    first = paris_today(utcnow()) + timedelta(days=7)
    form = {"space_id": str(space.id), "starts_on": first.isoformat(), "until": (first + timedelta(weeks=2)).isoformat(),
            "start_time": "10:00", "end_time": "11:00", "weekdays": [str(first.weekday())], "interval_weeks": "1",
            "title": "Cours de couture"}

    preview = page(client.post("/reservations/recurrente", data={**form, "action": "preview"}))
    assert "À payer en une fois à la confirmation : 60,00\u00a0€ pour 3 dates (20,00\u00a0€ chacune" in preview

    booked = client.post("/reservations/recurrente", data={**form, "action": "confirm"})
    assert booked.status_code == 303 and "/paiement" in booked.headers["Location"]
    payment_page = client.get(client.get(booked.headers["Location"]).headers["Location"])
    text = page(payment_page)
    assert "Payer 60,00\u00a0€ en ligne" in text and text.count("— 20,00\u00a0€") == 3
    assert stripe_on.url in payment_page.headers["Content-Security-Policy"]

    payment_id = int(payment_page.request.path.rstrip("/").split("/")[-1])
    assert client.post(f"/paiements/{payment_id}/abandonner").status_code == 303
    db.session.rollback()
    payment = _payment_by_id(db, payment_id)
    assert payment.status.value == "cancelled"
    assert _statuses(db, [b for b, _share in _dates(payment_id)]) == ["cancelled"] * 3


def _payment_by_id(db, payment_id):
    from portal.payments.models import Payment

    return db.session.get(Payment, payment_id)


def _dates(payment_id):
    from portal.payments.services.bookings_link import dates_paid_by

    return dates_paid_by(payment_id)


def test_without_online_payment_the_dates_are_booked_and_paid_once_at_the_desk(db, weekly, make_user):
    from portal.db import utcnow
    from portal.payments.models import Document, PaymentMethod
    from portal.payments.services import lifecycle

    member, payment, bookings = weekly()
    assert (payment.method.value, payment.amount_cents, payment.hold_expires_at) == ("desk", 3 * HOUR, None)
    assert _statuses(db, bookings) == ["confirmed"] * 3

    staff = make_user(roles=("member", "staff"))
    payment = _payment(db, bookings[0].id)
    assert lifecycle.record_desk_payment(staff, payment, method=PaymentMethod.CHEQUE, note="chèque n° 12", now=utcnow())
    db.session.commit()

    payment = _payment(db, bookings[0].id)
    assert (payment.status.value, payment.refunded_cents) == ("paid", 0)
    assert [d.amount_cents for d in db.session.scalars(select(Document).where(Document.payment_id == payment.id))] == [
        3 * HOUR]
    assert _statuses(db, bookings) == ["confirmed"] * 3
    assert len(_series_mails(db, member)) == 1  # when booked; paying at the desk announces nothing again


def test_the_page_closed_for_a_cancelled_date_expiring_frees_nothing_else(db, stripe_on, weekly, post_event):
    from portal.db import utcnow
    from portal.spaces.services.bookings import cancel_booking

    member, payment, bookings = weekly()
    first_page = _open_page(db, payment)
    cancel_booking(member, bookings[2], now=utcnow())
    db.session.commit()

    answer = post_event(make_event("checkout.session.expired", stripe_on.session(first_page)))

    assert answer.json["outcome"] == "superseded session"
    assert _statuses(db, bookings) == ["awaiting_payment", "awaiting_payment", "cancelled"]
    assert _payment(db, bookings[0].id).status.value == "pending"


def test_a_new_payment_page_asks_for_the_dates_still_covered(db, stripe_on, weekly):
    """Stripe could not close the first page when a date was cancelled: the amount stayed; the next
    page asks for what the remaining dates cost."""
    from portal.payments.models import Payment, PaymentBooking

    member, payment, bookings = weekly()
    db.session.delete(db.session.get(PaymentBooking, (payment.id, bookings[2].id)))
    db.session.commit()
    assert db.session.get(Payment, payment.id).amount_cents == 3 * HOUR

    _open_page(db, payment)

    assert _payment(db, bookings[0].id).amount_cents == 2 * HOUR
    assert stripe_on.created()[-1]["form"]["line_items[0][price_data][unit_amount]"] == str(2 * HOUR)


def test_a_series_partly_covered_by_credits_sends_the_member_to_pay_the_rest(app, db, stripe_on, make_user,
                                                                              priced_room):
    from portal.db import utcnow
    from portal.payments.models import CreditKind
    from portal.payments.services import credits
    from portal.spaces.models import Booking
    from portal.timeutil import paris_today
    from tests.support import PASSWORD

    space = priced_room("Salle Yonne payante")
    member = make_user()
    credits.grant(CreditKind.ROOM_HOUR, 1, reason="Essai", now=utcnow(), actor_id=None, user_id=member.id)
    db.session.commit()
    client = app.test_client()
    assert client.post("/connexion", data={"email": member.email, "password": PASSWORD}).status_code == 302
    first = paris_today(utcnow()) + timedelta(days=7)
    form = {"space_id": str(space.id), "starts_on": first.isoformat(), "until": (first + timedelta(weeks=2)).isoformat(),
            "start_time": "10:00", "end_time": "11:00", "weekdays": [str(first.weekday())], "interval_weeks": "1",
            "action": "confirm"}

    booked = client.post("/reservations/recurrente", data=form)

    assert booked.status_code == 303 and booked.headers["Location"].endswith("/paiement")
    db.session.rollback()
    statuses = [b.status.value for b in db.session.scalars(
        select(Booking).where(Booking.user_id == member.id).order_by(Booking.starts_at))]
    assert statuses == ["confirmed", "awaiting_payment", "awaiting_payment"]


def _series_mails(db, member):
    from portal.mail.models import OutboxMessage

    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == member.email, OutboxMessage.subject.startswith("Réservation récurrente"))))
