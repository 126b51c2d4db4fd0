from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.accompaniment.services.digest import send_digests
from portal.accompaniment.services.privacy import anonymise_expired
from portal.db import utcnow
from portal.extensions import db

accompaniment_cli = AppGroup("accompaniment", help="Scheduled tasks of the accompaniment team (run them from cron).")


@accompaniment_cli.command("digest")
def digest_command() -> None:
    """E-mail each staff member what is overdue, new, waiting for an answer or unassigned (once a day, e.g. 08:00)."""
    count = send_digests(utcnow())
    db.session.commit()
    click.echo(f"{count} digest(s) queued")


@accompaniment_cli.command("anonymise")
def anonymise_command() -> None:
    """Anonymise requests finished longer ago than the retention period (once a day)."""
    count = anonymise_expired(utcnow())
    db.session.commit()
    click.echo(f"{count} request(s) anonymised")
