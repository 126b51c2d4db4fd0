from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import utcnow
from portal.events.services import scheduled
from portal.extensions import db

events_cli = AppGroup("events", help="Scheduled event tasks (run them from cron).")


@events_cli.command("send-reminders")
def send_reminders_command() -> None:
    """E-mail the registrants of tomorrow's events a reminder (run once a day, e.g. at 17:00)."""
    count = scheduled.send_reminders(utcnow())
    db.session.commit()
    click.echo(f"{count} reminder(s) queued")


@events_cli.command("expire-offers")
def expire_offers_command() -> None:
    """Pass unconfirmed offers of a freed seat to the next person waiting (run every 15 minutes)."""
    count = scheduled.expire_offers(utcnow())
    db.session.commit()
    click.echo(f"{count} offer(s) expired")
