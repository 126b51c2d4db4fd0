"""Introductions (*mise en relation*) with double opt-in.

Until both people accept, each only sees the other's name and the proposer's
reason; e-mails and phones are exchanged in the e-mail sent when the second
acceptance arrives. The acceptance is a conditional UPDATE, so two acceptances
arriving together both see the final state.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from portal.accounts.models import User
from portal.directory.models import Introduction, IntroductionAnswer, Profile
from portal.directory.services import visible_levels
from portal.errors import DomainError, NotFound, PermissionDenied
from portal.events.notifications import Translated
from portal.extensions import db
from portal.mail.services import queue_email
from portal.urls import absolute_url


def may_introduce(proposer: User, person: User) -> bool:
    """Staff may introduce any active member; a member only people whose profile they can see (or themselves)."""
    if not person.active:
        return False
    if proposer.is_staff or person.id == proposer.id:
        return True
    visibility = db.session.scalar(select(Profile.visibility).where(Profile.user_id == person.id))
    return visibility is not None and visibility.value in visible_levels(proposer)


def _visible_to(person: User, viewer: User) -> bool:
    visibility = db.session.scalar(select(Profile.visibility).where(Profile.user_id == person.id))
    return visibility is not None and visibility.value in visible_levels(viewer)


def name_for(intro: Introduction, person: User | None, viewer: User):
    """A hidden person's name reaches the other only once they have accepted the introduction."""
    if person is None:
        return _l("compte supprimé")
    answered = intro.first_answer if person.id == intro.first_user_id else intro.second_answer
    if (person.id == viewer.id or answered == IntroductionAnswer.ACCEPTED or getattr(viewer, "is_staff", False)
            or _visible_to(person, viewer)):
        return person.display_name
    return _l("un membre du PTCE (son nom vous sera donné s'il accepte)")


def propose(proposer: User, first: User, second: User, reason: str, *, now: datetime) -> Introduction:
    if first.id == second.id:
        raise DomainError(_l("Choisissez deux personnes différentes."), field="second")
    for person, field in ((first, "first"), (second, "second")):
        if not may_introduce(proposer, person):
            raise DomainError(_l("Cette personne n'est pas visible dans l'annuaire."), field=field)
    if not reason.strip():
        raise DomainError(_l("Expliquez en quelques mots pourquoi ces personnes gagneraient à se connaître."),
                          field="reason")
    intro = Introduction(proposer_id=proposer.id, first_user_id=first.id, second_user_id=second.id,
                         reason=reason.strip(), created_at=now)
    # Proposing an introduction that includes oneself counts as one's own acceptance.
    if proposer.id == first.id:
        intro.first_answer, intro.first_answered_at = IntroductionAnswer.ACCEPTED, now
    if proposer.id == second.id:
        intro.second_answer, intro.second_answered_at = IntroductionAnswer.ACCEPTED, now
    db.session.add(intro)
    db.session.flush()
    for person, other in ((first, second), (second, first)):
        if person.id != proposer.id:
            _mail(person, intro, now, lines=[
                Translated(_l("%(proposer)s propose de vous mettre en relation avec %(other)s."),
                           proposer=proposer.display_name, other=name_for(intro, other, person)),
                Translated(_l("Pourquoi : %(reason)s"), reason=intro.reason),
                _l("Vos coordonnées ne seront transmises que si vous acceptez tous les deux.")],
                subject=_l("Proposition de mise en relation"))
    return intro


def _mail(person: User, intro: Introduction, now: datetime, *, lines: list, subject) -> None:
    queue_email(to=person.email, subject=subject, template="directory/notice", language=person.preferred_language,
                now=now, name=person.display_name, lines=lines,
                action_url=absolute_url("directory.show_introduction", intro_id=intro.id),
                action_label=_l("Voir la mise en relation"))


def side_of(intro: Introduction, user: User) -> str | None:
    if intro.first_user_id == user.id:
        return "first"
    if intro.second_user_id == user.id:
        return "second"
    return None


def get_for(intro_id: int, user: User) -> Introduction:
    intro = db.session.get(Introduction, intro_id)
    if intro is None or not (side_of(intro, user) or intro.proposer_id == user.id or user.is_staff):
        raise NotFound(_l("Cette mise en relation n'existe pas."))
    return intro


def answer(intro: Introduction, user: User, accept: bool, *, now: datetime) -> Introduction:
    side = side_of(intro, user)
    if side is None:
        raise PermissionDenied(_l("Seules les deux personnes concernées peuvent répondre."))
    answer_column = getattr(Introduction, f"{side}_answer")
    value = IntroductionAnswer.ACCEPTED if accept else IntroductionAnswer.DECLINED
    db.session.execute(update(Introduction).where(
        Introduction.id == intro.id, answer_column == IntroductionAnswer.PENDING,
        Introduction.accepted_at.is_(None)).values({
            f"{side}_answer": value, f"{side}_answered_at": now}))
    completed = db.session.execute(update(Introduction).where(
        Introduction.id == intro.id, Introduction.accepted_at.is_(None),
        Introduction.first_answer == IntroductionAnswer.ACCEPTED,
        Introduction.second_answer == IntroductionAnswer.ACCEPTED).values(accepted_at=now)).rowcount
    db.session.refresh(intro)
    if completed:
        _share_contacts(intro, now)
    return intro


def _share_contacts(intro: Introduction, now: datetime) -> None:
    first, second = intro.first_user, intro.second_user
    for person, other in ((first, second), (second, first)):
        details = other.email + (f" · {other.phone}" if other.phone else "")
        _mail(person, intro, now, subject=_l("Mise en relation acceptée"), lines=[
            Translated(_l("%(other)s a accepté aussi : vous pouvez maintenant vous écrire."), other=other.display_name),
            Translated(_l("Coordonnées de %(other)s : %(details)s"), other=other.display_name, details=details)])


def contacts_visible(intro: Introduction, viewer: User) -> bool:
    """Contact details appear only after both accepted, and only to the two people concerned."""
    return intro.both_accepted and side_of(intro, viewer) is not None


def introductions_of(user: User) -> list[Introduction]:
    return list(db.session.scalars(select(Introduction).where(or_(
        Introduction.first_user_id == user.id, Introduction.second_user_id == user.id,
        Introduction.proposer_id == user.id)).order_by(Introduction.created_at.desc())))


def accepted_count(start: datetime, end: datetime) -> int:
    """For the impact report: introductions accepted by both people in [start, end)."""
    return db.session.scalar(select(func.count()).select_from(Introduction).where(
        Introduction.accepted_at >= start, Introduction.accepted_at < end)) or 0
