"""A few plausible events of Les Chrysalides for development, clearly marked as demo."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.errors import DomainError
from portal.events.models import Event, EventAudience, RegistrationMode, Theme
from portal.events.services.events import EventData, create_event, publish
from portal.events.services.recurrence import Recurrence
from portal.extensions import db
from portal.spaces.models import Space
from portal.timeutil import paris_to_utc, paris_today

DEMO_EVENTS = [
    dict(title="Atelier cuisine du monde (démo)", theme=Theme.LIVING_TOGETHER, days=3, start=time(14), end=time(17),
         space="salle-seine", capacity=12, mode=RegistrationMode.FREE, languages=["fr", "ar", "wo"],
         description="Chaque participant apporte une recette de son pays. On cuisine, on goûte, on échange.",
         tags=["cuisine", "cultures"], weekly=4),
    dict(title="100 chances 100 emplois : rencontre entreprises (démo)", theme=Theme.WORKING, days=6, start=time(9, 30),
         end=time(12, 30), space="grande-salle", capacity=40, mode=RegistrationMode.APPROVAL, languages=["fr"],
         description="Des jeunes en recherche d'emploi rencontrent des entreprises du territoire.",
         tags=["emploi", "jeunesse"]),
    dict(title="Visite du potager sur le toit (démo)", theme=Theme.VISITING_MEETING, days=9, start=time(10), end=time(11, 30),
         address="Toit-jardin 110 cultures, Les Mureaux", capacity=15, mode=RegistrationMode.FREE, languages=["fr", "en"],
         description="Découvrez le potager de 110 cultures et ses bénévoles.", tags=["jardin"]),
    dict(title="Café des associations (démo)", theme=Theme.LIVING_TOGETHER, days=2, start=time(17, 30), end=time(19),
         space="salle-baobab", capacity=None, mode=RegistrationMode.NONE, languages=["fr"], audience=EventAudience.MEMBERS,
         description="Réservé aux membres : les nouvelles du réseau autour d'un café.", tags=["réseau"]),
]


def load_demo_events(now: datetime) -> list[str]:
    organiser = db.session.scalar(select(User).where(User.email == "equipe@demo.chrysalides.example"))
    if organiser is None:
        return []
    lines = []
    today = paris_today(now)
    for spec in DEMO_EVENTS:
        if db.session.scalar(select(Event.id).where(Event.title == spec["title"]).limit(1)):
            lines.append(f"demo event {spec['title']} (already there)")
            continue
        space_id = None
        if spec.get("space"):
            space_id = db.session.scalar(select(Space.id).where(Space.slug == spec["space"]))
        day = today + timedelta(days=spec["days"])
        while day.weekday() >= 5:  # demo spaces close early on Saturdays and on Sundays
            day += timedelta(days=1)
        data = EventData(
            title=spec["title"], theme=spec["theme"], starts_at=paris_to_utc(day, spec["start"]),
            ends_at=paris_to_utc(day, spec["end"]), description=spec["description"], tags=spec["tags"],
            organisation_name="PTCE Vivre Les Mureaux (démo)", space_id=space_id, address=spec.get("address", ""),
            audience=spec.get("audience", EventAudience.PUBLIC), languages=spec["languages"], capacity=spec["capacity"],
            registration_mode=spec["mode"],
        )
        recurrence = Recurrence("weekly", count=spec["weekly"]) if spec.get("weekly") else None
        try:
            with db.session.begin_nested():
                created = create_event(organiser, data, now=now, recurrence=recurrence)
                publish(organiser, created[0], now=now)
        except DomainError as err:  # e.g. the demo room is already taken that day
            lines.append(f"demo event {spec['title']} skipped: {err.message}")
            continue
        lines.append(f"demo event {spec['title']} ({len(created)} occurrence(s))")
    return lines
