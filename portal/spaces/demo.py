"""A plausible Les Chrysalides for development, clearly marked as demo."""
from __future__ import annotations

import secrets
from datetime import time

from sqlalchemy import select

from portal.extensions import db
from portal.spaces.models import Audience, OpeningHours, Resource, SlotMode, Space, SpaceKind

WEEKDAYS = range(0, 5)  # Monday to Friday
SATURDAY = 5

DEMO_SPACES = [
    dict(slug="coworking", name="Espace coworking (démo)", kind=SpaceKind.DESK_AREA, capacity=20, floor="Rez-de-chaussée",
         description="Un plateau ouvert et lumineux de 20 postes, avec cuisine partagée.",
         amenities=["wifi", "kitchen", "printer"], accessibility=["step_free", "accessible_toilet"],
         slot_mode=SlotMode.HALF_DAY, max_days_ahead=30, max_duration_minutes=11 * 60, max_active_bookings=10,
         cancellation_deadline_hours=0, no_show_release_minutes=90, desks=20),
    dict(slug="salle-baobab", name="Salle Baobab (démo)", kind=SpaceKind.MEETING_ROOM, capacity=6, floor="1er étage",
         description="Petite salle de réunion pour 6 personnes, avec écran.",
         amenities=["screen", "wifi", "whiteboard"], accessibility=["step_free", "hearing_loop"],
         slot_mode=SlotMode.GRID, slot_minutes=30, max_duration_minutes=4 * 60, cancellation_deadline_hours=2),
    dict(slug="salle-seine", name="Salle Seine (démo)", kind=SpaceKind.MEETING_ROOM, capacity=12, floor="1er étage",
         description="Salle de réunion pour 12 personnes, visioconférence.",
         amenities=["screen", "videoconference", "wifi", "whiteboard"], accessibility=["step_free"],
         slot_mode=SlotMode.GRID, slot_minutes=30, max_duration_minutes=6 * 60, cancellation_deadline_hours=4),
    dict(slug="grande-salle", name="Grande salle (démo)", kind=SpaceKind.HALL, capacity=60, floor="Rez-de-chaussée",
         description="Salle polyvalente de 60 places : conférences, repas partagés, spectacles.",
         amenities=["screen", "sound", "kitchen", "wifi"], accessibility=["step_free", "hearing_loop", "accessible_toilet"],
         slot_mode=SlotMode.GRID, slot_minutes=60, max_duration_minutes=10 * 60, bookable_by=Audience.ORGANISERS,
         requires_approval=True, cancellation_deadline_hours=48, max_days_ahead=180),
    dict(slug="atelier", name="Atelier (démo)", kind=SpaceKind.WORKSHOP, capacity=10, floor="Rez-de-jardin",
         description="Atelier équipé pour le bricolage, la couture et la réparation.",
         amenities=["tools"], accessibility=["step_free"],
         slot_mode=SlotMode.GRID, slot_minutes=60, max_duration_minutes=4 * 60, requires_approval=True,
         cancellation_deadline_hours=24, max_days_ahead=60),
]


def load_demo_spaces() -> list[str]:
    lines = []
    for spec in DEMO_SPACES:
        spec = dict(spec)
        desks = spec.pop("desks", 0)
        space = db.session.scalar(select(Space).where(Space.slug == spec["slug"]))
        if space is None:
            space = Space(**spec)
            db.session.add(space)
            for weekday in WEEKDAYS:
                space.opening_hours.append(OpeningHours(weekday=weekday, opens_at=time(8, 30), closes_at=time(19, 0)))
            space.opening_hours.append(OpeningHours(weekday=SATURDAY, opens_at=time(9, 0), closes_at=time(13, 0)))
            count = desks or 1
            for position in range(1, count + 1):
                name = f"Poste {position}" if desks else space.name
                space.resources.append(Resource(name=name, position=position, qr_token=secrets.token_urlsafe(12)))
        lines.append(f"demo space {space.name} ({desks or 1} bookable)")
    db.session.flush()
    return lines
