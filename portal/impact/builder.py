"""Builds a Report from the indicators: the sections, their tables, and the avoided costs."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.impact.indicators import events as event_indicators
from portal.impact.indicators import reach, third_place
from portal.impact.models import AvoidedCostAssumption, CostDriver
from portal.impact.periods import Period
from portal.impact.report import COUNT, HOURS, AvoidedCost, Report, Section, Table, theme_table
from portal.impact.scope import Scope
from portal.spaces.forms import KIND_LABELS

DRIVER_LABELS = {
    CostDriver.DESK_DAYS: _l("journées de poste de travail réservées"),
    CostDriver.ROOM_HOURS: _l("heures de salle réservées"),
    CostDriver.EVENT_ATTENDANCES: _l("présences aux événements"),
    CostDriver.PARTICIPANTS: _l("participants uniques aux événements"),
    CostDriver.PROJECTS_ACCOMPANIED: _l("projets accompagnés"),
    CostDriver.PROJECTS_LAUNCHED: _l("projets lancés"),
    CostDriver.VOLUNTEER_PLACEMENTS: _l("bénévoles retenus sur des appels"),
    CostDriver.INTRODUCTIONS: _l("mises en relation acceptées"),
}
# Quantities that count people or things (suppressed under 5 for funders) rather than time.
COUNT_DRIVERS = {CostDriver.EVENT_ATTENDANCES, CostDriver.PARTICIPANTS, CostDriver.PROJECTS_ACCOMPANIED,
                 CostDriver.PROJECTS_LAUNCHED, CostDriver.VOLUNTEER_PLACEMENTS, CostDriver.INTRODUCTIONS}


def build_report(period: Period, scope: Scope, *, now: datetime) -> Report:
    periods = [scope.clip(period), scope.clip(period.previous())]
    drivers: dict[str, list[float]] = {}
    people = reach.people(periods, scope)
    sections = [_third_place(periods, scope, now, drivers, people), _events(periods, scope, drivers)]
    from portal.impact import extra_sections

    extra_sections.add(sections, periods, scope, drivers, people)
    report = Report(periods=periods, scope=scope, generated_at=now, sections=sections, avoided_costs=[],
                    drivers=drivers)
    report.avoided_costs = avoided_costs(drivers, len(periods))
    return report


def avoided_costs(drivers: dict, count: int) -> list[AvoidedCost]:
    assumptions = db.session.scalars(select(AvoidedCostAssumption).where(AvoidedCostAssumption.active.is_(True))
                                     .order_by(AvoidedCostAssumption.label))
    return [AvoidedCost(label=a.label, source=a.source, driver_label=str(DRIVER_LABELS[a.driver]),
                        unit_cost_cents=a.unit_cost_cents, quantities=drivers.get(a.driver.value, [0] * count),
                        quantity_is_count=a.driver in COUNT_DRIVERS) for a in assumptions]


def _category_label(key: str):
    from portal.payments.services.catalogue import CATEGORY_LABELS

    if key == "walk_in":
        return _l("Sans compte (accueil)")
    return {k.value: v for k, v in CATEGORY_LABELS.items()}.get(key, key)


def _rate(booked: float, open_: float) -> float:
    return round(100 * booked / open_, 1) if open_ else 0.0


def _third_place(periods, scope: Scope, now, drivers, reached) -> Section:
    n = len(periods)
    opened = third_place.open_hours(periods, scope)
    booked = third_place.bookings_by_space(periods, scope, now)
    residents = reached["totals"]["residents"]
    people = {"new": residents["new"],
              "returning": [u - k for u, k in zip(residents["unique"], residents["new"], strict=True)]}
    spaces = third_place.spaces_of(set(opened) | set(booked))
    zero = {k: [0] * n for k in ("hours", "bookings", "cancelled", "checkins", "noshows", "unchecked", "walkins",
                                 "future", "desk_days")}

    def occupancy_rows(groups):
        return [[[round(g["open"][p], 1), round(g["hours"][p], 1), _rate(g["hours"][p], g["open"][p])]
                 for g in groups] for p in range(n)]

    per_space = [{"open": opened.get(s.id, [0.0] * n), **booked.get(s.id, zero)} for s in spaces]
    kinds: dict[str, dict] = {}
    for space, figures in zip(spaces, per_space, strict=True):
        kind = kinds.setdefault(space.kind.value, {"open": [0.0] * n, **{k: [0] * n for k in zero}})
        for key in kind:
            kind[key] = [a + b for a, b in zip(kind[key], figures[key], strict=True)]
    columns = [("open", _l("Heures d’ouverture")), ("booked", _l("Heures réservées")), ("rate", _l("Taux d’occupation (%)"))]
    section = Section("third_place", _l("Tiers-lieu : espaces et réservations"))
    section.tables.append(Table(
        "occupancy_by_space", _l("Occupation par espace"), HOURS, [(str(s.id), s.name) for s in spaces], columns,
        occupancy_rows(per_space), chart_column=2,
        description=_l("Heures réservées (réservations confirmées, ramenées à la période) divisées par les heures "
                       "d’ouverture de chaque poste ou salle actif, jours de fermeture exclus.")))
    section.tables.append(Table(
        "occupancy_by_kind", _l("Occupation par type d’espace"), HOURS,
        [(k, str(KIND_LABELS.get(k, k))) for k in kinds], columns, occupancy_rows(list(kinds.values())),
        chart_column=2))
    total = {k: [sum(g[k][p] for g in per_space) for p in range(n)] for k in zero}
    section.tables.append(Table(
        "bookings_use", _l("Usage des réservations confirmées"), COUNT,
        [("checked_in", _l("Arrivée enregistrée")), ("unchecked", _l("Passée sans arrivée enregistrée")),
         ("future", _l("À venir"))], [("bookings", _l("Réservations"))],
        [[[total["checkins"][p]], [total["unchecked"][p]], [total["future"][p]]] for p in range(n)],
        col_totals=True,
        description=_l("Chaque réservation confirmée de la période, selon que la personne est venue.")))
    categories: dict[str, list[int]] = {}
    for figures in booked.values():
        for category, counts in figures.get("categories", {}).items():
            categories[category] = [x + y for x, y in zip(categories.get(category, [0] * n), counts, strict=True)]
    ordered = sorted(categories, key=lambda k: -sum(categories[k]))
    section.tables.append(Table(
        "bookings_by_category", _l("Réservations confirmées par catégorie de réservant"), COUNT,
        [(k, str(_category_label(k))) for k in ordered], [("bookings", _l("Réservations"))],
        [[[categories[k][p]] for k in ordered] for p in range(n)], col_totals=True,
        description=_l("Catégorie tarifaire donnée par l’équipe (membre individuel par défaut) ; « sans compte » "
                       "pour les réservations faites à l’accueil.")))
    section.tables.append(Table(
        "bookings_other", _l("Absences, annulations et accueil"), COUNT,
        [("no_shows", _l("Absences (place libérée faute d’arrivée)")), ("cancelled", _l("Réservations annulées")),
         ("walk_ins", _l("Réservations faites à l’accueil sans compte"))], [("bookings", _l("Réservations"))],
        [[[total["noshows"][p]], [total["cancelled"][p]], [total["walkins"][p]]] for p in range(n)]))
    section.tables.append(Table(
        "residents", _l("Personnes qui réservent"), COUNT,
        [("new", _l("Nouvelles (première réservation)")), ("returning", _l("Déjà venues avant"))],
        [("people", _l("Personnes"))],
        [[[people["new"][p]], [people["returning"][p]]] for p in range(n)], col_totals=True,
        description=_l("Personnes ayant un compte, comptées une fois par période.")))
    desk = kinds.get("desk_area")
    drivers["desk_days"] = desk["desk_days"] if desk else [0] * n
    drivers["room_hours"] = [sum(g["hours"][p] for k, g in kinds.items() if k != "desk_area") for p in range(n)]
    return section


def _events(periods, scope: Scope, drivers) -> Section:
    n = len(periods)
    held = event_indicators.events_by_theme(periods, scope)
    seats = event_indicators.registrations_by_theme(periods, scope)
    firsts = event_indicators.first_time_participants(periods, scope)
    merged = {theme: {**held.get(theme, {}), **seats.get(theme, {})} for theme in set(held) | set(seats)}
    section = Section("events", _l("Événements"))
    section.tables.append(theme_table(
        "events_by_theme", _l("Événements par thème"),
        [("events", _l("Événements tenus")), ("cancelled", _l("Événements annulés")),
         ("registrations", _l("Inscriptions")), ("attended", _l("Présences enregistrées")),
         ("waitlisted", _l("Demandes restées en liste d’attente"))],
        merged, ("events", "cancelled", "registrations", "attended", "waitlisted"), additive=True, periods=n))
    section.tables.append(theme_table(
        "people_by_theme", _l("Participants et organisateurs par thème"),
        [("participants", _l("Participants uniques")), ("organisers", _l("Organisateurs")),
         ("organisations", _l("Organisations co-organisatrices"))],
        merged, ("participants", "organisers", "organisations"), additive=False, periods=n,
        description=_l("Une personne venue à plusieurs thèmes compte une fois dans la colonne « Ensemble ».")))
    section.tables.append(Table(
        "first_time", _l("Nouveaux participants"), COUNT, [("first_time", _l("Premier événement dans la période"))],
        [("people", _l("Personnes"))], [[[firsts[p]]] for p in range(n)], chart_column=None))
    total = merged.get("__total__", {})
    drivers["event_attendances"] = total.get("attended", [0] * n)
    drivers["participants"] = total.get("participants", [0] * n)
    return section
