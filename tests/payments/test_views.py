"""Memberships through Checkout, the reception's pages, categories with a supporting document, the export."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.payments.conftest import make_event
from tests.support import PASSWORD, page


def _logged_in(app, user):
    client = app.test_client()
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _membership_product(db):
    from portal.db import utcnow
    from portal.payments.models import BookerCategory, ProductKind
    from portal.payments.services.catalogue import save_product

    product = save_product(None, kind=ProductKind.MEMBERSHIP, name="Adhésion coworking", description="", space_id=None,
                           credit_quantity=0, vat_rate_bp=2000, active=True,
                           prices={BookerCategory.INDIVIDUAL: 6000}, now=utcnow())
    db.session.commit()
    return product


def test_membership_subscription_renewal_failure_and_customer_portal(app, db, stripe_on, make_user, post_event):
    from portal.payments.models import Document, Membership, Payment

    product = _membership_product(db)
    member = make_user()
    client = _logged_in(app, member)
    response = client.post(f"/paiements/acheter/{product.id}")
    payment_url = response.headers["Location"]
    payment_id = int(payment_url.rstrip("/").split("/")[-1])
    response = client.post(f"/paiements/{payment_id}/payer")
    assert response.status_code == 303 and response.headers["Location"].startswith(stripe_on.url)
    (sent,) = stripe_on.created()
    assert sent["form"]["mode"] == "subscription"
    assert sent["form"]["line_items[0][price_data][recurring][interval]"] == "month"
    assert sent["form"]["customer"].startswith("cus_")  # a real customer created at localstripe
    customer_calls = [r for r in stripe_on.requests if r["path"] == "/v1/customers"]
    assert customer_calls[0]["idempotency_key"] == f"customer-{member.id}"

    db.session.rollback()
    session_id = db.session.get(Payment, payment_id).stripe_session_id
    session = stripe_on.complete(session_id, payment_intent=None, subscription="sub_member")
    session["invoice"] = "in_first"
    assert post_event(make_event("checkout.session.completed", session)).json["outcome"] == "fulfilled"
    first = {"id": "in_first", "object": "invoice", "billing_reason": "subscription_create", "amount_paid": 6000,
             "subscription": "sub_member", "subscription_details": {"metadata": {"payment_id": str(payment_id)}}}
    assert post_event(make_event("invoice.paid", first)).status_code == 200
    renewal = {"id": "in_second", "object": "invoice", "billing_reason": "subscription_cycle", "amount_paid": 6000,
               "subscription": "sub_member"}
    assert post_event(make_event("invoice.paid", renewal)).json["outcome"] == "renewal recorded"
    assert post_event(make_event("invoice.paid", renewal)).status_code == 200  # another event id, same invoice
    db.session.rollback()
    assert db.session.scalar(select(func.count(Payment.id)).where(Payment.user_id == member.id)) == 2
    assert db.session.scalar(select(func.count(Document.id)).where(Document.user_id == member.id)) == 2
    failed = {"id": "in_third", "object": "invoice", "subscription": "sub_member"}
    assert post_event(make_event("invoice.payment_failed", failed)).status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(Membership.status)).value == "past_due"

    response = client.get("/paiements")
    assert "Gérer ou résilier mon abonnement" in page(response)
    assert stripe_on.url in response.headers["Content-Security-Policy"]
    response = client.post("/paiements/adhesion/gerer")
    assert response.status_code == 303 and response.headers["Location"].startswith(stripe_on.url + "/portal/cus_")


def test_reception_records_a_cash_payment_and_sells_a_pack(app, db, make_user, priced_room, tomorrow):
    from portal.db import utcnow
    from portal.payments.models import BookerCategory, CreditKind, Document, Payment, ProductKind
    from portal.payments.services import credits
    from portal.payments.services.catalogue import save_product
    from portal.spaces.services.bookings import create_booking

    space = priced_room()
    member, staff = make_user(), make_user(roles=("member", "staff"))
    booking = create_booking(member, space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(10), now=utcnow())
    pack = save_product(None, kind=ProductKind.HOUR_PACK, name="10 heures", description="", space_id=None,
                        credit_quantity=10, vat_rate_bp=0, active=True, prices={BookerCategory.INDIVIDUAL: 9000},
                        now=utcnow())
    db.session.commit()
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    client = _logged_in(app, staff)
    assert "En attente de paiement" in page(client.get("/equipe/paiements"))
    response = client.post(f"/equipe/paiements/{payment.id}/encaisser", data={"method": "cheque", "note": "n° 1234"})
    assert response.status_code == 303
    response = client.post("/equipe/paiements/vente", data={"email": member.email, "product_id": str(pack.id),
                                                            "method": "cash", "note": ""})
    assert response.status_code == 303
    response = client.post("/equipe/paiements/vente", data={"email": "personne@example.org", "product_id": str(pack.id),
                                                            "method": "cash"})
    assert response.status_code == 422 and "Aucun compte avec cet e-mail." in page(response)
    db.session.rollback()
    assert credits.balance_of(CreditKind.ROOM_HOUR, user_id=member.id) == 10
    assert [d.method for d in db.session.scalars(select(Document).order_by(Document.sequence))] == ["cheque", "cash"]
    today = utcnow().date().isoformat()
    response = client.get(f"/equipe/paiements/export.csv?first={today}&last={today}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).count("facture") == 2
    response = client.post(f"/equipe/paiements/{payment.id}/rembourser", data={"amount": "abc", "reason": "x"})
    assert response.status_code == 303
    response = client.post(f"/equipe/paiements/{payment.id}/rembourser", data={"amount": "5,00", "reason": "Geste"})
    db.session.rollback()
    db.session.refresh(payment)
    assert payment.refunded_cents == 500 and payment.status.value == "partially_refunded"


def test_category_is_set_by_staff_from_a_document_that_is_then_deleted(app, db, make_user):
    from portal.payments.models import PaymentProfile
    from portal.payments.services.catalogue import document_path

    member, staff = make_user(), make_user(roles=("member", "staff"))
    client = _logged_in(app, member)
    bad = client.post("/paiements/justificatif", data={"document": (io.BytesIO(b"x"), "note.exe")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "Envoyez un fichier PDF, JPEG ou PNG." in page(bad)
    ok = client.post("/paiements/justificatif", data={"document": (io.BytesIO(b"%PDF-1.4 test"), "attestation.pdf")},
                     content_type="multipart/form-data")
    assert ok.status_code == 303
    db.session.rollback()
    profile = db.session.scalar(select(PaymentProfile).where(PaymentProfile.user_id == member.id))
    path = document_path(profile)
    assert path is not None and path.exists()
    staff_client = _logged_in(app, staff)
    assert staff_client.get(f"/equipe/paiements/personnes/{member.id}/justificatif").status_code == 200
    response = staff_client.post(f"/equipe/paiements/personnes/{member.id}", data={
        "action": "category", "cat-category": "solidarity", "cat-note": "Attestation CAF vue"})
    assert response.status_code == 303
    db.session.rollback()
    db.session.refresh(profile)
    assert profile.category.value == "solidarity" and profile.document_name is None and not path.exists()
    # a member cannot choose their category: there is no such field for them, and staff pages refuse them
    assert client.post(f"/equipe/paiements/personnes/{member.id}", data={
        "action": "category", "cat-category": "company"}).status_code == 403
    response = staff_client.post(f"/equipe/paiements/personnes/{member.id}", data={
        "action": "grant", "grant-kind": "desk_day", "grant-quantity": "5", "grant-reason": ""})
    assert response.status_code == 422 and "Indiquez la raison de l'attribution." in page(response)


def test_admin_defines_a_product_with_prices_per_category(app, db, make_user):
    from portal.payments.models import Product

    admin = make_user(roles=("member", "admin"))
    client = _logged_in(app, admin)
    response = client.post("/admin/produits/nouveau", data={
        "kind": "desk_pack", "name": "Carnet 5", "credit_quantity": "", "vat_rate": "0", "active": "y",
        "price_individual": "35,00", "price_solidarity": "douze"})
    assert response.status_code == 422
    text = page(response)
    assert "Montant invalide (par exemple 12,50)." in text and "Indiquez le nombre de crédits du carnet." not in text
    response = client.post("/admin/produits/nouveau", data={
        "kind": "desk_pack", "name": "Carnet 5", "credit_quantity": "5", "vat_rate": "0", "active": "y",
        "price_individual": "35,00", "price_solidarity": "5"})
    assert response.status_code == 303
    db.session.rollback()
    product = db.session.scalar(select(Product).where(Product.name == "Carnet 5"))
    assert sorted((p.category.value, p.amount_cents) for p in product.prices) == [("individual", 3500), ("solidarity", 500)]
    assert "Carnet 5" in page(client.get("/admin/produits"))


def test_sweep_command_releases_holds_that_ran_out(app, db, stripe_on, make_user, priced_room, tomorrow):
    from portal.db import utcnow
    from portal.payments.models import Payment
    from portal.spaces.services.bookings import create_booking

    space = priced_room()
    booking = create_booking(make_user(), space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(10), now=utcnow())
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["payments", "sweep"])
    assert result.exit_code == 0 and "0 hold(s) released" in result.output
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    payment.hold_expires_at = utcnow()
    db.session.commit()
    result = runner.invoke(args=["payments", "sweep"])
    assert "1 hold(s) released" in result.output
    db.session.rollback()
    db.session.refresh(booking)
    assert booking.status.value == "cancelled"


def test_an_association_books_with_its_free_hours_granted_by_staff(app, db, make_user, priced_room, tomorrow):
    from portal.db import utcnow
    from portal.directory.models import Organisation, OrganisationMembership
    from portal.payments.models import CreditKind, Payment
    from portal.payments.services import credits, pricing
    from portal.spaces.services.bookings import create_booking

    space = priced_room()
    member, staff = make_user(), make_user(roles=("member", "staff"))
    organisation = Organisation(name="Association Les Jardins", slug="les-jardins", created_at=utcnow(),
                                updated_at=utcnow())
    db.session.add(organisation)
    db.session.flush()
    db.session.add(OrganisationMembership(user_id=member.id, organisation_id=organisation.id))
    db.session.commit()
    client = _logged_in(app, staff)
    response = client.post("/equipe/paiements/organisations/credits", data={
        "org-organisation_id": str(organisation.id), "org-kind": "room_hour", "org-quantity": "3",
        "org-reason": "Heures gratuites annuelles du PTCE"})
    assert response.status_code == 303
    db.session.rollback()
    quote = pricing.quote_booking(member, space, tomorrow(9), tomorrow(11))
    assert quote.outcome == "credits" and quote.paid_by_organisation == "Association Les Jardins"
    create_booking(member, space_id=space.id, starts_at=tomorrow(9), ends_at=tomorrow(11), now=utcnow())
    db.session.commit()
    assert credits.balance_of(CreditKind.ROOM_HOUR, organisation_id=organisation.id) == 1
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    assert "Association Les Jardins : 1 heures de salle" in page(client.get("/equipe/paiements"))


def test_admin_sets_a_half_day_price_for_room_hire(app, db, make_user, priced_room):
    from portal.payments.models import BookerCategory, Product

    space = priced_room()
    db.session.rollback()
    product_id = db.session.scalar(select(Product.id).where(Product.space_id == space.id))
    admin = make_user(roles=("member", "admin"))
    client = _logged_in(app, admin)
    data = {"kind": "room_hire", "name": "Location Salle payante", "space_id": str(space.id), "vat_rate": "0",
            "active": "y", "price_individual": "20", "price_company": "50", "price_solidarity": "0",
            "half_day_individual": "60", "half_day_company": "cent", "half_day_partner_association": "40"}
    response = client.post(f"/admin/produits/{product_id}", data=data)
    assert response.status_code == 422
    assert "Montant invalide (par exemple 12,50)." in page(response)
    response = client.post(f"/admin/produits/{product_id}", data={**data, "half_day_company": "150"})
    assert response.status_code == 422  # a half-day price needs the hourly price of its category
    assert "Indiquez aussi le prix à l&#39;heure de cette catégorie." in page(response) \
        or "Indiquez aussi le prix à l'heure de cette catégorie." in page(response)
    response = client.post(f"/admin/produits/{product_id}", data={**data, "half_day_company": "150",
                                                                  "half_day_partner_association": ""})
    assert response.status_code == 303
    db.session.rollback()
    product = db.session.get(Product, product_id)
    assert {p.category: p.half_day_amount_cents for p in product.prices} == {
        BookerCategory.INDIVIDUAL: 6000, BookerCategory.COMPANY: 15000, BookerCategory.SOLIDARITY: None}
    assert 'value="60,00"' in page(client.get(f"/admin/produits/{product_id}"))
