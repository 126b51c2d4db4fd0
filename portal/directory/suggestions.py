"""Suggestions: who offers what an organisation (or a person) is looking for, and why.

Candidates are chosen and ranked in SQL among the profiles the viewer may see; the
explanation of each match is then read from the few suggested profiles.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.directory.labels import LANGUAGE_LABELS
from portal.directory.models import Profile, ProfileTag, TagDirection
from portal.directory.services import visible_levels
from portal.events.notifications import Translated
from portal.extensions import db


@dataclass
class Suggestion:
    profile: Profile
    reasons: list


def for_needs(profile: Profile, viewer, limit: int = 8) -> list[Suggestion]:
    needs = {t.id: t for t in profile.need_tags}
    if not needs:
        return []
    score = func.count(ProfileTag.id).label("score")
    ranked = (select(Profile.id, score).join(ProfileTag, ProfileTag.profile_id == Profile.id)
              .where(ProfileTag.direction == TagDirection.OFFER, ProfileTag.tag_id.in_(needs),
                     Profile.visibility.in_(visible_levels(viewer)), Profile.id != profile.id)
              .group_by(Profile.id).order_by(score.desc(), Profile.id).limit(limit)).subquery()
    rows = db.session.execute(select(Profile).join(ranked, ranked.c.id == Profile.id)
                              .order_by(ranked.c.score.desc(), Profile.name)).scalars()
    mine_languages = set(profile.language_codes) - {"fr"}
    suggestions = []
    for candidate in rows:
        matched = [t.label for t in candidate.offer_tags if t.id in needs]
        reasons = [Translated(_l("Propose ce que vous cherchez : %(tags)s"), tags=", ".join(matched))]
        shared = sorted(mine_languages & set(candidate.language_codes))
        if shared:
            reasons.append(Translated(_l("Parle aussi : %(languages)s"),
                                      languages=", ".join(str(LANGUAGE_LABELS[c]) for c in shared)))
        if profile.neighbourhood and candidate.neighbourhood.lower() == profile.neighbourhood.lower():
            reasons.append(Translated(_l("Même quartier : %(place)s"), place=candidate.neighbourhood))
        suggestions.append(Suggestion(candidate, reasons))
    return suggestions
