"""The volunteer pool, volunteer calls, answers and suggestions of volunteers for a call."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, false, func, or_, select, update

from portal.accounts.models import Role, User
from portal.directory.labels import LANGUAGE_LABELS, PERIOD_LABELS, WEEKDAY_LABELS
from portal.directory.models import OrganisationMembership, Tag
from portal.errors import Conflict, DomainError, NotFound, PermissionDenied
from portal.events.notifications import Translated
from portal.extensions import db
from portal.mail.services import queue_email
from portal.timeutil import to_paris
from portal.urls import absolute_url
from portal.volunteers.models import (
    AnswerStatus,
    CallStatus,
    Period,
    Volunteer,
    VolunteerAnswer,
    VolunteerAvailability,
    VolunteerCall,
    VolunteerCallSkill,
    VolunteerLanguage,
    VolunteerSkill,
)

CALLERS = (Role.ORGANISER, Role.STAFF, Role.ADMIN)


def period_of(moment: datetime) -> str:
    hour = to_paris(moment).hour
    return Period.MORNING.value if hour < 12 else Period.AFTERNOON.value if hour < 18 else Period.EVENING.value


# --- the pool -------------------------------------------------------------------


@dataclass
class VolunteerData:
    neighbourhood: str = ""
    note: str = ""
    skill_ids: list[int] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)  # "weekday:period", e.g. "2:evening"
    active: bool = True


def volunteer_of(user: User) -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))


def _parse_slots(values: list[str]) -> set[tuple[int, str]]:
    slots = set()
    for value in values:
        day, _, period = value.partition(":")
        if not day.isdigit() or int(day) not in WEEKDAY_LABELS or period not in PERIOD_LABELS:
            raise DomainError(_l("Disponibilité inconnue."), field="slots")
        slots.add((int(day), period))
    return slots


def save_volunteer(user: User, data: VolunteerData, *, now: datetime) -> Volunteer:
    if set(data.languages) - set(LANGUAGE_LABELS):
        raise DomainError(_l("Langue inconnue."), field="languages")
    slots = _parse_slots(data.slots)
    if data.active and not slots:
        raise DomainError(_l("Indiquez au moins un moment où vous êtes disponible."), field="slots")
    volunteer = volunteer_of(user)
    if volunteer is None:
        volunteer = Volunteer(user_id=user.id, created_at=now)
        db.session.add(volunteer)
    volunteer.neighbourhood = data.neighbourhood.strip()
    volunteer.note = data.note.strip()
    volunteer.active = data.active
    volunteer.updated_at = now
    known = set(db.session.scalars(select(Tag.id).where(Tag.id.in_(data.skill_ids))))
    volunteer.skills = [s for s in volunteer.skills if s.tag_id in known]
    volunteer.skills += [VolunteerSkill(tag_id=i) for i in sorted(known - {s.tag_id for s in volunteer.skills})]
    volunteer.languages = [lang for lang in volunteer.languages if lang.code in data.languages]
    volunteer.languages += [VolunteerLanguage(code=c)
                            for c in sorted(set(data.languages) - set(volunteer.language_codes))]
    volunteer.availability = [a for a in volunteer.availability if (a.weekday, a.period.value) in slots]
    have = {(a.weekday, a.period.value) for a in volunteer.availability}
    volunteer.availability += [VolunteerAvailability(weekday=d, period=Period(p)) for d, p in sorted(slots - have)]
    db.session.flush()
    return volunteer


def leave_pool(user: User) -> None:
    volunteer = volunteer_of(user)
    if volunteer is not None:
        db.session.delete(volunteer)


# --- calls ----------------------------------------------------------------------


@dataclass
class CallData:
    title: str
    starts_at: datetime
    ends_at: datetime
    wanted: int
    description: str = ""
    place: str = ""
    neighbourhood: str = ""
    language: str = ""
    skill_ids: list[int] = field(default_factory=list)
    organisation_id: int | None = None


def may_call(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(*CALLERS))


def may_manage(user, call: VolunteerCall) -> bool:
    return bool(getattr(user, "is_authenticated", False) and (user.is_staff or call.organiser_id == user.id))


def create_call(actor: User, data: CallData, *, now: datetime) -> VolunteerCall:
    if not may_call(actor):
        raise PermissionDenied(_l("Réservé aux organisateurs et à l'équipe."))
    _check_call(actor, data, now)
    call = VolunteerCall(organiser_id=actor.id, created_at=now, updated_at=now)
    _apply(call, data)
    db.session.add(call)
    db.session.flush()
    return call


def _check_call(actor: User, data: CallData, now: datetime) -> None:
    if not data.title.strip():
        raise DomainError(_l("Donnez un titre à l'appel."), field="title")
    if data.ends_at <= data.starts_at:
        raise DomainError(_l("La fin doit suivre le début."), field="end_time")
    if data.starts_at < now:
        raise DomainError(_l("Choisissez une date à venir."), field="day")
    if not 1 <= data.wanted <= 500:
        raise DomainError(_l("Entre 1 et 500 personnes."), field="wanted")
    if data.language and data.language not in LANGUAGE_LABELS:
        raise DomainError(_l("Langue inconnue."), field="language")
    if data.organisation_id and not actor.is_staff and db.session.scalar(select(OrganisationMembership.id).where(
            OrganisationMembership.user_id == actor.id,
            OrganisationMembership.organisation_id == data.organisation_id)) is None:
        raise DomainError(_l("Vous n'êtes pas membre de cette organisation."), field="organisation_id")


def _apply(call: VolunteerCall, data: CallData) -> None:
    call.title, call.description = data.title.strip(), data.description.strip()
    call.starts_at, call.ends_at, call.wanted = data.starts_at, data.ends_at, data.wanted
    call.place, call.neighbourhood, call.language = data.place.strip(), data.neighbourhood.strip(), data.language
    call.organisation_id = data.organisation_id or None
    known = set(db.session.scalars(select(Tag.id).where(Tag.id.in_(data.skill_ids))))
    call.skills = [s for s in call.skills if s.tag_id in known]
    call.skills += [VolunteerCallSkill(tag_id=i) for i in sorted(known - {s.tag_id for s in call.skills})]


def get_call(call_id: int) -> VolunteerCall:
    """Cancelled calls stay readable (shown as cancelled, with the organiser's message)."""
    call = db.session.get(VolunteerCall, call_id)
    if call is None:
        raise NotFound(_l("Cet appel n'existe pas."))
    return call


def update_call(actor: User, call: VolunteerCall, data: CallData, *, now: datetime) -> VolunteerCall:
    """What, when, where, skills and number wanted; the number never goes below the volunteers already
    accepted (conditional UPDATE here, CHECK never_over_full in the database)."""
    if not may_manage(actor, call):
        raise PermissionDenied(_l("Seul l'organisateur de l'appel peut le modifier."))
    if call.status == CallStatus.CANCELLED:
        raise Conflict(_l("Cet appel est annulé."))
    _check_call(actor, data, now)
    before = (call.starts_at, call.ends_at, call.place)
    resized = db.session.execute(update(VolunteerCall).where(
        VolunteerCall.id == call.id, VolunteerCall.status != CallStatus.CANCELLED,
        VolunteerCall.accepted_count <= data.wanted).values(
        wanted=data.wanted, updated_at=now,
        # Full → closed; a call that was closed only because it was full opens again when places are added.
        status=case((VolunteerCall.accepted_count >= data.wanted, CallStatus.CLOSED.value),
                    (and_(VolunteerCall.status == CallStatus.CLOSED,
                          VolunteerCall.accepted_count >= VolunteerCall.wanted), CallStatus.OPEN.value),
                    else_=VolunteerCall.status)).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(call)
    if not resized:
        if call.status == CallStatus.CANCELLED:
            raise Conflict(_l("Cet appel est annulé."))
        raise DomainError(_l("%(count)s bénévoles sont déjà acceptés : vous ne pouvez pas en chercher moins.",
                             count=call.accepted_count), field="wanted")
    _apply(call, data)
    call.updated_at = now
    db.session.flush()
    if before != (call.starts_at, call.ends_at, call.place):
        moment = to_paris(call.starts_at)
        for person in _answered(call):
            _mail(person, call, now, _l("Appel à bénévoles modifié"), [Translated(
                _l("L'appel « %(title)s » a changé : il a lieu le %(day)s à %(time)s, %(place)s."),
                title=call.title, day=moment.strftime("%d/%m/%Y"), time=moment.strftime("%H:%M"),
                place=call.place or "—")])
    return call


def cancel_call(actor: User, call: VolunteerCall, message: str, *, now: datetime) -> VolunteerCall:
    """The message goes by e-mail to everyone whose answer is pending or accepted; one cancellation only."""
    if not may_manage(actor, call):
        raise PermissionDenied(_l("Seul l'organisateur de l'appel peut l'annuler."))
    message = (message or "").strip()
    if not message:
        raise DomainError(_l("Expliquez en quelques mots pourquoi l'appel est annulé : "
                             "ce message est envoyé aux bénévoles."), field="message")
    done = db.session.execute(update(VolunteerCall).where(
        VolunteerCall.id == call.id, VolunteerCall.status != CallStatus.CANCELLED).values(
        status=CallStatus.CANCELLED.value, cancelled_at=now, cancel_message=message[:2000], updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(call)
    if not done:
        raise Conflict(_l("Cet appel est déjà annulé."))
    for person in _answered(call):
        queue_email(to=person.email, subject=_l("Appel à bénévoles annulé"), template="directory/notice",
                    language=person.preferred_language, now=now, name=person.display_name,
                    lines=[Translated(_l("L'appel « %(title)s » est annulé. Le message de l'organisateur :"),
                                      title=call.title)], quote=call.cancel_message,
                    action_url=absolute_url("volunteers.show_call", call_id=call.id),
                    action_label=_l("Voir l'appel"))
    return call


def _answered(call: VolunteerCall) -> list[User]:
    return list(db.session.scalars(select(User).join(VolunteerAnswer, VolunteerAnswer.user_id == User.id).where(
        VolunteerAnswer.call_id == call.id,
        VolunteerAnswer.status.in_([AnswerStatus.PENDING, AnswerStatus.ACCEPTED])).order_by(User.id)))


def open_calls(now: datetime, *, matching: Volunteer | None = None, limit: int = 100) -> list[VolunteerCall]:
    """Open calls to come; for a volunteer, those wanting one of their skills or with no skill asked first."""
    query = select(VolunteerCall).where(VolunteerCall.status == CallStatus.OPEN, VolunteerCall.starts_at >= now)
    if matching is not None:
        skill_ids = [s.tag_id for s in matching.skills]
        wants_mine = exists().where(VolunteerCallSkill.call_id == VolunteerCall.id,
                                    VolunteerCallSkill.tag_id.in_(skill_ids))
        wants_any = ~exists().where(VolunteerCallSkill.call_id == VolunteerCall.id)
        query = query.where(or_(wants_mine, wants_any))
    return list(db.session.scalars(query.order_by(VolunteerCall.starts_at).limit(limit)))


def calls_of(user: User) -> list[VolunteerCall]:
    return list(db.session.scalars(select(VolunteerCall).where(VolunteerCall.organiser_id == user.id)
                                   .order_by(VolunteerCall.starts_at.desc())))


def answer_call(user: User, call: VolunteerCall, message: str, *, now: datetime) -> VolunteerAnswer:
    if volunteer_of(user) is None:
        raise DomainError(_l("Rejoignez d'abord le groupe des bénévoles."), field="message")
    if call.status != CallStatus.OPEN or call.starts_at < now:
        raise Conflict(_l("Cet appel est clos."))
    if call.organiser_id == user.id:
        raise DomainError(_l("Vous organisez cet appel."), field="message")
    answer = db.session.scalar(select(VolunteerAnswer).where(VolunteerAnswer.call_id == call.id,
                                                             VolunteerAnswer.user_id == user.id))
    if answer is not None and answer.status in (AnswerStatus.PENDING, AnswerStatus.ACCEPTED):
        return answer
    if answer is None:
        answer = VolunteerAnswer(call_id=call.id, user_id=user.id, created_at=now)
        db.session.add(answer)
    answer.message, answer.status, answer.decided_at = message.strip()[:2000], AnswerStatus.PENDING, None
    db.session.flush()
    if call.organiser is not None:
        _mail(call.organiser, call, now, _l("Nouvelle réponse à votre appel"),
              [Translated(_l("%(name)s se propose pour « %(title)s »."), name=user.display_name, title=call.title)])
    return answer


def withdraw(user: User, call: VolunteerCall, *, now: datetime) -> None:
    """Conditional UPDATEs: a withdrawal sent twice at once gives the place back once."""
    mine = (VolunteerAnswer.call_id == call.id, VolunteerAnswer.user_id == user.id)
    was_accepted = db.session.execute(update(VolunteerAnswer).where(
        *mine, VolunteerAnswer.status == AnswerStatus.ACCEPTED).values(
        status=AnswerStatus.WITHDRAWN, decided_at=now)).rowcount
    if was_accepted:
        db.session.execute(update(VolunteerCall).where(VolunteerCall.id == call.id).values(
            accepted_count=VolunteerCall.accepted_count - 1,
            status=case((VolunteerCall.status == CallStatus.CLOSED, CallStatus.OPEN.value),
                        else_=VolunteerCall.status)))
    else:
        db.session.execute(update(VolunteerAnswer).where(*mine, VolunteerAnswer.status == AnswerStatus.PENDING)
                           .values(status=AnswerStatus.WITHDRAWN, decided_at=now))
    db.session.flush()
    db.session.refresh(call)


def decide(actor: User, answer: VolunteerAnswer, accept: bool, *, now: datetime) -> VolunteerAnswer:
    call = answer.call
    if not may_manage(actor, call):
        raise PermissionDenied(_l("Seul l'organisateur de l'appel peut répondre."))
    if call.status == CallStatus.CANCELLED:
        raise Conflict(_l("Cet appel est annulé."))
    # The answer moves first, by a conditional UPDATE: the same answer accepted twice at once counts once.
    claimed = db.session.execute(update(VolunteerAnswer).where(
        VolunteerAnswer.id == answer.id, VolunteerAnswer.status == AnswerStatus.PENDING).values(
        status=AnswerStatus.ACCEPTED if accept else AnswerStatus.DECLINED, decided_at=now)).rowcount
    if not claimed:
        raise Conflict(_l("Cette réponse a déjà été traitée."))
    if accept:
        # One conditional UPDATE takes a place: two acceptances at once cannot both take the last one,
        # and the CHECK never_over_full stops anything that would slip past.
        taken = db.session.execute(update(VolunteerCall).where(
            VolunteerCall.id == call.id, VolunteerCall.status == CallStatus.OPEN,
            VolunteerCall.accepted_count < VolunteerCall.wanted).values(
            accepted_count=VolunteerCall.accepted_count + 1,
            status=case((VolunteerCall.accepted_count + 1 >= VolunteerCall.wanted, CallStatus.CLOSED.value),
                        else_=VolunteerCall.status))).rowcount
        if not taken:
            raise Conflict(_l("L'appel est complet : il n'y a plus de place."))
    db.session.flush()
    db.session.refresh(answer)
    db.session.refresh(call)
    line = (_l("Votre proposition pour « %(title)s » est acceptée : merci ! L'organisateur vous contactera.")
            if accept else _l("L'organisateur n'a pas retenu votre proposition pour « %(title)s ». Merci quand même !"))
    _mail(answer.user, call, now, _l("Réponse à votre proposition de bénévolat"), [Translated(line, title=call.title)])
    return answer


def close_call(actor: User, call: VolunteerCall, *, now: datetime) -> None:
    if not may_manage(actor, call):
        raise PermissionDenied(_l("Seul l'organisateur de l'appel peut le clore."))
    if call.status == CallStatus.CANCELLED:
        raise Conflict(_l("Cet appel est annulé."))
    call.status = CallStatus.CLOSED
    call.updated_at = now


def answers_to(call: VolunteerCall) -> list[VolunteerAnswer]:
    return list(db.session.scalars(select(VolunteerAnswer).where(VolunteerAnswer.call_id == call.id)
                                   .order_by(VolunteerAnswer.created_at)))


def my_answer(user, call: VolunteerCall) -> VolunteerAnswer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(VolunteerAnswer).where(VolunteerAnswer.call_id == call.id,
                                                           VolunteerAnswer.user_id == user.id))


def my_answers(user: User) -> list[VolunteerAnswer]:
    return list(db.session.scalars(select(VolunteerAnswer).where(VolunteerAnswer.user_id == user.id)
                                   .order_by(VolunteerAnswer.created_at.desc())))


def _mail(person: User, call: VolunteerCall, now: datetime, subject, lines: list) -> None:
    queue_email(to=person.email, subject=subject, template="directory/notice", language=person.preferred_language,
                now=now, name=person.display_name, lines=lines,
                action_url=absolute_url("volunteers.show_call", call_id=call.id), action_label=_l("Voir l'appel"))


# --- suggestions ----------------------------------------------------------------


@dataclass
class Match:
    volunteer: Volunteer
    reasons: list


def suggest_volunteers(call: VolunteerCall, limit: int = 10) -> list[Match]:
    """Active volunteers ranked in SQL by shared skills, language, availability and neighbourhood.

    The pool is seen by organisers and staff only: joining it is the volunteer's consent to be suggested.
    """
    weekday, period = to_paris(call.starts_at).weekday(), period_of(call.starts_at)
    skill_ids = [s.tag_id for s in call.skills]
    skills = (select(func.count(VolunteerSkill.id)).where(VolunteerSkill.volunteer_id == Volunteer.id,
                                                          VolunteerSkill.tag_id.in_(skill_ids))
              .correlate(Volunteer).scalar_subquery())
    free = exists().where(VolunteerAvailability.volunteer_id == Volunteer.id,
                          VolunteerAvailability.weekday == weekday, VolunteerAvailability.period == period)
    speaks = exists().where(VolunteerLanguage.volunteer_id == Volunteer.id, VolunteerLanguage.code == call.language)
    near = (func.lower(Volunteer.neighbourhood) == call.neighbourhood.lower()) if call.neighbourhood else false()
    if not call.language:
        speaks = false()
    score = skills * 4 + case((free, 2), else_=0) + case((speaks, 3), else_=0) + case((near, 1), else_=0)
    answered = exists().where(VolunteerAnswer.call_id == call.id, VolunteerAnswer.user_id == Volunteer.user_id)
    query = (select(Volunteer, skills.label("skills"), free.label("free"), speaks.label("speaks"),
                    near.label("near"))
             .where(Volunteer.active.is_(True), ~answered, Volunteer.user_id != call.organiser_id,
                    Volunteer.user.has(User.active.is_(True)))
             .where(score > 0).order_by(score.desc(), Volunteer.id).limit(limit))
    wanted = {s.tag_id: s.tag.label for s in call.skills}
    matches = []
    for volunteer, n_skills, is_free, does_speak, is_near in db.session.execute(query):
        reasons = []
        if n_skills:
            labels = [wanted[s.tag_id] for s in volunteer.skills if s.tag_id in wanted]
            reasons.append(Translated(_l("Compétences demandées : %(skills)s"), skills=", ".join(labels)))
        if is_free:
            reasons.append(Translated(_l("Disponible le %(day)s (%(period)s)"), day=WEEKDAY_LABELS[weekday],
                                      period=PERIOD_LABELS[period]))
        if call.language and does_speak:
            reasons.append(Translated(_l("Parle %(language)s"), language=LANGUAGE_LABELS[call.language]))
        if is_near:
            reasons.append(Translated(_l("Habite le quartier : %(place)s"), place=volunteer.neighbourhood))
        matches.append(Match(volunteer, reasons))
    return matches
