"""RGPD self-service: export everything about a person, delete (anonymise) an account, keep a log of both."""
from __future__ import annotations

import base64
import csv
import io
import json
import re
import secrets
import zipfile
from datetime import date, datetime, time
from enum import Enum

from sqlalchemy import bindparam, delete, func, or_, select, text, update

from portal.accounts.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.privacy import registry
from portal.privacy.models import PrivacyRequest, PrivacyRequestKind
from portal.privacy.retention import TABLES

DELETED_NAME = "Compte supprimé"
PARAM = re.compile(r":(\w+)")


def _condition(rule, user: User):
    params = {"user_id": user.id, "email": user.email}
    clause = text(rule.subject)
    return clause.bindparams(*[bindparam(name, params[name]) for name in set(PARAM.findall(rule.subject))])


def _plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def rows_about(user: User) -> dict[str, list[dict]]:
    """Every row of every table that is about this person (retention.TABLES ``subject``), secrets left out."""
    data: dict[str, list[dict]] = {}
    for name, rule in TABLES.items():
        table = db.metadata.tables.get(name)
        if rule.subject is None or table is None:
            continue
        columns = [c for c in table.columns if c.name not in rule.secret]
        rows = db.session.execute(select(*columns).where(_condition(rule, user)).order_by(*table.primary_key))
        found = [{key: _plain(value) for key, value in row._mapping.items()} for row in rows]
        if found:
            data[name] = found
    return data


README = """Vos données au portail des Chrysalides
=====================================

donnees.json : toutes les données, table par table (une clé par table).
<table>.csv  : les mêmes données, un fichier par table (séparateur « ; »).
fichiers/    : les fichiers que vous avez déposés (photo…).

Les mots de passe et jetons secrets ne sont jamais exportés (seule leur empreinte est gardée).
Les identifiants (user_id…) désignent des comptes ; aucune donnée d'une autre personne n'est incluse.
"""


def export_zip(user: User, *, now: datetime) -> bytes:
    data = rows_about(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LISEZMOI.txt", README)
        archive.writestr("donnees.json", json.dumps(
            {"exporte_le": now.isoformat(), "compte": user.id, "tables": data},
            ensure_ascii=False, indent=2, default=str))
        for name, rows in data.items():
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
            writer.writeheader()
            writer.writerows({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                              for k, v in row.items()} for row in rows)
            archive.writestr(f"{name}.csv", out.getvalue())
        for path, content in registry.collect_files(user).items():
            archive.writestr(path, content)
    db.session.add(PrivacyRequest(user_id=user.id, kind=PrivacyRequestKind.EXPORT, requested_at=now,
                                  completed_at=now, account_ref=f"n° {user.id}",
                                  summary=", ".join(f"{name}: {len(rows)}" for name, rows in data.items())))
    return buffer.getvalue()


def _anonymised_values(table, rule) -> dict:
    values = {}
    for column, value in rule.anonymised.items():
        if value == ":keep":
            continue
        values[column] = secrets.token_urlsafe(24) if value == ":random" else value
    for column in rule.personal:
        if column not in rule.anonymised and not table.c[column].foreign_keys:
            values[column] = None if table.c[column].nullable else ""
    return values


def _erase_mail(user: User) -> int:
    """E-mails to the person, and e-mails not yet sent that name them, are dropped; their address and
    name are blanked out of e-mails already sent to others (the outbox keeps those 90 days)."""
    traces = [user.email, user.display_name]
    mentions = or_(*[column.contains(trace, autoescape=True) for trace in traces
                     for column in (OutboxMessage.body_text, OutboxMessage.subject)])
    dropped = db.session.execute(delete(OutboxMessage).where(or_(
        OutboxMessage.recipient == user.email,
        (OutboxMessage.status != OutboxStatus.SENT) & mentions))).rowcount
    for trace, replacement in ((user.email, "[adresse supprimée]"), (user.display_name, DELETED_NAME)):
        for column in (OutboxMessage.body_text, OutboxMessage.body_html, OutboxMessage.subject):
            db.session.execute(update(OutboxMessage).where(column.contains(trace, autoescape=True))
                               .values({column.key: func.replace(column, trace, replacement)}))
    return dropped


def delete_account(user: User, *, now: datetime) -> dict[str, int]:
    """Removes or anonymises everything about the person, in one transaction; returns what was done."""
    summary = registry.run_erasers(user, now)
    summary["e-mails"] = _erase_mail(user)
    for name, rule in reversed(list(TABLES.items())):
        table = db.metadata.tables.get(name)
        if table is None or rule.subject is None or rule.on_delete in ("none", "account", "hook", "keep"):
            continue
        if rule.on_delete == "delete":
            count = db.session.execute(table.delete().where(_condition(rule, user))).rowcount
        else:
            values = _anonymised_values(table, rule)
            count = db.session.execute(table.update().where(_condition(rule, user)).values(values)).rowcount \
                if values else 0
        if count:
            summary[name] = count
    account_ref = f"n° {user.id}"
    db.session.execute(update(PrivacyRequest).where(PrivacyRequest.user_id == user.id).values(user_id=None))
    db.session.execute(update(User).where(User.id == user.id).values(
        email=f"compte-supprime-{user.id}@invalid.invalid", display_name=DELETED_NAME, phone=None,
        password_hash="!" + secrets.token_hex(16), preferred_language="fr", email_confirmed_at=None,
        last_login_at=None, calendar_token=None, active=False, updated_at=now))
    db.session.add(PrivacyRequest(user_id=None, kind=PrivacyRequestKind.DELETION, requested_at=now,
                                  completed_at=now, account_ref=account_ref,
                                  summary=", ".join(f"{k}: {v}" for k, v in summary.items() if v)))
    db.session.flush()
    db.session.expire_all()
    return summary


def requests_log(limit: int = 500) -> list[PrivacyRequest]:
    return list(db.session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.requested_at.desc()).limit(limit)))
