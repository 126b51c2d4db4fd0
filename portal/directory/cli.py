from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import utcnow
from portal.extensions import db

directory_cli = AppGroup("directory", help="Member directory: scheduled clean-up.")


@directory_cli.command("purge-messages")
def purge_messages_command() -> None:
    """Delete messages sent through the directory more than 12 months ago (retention rule). Run daily."""
    from portal.directory.contact import purge_old_messages

    count = purge_old_messages(utcnow())
    db.session.commit()
    click.echo(f"{count} old directory message(s) deleted")
