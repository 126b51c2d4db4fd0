"""Import an organiser's events from an iCalendar (.ics) file: read, preview, then create drafts.

Each imported event keeps the file's UID in ``Event.uid``: importing the same file again
finds what it created, updates the times that changed and creates nothing twice. A repeating
event (RRULE, RDATE, EXDATE, RECURRENCE-ID) becomes one draft per occurrence in the next
12 months, each with the UID followed by « /YYYYMMDD » of its date. The occurrences are
expanded here with dateutil's rrule (recurring-ical-events needs python-dateutil < 3,
older than ours), in the event's own wall-clock time, so they keep their hour across DST.

Times with a time zone keep it; floating times (no zone) are Paris time, or the calendar's
X-WR-TIMEZONE when it names a zone; an all-day event covers whole Paris days.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rruleset, rrulestr
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, vRecur
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.errors import DomainError
from portal.events.models import Event, EventStatus, Theme
from portal.events.services import events as event_service
from portal.events.services.events import EventData, current_data
from portal.extensions import db
from portal.timeutil import PARIS, paris_to_utc

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_EVENTS = 300  # upcoming events (occurrences included) in one file
HORIZON = timedelta(days=365)  # how far ahead a repeating event is expanded
# RFC 5545 gives a timed event without DTEND nor DURATION no length at all; an agenda entry needs one.
DEFAULT_DURATION = timedelta(hours=1)
EXPANDED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
UID_LENGTH = 255  # Event.uid
SALT = "portal.events.ics-import"
PAYLOAD_MAX_AGE = 3 * 3600  # seconds between the preview and the confirmation


class Unreadable(Exception):
    """A VEVENT this importer cannot turn into an event."""


@dataclass(frozen=True)
class ImportedEvent:
    """One event (or one occurrence) read from the file; times are aware UTC."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool = False
    description: str = ""
    location: str = ""
    occurrence: bool = False  # one date of a repeating event
    cancelled: bool = False  # STATUS:CANCELLED in the file

    def to_payload(self) -> dict:
        data = asdict(self)
        data["starts_at"], data["ends_at"] = self.starts_at.isoformat(), self.ends_at.isoformat()
        return data

    @classmethod
    def from_payload(cls, data: dict) -> ImportedEvent:
        starts_at, ends_at = datetime.fromisoformat(data["starts_at"]), datetime.fromisoformat(data["ends_at"])
        if starts_at.tzinfo is None or ends_at.tzinfo is None:
            raise ValueError("naive time in payload")
        return cls(uid=str(data["uid"])[:UID_LENGTH], title=str(data["title"]), starts_at=starts_at.astimezone(UTC),
                   ends_at=ends_at.astimezone(UTC), all_day=bool(data["all_day"]),
                   description=str(data["description"]), location=str(data["location"]),
                   occurrence=bool(data["occurrence"]), cancelled=bool(data["cancelled"]))


@dataclass
class ParsedCalendar:
    items: list[ImportedEvent] = field(default_factory=list)
    past: int = 0  # events over before now, left out
    unreadable: int = 0  # VEVENTs without a usable start, or with a rule we do not expand
    repeating: int = 0  # repeating events expanded into occurrences


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


@dataclass
class PlannedImport:
    item: ImportedEvent
    action: Action
    reason: str = ""
    event: Event | None = None


@dataclass
class ImportResult:
    created: list[Event] = field(default_factory=list)
    updated: list[Event] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (title, reason)


# --- reading the file ---------------------------------------------------------------


def parse_ics(data: bytes, *, now: datetime) -> ParsedCalendar:
    """The upcoming events of an .ics file. A file that is not iCalendar, too big or without
    any event raises a DomainError with a message for the organiser."""
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(_l("Le fichier dépasse 2 Mo."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # RFC 5545 says UTF-8; some old exports are not
    if "BEGIN:VCALENDAR" not in text.upper():
        raise DomainError(_l("Ce fichier n'est pas un agenda iCalendar (.ics)."), field="file")
    try:
        calendar = Calendar.from_ical(text)
    except Exception as err:  # the parser's errors vary (ValueError, KeyError, ...): all mean "not readable"
        raise DomainError(_l("Ce fichier n'est pas un agenda iCalendar (.ics) lisible."), field="file") from err
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise DomainError(_l("Ce fichier n'est pas un agenda iCalendar (.ics)."), field="file")
    components = [c for c in calendar.walk("VEVENT")]
    if not components:
        raise DomainError(_l("Ce fichier ne contient aucun événement."), field="file")
    zone = _calendar_zone(calendar)
    parsed = ParsedCalendar()
    masters: dict[str, object] = {}
    overrides: dict[str, list] = {}
    for component in components:
        uid = str(component.get("UID") or "").strip() or _made_up_uid(component)
        if component.get("RECURRENCE-ID") is not None:
            overrides.setdefault(uid, []).append(component)
        elif uid not in masters:
            masters[uid] = component
    items: dict[str, ImportedEvent] = {}
    for uid, component in masters.items():
        try:
            found = _read_master(uid, component, overrides.pop(uid, []), zone, now)
        except Exception:  # Unreadable, or a malformed value deep in the component: count it, import the rest
            parsed.unreadable += 1
            continue
        if component.get("RRULE") is not None or component.get("RDATE") is not None:
            parsed.repeating += 1
        for item in found:
            items.setdefault(item.uid, item)
    for uid, lone in overrides.items():  # changed occurrences whose repeating event is not in the file
        for component in lone:
            try:
                item = _read_single(_occurrence_uid(uid, _local_naive(component["RECURRENCE-ID"].dt, zone).date()),
                                    component, zone, occurrence=True)
            except Exception:  # as above
                parsed.unreadable += 1
                continue
            items.setdefault(item.uid, item)
    for item in sorted(items.values(), key=lambda i: (i.starts_at, i.uid)):
        if item.ends_at <= now:
            parsed.past += 1
        else:
            parsed.items.append(item)
    if len(parsed.items) > MAX_EVENTS:
        raise DomainError(_l("Le fichier contient %(count)s événements à venir ; %(max)s au plus par import. "
                             "Exportez une période plus courte.", count=len(parsed.items), max=MAX_EVENTS),
                          field="file")
    if not parsed.items and not parsed.past:
        raise DomainError(_l("Aucun événement de ce fichier n'a pu être lu (date de début manquante ou illisible)."),
                          field="file")
    return parsed


def _calendar_zone(calendar) -> tzinfo:
    """Floating times are in the calendar's X-WR-TIMEZONE (Google, Apple) if it is a real zone, else Paris."""
    name = str(calendar.get("X-WR-TIMEZONE") or "").strip()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return PARIS


def _made_up_uid(component) -> str:
    """A UID is required by RFC 5545; without one, the same title and start give the same key."""
    seed = f"{component.get('SUMMARY', '')}|{component.get('DTSTART').to_ical() if component.get('DTSTART') else ''}"
    return f"sans-uid-{hashlib.sha256(seed.encode()).hexdigest()[:24]}@import"


def _key(uid: str, suffix: str = "") -> str:
    """The UID (and occurrence suffix) as stored in Event.uid; a very long UID is shortened with a hash."""
    room = UID_LENGTH - len(suffix)
    if len(uid) > room:
        uid = f"{uid[:room - 33]}-{hashlib.sha256(uid.encode()).hexdigest()[:32]}"
    return uid + suffix


def _occurrence_uid(uid: str, day: date) -> str:
    return _key(uid, f"/{day:%Y%m%d}")


def _local_naive(value: date | datetime, zone: tzinfo) -> datetime:
    """A date or date-time as a wall-clock time in ``zone``, without tzinfo (floating stays as written)."""
    if isinstance(value, datetime):
        return (value.astimezone(zone) if value.tzinfo is not None else value).replace(tzinfo=None)
    return datetime.combine(value, time(0))


def _text(component, name: str, limit: int) -> str:
    value = component.get(name)
    if isinstance(value, list):  # some exports repeat DESCRIPTION or LOCATION
        value = value[0] if value else ""
    return str(value or "").strip()[:limit]


def _span(component, zone: tzinfo) -> tuple[date | datetime, timedelta, bool, tzinfo]:
    """Start, length (wall-clock for timed events, days for all-day ones), all-day, zone of the start."""
    prop = component.get("DTSTART")
    if prop is None:
        raise Unreadable("no DTSTART")
    start = prop.dt
    all_day = not isinstance(start, datetime)
    start_zone = start.tzinfo if not all_day and start.tzinfo is not None else zone
    if component.get("DTEND") is not None:
        end = component["DTEND"].dt
        if all_day != (not isinstance(end, datetime)):
            raise Unreadable("DTSTART and DTEND of different kinds")
        length = (end - start) if all_day else _local_naive(end, start_zone) - _local_naive(start, start_zone)
    elif component.get("DURATION") is not None:
        length = component["DURATION"].dt
    else:
        length = timedelta(days=1) if all_day else DEFAULT_DURATION
    if not isinstance(length, timedelta):
        raise Unreadable("bad duration")
    if all_day:
        length = timedelta(days=max(length.days, 1))
    elif length <= timedelta(0):
        length = DEFAULT_DURATION
    return start, length, all_day, start_zone


def _item(uid: str, component, local_start: datetime, length: timedelta, all_day: bool, zone: tzinfo,
          occurrence: bool) -> ImportedEvent:
    if all_day:
        day = local_start.date()
        starts_at, ends_at = paris_to_utc(day, time(0)), paris_to_utc(day + timedelta(days=length.days), time(0))
    else:
        starts_at = local_start.replace(tzinfo=zone).astimezone(UTC)
        ends_at = (local_start + length).replace(tzinfo=zone).astimezone(UTC)
    return ImportedEvent(
        uid=uid, title=_text(component, "SUMMARY", 200) or _("Sans titre"), starts_at=starts_at, ends_at=ends_at,
        all_day=all_day, description=_text(component, "DESCRIPTION", 20000), location=_text(component, "LOCATION", 500),
        occurrence=occurrence, cancelled=str(component.get("STATUS") or "").upper() == "CANCELLED",
    )


def _read_single(uid: str, component, zone: tzinfo, *, occurrence: bool = False) -> ImportedEvent:
    start, length, all_day, start_zone = _span(component, zone)
    return _item(_key(uid), component, _local_naive(start, start_zone), length, all_day, start_zone, occurrence)


def _read_master(uid: str, component, overrides: list, zone: tzinfo, now: datetime) -> list[ImportedEvent]:
    if component.get("RRULE") is None and component.get("RDATE") is None:
        return [_read_single(uid, component, zone)]
    start, length, all_day, start_zone = _span(component, zone)
    first = _local_naive(start, start_zone)
    local_now = now.astimezone(start_zone).replace(tzinfo=None)
    window = (local_now - length - timedelta(days=1), local_now + HORIZON)
    by_day: dict[date, ImportedEvent] = {}
    for local_start in _expand(component, first, start_zone, all_day, window):
        by_day.setdefault(local_start.date(), _item(_occurrence_uid(uid, local_start.date()), component, local_start,
                                                    length, all_day, start_zone, True))
    for changed in overrides:  # RECURRENCE-ID: one occurrence moved, retitled or cancelled
        day = _local_naive(changed["RECURRENCE-ID"].dt, start_zone).date()
        item = _read_single(_occurrence_uid(uid, day), changed, zone, occurrence=True)
        if day in by_day or window[0] <= _local_naive(item.starts_at, start_zone) <= window[1]:
            by_day[day] = item
    return list(by_day.values())


def _expand(component, first: datetime, zone: tzinfo, all_day: bool,
            window: tuple[datetime, datetime]) -> list[datetime]:
    rules = rruleset()
    rules.rdate(first)  # DTSTART is always the first occurrence (RFC 5545)
    for recur in component.rrules:
        frequency = (recur.get("FREQ") or [""])[0].upper()
        if frequency not in EXPANDED_FREQUENCIES:
            raise Unreadable(f"FREQ={frequency} not expanded")
        recur = vRecur(dict(recur))
        if recur.get("UNTIL"):
            until = recur["UNTIL"][0]
            recur["UNTIL"] = [_local_naive(until, zone) if isinstance(until, datetime)
                              else datetime.combine(until, time(23, 59, 59))]
        rules.rrule(rrulestr(recur.to_ical().decode(), dtstart=first))
    for rdate, _end in component.rdates:
        rules.rdate(_local_naive(rdate, zone))
    excluded_days = set()
    for exdate in component.exdates:
        if isinstance(exdate, datetime) and not all_day:
            rules.exdate(_local_naive(exdate, zone))
        else:
            excluded_days.add(exdate.date() if isinstance(exdate, datetime) else exdate)
    starts = []
    for local_start in rules.between(*window, inc=True):
        if local_start.date() in excluded_days:
            continue
        starts.append(local_start)
        if len(starts) > MAX_EVENTS:
            break
    return starts


# --- the preview and the import -------------------------------------------------------


def _data(item: ImportedEvent, theme: Theme) -> EventData:
    return EventData(title=item.title, theme=theme, starts_at=item.starts_at, ends_at=item.ends_at,
                     description=item.description, all_day=item.all_day, address=item.location)


def _moved(event: Event, item: ImportedEvent) -> bool:
    return (event.starts_at, event.ends_at, event.all_day) != (item.starts_at, item.ends_at, item.all_day)


def _check(data: EventData) -> str:
    try:
        event_service.check_data(data)
    except DomainError as err:
        return str(err.message)
    return ""


def plan_import(actor: User, items: list[ImportedEvent], *, now: datetime, theme: Theme = Theme.LIVING_TOGETHER
                ) -> list[PlannedImport]:
    """What importing ``items`` would do, from what the database holds now."""
    existing = {}
    uids = [item.uid for item in items]
    for start in range(0, len(uids), 500):
        batch = select(Event).where(Event.uid.in_(uids[start:start + 500]))
        existing.update({e.uid: e for e in db.session.scalars(batch)})
    plan = []
    for item in items:
        event = existing.get(item.uid)
        if item.ends_at <= now:
            plan.append(PlannedImport(item, Action.SKIP, _("Déjà passé."), event))
        elif event is not None and not event_service.may_manage(actor, event):
            plan.append(PlannedImport(item, Action.SKIP, _("Déjà importé par une autre personne."), None))
        elif item.cancelled:
            reason = _("Annulé dans votre agenda : annulez-le aussi ici si besoin.") if event else \
                _("Annulé dans votre agenda.")
            plan.append(PlannedImport(item, Action.SKIP, reason, event))
        elif event is not None and event.status in (EventStatus.CANCELLED, EventStatus.REFUSED):
            plan.append(PlannedImport(item, Action.SKIP, _("Déjà importé, puis annulé ou refusé."), event))
        elif event is not None and not _moved(event, item):
            plan.append(PlannedImport(item, Action.UNCHANGED, "", event))
        elif event is not None:
            data = current_data(event)
            data.starts_at, data.ends_at, data.all_day = item.starts_at, item.ends_at, item.all_day
            problem = _check(data)
            plan.append(PlannedImport(item, Action.SKIP, problem, event) if problem
                        else PlannedImport(item, Action.UPDATE, "", event))
        elif not item.location:
            plan.append(PlannedImport(item, Action.SKIP, _("Sans lieu (LOCATION) : ajoutez l'adresse dans votre "
                                                           "agenda, puis importez à nouveau."), None))
        else:
            problem = _check(_data(item, theme))
            plan.append(PlannedImport(item, Action.SKIP, problem) if problem else PlannedImport(item, Action.CREATE))
    return plan


def apply_import(actor: User, items: list[ImportedEvent], *, theme: Theme, now: datetime) -> ImportResult:
    """Create the new events as drafts and move the ones whose times changed; flushes, never commits.
    The plan is made again here: the database may have changed since the preview."""
    result = ImportResult()
    for planned in plan_import(actor, items, now=now, theme=theme):
        item = planned.item
        if planned.action == Action.UNCHANGED:
            result.unchanged += 1
            continue
        if planned.action == Action.SKIP:
            result.skipped += 1
            continue
        try:
            with db.session.begin_nested():
                if planned.action == Action.CREATE:
                    event = event_service.create_event(actor, _data(item, theme), now=now)[0]
                    event.uid = item.uid
                    db.session.flush()
                    result.created.append(event)
                else:
                    data = current_data(planned.event)
                    data.starts_at, data.ends_at, data.all_day = item.starts_at, item.ends_at, item.all_day
                    result.updated.extend(event_service.update_event(actor, planned.event, data, now=now))
        except DomainError as err:
            result.skipped += 1
            result.failures.append((item.title, str(err.message)))
        except IntegrityError:  # the same UID imported at this very moment by another request
            result.skipped += 1
            result.failures.append((item.title, _("Déjà importé.")))
    return result


# --- carrying the parsed events from the preview to the confirmation --------------------------


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def sign_items(items: list[ImportedEvent], *, user_id: int, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"user": user_id, "events": [item.to_payload() for item in items]})


def load_items(token: str, *, user_id: int, secret_key: str) -> list[ImportedEvent]:
    """The events signed into the preview, for this user only, for a few hours."""
    expired = DomainError(_l("L'aperçu a expiré ou n'est pas valable : envoyez le fichier à nouveau."))
    try:
        payload = _serializer(secret_key).loads(token, max_age=PAYLOAD_MAX_AGE)
    except BadData as err:
        raise expired from err
    if not isinstance(payload, dict) or payload.get("user") != user_id:
        raise expired
    try:
        return [ImportedEvent.from_payload(data) for data in payload["events"]][:MAX_EVENTS]
    except (KeyError, TypeError, ValueError) as err:
        raise expired from err
