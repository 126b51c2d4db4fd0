"""A funding line and avoided-cost assumptions for development, clearly marked as demo."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.impact.models import AvoidedCostAssumption, CostDriver, FundingLine
from portal.spaces.models import Space
from portal.timeutil import paris_today

DEMO_ASSUMPTIONS = [
    ("Coût de référence d’une journée de coworking (démo)", CostDriver.DESK_DAYS, 2500,
     "Démo : tarif public moyen d’une journée de coworking en Île-de-France, relevé par l’équipe (à remplacer)."),
    ("Accompagnement évité par projet lancé (démo)", CostDriver.PROJECTS_LAUNCHED, 150000,
     "Démo : chiffre d’exemple, à remplacer par une source publiée (étude, rapport d’évaluation)."),
]


def load_demo_impact(now: datetime) -> list[str]:
    lines = []
    for label, driver, cents, source in DEMO_ASSUMPTIONS:
        if db.session.scalar(select(AvoidedCostAssumption.id).where(AvoidedCostAssumption.label == label)) is None:
            db.session.add(AvoidedCostAssumption(label=label, driver=driver, unit_cost_cents=cents, source=source))
            lines.append(f"demo avoided-cost assumption: {label}")
    name = "Tiers-lieu solidaire (démo)"
    if db.session.scalar(select(FundingLine.id).where(FundingLine.name == name)) is None:
        year = paris_today(now).year
        rooms = list(db.session.scalars(select(Space.id).order_by(Space.id).limit(2)))
        db.session.add(FundingLine(
            funder="Fondation exemple (démo)", name=name, description="Démo : soutien aux espaces et à l’emploi.",
            amount_cents=2_000_000, themes=["travailler"], tags=["emploi"], space_ids=rooms, needs=[],
            starts_on=date(year, 1, 1), ends_on=date(year, 12, 31), active=True))
        lines.append(f"demo funding line: {name}")
    db.session.flush()
    return lines
