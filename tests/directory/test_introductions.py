"""Introductions with double opt-in: no contact detail is shared before both people accept."""
from __future__ import annotations

from sqlalchemy import select


def _outbox_text(db):
    from portal.mail.models import OutboxMessage

    db.session.rollback()
    return "\n".join(m.body_text + (m.body_html or "") for m in db.session.scalars(select(OutboxMessage)))


def _latest(db):
    """The last introduction, read from a fresh snapshot that is closed again (requests write meanwhile)."""
    from portal.directory.models import Introduction

    db.session.rollback()
    intro = db.session.scalar(select(Introduction).order_by(Introduction.id.desc()))
    db.session.expunge(intro)
    db.session.rollback()
    return intro


def _answer(client, intro_id, accept):
    return client.post(f"/mises-en-relation/{intro_id}/reponse", data={"accept": "1" if accept else "0"})


def test_contacts_shared_only_after_both_accept(client, auth, db, make_user, make_profile):
    from portal.directory.introductions import accepted_count
    from portal.directory.models import Introduction
    from portal.db import utcnow
    from datetime import timedelta

    staff = make_user(roles=("member", "staff"))
    first = make_user(name="Fatou Première", email="fatou@example.org")
    first.phone = "07 00 00 00 01"
    second = make_user(name="Sébastien Second", email="seb@example.org")
    second.phone = "07 00 00 00 02"
    db.session.commit()
    make_profile(first, "members")
    make_profile(second, "hidden")  # staff may still introduce a hidden person, who decides

    auth.login(staff)
    response = client.post(f"/annuaire/membres/{first.id}/mise-en-relation",
                           data={"other_email": "seb@example.org", "reason": "Deux passionnés de jardinage"})
    assert response.status_code == 303
    intro = _latest(db)
    secrets = ("fatou@example.org", "seb@example.org", "07 00 00 00 01", "07 00 00 00 02")

    def leaks(person_secret_of_other, client_page):
        return person_secret_of_other in client_page

    # proposal e-mails: names and reason only
    mails = _outbox_text(db)
    assert "Deux passionnés de jardinage" in mails
    for secret in ("07 00 00 00 01", "07 00 00 00 02"):
        assert secret not in mails
    auth.logout()

    auth.login(first)
    page = client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    # Sébastien's profile is hidden: his name waits for his acceptance, his address for both
    assert "Sébastien" not in page and "seb@example.org" not in page
    assert _answer(client, intro.id, True).status_code == 303
    page = client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    assert "seb@example.org" not in page and "07 00 00 00 02" not in page  # one acceptance is not enough
    auth.logout()

    auth.login(second)
    page = client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    assert "fatou@example.org" not in page
    assert _answer(client, intro.id, True).status_code == 303
    page = client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    assert "fatou@example.org" in page and "07 00 00 00 01" in page
    auth.logout()

    auth.login(first)
    assert "seb@example.org" in client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    mails = _outbox_text(db)
    assert "seb@example.org" in mails and "fatou@example.org" in mails
    now = utcnow()
    assert accepted_count(now - timedelta(days=1), now + timedelta(days=1)) == 1

    # the proposer (staff) never sees the contact details through the introduction page
    auth.logout()
    auth.login(staff)
    page = client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    assert not any(secret in page for secret in secrets)


def test_a_refusal_shares_nothing(client, auth, db, make_user, make_profile):
    from portal.directory.models import Introduction

    member = make_user(name="Membre Curieux", email="curieux@example.org")
    other = make_user(name="Autre Membre", email="autre@example.org")
    make_profile(other, "members")
    auth.login(member)
    response = client.post(f"/annuaire/membres/{other.id}/mise-en-relation", data={"reason": "Même quartier"})
    assert response.status_code == 303
    intro = _latest(db)
    assert intro.first_answer.value == "pending" and intro.second_answer.value == "accepted"  # the proposer
    auth.logout()
    auth.login(other)
    _answer(client, intro.id, False)
    auth.logout()
    auth.login(member)
    page = client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    assert "autre@example.org" not in page
    assert "autre@example.org" not in _outbox_text(db).replace("To: autre@example.org", "")


def test_members_cannot_introduce_hidden_people(client, auth, make_user, make_profile):
    hidden = make_user()
    make_profile(hidden, "hidden")
    auth.login(make_user())
    assert client.get(f"/annuaire/membres/{hidden.id}/mise-en-relation").status_code == 404
    assert client.post(f"/annuaire/membres/{hidden.id}/mise-en-relation",
                       data={"reason": "x"}).status_code == 404


def test_outsiders_cannot_see_or_answer(client, auth, db, make_user, make_profile):
    from portal.directory.models import Introduction

    a, b = make_user(), make_user()
    make_profile(b, "public")
    auth.login(a)
    client.post(f"/annuaire/membres/{b.id}/mise-en-relation", data={"reason": "Projet commun"})
    intro = _latest(db)
    auth.logout()
    auth.login(make_user())
    assert client.get(f"/mises-en-relation/{intro.id}").status_code == 404
    assert _answer(client, intro.id, True).status_code == 404


def test_a_hidden_persons_name_waits_for_their_acceptance(client, auth, db, make_user, make_profile):
    staff = make_user(roles=("member", "staff"))
    visible = make_user(name="Valérie Visible", email="valerie@example.org")
    hidden = make_user(name="Hector Caché", email="hector@example.org")
    make_profile(visible, "members")
    make_profile(hidden, "hidden")
    db.session.rollback()
    auth.login(staff)
    client.post(f"/annuaire/membres/{visible.id}/mise-en-relation",
                data={"other_email": "hector@example.org", "reason": "Même association de parents"})
    auth.logout()
    intro = _latest(db)
    from portal.mail.models import OutboxMessage

    db.session.rollback()
    to_valerie = [m.body_text for m in db.session.scalars(select(OutboxMessage)) if m.recipient == "valerie@example.org"]
    assert to_valerie and all("Hector" not in body for body in to_valerie)
    db.session.rollback()
    auth.login(visible)
    page = client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    assert "Hector" not in page and "un membre du PTCE" in page
    assert "Hector" not in client.get("/mises-en-relation").get_data(as_text=True)
    auth.logout()
    auth.login(hidden)
    assert "Valérie Visible" in client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
    _answer(client, intro.id, True)
    auth.logout()
    auth.login(visible)
    assert "Hector Caché" in client.get(f"/mises-en-relation/{intro.id}").get_data(as_text=True)
