"""Demo directory: organisations of the PTCE, member profiles, tags, volunteers and calls (idempotent)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.accounts import passwords
from portal.accounts.models import Role, User, UserRole
from portal.directory import services
from portal.directory.models import Organisation, Tag
from portal.extensions import db
from portal.timeutil import paris_to_utc, paris_today

DEMO_DOMAIN = "demo.chrysalides.example"

TAGS = [
    ("Cuisine", "skill"), ("Traduction", "skill"), ("Comptabilité", "skill"), ("Bricolage", "skill"),
    ("Jardinage", "skill"), ("Informatique", "skill"), ("Aide aux devoirs", "service"),
    ("Accompagnement administratif", "service"), ("Transport solidaire", "service"),
    ("Salle de réunion", "room"), ("Cuisine équipée", "room"), ("Vidéoprojecteur", "equipment"),
    ("Sono", "equipment"), ("Communication", "skill"), ("Recherche de financements", "service"),
]

ORGANISATIONS = [
    # name, type, visibility, verified, neighbourhood, presentation, offers, needs, languages
    ("Association Femmes Relais des Mureaux", "association", "public", True, "Les Musiciens",
     "Médiation sociale et culturelle, accompagnement des familles dans leurs démarches.",
     ["Traduction", "Accompagnement administratif"], ["Salle de réunion", "Communication"], ["fr", "ar", "soninke"]),
    ("Mosquée des Mureaux — pôle solidarité", "religious_community", "public", True, "Cinq Quartiers",
     "Distribution alimentaire chaque samedi, soutien scolaire pendant les vacances.",
     ["Cuisine équipée", "Aide aux devoirs"], ["Transport solidaire", "Bricolage"], ["fr", "ar", "tr"]),
    ("Paroisse Saint-Pierre-Saint-Paul", "religious_community", "public", False, "Centre-ville",
     "Accueil de jour, vestiaire solidaire, groupe de parole.",
     ["Salle de réunion"], ["Informatique", "Cuisine"], ["fr", "pt"]),
    ("Mairie des Mureaux — service vie associative", "public_body", "public", True, "Centre-ville",
     "Soutien aux associations : prêt de salles, subventions, formations de bénévoles.",
     ["Salle de réunion", "Sono", "Recherche de financements"], [], ["fr"]),
    ("Régie de quartier Seine Aval", "company", "members", True, "Bécheville",
     "Entreprise d'insertion : entretien des espaces verts, petits travaux, propreté.",
     ["Bricolage", "Jardinage"], ["Comptabilité", "Communication"], ["fr", "wo", "bm"]),
    ("Université de Cergy — laboratoire de sociologie urbaine", "academic", "public", False, "",
     "Recherche-action sur l'économie sociale et solidaire en Seine Aval.",
     ["Recherche de financements"], ["Traduction"], ["fr", "en"]),
    ("École élémentaire Jules Ferry", "public_body", "public", False, "Les Musiciens",
     "Projets avec les parents d'élèves, jardin pédagogique.",
     [], ["Jardinage", "Aide aux devoirs", "Traduction"], ["fr"]),
    ("Fondation Les Chrysalides Solidaires", "association", "hidden", False, "Centre-ville",
     "Fiche en préparation, pas encore visible.", [], [], ["fr"]),
]

PEOPLE = [
    # local, name, visibility, neighbourhood, presentation, offers, needs, languages, volunteer slots
    ("amina", "Amina Diallo (démo)", "public", "Les Musiciens",
     "Cuisinière de métier, j'anime des ateliers cuisine du monde.", ["Cuisine", "Traduction"], ["Salle de réunion"],
     ["fr", "wo", "soninke"], ["2:evening", "5:morning"]),
    ("karim", "Karim Benali (démo)", "members", "Cité Renault",
     "Comptable retraité, j'aide les associations à tenir leurs comptes.", ["Comptabilité"], [],
     ["fr", "ar"], ["0:afternoon", "3:afternoon"]),
    ("lucia", "Lúcia Ferreira (démo)", "public", "Bécheville",
     "Développeuse web, je donne un coup de main en informatique.", ["Informatique", "Communication"],
     ["Recherche de financements"], ["fr", "pt", "en"], ["5:morning", "5:afternoon"]),
    ("ibrahim", "Ibrahim Koné (démo)", "hidden", "Les Musiciens",
     "Profil caché : n'apparaît pas dans l'annuaire.", ["Bricolage"], [], ["fr", "bm"], ["6:morning"]),
]


def _tag_ids(labels: list[str]) -> list[int]:
    return list(db.session.scalars(select(Tag.id).where(Tag.label.in_(labels))))


def _user(local: str, name: str, now: datetime) -> User:
    email = f"{local}@{DEMO_DOMAIN}"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, display_name=name, preferred_language="fr", phone="06 00 00 00 00",
                    password_hash=passwords.hash_password(f"demo-{local}-chrysalides"),
                    email_confirmed_at=now, created_at=now, updated_at=now)
        user.role_links.append(UserRole(role=Role.MEMBER, granted_at=now))
        db.session.add(user)
        db.session.flush()
    return user


def load_demo_directory(now: datetime) -> list[str]:
    from portal.volunteers import services as volunteering
    from portal.volunteers.models import VolunteerCall

    staff = db.session.scalar(select(User).where(User.email == f"equipe@{DEMO_DOMAIN}"))
    for label, category in TAGS:
        if db.session.scalar(select(Tag.id).where(Tag.slug == services.slugify(label))) is None:
            db.session.add(Tag(label=label, slug=services.slugify(label), category=category, created_at=now))
    db.session.flush()

    made = 0
    for local, name, visibility, neighbourhood, text, offers, needs, languages, slots in PEOPLE:
        user = _user(local, name, now)
        profile = services.profile_for_user(user, now=now)
        services.save_profile(profile, services.ProfileData(
            visibility=visibility, share_contact=visibility == "members", presentation=text,
            neighbourhood=neighbourhood, town="Les Mureaux", languages=languages, themes=["vivre_ensemble"],
            offer_tag_ids=_tag_ids(offers), need_tag_ids=_tag_ids(needs)), now=now)
        volunteering.save_volunteer(user, volunteering.VolunteerData(
            neighbourhood=neighbourhood, skill_ids=_tag_ids(offers), languages=languages, slots=slots), now=now)

    managers = {"Association Femmes Relais des Mureaux": "amina", "Régie de quartier Seine Aval": "karim"}
    for name, type_, visibility, verified, neighbourhood, text, offers, needs, languages in ORGANISATIONS:
        if db.session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
            continue
        manager = _user(managers.get(name, "membre"), "Moussa Membre (démo)", now)
        organisation = services.create_organisation(manager, name=name, type_=type_, role="responsable", now=now)
        services.save_profile(organisation.profile, services.ProfileData(
            visibility=visibility, presentation=text, neighbourhood=neighbourhood, town="Les Mureaux",
            languages=languages, themes=["vivre_ensemble", "travailler"],
            offer_tag_ids=_tag_ids(offers), need_tag_ids=_tag_ids(needs)), now=now)
        if verified and staff is not None:
            services.set_verified(staff, organisation, True, now=now)
        made += 1
    femmes_relais = db.session.scalar(select(Organisation).where(Organisation.name == ORGANISATIONS[0][0]))
    lucia = _user("lucia", PEOPLE[2][1], now)
    if femmes_relais is not None and staff is not None:
        services.join_organisation(staff, femmes_relais, lucia, role="bénévole", manager=False, now=now)

    organiser = db.session.scalar(select(User).where(User.email == f"organisatrice@{DEMO_DOMAIN}"))
    calls = 0
    if organiser is not None and db.session.scalar(select(VolunteerCall.id)) is None:
        day = paris_today(now) + timedelta(days=(5 - paris_today(now).weekday()) % 7 or 7)
        for title, hour, wanted, skills, language in (
                ("Distribution alimentaire du samedi", 9, 4, ["Cuisine"], ""),
                ("Atelier numérique : créer son adresse e-mail", 14, 2, ["Informatique"], "pt"),
                ("Accueil des familles à la fête de quartier", 10, 3, ["Traduction"], "ar")):
            starts = paris_to_utc(day, time(hour))
            volunteering.create_call(organiser, volunteering.CallData(
                title=title, starts_at=starts, ends_at=starts + timedelta(hours=3), wanted=wanted,
                place="Les Chrysalides", neighbourhood="Centre-ville", language=language,
                skill_ids=_tag_ids(skills), description="Appel de démonstration."), now=now)
            calls += 1
    db.session.flush()
    return [f"demo directory: {len(TAGS)} tags, {made} new organisations, {len(PEOPLE)} people, {calls} volunteer calls"]
