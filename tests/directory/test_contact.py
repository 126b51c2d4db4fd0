"""Writing through the portal: the recipient's address stays private; rate limit; abuse reports reach staff."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.support import first_link, text_body


def test_message_goes_by_email_without_showing_the_address(client, auth, make_user, make_profile, smtp, deliver):
    recipient = make_user(name="Rita Destinataire", email="rita@example.org")
    profile = make_profile(recipient, "members", presentation="Couturière")
    sender = make_user(name="Sam Expéditeur", email="sam@example.org")
    auth.login(sender)
    page = client.get(f"/annuaire/membres/{recipient.id}").get_data(as_text=True)
    assert "rita@example.org" not in page  # she did not choose to share it
    form = client.get(f"/annuaire/fiches/{profile.id}/contacter").get_data(as_text=True)
    assert "rita@example.org" not in form
    response = client.post(f"/annuaire/fiches/{profile.id}/contacter",
                           data={"subject": "Retouche", "body": "Bonjour, pourriez-vous raccourcir un rideau ?"})
    assert response.status_code == 303
    deliver()
    (message,) = smtp.to("rita@example.org")
    body = text_body(message)
    assert "raccourcir un rideau" in body and "sam@example.org" in body and "Sam Expéditeur" in body
    assert not smtp.to("sam@example.org")


def test_hidden_profile_cannot_be_contacted(client, auth, make_user, make_profile):
    hidden = make_profile(make_user(), "hidden")
    auth.login(make_user())
    assert client.get(f"/annuaire/fiches/{hidden.id}/contacter").status_code == 404
    response = client.post(f"/annuaire/fiches/{hidden.id}/contacter", data={"subject": "x", "body": "un message"})
    assert response.status_code == 404


def test_anonymous_visitors_cannot_write(client, make_user, make_profile):
    profile = make_profile(make_user(), "public")
    response = client.post(f"/annuaire/fiches/{profile.id}/contacter", data={"subject": "x", "body": "un message ok"})
    assert response.status_code == 302 and "/connexion" in response.location


def test_rate_limited(client, auth, make_user, make_profile):
    from portal.directory.contact import PER_HOUR

    profile = make_profile(make_user(), "public")
    auth.login(make_user())
    for n in range(PER_HOUR):
        assert client.post(f"/annuaire/fiches/{profile.id}/contacter",
                           data={"subject": f"Message {n}", "body": "Un message assez long."}).status_code == 303
    refused = client.post(f"/annuaire/fiches/{profile.id}/contacter",
                          data={"subject": "Encore", "body": "Un message assez long."})
    assert refused.status_code == 422
    assert "réessayez un peu plus tard" in refused.get_data(as_text=True)


def test_bad_input_is_shown_at_the_field(client, auth, make_user, make_profile):
    profile = make_profile(make_user(), "public")
    auth.login(make_user())
    response = client.post(f"/annuaire/fiches/{profile.id}/contacter", data={"subject": "", "body": "court"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Indiquez un objet." in html


def test_report_abuse_reaches_staff(client, auth, make_user, make_profile, smtp, deliver):
    staff = make_user(roles=("member", "staff"), email="equipe@example.org")
    recipient = make_user(email="cible@example.org")
    profile = make_profile(recipient, "public")
    auth.login(make_user(name="Auteur Désagréable"))
    client.post(f"/annuaire/fiches/{profile.id}/contacter", data={"subject": "Pub", "body": "Achetez mes produits !!!"})
    auth.logout()
    deliver()
    (message,) = smtp.to("cible@example.org")
    report_path = urlsplit(first_link(message, "/annuaire/signaler/")).path
    assert client.get(report_path).status_code == 200
    assert client.post(report_path, data={"reason": "Publicité"}).status_code == 200
    deliver()
    (alert,) = smtp.to(staff.email)
    assert "Auteur Désagréable" in text_body(alert) and "Publicité" in text_body(alert)
    auth.login(staff)
    assert "Achetez mes produits" in client.get("/annuaire/equipe/signalements").get_data(as_text=True)


def test_old_messages_are_purged_after_a_year(db, make_user, make_profile):
    from datetime import timedelta

    from portal.db import utcnow
    from portal.directory.contact import purge_old_messages, send_message
    from portal.directory.models import ContactMessage

    profile = make_profile(make_user(), "public")
    sender = make_user()
    now = utcnow()
    send_message(sender, profile, subject="Ancien", body="Un message d'il y a longtemps", now=now - timedelta(days=400))
    send_message(sender, profile, subject="Récent", body="Un message de cette semaine", now=now)
    db.session.commit()
    assert purge_old_messages(now) == 1
    db.session.commit()
    assert [m.subject for m in db.session.query(ContactMessage)] == ["Récent"]
