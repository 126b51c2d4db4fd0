"""E-mails received by a real SMTP server on loopback: acknowledgement, assignment, replies, the daily digest."""
from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from portal.accompaniment.services import workflow
from portal.accompaniment.services.digest import send_digests
from tests.support import first_link, link_path, page, text_body


def test_the_acknowledgement_gives_the_reference_the_contact_person_the_day_and_the_link(
        db, client, smtp, send_mail, make_request, make_staff, make_rule):
    staff = make_staff(name="Samir Équipe", email="samir@example.org")
    make_rule(user=staff)
    created = make_request()
    send_mail()
    (ack,) = smtp.to("awa@example.org")
    body = text_body(ack)
    assert created.reference in str(ack["Subject"]) and created.reference in body
    assert "Samir Équipe vous contactera (par e-mail) au plus tard le" in body
    assert page(client.get(link_path(first_link(ack, "/porteurs-de-projet/suivi/")))).count(created.reference) >= 1
    (notice,) = smtp.to("samir@example.org")
    assert created.title in text_body(notice) and "/equipe/accompagnement/demandes/" in text_body(notice)


def test_replies_are_notified_both_ways_without_internal_notes(db, client, smtp, send_mail, make_request, make_staff,
                                                              make_rule, now):
    staff = make_staff(email="samir@example.org")
    make_rule(user=staff)
    created = make_request()
    send_mail()
    smtp.clear()
    workflow.add_note(created, "NOTE-INTERNE-SECRETE", actor=staff, now=now)
    workflow.message_holder(created, "Pouvez-vous passer jeudi ?", actor=staff, now=now)
    db.session.commit()
    send_mail()
    (reply,) = smtp.to("awa@example.org")
    assert "Pouvez-vous passer jeudi ?" in text_body(reply) and "NOTE-INTERNE-SECRETE" not in reply.as_string()
    client.post(link_path(first_link(reply, "/porteurs-de-projet/suivi/")) + "/message", data={"body": "Oui, merci"})
    send_mail()
    (told,) = smtp.to("samir@example.org")
    assert "Le porteur a répondu" in str(told["Subject"])
    assert all("NOTE-INTERNE-SECRETE" not in m.as_string() for m in smtp.messages)


def test_the_daily_digest_tells_each_staff_member_what_is_overdue_or_new(db, smtp, send_mail, make_request,
                                                                          make_staff, make_rule, now):
    samir, lea = make_staff(email="samir@example.org"), make_staff(email="lea@example.org")
    make_rule(theme="travailler", user=samir)
    overdue = make_request(now=now - timedelta(days=10), title="Ancienne demande")
    new_unassigned = make_request(theme="vivre_ensemble", email="b@example.org", title="Atelier vélo")
    send_mail()
    smtp.clear()
    assert overdue.is_overdue(now)

    assert send_digests(now) == 2
    db.session.commit()
    send_mail()
    (to_samir,) = smtp.to("samir@example.org")
    (to_lea,) = smtp.to("lea@example.org")
    assert "Ancienne demande" in text_body(to_samir) and "En retard" in text_body(to_samir)
    assert "Atelier vélo" in text_body(to_samir) and "À attribuer" in text_body(to_samir)
    assert "Ancienne demande" not in text_body(to_lea)  # Samir's: only he is told
    assert "Atelier vélo" in text_body(to_lea)
    assert new_unassigned.reference in text_body(to_lea)


def test_no_digest_when_nothing_waits(db, make_staff, now):
    make_staff()
    assert send_digests(now) == 0


def test_the_scheduled_commands_run(app, db, make_request, make_staff):
    make_staff()
    make_request()
    runner = CliRunner()
    digest = runner.invoke(app.cli, ["accompaniment", "digest"], catch_exceptions=False)
    assert digest.exit_code == 0 and "1 digest(s) queued" in digest.output
    anonymise = runner.invoke(app.cli, ["accompaniment", "anonymise"], catch_exceptions=False)
    assert anonymise.exit_code == 0 and "0 request(s) anonymised" in anonymise.output
