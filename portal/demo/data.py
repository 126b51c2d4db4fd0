"""Demo data for development: plausible, clearly marked, idempotent."""
from __future__ import annotations

from datetime import datetime

from portal.accounts import passwords
from portal.accounts.models import Role, User, UserRole
from portal.accounts.services import find_user_by_email
from portal.extensions import db

DEMO_DOMAIN = "demo.chrysalides.example"

# Development only: these passwords are printed in the README.
DEMO_USERS = [
    ("admin", "Alice Admin (démo)", {Role.MEMBER, Role.ADMIN}, "demo-admin-chrysalides"),
    ("equipe", "Samir Équipe (démo)", {Role.MEMBER, Role.STAFF}, "demo-equipe-chrysalides"),
    ("organisatrice", "Odile Organisatrice (démo)", {Role.MEMBER, Role.ORGANISER}, "demo-orga-chrysalides"),
    ("membre", "Moussa Membre (démo)", {Role.MEMBER}, "demo-membre-chrysalides"),
]


def load_demo(*, now: datetime) -> list[str]:
    lines = []
    for local, name, roles, password in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = find_user_by_email(email)
        if user is None:
            user = User(email=email, display_name=name, preferred_language="fr",
                        password_hash=passwords.hash_password(password),
                        email_confirmed_at=now, created_at=now, updated_at=now)
            db.session.add(user)
        for role in roles - user.roles:
            user.role_links.append(UserRole(role=role, granted_at=now))
        lines.append(f"demo user {email} / {password} ({', '.join(sorted(r.value for r in roles))})")
    db.session.flush()
    from portal.spaces.demo import load_demo_spaces

    lines.extend(load_demo_spaces())
    from portal.events.demo import load_demo_events

    lines.extend(load_demo_events(now))
    from portal.accompaniment.demo import load_demo_accompaniment

    lines.extend(load_demo_accompaniment(now))
    from portal.payments.demo import load_demo_payments

    lines.extend(load_demo_payments(now))
    from portal.directory.demo import load_demo_directory

    lines.extend(load_demo_directory(now))
    from portal.impact.demo import load_demo_impact

    lines.extend(load_demo_impact(now))
    return lines
