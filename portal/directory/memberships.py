"""Joining an organisation on request, leaving it, and handing over its management.

An organisation is never left without a manager: every change that removes a
manager runs under a lock of the organisation's row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers) and as one conditional statement that
only applies while another manager remains.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, not_, select, update
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.directory.models import JoinRequest, JoinStatus, Organisation, OrganisationMembership
from portal.directory.services import may_edit_organisation
from portal.errors import Conflict, DomainError, PermissionDenied
from portal.events.notifications import Translated
from portal.extensions import db
from portal.mail.services import queue_email
from portal.urls import absolute_url

LAST_MANAGER = _l("L'organisation doit garder au moins un responsable : "
                  "confiez d'abord la gestion à un autre membre.")


def membership_of(user, organisation: Organisation) -> OrganisationMembership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(OrganisationMembership).where(
        OrganisationMembership.organisation_id == organisation.id, OrganisationMembership.user_id == user.id))


def pending_request_of(user, organisation: Organisation) -> JoinRequest | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(JoinRequest).where(
        JoinRequest.organisation_id == organisation.id, JoinRequest.user_id == user.id,
        JoinRequest.status == JoinStatus.PENDING))


def pending_requests(organisation: Organisation) -> list[JoinRequest]:
    return list(db.session.scalars(select(JoinRequest).where(
        JoinRequest.organisation_id == organisation.id, JoinRequest.status == JoinStatus.PENDING)
        .order_by(JoinRequest.created_at, JoinRequest.id)))


def _managers(organisation_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(
        OrganisationMembership, OrganisationMembership.user_id == User.id).where(
        OrganisationMembership.organisation_id == organisation_id, OrganisationMembership.is_manager.is_(True),
        User.active.is_(True)).order_by(User.id)))


def _notice(person: User, organisation: Organisation, now: datetime, subject, line: Translated, endpoint: str) -> None:
    queue_email(to=person.email, subject=subject, template="directory/notice", language=person.preferred_language,
                now=now, name=person.display_name, lines=[line],
                action_url=absolute_url(endpoint, slug=organisation.slug), action_label=_l("Voir l'organisation"))


def ask_to_join(user: User, organisation: Organisation, message: str, *, now: datetime) -> JoinRequest:
    if membership_of(user, organisation) is not None:
        raise DomainError(_l("Vous faites déjà partie de cette organisation."), field="message")
    join = db.session.scalar(select(JoinRequest).where(
        JoinRequest.organisation_id == organisation.id, JoinRequest.user_id == user.id))
    if join is not None and join.status == JoinStatus.PENDING:
        return join
    if join is None:
        join = JoinRequest(organisation_id=organisation.id, user_id=user.id)
        db.session.add(join)
    join.message, join.status, join.created_at = (message or "").strip()[:2000], JoinStatus.PENDING, now
    join.decided_at = join.decided_by_id = None
    db.session.flush()
    for manager in _managers(organisation.id):
        _notice(manager, organisation, now, _l("Demande pour rejoindre %(name)s", name=organisation.name),
                Translated(_l("%(person)s demande à rejoindre « %(organisation)s ». Acceptez ou refusez la demande "
                              "depuis la fiche de l'organisation."),
                           person=user.display_name, organisation=organisation.name),
                "directory.edit_organisation")
    return join


def decide_join(actor: User, join: JoinRequest, accept: bool, *, now: datetime) -> JoinRequest:
    """A conditional UPDATE: two managers answering at once decide once."""
    organisation = join.organisation
    if not may_edit_organisation(actor, organisation):
        raise PermissionDenied(_l("Seuls les responsables de l'organisation peuvent répondre."))
    decided = db.session.execute(update(JoinRequest).where(
        JoinRequest.id == join.id, JoinRequest.status == JoinStatus.PENDING).values(
        status=(JoinStatus.ACCEPTED if accept else JoinStatus.DECLINED).value, decided_at=now,
        decided_by_id=actor.id).execution_options(synchronize_session=False)).rowcount
    if not decided:
        raise Conflict(_l("Cette demande a déjà été traitée."))
    db.session.refresh(join)
    if accept and membership_of(join.user, organisation) is None:
        db.session.add(OrganisationMembership(organisation_id=organisation.id, user_id=join.user_id, created_at=now))
        db.session.flush()
    line = (_l("Votre demande pour rejoindre « %(organisation)s » est acceptée : bienvenue !") if accept
            else _l("Votre demande pour rejoindre « %(organisation)s » n'a pas été acceptée."))
    _notice(join.user, organisation, now, _l("Votre demande pour rejoindre %(name)s", name=organisation.name),
            Translated(line, organisation=organisation.name), "directory.show_organisation")
    return join


def _lock(organisation_id: int) -> None:
    db.session.execute(select(Organisation.id).where(Organisation.id == organisation_id).with_for_update())


def _another_manager(organisation_id: int, user_id: int):
    other = aliased(OrganisationMembership)
    return exists().where(other.organisation_id == organisation_id, other.user_id != user_id,
                          other.is_manager.is_(True))


def leave(actor: User, organisation: Organisation, user: User) -> None:
    """The person leaves (or a manager removes them) — never the last manager."""
    if actor.id != user.id and not may_edit_organisation(actor, organisation):
        raise PermissionDenied(_l("Seuls les responsables de l'organisation peuvent retirer un membre."))
    _lock(organisation.id)
    mine = and_(OrganisationMembership.organisation_id == organisation.id, OrganisationMembership.user_id == user.id)
    removed = db.session.execute(delete(OrganisationMembership).where(
        mine, not_(OrganisationMembership.is_manager) | _another_manager(organisation.id, user.id))
        .execution_options(synchronize_session=False)).rowcount
    if not removed and db.session.scalar(select(OrganisationMembership.id).where(mine)) is not None:
        raise Conflict(LAST_MANAGER)
    db.session.expire(organisation, ["memberships"])


def set_manager(actor: User, organisation: Organisation, user: User, manager: bool) -> None:
    """Give or take away the management; taking it from the last manager is refused."""
    if not may_edit_organisation(actor, organisation):
        raise PermissionDenied(_l("Seuls les responsables de l'organisation peuvent confier la gestion."))
    _lock(organisation.id)
    mine = and_(OrganisationMembership.organisation_id == organisation.id, OrganisationMembership.user_id == user.id)
    if db.session.scalar(select(OrganisationMembership.id).where(mine)) is None:
        raise DomainError(_l("Cette personne ne fait pas partie de l'organisation."))
    condition = [mine] if manager else [mine, _another_manager(organisation.id, user.id)]
    changed = db.session.execute(update(OrganisationMembership).where(*condition).values(is_manager=manager)
                                 .execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise Conflict(LAST_MANAGER)
    db.session.expire_all()


def transfer(actor: User, organisation: Organisation, to: User) -> None:
    """The actor hands the management to another member and stays a plain member."""
    set_manager(actor, organisation, to, True)
    set_manager(actor, organisation, actor, False)


def hand_over(user: User, *, now: datetime) -> dict[str, int]:
    """Before the person's account is deleted: the organisations they manage pass on.

    Where another active manager remains, the person simply stops managing. Otherwise the
    longest-standing active member becomes manager and is told; an organisation with nobody else
    is left to the team (staff edit every organisation), who are told.
    """
    managed = db.session.scalars(select(Organisation).join(OrganisationMembership).where(
        OrganisationMembership.user_id == user.id, OrganisationMembership.is_manager.is_(True))
        .order_by(Organisation.id)).all()
    summary = {"responsabilités transmises": 0, "organisations confiées à l'équipe": 0}
    for organisation in managed:
        _lock(organisation.id)
        others = (select(OrganisationMembership).join(User, User.id == OrganisationMembership.user_id).where(
            OrganisationMembership.organisation_id == organisation.id, OrganisationMembership.user_id != user.id,
            User.active.is_(True)))
        if db.session.scalar(others.where(OrganisationMembership.is_manager.is_(True)).limit(1)) is None:
            successor = db.session.scalar(others.order_by(OrganisationMembership.created_at,
                                                          OrganisationMembership.id).limit(1))
            if successor is not None:
                successor.is_manager = True
                summary["responsabilités transmises"] += 1
                _notice(successor.user, organisation, now, _l("Vous êtes responsable de %(name)s", name=organisation.name),
                        Translated(_l("La personne qui gérait « %(organisation)s » a supprimé son compte : vous en "
                                      "êtes désormais responsable, en tant que membre le plus ancien. Vous pouvez "
                                      "confier la gestion à un autre membre depuis la page de l'organisation."),
                                   organisation=organisation.name), "directory.show_organisation")
            else:
                summary["organisations confiées à l'équipe"] += 1
                _tell_the_team(organisation, now)
        db.session.execute(update(OrganisationMembership).where(
            OrganisationMembership.organisation_id == organisation.id, OrganisationMembership.user_id == user.id)
            .values(is_manager=False).execution_options(synchronize_session=False))
    db.session.flush()
    return {name: count for name, count in summary.items() if count}


def _tell_the_team(organisation: Organisation, now: datetime) -> None:
    from portal.directory.contact import staff_members

    for staff in staff_members():
        _notice(staff, organisation, now, _l("%(name)s n'a plus de responsable", name=organisation.name),
                Translated(_l("La seule personne qui gérait « %(organisation)s » a supprimé son compte et "
                              "l'organisation n'a pas d'autre membre actif. L'équipe peut modifier sa fiche, la masquer "
                              "ou y ajouter un nouveau responsable."), organisation=organisation.name),
                "directory.show_organisation")
