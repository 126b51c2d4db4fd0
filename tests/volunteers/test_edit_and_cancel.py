"""The organiser (or staff) edits a call — never below the volunteers already accepted — and cancels it
with a message e-mailed to those who answered; a cancelled call shows as such and takes no answers."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.support import text_body


def _fresh(db, model, ident):
    db.session.rollback()
    row = db.session.get(model, ident)
    db.session.refresh(row)
    return row


def _accept(db, client, auth, organiser, call, volunteers):
    from portal.volunteers.models import VolunteerAnswer

    for person in volunteers:
        auth.login(person)
        assert client.post(f"/benevolat/appels/{call.id}/repondre", data={"message": "Présent"}).status_code == 303
        auth.logout()
    db.session.rollback()
    ids = db.session.scalars(select(VolunteerAnswer.id).where(VolunteerAnswer.call_id == call.id)
                             .order_by(VolunteerAnswer.id)).all()
    db.session.rollback()
    return ids


def _form(call, **changes):
    from portal.timeutil import to_paris

    starts, ends = to_paris(call.starts_at), to_paris(call.ends_at)
    data = {"title": call.title, "description": "", "day": starts.date().isoformat(),
            "start_time": starts.strftime("%H:%M"), "end_time": ends.strftime("%H:%M"), "place": call.place,
            "neighbourhood": "", "wanted": str(call.wanted), "language": "", "organisation_id": ""}
    data.update(changes)
    return data


def test_organiser_edits_a_call_but_not_below_the_accepted(client, auth, db, organiser, make_call, make_volunteer,
                                                           tags, deliver, smtp):
    from portal.volunteers.models import VolunteerCall

    call = make_call(wanted=3)
    volunteers = [make_volunteer(f"Bénévole {n}") for n in range(2)]
    ids = _accept(db, client, auth, organiser, call, volunteers)
    auth.login(organiser)
    for answer_id in ids:
        assert client.post(f"/benevolat/reponses/{answer_id}/decision", data={"accept": "1"}).status_code == 303
    deliver()
    before = len(smtp.to(volunteers[0].email))
    call = _fresh(db, VolunteerCall, call.id)
    assert client.get(f"/benevolat/appels/{call.id}/modifier").status_code == 200

    refused = client.post(f"/benevolat/appels/{call.id}/modifier", data=_form(call, wanted="1"))
    assert refused.status_code == 422
    assert "2 bénévoles sont déjà acceptés" in refused.get_data(as_text=True)
    assert _fresh(db, VolunteerCall, call.id).wanted == 3

    call = _fresh(db, VolunteerCall, call.id)
    done = client.post(f"/benevolat/appels/{call.id}/modifier", data=_form(
        call, wanted="2", title="Distribution du samedi", place="Salle des fêtes", skills=[str(tags["Cuisine"].id)]))
    assert done.status_code == 303
    call = _fresh(db, VolunteerCall, call.id)
    assert (call.title, call.place, call.wanted, call.status.value) == ("Distribution du samedi", "Salle des fêtes",
                                                                        2, "closed")  # full now
    assert [s.tag_id for s in call.skills] == [tags["Cuisine"].id]
    deliver()
    mails = smtp.to(volunteers[0].email)
    assert len(mails) == before + 1 and "Salle des fêtes" in text_body(mails[-1])  # the place changed: they are told

    db.session.rollback()
    assert client.post(f"/benevolat/appels/{call.id}/modifier", data=_form(call, wanted="4")).status_code == 303
    call = _fresh(db, VolunteerCall, call.id)
    assert (call.wanted, call.status.value) == (4, "open")  # places again: open again


def test_the_database_refuses_wanted_below_accepted(db, make_call):
    from sqlalchemy.exc import IntegrityError

    call = make_call(wanted=2)
    call_id = call.id
    db.session.execute(text("UPDATE volunteer_calls SET accepted_count = 2 WHERE id = :id"), {"id": call_id})
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE volunteer_calls SET wanted = 1 WHERE id = :id"), {"id": call_id})
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):  # cancelled and its date go together
        db.session.execute(text("UPDATE volunteer_calls SET status = 'cancelled' WHERE id = :id"), {"id": call_id})
        db.session.flush()
    db.session.rollback()


def test_others_cannot_edit_or_cancel(client, auth, db, make_user, make_call):
    from portal.volunteers.models import VolunteerCall

    call = make_call()
    auth.login(make_user(roles=("member", "organiser")))
    assert client.get(f"/benevolat/appels/{call.id}/modifier").status_code == 403
    assert client.post(f"/benevolat/appels/{call.id}/annuler", data={"message": "Non"}).status_code == 403
    assert _fresh(db, VolunteerCall, call.id).status.value == "open"
    db.session.rollback()
    auth.logout()
    auth.login(make_user(roles=("member", "staff")))
    assert client.get(f"/benevolat/appels/{call.id}/modifier").status_code == 200


def test_cancelling_tells_those_who_answered_and_closes_answers(client, auth, db, organiser, make_call,
                                                                  make_volunteer, deliver, smtp):
    from portal.volunteers.models import VolunteerCall

    call = make_call(wanted=2)
    answered, declined_one, late = make_volunteer("Anne Répond"), make_volunteer("Denis Décliné"), make_volunteer()
    ids = _accept(db, client, auth, organiser, call, [answered, declined_one])
    auth.login(organiser)
    client.post(f"/benevolat/reponses/{ids[1]}/decision", data={"accept": "0"})
    deliver()
    counts = {p.email: len(smtp.to(p.email)) for p in (answered, declined_one)}

    empty = client.post(f"/benevolat/appels/{call.id}/annuler", data={"message": "  "}, follow_redirects=True)
    assert "Expliquez en quelques mots" in empty.get_data(as_text=True)
    assert _fresh(db, VolunteerCall, call.id).status.value == "open"

    db.session.rollback()
    done = client.post(f"/benevolat/appels/{call.id}/annuler", data={"message": "La salle est fermée ce jour-là."})
    assert done.status_code == 303
    call = _fresh(db, VolunteerCall, call.id)
    assert call.status.value == "cancelled" and call.cancelled_at is not None
    db.session.rollback()
    deliver()
    mails = smtp.to(answered.email)
    assert len(mails) == counts[answered.email] + 1
    assert "La salle est fermée ce jour-là." in text_body(mails[-1]) and "annulé" in str(mails[-1]["Subject"])
    assert len(smtp.to(declined_one.email)) == counts[declined_one.email]  # already told they were not kept
    again = client.post(f"/benevolat/appels/{call.id}/annuler", data={"message": "Encore"}, follow_redirects=True)
    assert "déjà annulé" in again.get_data(as_text=True)
    assert client.get(f"/benevolat/appels/{call.id}/modifier").status_code == 303
    auth.logout()

    auth.login(late)
    page = client.get(f"/benevolat/appels/{call.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Cet appel est annulé." in html and "La salle est fermée ce jour-là." in html
    assert "Je me propose" not in html
    client.post(f"/benevolat/appels/{call.id}/repondre", data={"message": "Moi"})
    assert "Distribution" not in client.get("/benevolat").get_data(as_text=True).split("<main")[-1]
    db.session.rollback()
    from portal.volunteers.models import VolunteerAnswer
    assert db.session.scalar(select(VolunteerAnswer.id).where(VolunteerAnswer.user_id == late.id)) is None
    db.session.rollback()
    api = client.post(f"/api/v1/volunteer-calls/{call.id}/answers", json={"message": "Moi"})
    assert api.status_code in (401, 409)
