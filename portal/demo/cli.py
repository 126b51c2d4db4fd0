from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import utcnow
from portal.demo.data import load_demo
from portal.extensions import db

demo_cli = AppGroup("demo", help="Demonstration data (never in production).")


@demo_cli.command("load")
def load_command() -> None:
    """Create or refresh the demo data. Safe to run several times."""
    created = load_demo(now=utcnow())
    db.session.commit()
    for line in created:
        click.echo(line)
