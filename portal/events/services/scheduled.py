"""What cron runs for events: tomorrow's reminders and the waiting list's expired offers."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.events import notifications
from portal.events.models import Event, EventStatus, Registration, RegistrationStatus
from portal.events.services import registrations
from portal.extensions import db
from portal.spaces.services.staff import record_job_run
from portal.timeutil import paris_day_bounds, paris_today

SEND_REMINDERS = "events.send-reminders"
EXPIRE_OFFERS = "events.expire-offers"


def send_reminders(now: datetime) -> int:
    """E-mail the people registered to each published event of tomorrow (Paris), once per event."""
    start, end = paris_day_bounds(paris_today(now) + timedelta(days=1))
    due = db.session.scalars(
        select(Event).options(selectinload(Event.registrations).joinedload(Registration.user))
        .where(Event.status == EventStatus.PUBLISHED, Event.starts_at >= start, Event.starts_at < end,
               Event.reminder_sent_at.is_(None))
        .order_by(Event.starts_at, Event.id)
    ).all()
    sent = 0
    for event in due:
        for registration in event.registrations:
            if registration.status == RegistrationStatus.REGISTERED:
                notifications.reminder(registration, now=now)
                sent += 1
        event.reminder_sent_at = now
    record_job_run(SEND_REMINDERS, now, f"{sent} reminder(s) for {len(due)} event(s)")
    return sent


def expire_offers(now: datetime) -> int:
    """Offers of a freed seat not confirmed in time pass to the next person on the waiting list."""
    expired = registrations.expire_offers(now)
    record_job_run(EXPIRE_OFFERS, now, f"{expired} expired")
    return expired
