"""Volunteer pool, calls, answers, acceptance until full, suggestions with their reasons."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text


def _fresh(db, model, ident):
    db.session.rollback()
    row = db.session.get(model, ident)
    db.session.refresh(row)
    return row


def test_member_joins_the_pool_and_sees_matching_calls(client, auth, db, make_user, make_call, tags):
    cooking = make_call(skills=[tags["Cuisine"]], title="Repas solidaire")
    make_call(skills=[tags["Comptabilité"]], title="Bilan annuel")
    member = make_user(name="Vanessa Volontaire")
    auth.login(member)
    form = client.get("/benevolat/mon-engagement")
    assert form.status_code == 200
    refused = client.post("/benevolat/mon-engagement", data={"skills": [str(tags["Cuisine"].id)], "active": "y"})
    assert refused.status_code == 422 and "Indiquez au moins un moment" in refused.get_data(as_text=True)
    response = client.post("/benevolat/mon-engagement", data={
        "skills": [str(tags["Cuisine"].id)], "slots": ["2:evening", "5:morning"], "languages": ["ar"],
        "neighbourhood": "Les Musiciens", "active": "y"})
    assert response.status_code == 303
    page = client.get("/benevolat").get_data(as_text=True)
    matching = page.split("Les appels qui vous correspondent")[1].split("<h2>")[0]
    assert "Repas solidaire" in matching and "Bilan annuel" not in matching
    assert client.post(f"/benevolat/appels/{cooking.id}/repondre", data={"message": "Je sais cuisiner"}).status_code == 303
    assert "Votre proposition est envoyée" in client.get(f"/benevolat/appels/{cooking.id}").get_data(as_text=True)


def test_answering_needs_the_pool(client, auth, make_user, make_call):
    call = make_call()
    auth.login(make_user())
    client.post(f"/benevolat/appels/{call.id}/repondre", data={"message": ""})
    page = client.get(f"/benevolat/appels/{call.id}").get_data(as_text=True)
    assert "Devenir bénévole pour répondre" in page


def test_call_closes_when_full_and_never_takes_more(client, auth, db, organiser, make_call, make_volunteer,
                                                      deliver, smtp):
    from portal.volunteers.models import VolunteerAnswer, VolunteerCall

    call = make_call(wanted=2)
    volunteers = [make_volunteer(f"Bénévole {n}") for n in range(3)]
    for person in volunteers:
        auth.login(person)
        assert client.post(f"/benevolat/appels/{call.id}/repondre", data={}).status_code == 303
        auth.logout()
    db.session.rollback()
    answers = db.session.scalars(select(VolunteerAnswer).order_by(VolunteerAnswer.id)).all()
    ids = [a.id for a in answers]
    db.session.rollback()
    auth.login(organiser)
    for answer_id in ids[:2]:
        assert client.post(f"/benevolat/reponses/{answer_id}/decision", data={"accept": "1"}).status_code == 303
    call = _fresh(db, VolunteerCall, call.id)
    assert (call.accepted_count, call.status.value) == (2, "closed")
    db.session.rollback()
    client.post(f"/benevolat/reponses/{ids[2]}/decision", data={"accept": "1"})
    call = _fresh(db, VolunteerCall, call.id)
    assert call.accepted_count == 2
    assert _fresh(db, VolunteerAnswer, ids[2]).status.value == "pending"
    db.session.rollback()
    deliver()
    assert len(smtp.to(volunteers[0].email)) == 1  # "accepted"


def test_the_database_refuses_more_accepted_than_wanted(db, make_call):
    from sqlalchemy.exc import IntegrityError

    call = make_call(wanted=1)
    call_id = call.id
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE volunteer_calls SET accepted_count = 2 WHERE id = :id"), {"id": call_id})
        db.session.flush()
    db.session.rollback()


def test_withdrawing_reopens_a_full_call(client, auth, db, organiser, make_call, make_volunteer):
    from portal.volunteers.models import VolunteerAnswer, VolunteerCall

    call = make_call(wanted=1)
    person = make_volunteer()
    auth.login(person)
    client.post(f"/benevolat/appels/{call.id}/repondre", data={})
    auth.logout()
    db.session.rollback()
    answer_id = db.session.scalar(select(VolunteerAnswer.id))
    db.session.rollback()
    auth.login(organiser)
    client.post(f"/benevolat/reponses/{answer_id}/decision", data={"accept": "1"})
    assert _fresh(db, VolunteerCall, call.id).status.value == "closed"
    db.session.rollback()
    auth.logout()
    auth.login(person)
    client.post(f"/benevolat/appels/{call.id}/retirer", data={})
    call = _fresh(db, VolunteerCall, call.id)
    assert (call.accepted_count, call.status.value) == (0, "open")


def test_only_the_organiser_or_staff_decide(client, auth, db, make_user, make_call, make_volunteer):
    from portal.volunteers.models import VolunteerAnswer

    call = make_call()
    auth.login(make_volunteer())
    client.post(f"/benevolat/appels/{call.id}/repondre", data={})
    db.session.rollback()
    answer_id = db.session.scalar(select(VolunteerAnswer.id))
    db.session.rollback()
    auth.logout()
    db.session.rollback()
    auth.login(make_user(roles=("member", "organiser")))
    assert client.post(f"/benevolat/reponses/{answer_id}/decision", data={"accept": "1"}).status_code == 403
    auth.logout()
    db.session.rollback()
    auth.login(make_user(roles=("member", "staff")))
    assert client.post(f"/benevolat/reponses/{answer_id}/decision", data={"accept": "1"}).status_code == 303


def test_suggestions_explain_why(client, auth, organiser, make_call, make_volunteer, tags):
    call = make_call(skills=[tags["Cuisine"]], days=7, hour=19, language="ar", neighbourhood="Les Musiciens")
    from portal.timeutil import to_paris

    evening = f"{to_paris(call.starts_at).weekday()}:evening"
    make_volunteer("Cuisinier Arabophone", skills=[tags["Cuisine"]], languages=["ar"], slots=[evening],
                   neighbourhood="Les Musiciens")
    make_volunteer("Jardinier Ailleurs", skills=[tags["Jardinage"]], slots=["0:morning"])
    make_volunteer("Cuisinière Matinale", skills=[tags["Cuisine"]], slots=["0:morning"])
    auth.login(organiser)
    page = client.get(f"/benevolat/appels/{call.id}").get_data(as_text=True)
    section = page.split("Bénévoles suggérés")[1]
    assert section.index("Cuisinier Arabophone") < section.index("Cuisinière Matinale")
    assert "Jardinier Ailleurs" not in section
    assert "Compétences demandées : Cuisine" in section
    assert "Parle arabe" in section and "Habite le quartier : Les Musiciens" in section
    assert "(soirée)" in section


def test_new_call_form_checks_input(client, auth, organiser, make_user):
    auth.login(make_user())
    assert client.get("/benevolat/appels/nouveau").status_code == 403
    auth.logout()
    auth.login(organiser)
    assert client.get("/benevolat/appels/nouveau").status_code == 200
    response = client.post("/benevolat/appels/nouveau", data={
        "title": "Tri", "day": "2020-01-01", "start_time": "10:00", "end_time": "09:00", "wanted": "0"})
    assert response.status_code == 422
    assert "Entre 1 et 500 personnes." in response.get_data(as_text=True)
    response = client.post("/benevolat/appels/nouveau", data={
        "title": "Tri", "day": "2020-01-01", "start_time": "10:00", "end_time": "12:00", "wanted": "3"})
    assert response.status_code == 422 and "Choisissez une date à venir." in response.get_data(as_text=True)


def test_api_lists_and_answers(client, auth, db, make_user, make_call, make_volunteer, tags):
    call = make_call(skills=[tags["Cuisine"]])
    listed = client.get("/api/v1/volunteer-calls").get_json()
    assert [c["id"] for c in listed] == [call.id] and listed[0]["places_left"] == 2
    assert client.post(f"/api/v1/volunteer-calls/{call.id}/answers", json={}).status_code == 401
    db.session.rollback()
    person = make_volunteer(skills=[tags["Cuisine"]])
    from portal.api.auth import create_token
    from portal.db import utcnow
    _token, secret = create_token(person, "Application", now=utcnow())
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/volunteer-calls?matching=true", headers=headers).get_json()[0]["id"] == call.id
    answered = client.post(f"/api/v1/volunteer-calls/{call.id}/answers", json={"message": "Présent"}, headers=headers)
    assert answered.status_code == 201 and answered.get_json()["status"] == "pending"
    db.session.rollback()
    outsider = make_user()
    _token, other = create_token(outsider, "Application", now=utcnow())
    db.session.commit()
    refused = client.post(f"/api/v1/volunteer-calls/{call.id}/answers", json={},
                          headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
