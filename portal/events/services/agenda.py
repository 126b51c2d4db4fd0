"""Finding events: the agenda's filters, grouping by day, and what each feed contains."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.events.models import Event, EventAudience, EventStatus, Registration, RegistrationStatus, SEAT_HOLDING
from portal.extensions import db
from portal.spaces.models import Space
from portal.timeutil import paris_day_bounds, paris_today, to_paris

LISTED = (EventStatus.PUBLISHED, EventStatus.CANCELLED)
HISTORY = timedelta(days=365)


@dataclass
class AgendaFilters:
    theme: str | None = None
    audience: str | None = None
    free: bool | None = None
    this_week: bool = False
    language: str | None = None
    tag: str | None = None
    organiser_id: int | None = None
    space_id: int | None = None
    first: date | None = None
    last: date | None = None


def visible_events(viewer: User | None):
    """Published and cancelled events this viewer may see (members-only needs an account)."""
    query = select(Event).where(Event.status.in_(LISTED))
    if viewer is None or not viewer.is_authenticated:
        query = query.where(Event.audience == EventAudience.PUBLIC)
    return query


def _json_list_has(column, value: str):
    """Portable "JSON list contains": the list is stored as text on both databases."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('"', "")
    return cast(column, String).like(f'%"{escaped}"%', escape="\\")


def search(viewer: User | None, filters: AgendaFilters, now: datetime, *, limit: int = 200,
           offset: int = 0) -> list[Event]:
    query = visible_events(viewer).options(joinedload(Event.space))
    first = filters.first or paris_today(now)
    last = filters.last
    if filters.this_week:
        last = first + timedelta(days=6 - first.weekday())
    start = paris_day_bounds(first)[0]
    query = query.where(Event.ends_at > max(start, now) if filters.first is None else Event.ends_at > start)
    if last is not None:
        query = query.where(Event.starts_at < paris_day_bounds(last)[1])
    if filters.theme:
        query = query.where(Event.theme == filters.theme)
    if filters.audience:
        query = query.where(Event.audience == filters.audience)
    if filters.free is not None:
        query = query.where(Event.is_free.is_(filters.free))
    if filters.organiser_id:
        query = query.where(Event.organiser_id == filters.organiser_id)
    if filters.space_id:
        query = query.where(Event.space_id == filters.space_id)
    if filters.language:
        query = query.where(_json_list_has(Event.languages, filters.language))
    if filters.tag:
        query = query.where(_json_list_has(Event.tags, filters.tag))
    return list(db.session.scalars(query.order_by(Event.starts_at, Event.id).offset(offset).limit(limit)))


def by_day(events: list[Event]) -> OrderedDict[date, list[Event]]:
    days: OrderedDict[date, list[Event]] = OrderedDict()
    for event in events:
        days.setdefault(to_paris(event.starts_at).date(), []).append(event)
    return days


def month_grid(month: date, events: list[Event]) -> list[list[tuple[date, list[Event]]]]:
    """Weeks (Monday first) of the month, each day with its events."""
    first = month.replace(day=1)
    start = first - timedelta(days=first.weekday())
    grouped = by_day(events)
    weeks, day = [], start
    while True:
        week = []
        for _ in range(7):
            week.append((day, grouped.get(day, [])))
            day += timedelta(days=1)
        weeks.append(week)
        if day.month != first.month and day > first:
            break
    return weeks


def _feed_scope(query, audience_public: bool, theme, organiser_id, space_id, now: datetime):
    query = query.where(Event.status.in_(LISTED), Event.ends_at > now - HISTORY)
    if audience_public:
        query = query.where(Event.audience == EventAudience.PUBLIC)
    if theme:
        query = query.where(Event.theme == theme)
    if organiser_id:
        query = query.where(Event.organiser_id == organiser_id)
    if space_id:
        query = query.where(Event.space_id == space_id)
    return query


def feed_events(*, audience_public: bool, theme: str | None = None, organiser_id: int | None = None,
                space_id: int | None = None, now: datetime) -> list[Event]:
    """What a feed publishes: a year of history and everything ahead."""
    query = _feed_scope(select(Event).options(joinedload(Event.space)), audience_public, theme, organiser_id,
                        space_id, now)
    return list(db.session.scalars(query.order_by(Event.starts_at, Event.id)))


def feed_version(*, audience_public: bool, theme: str | None = None, organiser_id: int | None = None,
                 space_id: int | None = None, now: datetime) -> tuple:
    """One cheap query: the feed changes when this stamp changes (ETag, cached body)."""
    # Events show their space's name and address: renaming a space changes the feeds too.
    spaces_changed = select(func.max(Space.updated_at)).scalar_subquery()
    query = _feed_scope(select(func.count(Event.id), func.max(Event.updated_at), spaces_changed),
                        audience_public, theme, organiser_id, space_id, now)
    count, last_event, last_space = db.session.execute(query).one()
    last = max((moment for moment in (last_event, last_space if count else None) if moment), default=None)
    # The history window slides once a day.
    return (count, last.isoformat() if last else "", paris_today(now).isoformat(),
            last_space.isoformat() if last_space else "")


def personal_events(user: User, now: datetime) -> list[Event]:
    statuses = (*SEAT_HOLDING, RegistrationStatus.WAITLISTED)
    return list(db.session.scalars(
        select(Event).options(joinedload(Event.space)).join(Registration)
        .where(Registration.user_id == user.id, Registration.status.in_(statuses),
               Event.status.in_(LISTED), Event.ends_at > now - HISTORY)
        .order_by(Event.starts_at)))



