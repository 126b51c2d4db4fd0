"""Leaving the portal ends the person's Stripe subscription and removes their supporting document."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from tests.support import PASSWORD


def _real_subscription(stripe_client) -> tuple[str, str]:
    """A live monthly subscription at the loopback Stripe, as a membership Checkout leaves behind."""
    product = stripe_client.v1.products.create(params={"name": "Adhésion coworking"})
    plan = stripe_client.v1.plans.create(params={"product": product["id"], "amount": 6000, "currency": "eur",
                                                  "interval": "month"})
    method = stripe_client.v1.payment_methods.create(params={
        "type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    customer = stripe_client.v1.customers.create(params={
        "email": "adherente@example.org", "payment_method": method["id"],
        "invoice_settings": {"default_payment_method": method["id"]}})
    subscription = stripe_client.v1.subscriptions.create(params={
        "customer": customer["id"], "items": [{"plan": plan["id"]}]})
    assert subscription["status"] == "active"
    return customer["id"], subscription["id"]


def test_deleting_the_account_cancels_the_subscription_and_the_document(app, db, stripe_on, stripe_client,
                                                                          make_user):
    from portal.db import utcnow
    from portal.payments.models import Membership, MembershipStatus, PaymentProfile
    from portal.payments.services.catalogue import document_path, store_document

    customer_id, subscription_id = _real_subscription(stripe_client)
    member = make_user()
    profile = store_document(member, "quotient.pdf", b"%PDF-1.4 justificatif", now=utcnow())
    profile.stripe_customer_id = customer_id
    db.session.add(Membership(user_id=member.id, status=MembershipStatus.ACTIVE,
                              stripe_subscription_id=subscription_id))
    db.session.commit()
    stored = document_path(profile)
    assert stored is not None and stored.exists()

    client = app.test_client()
    assert client.post("/connexion", data={"email": member.email, "password": PASSWORD}).status_code == 302
    export = client.post("/mes-donnees/export")
    assert export.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(export.data)).namelist()
    assert "fichiers/justificatif.pdf" in names

    response = client.post("/mes-donnees/supprimer-mon-compte", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]

    assert stripe_client.v1.subscriptions.retrieve(subscription_id)["status"] == "canceled"
    assert not stored.exists()
    db.session.rollback()
    assert db.session.scalar(select(Membership.status)) == MembershipStatus.CANCELLED
    assert db.session.scalar(select(PaymentProfile.document_name)) is None


def test_deletion_is_refused_while_stripe_cannot_cancel(app, db, stripe_on, make_user):
    from portal.accounts.models import User
    from portal.payments.models import Membership, MembershipStatus

    member = make_user()
    db.session.add(Membership(user_id=member.id, status=MembershipStatus.ACTIVE, stripe_subscription_id="sub_x"))
    db.session.commit()
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens: Stripe unreachable
    client = app.test_client()
    assert client.post("/connexion", data={"email": member.email, "password": PASSWORD}).status_code == 302
    response = client.post("/mes-donnees/supprimer-mon-compte", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 503
    assert "n'a pas été supprimé" in response.get_data(as_text=True).replace("&#39;", "'")
    db.session.rollback()
    assert db.session.get(User, member.id).active
    assert db.session.scalar(select(Membership.status)) == MembershipStatus.ACTIVE
