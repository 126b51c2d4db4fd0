"""Full-text search: accents and case do not matter, results come best first (SQLite FTS5 / PostgreSQL)."""
from __future__ import annotations


def _names(client, q, **params):
    body = client.get("/api/v1/directory", query_string={"q": q, **params}).get_json()
    return [r["name"] for r in body["results"]], body["total"]


def test_accents_and_case_do_not_matter(client, make_user, make_profile, make_organisation):
    make_organisation("École Jules Ferry", "public", type_="public_body", presentation="Établissement scolaire")
    make_organisation("FONDATION Abbé Pierre", "public", presentation="Logement")
    make_organisation("Café associatif", "public", presentation="Un lieu pour se rencontrer")
    assert _names(client, "ecole")[0] == ["École Jules Ferry"]
    assert _names(client, "ÉCOLE")[0] == ["École Jules Ferry"]
    assert _names(client, "fondation")[0] == ["FONDATION Abbé Pierre"]
    assert _names(client, "abbe pierre")[0] == ["FONDATION Abbé Pierre"]
    assert _names(client, "cafe")[0] == ["Café associatif"]
    assert _names(client, "etablissement")[0] == ["École Jules Ferry"]
    assert _names(client, "ecol")[0] == ["École Jules Ferry"]  # a word being typed
    assert _names(client, "introuvable") == ([], 0)


def test_results_are_ranked_by_relevance(client, make_user, make_profile, make_organisation):
    # The word in the name ranks above a mention in the presentation.
    make_profile(make_user(name="Aline Martin"), "public",
                 presentation="Je donne des cours de soutien après l'école, le mercredi.")
    make_organisation("Association Zeta", "public", presentation="Sorties culturelles")
    make_organisation("École de musique des Mureaux", "public", presentation="Cours d'instruments pour tous")
    names, total = _names(client, "ecole")
    assert total == 2
    assert names == ["École de musique des Mureaux", "Aline Martin"]


def test_search_by_tag_language_and_neighbourhood_words(client, make_user, make_profile, tags):
    make_profile(make_user(name="Karim B."), "public", languages=["ar"], offer_tag_ids=[tags["Comptabilité"].id],
                 neighbourhood="Cité Renault")
    assert _names(client, "comptabilite")[0] == ["Karim B."]
    assert _names(client, "arabe")[0] == ["Karim B."]
    assert _names(client, "renault")[0] == ["Karim B."]
    assert _names(client, "", language="ar")[0] == ["Karim B."]
    assert _names(client, "", tag="comptabilite", direction="offer")[0] == ["Karim B."]
    assert _names(client, "", tag="comptabilite", direction="need")[0] == []


def test_hidden_profiles_are_not_in_the_index(db, make_user, make_profile):
    from sqlalchemy import text

    person = make_user(name="Invisible Personne")
    make_profile(person, "public", presentation="Menuiserie")
    make_profile(person, "hidden", presentation="Menuiserie")
    if db.engine.dialect.name == "sqlite":
        hits = db.session.execute(text(
            "SELECT count(*) FROM directory_profiles_fts WHERE directory_profiles_fts MATCH 'menuiserie'")).scalar()
        assert hits == 0


def test_renaming_the_account_renames_the_profile_in_search(client, db, make_user, make_profile):
    person = make_user(name="Ancien Nom")
    make_profile(person, "public")
    person.display_name = "Nouveau Patronyme"
    db.session.commit()
    assert _names(client, "patronyme")[0] == ["Nouveau Patronyme"]
    assert _names(client, "ancien")[0] == []


def test_odd_input_is_not_an_error(client):
    for q in ['"', "*", "NEAR(", "a OR b", "'; drop table users; --", "é" * 300, "AND", ":*&|!"]:
        response = client.get("/annuaire", query_string={"q": q})
        assert response.status_code in (200, 422)
        assert client.get("/api/v1/directory", query_string={"q": q[:200]}).status_code == 200


def test_staff_rename_a_tag_and_search_follows(client, auth, db, make_user, make_profile, tags):
    make_profile(make_user(name="Pâtissière Exemple"), "public", offer_tag_ids=[tags["Cuisine"].id])
    staff = make_user(roles=("member", "staff"))
    tag_id = tags["Cuisine"].id
    db.session.rollback()
    auth.login(staff)
    response = client.post(f"/annuaire/equipe/mots-cles/{tag_id}", data={"label": "Pâtisserie", "category": "skill"})
    assert response.status_code == 303
    assert _names(client, "patisserie")[0] == ["Pâtissière Exemple"]
    duplicate = client.post("/annuaire/equipe/mots-cles", data={"label": "Traduction", "category": "skill"})
    assert duplicate.status_code == 422 and "Ce mot-clé existe déjà." in duplicate.get_data(as_text=True)
