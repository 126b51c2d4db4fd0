"""Visitors without an account pay their ticket online through their registration's secret link; a
place offered from the waiting list is paid like any other."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.payments.test_tickets import _paid_event
from tests.support import page

GUEST = {"name": "Nadia Visiteuse", "email": "nadia@example.org"}


def _outbox(db, address, subject):
    from portal.mail.models import OutboxMessage

    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address,
                                                               OutboxMessage.subject == subject)))


def _guest_registers_and_confirms(app, db, event):
    from portal.events.models import Registration

    visitor = app.test_client()
    event_page = page(visitor.get(f"/evenements/{event.id}"))
    assert visitor.post(f"/evenements/{event.id}/inscription", data=GUEST).status_code == 200  # "check your inbox"
    db.session.rollback()
    registration = db.session.scalar(select(Registration).where(Registration.guest_email == GUEST["email"]))
    assert registration.status.value == "unconfirmed"
    assert visitor.post(f"/evenements/inscription/{registration.token}/confirmer").status_code == 303
    db.session.rollback()
    db.session.refresh(registration)
    return visitor, registration, event_page


def _ticket(db, registration):
    from portal.payments.models import Payment

    db.session.rollback()
    return db.session.scalar(select(Payment).where(Payment.registration_id == registration.id))


def test_a_visitor_pays_their_ticket_online_gets_a_receipt_and_a_refund(app, db, stripe_on, make_user, paid_intent):
    from portal.payments.models import Document, DocumentKind

    event = _paid_event(db, make_user, capacity=2)
    visitor, registration, event_page = _guest_registers_and_confirms(app, db, event)
    assert "Billet : 12,00\u00a0€, à payer en ligne une fois votre inscription confirmée par e-mail" in event_page
    assert registration.status.value == "registered"
    ticket = _ticket(db, registration)
    assert (ticket.user_id, ticket.amount_cents, ticket.category.value, ticket.status.value) == (
        None, 1200, "individual", "pending")
    assert ticket.hold_expires_at is not None
    (confirmed,) = _outbox(db, GUEST["email"], "Inscription confirmée : Atelier payant")
    assert "Il reste à payer votre billet (12,00\u00a0€) avant le" in confirmed.body_text
    assert f"/evenements/inscription/{registration.token}" in confirmed.body_text

    manage = visitor.get(f"/evenements/inscription/{registration.token}")
    assert "Payer mon billet en ligne (12,00\u00a0€)" in page(manage)
    assert stripe_on.url in manage.headers["Content-Security-Policy"]  # the form may leave for the payment page

    paying = visitor.post(f"/evenements/inscription/{registration.token}/payer")
    assert paying.status_code == 303 and paying.headers["Location"].startswith(stripe_on.url)
    (sent,) = stripe_on.created()
    assert sent["form"]["customer_email"] == GUEST["email"] and "customer" not in sent["form"]
    session_id = _ticket(db, registration).stripe_session_id
    stripe_on.complete(session_id, payment_intent=paid_intent(1200))

    back = visitor.get(f"/evenements/inscription/{registration.token}/paiement/merci?session_id={session_id}")
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/evenements/inscription/{registration.token}")
    ticket = _ticket(db, registration)
    assert ticket.status.value == "paid"
    receipt = db.session.scalar(select(Document).where(Document.payment_id == ticket.id,
                                                       Document.kind == DocumentKind.RECEIPT))
    assert (receipt.customer_name, receipt.customer_email, receipt.amount_cents) == (
        GUEST["name"], GUEST["email"], 1200)
    (mail,) = _outbox(db, GUEST["email"], "Paiement reçu")
    assert "Bonjour Nadia Visiteuse" in mail.body_text
    assert f"/evenements/inscription/{registration.token}" in mail.body_text  # their page, not a members' one

    pdf = visitor.get(f"/evenements/inscription/{registration.token}/recu/{receipt.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert visitor.get(f"/evenements/inscription/not-the-token/recu/{receipt.id}.pdf").status_code == 404
    assert "Payer mon billet" not in page(visitor.get(f"/evenements/inscription/{registration.token}"))

    assert visitor.post(f"/evenements/inscription/{registration.token}/annuler").status_code == 303
    ticket = _ticket(db, registration)
    assert ticket.status.value == "refunded"
    (refund_mail,) = _outbox(db, GUEST["email"], "Remboursement effectué")
    assert "Bonjour Nadia Visiteuse" in refund_mail.body_text and "12,00" in refund_mail.body_text


def test_an_unpaid_visitor_ticket_gives_the_seat_to_the_waiting_list(app, db, stripe_on, make_user):
    from portal.db import utcnow
    from portal.events.services import registrations
    from portal.payments.services import checkout

    event = _paid_event(db, make_user, capacity=1)
    _visitor, registration, _page = _guest_registers_and_confirms(app, db, event)
    waiting = registrations.register_member(make_user(), event, now=utcnow())
    db.session.commit()
    assert waiting.status.value == "waitlisted"

    assert checkout.sweep(utcnow() + timedelta(minutes=31)) == (1, 0)
    db.session.commit()
    db.session.refresh(registration)
    db.session.refresh(waiting)
    assert registration.status.value == "cancelled" and waiting.status.value == "offered"
    assert _ticket(db, registration).status.value == "expired"


def test_a_place_taken_from_the_waiting_list_is_paid_like_any_other(app, db, stripe_on, make_user):
    from portal.db import utcnow
    from portal.events.services import registrations
    from portal.payments.models import Payment

    event = _paid_event(db, make_user, capacity=1)
    first, second = make_user(), make_user()
    mine = registrations.register_member(first, event, now=utcnow())
    waiting = registrations.register_member(second, event, now=utcnow())
    db.session.commit()
    registrations.cancel(mine, now=utcnow())
    db.session.commit()
    db.session.refresh(waiting)
    assert waiting.status.value == "offered"
    assert db.session.scalar(select(Payment).where(Payment.registration_id == waiting.id)) is None

    registrations.confirm_offer(waiting.token, now=utcnow())
    db.session.commit()

    ticket = db.session.scalar(select(Payment).where(Payment.registration_id == waiting.id))
    assert (ticket.user_id, ticket.amount_cents, ticket.status.value) == (second.id, 1200, "pending")
    assert ticket.hold_expires_at is not None


def test_without_online_payment_a_visitor_pays_at_the_door(app, db, make_user):
    from portal.payments.models import Payment

    event = _paid_event(db, make_user, capacity=2)
    visitor, registration, event_page = _guest_registers_and_confirms(app, db, event)

    assert "Billet : 12,00\u00a0€, à régler à l’accueil." in event_page
    assert registration.status.value == "registered"
    assert db.session.scalar(select(Payment).where(Payment.registration_id == registration.id)) is None
    assert visitor.post(f"/evenements/inscription/{registration.token}/payer").status_code == 404


def test_the_desk_names_who_pays_with_the_same_queries_whatever_the_number(app, db, stripe_on, make_user):
    from portal.db import utcnow
    from portal.events.services import registrations
    from tests.support import PASSWORD

    event = _paid_event(db, make_user, capacity=50)
    staff = make_user(roles=("member", "staff"))
    desk = app.test_client()
    assert desk.post("/connexion", data={"email": staff.email, "password": PASSWORD}).status_code == 302
    db.session.rollback()  # the sign-in wrote: read afresh

    def add(count):
        for n in range(count):
            registrations.register_member(make_user(name=f"Membre {n}"), event, now=utcnow())
            guest = registrations.register_guest(event, name=f"Visiteur {n}", email=f"v{n}-{id(desk)}@example.org",
                                                 now=utcnow())
            registrations.confirm_guest(guest.token, now=utcnow())
        db.session.commit()

    add(1)
    first, few = _desk_queries(db, desk)
    assert "Visiteur 0" in page(first) and "Membre 0" in page(first)
    add(4)
    second, many = _desk_queries(db, desk)
    assert "Visiteur 3" in page(second)
    assert many == few


def _desk_queries(db, client):
    from sqlalchemy import event as sa_event

    statements = []

    def count(*_args):
        statements.append(1)

    db.session.rollback()
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/equipe/paiements")
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    db.session.rollback()  # end the request's read, which shared this test's session
    assert response.status_code == 200
    return response, len(statements)


def test_a_cancelled_event_refunds_its_tickets_in_full_and_takes_no_more_money(app, db, stripe_on, make_user,
                                                                              paid_intent, post_event):
    from portal.db import utcnow
    from portal.events.services import events as event_service
    from portal.events.services import registrations
    from tests.payments.conftest import make_event

    event = _paid_event(db, make_user, capacity=5)
    visitor, unpaid, _page = _guest_registers_and_confirms(app, db, event)
    paid = registrations.register_member(make_user(), event, now=utcnow())
    db.session.commit()
    ticket = _ticket(db, paid)
    session = {"id": "cs_paid_ticket", "object": "checkout.session", "metadata": {"payment_id": str(ticket.id)},
               "payment_status": "paid", "status": "complete", "payment_intent": paid_intent(1200)}
    assert post_event(make_event("checkout.session.completed", session)).json["outcome"] == "fulfilled"
    db.session.rollback()

    event_service.cancel_event(event.organiser, event, "Salle inondée, désolés.",
                               now=utcnow() + timedelta(days=9, hours=20))  # inside the late-refund window
    db.session.commit()

    assert (_ticket(db, paid).status.value, _ticket(db, paid).refunded_cents) == ("refunded", 1200)
    assert _ticket(db, unpaid).status.value == "cancelled"
    paying = visitor.post(f"/evenements/inscription/{unpaid.token}/payer")
    assert paying.status_code == 303 and not paying.headers["Location"].startswith(stripe_on.url)
    assert "Payer mon billet" not in page(visitor.get(f"/evenements/inscription/{unpaid.token}"))


def test_a_declined_registration_gets_its_ticket_money_back(app, db, stripe_on, make_user, paid_intent, post_event):
    from portal.db import utcnow
    from portal.events.models import RegistrationMode
    from portal.events.services import registrations
    from tests.payments.conftest import make_event

    event = _paid_event(db, make_user, capacity=5)
    event.registration_mode = RegistrationMode.APPROVAL
    db.session.commit()
    waiting_for_answer = registrations.register_member(make_user(), event, now=utcnow())
    paid = registrations.register_member(make_user(), event, now=utcnow())
    db.session.commit()
    assert waiting_for_answer.status.value == "pending" and _ticket(db, paid).status.value == "pending"
    ticket = _ticket(db, paid)
    session = {"id": "cs_declined", "object": "checkout.session", "metadata": {"payment_id": str(ticket.id)},
               "payment_status": "paid", "status": "complete", "payment_intent": paid_intent(1200)}
    assert post_event(make_event("checkout.session.completed", session)).json["outcome"] == "fulfilled"
    db.session.rollback()

    for registration in (waiting_for_answer, paid):
        registrations.decide(event.organiser, db.session.merge(registration), approve=False, now=utcnow())
    db.session.commit()

    assert _ticket(db, waiting_for_answer).status.value == "cancelled"
    assert (_ticket(db, paid).status.value, _ticket(db, paid).refunded_cents) == ("refunded", 1200)


def test_deleting_the_account_of_someone_who_paid_as_a_visitor_refunds_and_anonymises(app, db, stripe_on, make_user,
                                                                                       paid_intent, post_event):
    from portal.db import utcnow
    from portal.events.models import Registration
    from portal.privacy.services import delete_account
    from tests.payments.conftest import make_event

    event = _paid_event(db, make_user, capacity=5)
    visitor, registration, _page = _guest_registers_and_confirms(app, db, event)
    ticket = _ticket(db, registration)
    session = {"id": "cs_visitor", "object": "checkout.session", "metadata": {"payment_id": str(ticket.id)},
               "payment_status": "paid", "status": "complete", "payment_intent": paid_intent(1200)}
    assert post_event(make_event("checkout.session.completed", session)).json["outcome"] == "fulfilled"
    db.session.rollback()
    account = make_user(email=GUEST["email"])  # later, the visitor opened an account with the same address
    old_link = f"/evenements/inscription/{registration.token}"

    delete_account(account, now=utcnow())
    db.session.commit()

    row = db.session.get(Registration, registration.id)
    assert row.status.value == "cancelled" and row.guest_email.endswith("@invalid.invalid")
    assert GUEST["name"] not in row.guest_name
    assert (_ticket(db, registration).status.value, _ticket(db, registration).refunded_cents) == ("refunded", 1200)
    assert visitor.get(old_link).status_code == 404
