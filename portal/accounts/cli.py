from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.accounts import services
from portal.db import utcnow
from portal.errors import DomainError
from portal.extensions import db

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", "display_name", default="Administration", show_default=True)
@click.password_option(help="Asked for when not given.")
def create_admin_command(email: str, display_name: str, password: str) -> None:
    """Create (or promote) an administrator account with a confirmed e-mail."""
    try:
        user = services.create_admin(email=email, display_name=display_name, password=password, now=utcnow())
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(str(err.message)) from err
    db.session.commit()
    click.echo(f"administrator {user.email} (id {user.id}) ready")


tokens_cli = AppGroup("tokens", help="Personal API tokens.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="ligne de commande", show_default=True)
def create_token_command(email: str, name: str) -> None:
    """Issue an API token for EMAIL's account; the secret is printed once."""
    from portal.api.auth import create_token

    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account uses {email}")
    _token, secret = create_token(user, name, now=utcnow())
    db.session.commit()
    click.echo(secret)
