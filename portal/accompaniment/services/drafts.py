"""The form's draft, kept on the server and keyed by a random token held in a cookie."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select

from portal.accompaniment.models import RequestDraft
from portal.extensions import db


def get_draft(token: str | None) -> RequestDraft | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(RequestDraft).where(RequestDraft.token == token))


def save(draft: RequestDraft | None, fields: dict, *, step: int, now: datetime) -> RequestDraft:
    if draft is None:
        draft = RequestDraft(token=secrets.token_urlsafe(32), data={}, step=1, created_at=now)
        db.session.add(draft)
    draft.data = {**(draft.data or {}), **fields}
    draft.step = max(draft.step or 1, step)
    draft.updated_at = now
    db.session.flush()
    return draft


def discard(draft: RequestDraft | None) -> None:
    if draft is not None:
        db.session.delete(draft)
        db.session.flush()
