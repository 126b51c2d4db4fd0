"""A team, routing rules, a partner and a few requests for development, clearly marked as demo."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.accompaniment.models import ProjectRequest, Team
from portal.accompaniment.services import admin, workflow
from portal.accompaniment.services.intake import RequestData, submit_request
from portal.accounts.models import User
from portal.extensions import db

DEMO_REQUESTS = [
    (RequestData(name="Awa (démo)", email="awa@demo.chrysalides.example", phone="06 12 34 56 78", language="fr",
                 contact_channel="phone", title="Traiteur de cuisine malienne (démo)",
                 description="Je cuisine pour les fêtes du quartier et je voudrais en faire mon métier.",
                 theme="travailler", stage="first_steps", place="Les Mureaux", needs=["legal", "funding", "space"],
                 heard_from="association", consent=True), 6),
    (RequestData(name="Karim (démo)", email="karim@demo.chrysalides.example", language="ar", contact_channel="email",
                 title="Atelier de réparation de vélos (démo)", description="Un atelier solidaire pour les jeunes.",
                 theme="vivre_ensemble", stage="idea", place="Quartier Cinq-Quartiers", needs=["space", "volunteers"],
                 heard_from="event", consent=True), 1),
    (RequestData(name="Inès (démo)", phone="07 98 76 54 32", language="fr", contact_channel="sms",
                 title="Visites guidées du patrimoine ouvrier (démo)", theme="visiter_rencontrer", stage="idea",
                 needs=["mentoring", "network"], heard_from="word_of_mouth", consent=True), 0),
]


def load_demo_accompaniment(now: datetime) -> list[str]:
    staff = db.session.scalar(select(User).where(User.email == "equipe@demo.chrysalides.example"))
    if staff is None:
        return []
    lines = []
    team = db.session.scalar(select(Team).where(Team.name == "Accompagnement (démo)"))
    if team is None:
        team = admin.create_team("Accompagnement (démo)", "Création d'activité et d'emploi")
        admin.add_member(team, staff.email)
        admin.create_rule(position=10, theme="travailler", need=None, stage=None, language=None, team_id=team.id,
                          user_id=None)
        admin.create_rule(position=20, theme=None, need="space", stage=None, language=None, team_id=None,
                          user_id=staff.id)
        admin.create_partner("Initiative Seine Yvelines (démo)", "contact@demo.chrysalides.example")
        lines.append("demo accompaniment team, 2 routing rules, 1 partner")
    for data, days_ago in DEMO_REQUESTS:
        if db.session.scalar(select(ProjectRequest.id).where(ProjectRequest.title == data.title)):
            continue
        created = submit_request(data, now=now - timedelta(days=days_ago))
        if days_ago == 1:
            workflow.change_status(created, "qualifying", actor=staff, now=now - timedelta(hours=20))
            workflow.message_holder(created, "Bonjour Karim, pouvez-vous passer jeudi aux Chrysalides ?",
                                    actor=staff, now=now - timedelta(hours=20))
        lines.append(f"demo project request {created.reference} ({data.title}), link /porteurs-de-projet/suivi/"
                     f"{created.tracking_token}")
    return lines
