"""Routing, transitions, the timeline, the version check, duplicates and retention — on the services."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accompaniment.models import EventKind, ProjectRequest, RequestEvent, RequestStatus
from portal.accompaniment.services import admin, privacy, workflow
from portal.accompaniment.services.intake import submit_request
from portal.accompaniment.services.timeline import StaleRequest
from portal.accompaniment.services.workflow import TRANSITIONS, InvalidTransition
from portal.errors import DomainError, PermissionDenied
from tests.accompaniment.conftest import MONDAY, fresh, request_data

S = RequestStatus


def kinds(request) -> list[str]:
    return [e.kind.value for e in request.events]


# --- routing ---------------------------------------------------------------------------


def test_a_request_matching_no_rule_lands_in_the_to_assign_queue(make_request, make_staff, make_team, make_rule):
    make_rule(theme="vivre_ensemble", team=make_team(members=[make_staff()]))
    created = make_request(theme="travailler")
    assert created.assignee_id is None and created.team_id is None
    assert kinds(created)[:1] == ["submitted"] and "assigned" not in kinds(created)


def test_within_a_team_the_least_loaded_member_gets_the_request(make_request, make_staff, make_team, make_rule):
    busy, free = make_staff(name="Très occupée"), make_staff(name="Disponible")
    team = make_team(members=[busy, free])
    make_rule(theme="travailler", team=team)
    first = make_request()
    assert first.assignee_id == busy.id  # a tie: the member who joined first
    second = make_request(email="autre@example.org")
    assert second.assignee_id == free.id
    third = make_request(email="troisieme@example.org")
    assert third.assignee_id == busy.id
    event = next(e for e in third.events if e.kind == EventKind.ASSIGNED)
    assert event.actor_label == "Routage automatique" and event.data["team"] == team.name


def test_finished_requests_do_not_count_in_the_load(db, make_request, make_staff, make_team, make_rule):
    a, b = make_staff(), make_staff()
    make_rule(team=make_team(members=[a, b]))
    first = make_request()
    assert first.assignee_id == a.id
    workflow.change_status(first, S.CLOSED, actor=a, now=MONDAY, reason="Projet abandonné")
    db.session.commit()
    assert make_request(email="x@example.org").assignee_id == a.id


def test_rules_apply_in_order_and_match_on_theme_need_stage_and_language(make_request, make_staff, make_rule):
    arabic, space, fallback = make_staff(name="Arabophone"), make_staff(name="Lieux"), make_staff(name="Tous")
    make_rule(position=1, language="ar", user=arabic)
    make_rule(position=2, need="space", stage="running", user=space)
    make_rule(position=3, user=fallback)
    assert make_request(language="ar", email="a@example.org").assignee_id == arabic.id
    assert make_request(needs=["space"], stage="running", email="b@example.org").assignee_id == space.id
    assert make_request(needs=["space"], stage="idea", email="c@example.org").assignee_id == fallback.id


def test_a_rule_to_a_team_without_members_leaves_the_request_to_assign_with_its_team(make_request, make_team, make_rule):
    team = make_team()
    make_rule(team=team)
    created = make_request()
    assert created.assignee_id is None and created.team_id == team.id


def test_the_assignee_is_told_and_the_timeline_records_the_emails(db, make_request, make_staff, make_rule):
    from portal.mail.models import OutboxMessage

    staff = make_staff(email="samir@example.org")
    make_rule(user=staff)
    created = make_request()
    recipients = sorted(m.recipient for m in db.session.scalars(select(OutboxMessage)))
    assert recipients == ["awa@example.org", "samir@example.org"]
    sent = [e.data["what"] for e in created.events if e.kind == EventKind.EMAIL_SENT]
    assert sorted(sent) == ["acknowledgement", "assignment"]


# --- the rules of submission -----------------------------------------------------------


@pytest.mark.parametrize(("changes", "field"), [
    (dict(email=None, phone=None), "email"),
    (dict(consent=False), "consent"),
    (dict(needs=[]), "needs"),
    (dict(needs=["other"], needs_other=""), "needs_other"),
    (dict(theme="cuisine"), "theme"),
    (dict(contact_channel="phone", phone=None), "phone"),
    (dict(phone="12"), "phone"),
])
def test_submission_refusals_name_their_field(changes, field):
    with pytest.raises(DomainError) as refusal:
        submit_request(request_data(**changes), now=MONDAY)
    assert refusal.value.field == field


def test_a_phone_alone_is_enough(make_request):
    created = make_request(email=None, contact_channel="sms", phone="+33 6 12 34 56 78")
    assert created.phone_digits == "0612345678" and created.reference.startswith("PP-")


# --- statuses ----------------------------------------------------------------------------

ALL_PAIRS = [(a, b) for a in S for b in S if a != b]


def _bring_to(request, status, staff, partner, now):
    """Walk the allowed path from new to ``status``."""
    paths = {S.NEW: [], S.QUALIFYING: [S.QUALIFYING], S.ACCOMPANIED: [S.QUALIFYING, S.ACCOMPANIED],
             S.WAITING: [S.WAITING], S.LAUNCHED: [S.QUALIFYING, S.ACCOMPANIED, S.LAUNCHED],
             S.REFERRED: [S.QUALIFYING, S.REFERRED], S.CLOSED: [S.CLOSED]}
    for step in paths[status]:
        workflow.change_status(request, step, actor=staff, now=now, reason="raison", partner_id=partner.id)


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_every_transition_is_allowed_or_refused_as_the_table_says_and_recorded(
        db, make_request, make_staff, make_partner, source, target):
    staff, partner = make_staff(), make_partner()
    created = make_request()
    _bring_to(created, source, staff, partner, MONDAY)
    db.session.commit()
    before = len(created.events)
    version = created.version
    if target in TRANSITIONS[source]:
        workflow.change_status(created, target, actor=staff, now=MONDAY + timedelta(hours=1), reason="raison",
                               partner_id=partner.id, expected_version=version)
        db.session.commit()
        fresh(db)
        created = db.session.get(ProjectRequest, created.id)
        assert created.status == target and created.version == version + 1
        event = created.events[-1]
        assert (event.kind, event.from_status, event.to_status, event.actor_id, event.version) == (
            EventKind.STATUS_CHANGED, source.value, target.value, staff.id, version + 1)
        assert (created.closed_at is not None) == (target in (S.LAUNCHED, S.REFERRED, S.CLOSED))
    else:
        with pytest.raises(InvalidTransition):
            workflow.change_status(created, target, actor=staff, now=MONDAY, reason="raison", partner_id=partner.id)
        fresh(db)
        created = db.session.get(ProjectRequest, created.id)
        assert created.status == source and len(created.events) == before


def test_the_waiting_pause_comes_back_to_where_the_work_goes_on(db, make_request, make_staff):
    staff = make_staff()
    created = make_request()
    for status in (S.QUALIFYING, S.WAITING, S.ACCOMPANIED, S.WAITING, S.ACCOMPANIED, S.LAUNCHED):
        workflow.change_status(created, status, actor=staff, now=MONDAY)
    db.session.commit()
    assert [e.to_status for e in created.events if e.kind == EventKind.STATUS_CHANGED] == [
        "qualifying", "waiting", "accompanied", "waiting", "accompanied", "launched"]


def test_closing_needs_a_reason_and_referring_needs_a_partner(db, make_request, make_staff, make_partner):
    staff = make_staff()
    created = make_request()
    with pytest.raises(DomainError) as no_reason:
        workflow.change_status(created, S.CLOSED, actor=staff, now=MONDAY, reason="  ")
    assert no_reason.value.field == "reason"
    workflow.change_status(created, S.QUALIFYING, actor=staff, now=MONDAY)
    with pytest.raises(DomainError) as no_partner:
        workflow.change_status(created, S.REFERRED, actor=staff, now=MONDAY)
    assert no_partner.value.field == "partner_id"
    partner = make_partner()
    workflow.change_status(created, S.REFERRED, actor=staff, now=MONDAY, partner_id=partner.id)
    db.session.commit()
    assert created.partner_id == partner.id and created.events[-1].data == {"partner": partner.name}


def test_only_staff_change_a_request(make_request, make_user):
    created = make_request()
    with pytest.raises(PermissionDenied):
        workflow.change_status(created, S.QUALIFYING, actor=make_user(), now=MONDAY)


def test_the_database_refuses_a_status_change_without_its_timeline_event(db, make_request):
    created = make_request()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE project_requests SET status = 'closed', status_reason = 'x', "
                                "closed_at = submitted_at, version = version + 1 WHERE id = :id"), {"id": created.id})
    db.session.rollback()
    # The same change with its event goes through: the single write path does exactly this.
    db.session.add(RequestEvent(request_id=created.id, kind=EventKind.STATUS_CHANGED, at=MONDAY, from_status="new",
                                to_status="closed", version=2, actor_label="test"))
    db.session.flush()
    db.session.execute(text("UPDATE project_requests SET status = 'closed', status_reason = 'x', "
                            "closed_at = submitted_at, version = 2 WHERE id = :id"), {"id": created.id})
    db.session.commit()


def test_first_contact_is_made_by_a_message_or_by_qualifying(db, make_request, make_staff):
    staff = make_staff()
    by_message, by_status = make_request(), make_request(email="b@example.org")
    workflow.message_holder(by_message, "Bonjour !", actor=staff, now=MONDAY + timedelta(hours=2))
    workflow.change_status(by_status, S.QUALIFYING, actor=staff, now=MONDAY + timedelta(hours=3))
    db.session.commit()
    assert by_message.first_contact_at == MONDAY + timedelta(hours=2)
    assert by_status.first_contact_at == MONDAY + timedelta(hours=3)
    assert not by_message.is_overdue(MONDAY + timedelta(days=30))


# --- two staff members at once ------------------------------------------------------------


def test_the_second_of_two_concurrent_changes_is_told_and_nothing_is_overwritten(app, db, make_request, make_staff):
    from portal.accounts.models import User

    first, second = make_staff(), make_staff()
    created = make_request()
    read_version = created.version
    workflow.change_status(created, S.QUALIFYING, actor=first, now=MONDAY, expected_version=read_version)
    db.session.commit()
    # The second staff member's page still says read_version: the service refuses before writing.
    with pytest.raises(StaleRequest):
        workflow.change_status(created, S.CLOSED, actor=second, now=MONDAY, reason="x", expected_version=read_version)
    db.session.rollback()
    # A writer on another connection that skips the check still loses at the database: the event of
    # version read_version + 1 already exists.
    other_session = Session(db.engine)
    try:
        other_session.add(RequestEvent(request_id=created.id, kind=EventKind.STATUS_CHANGED, at=MONDAY,
                                       from_status="new", to_status="closed", version=read_version + 1))
        with pytest.raises(IntegrityError):
            other_session.flush()
        other_session.rollback()
    finally:
        other_session.close()
    fresh(db)
    kept = db.session.get(ProjectRequest, created.id)
    assert kept.status == S.QUALIFYING and kept.version == read_version + 1
    assert db.session.get(User, second.id) is not None


def test_a_stale_row_in_memory_is_refused_by_the_conditional_update(db, make_request, make_staff):
    staff = make_staff()
    created = make_request()
    db.session.execute(text("UPDATE project_requests SET version = version + 1, assignee_id = NULL WHERE id = :id"),
                       {"id": created.id})  # someone else's write, unseen by this session's object
    with pytest.raises(StaleRequest):
        workflow.change_status(created, S.QUALIFYING, actor=staff, now=MONDAY)
    db.session.rollback()


# --- duplicates ------------------------------------------------------------------------------


def test_duplicates_by_email_or_phone_are_pointed_out_and_merged(db, make_request, make_staff):
    staff = make_staff()
    first = make_request(phone="06 11 22 33 44", email="awa@example.org")
    by_phone = make_request(email=None, phone="+33 6 11 22 33 44", contact_channel="phone")
    unrelated = make_request(email="autre@example.org", phone=None)
    assert [r.id for r in workflow.possible_duplicates(first)] == [by_phone.id]
    workflow.merge(by_phone, first, actor=staff, now=MONDAY, expected_version=by_phone.version)
    db.session.commit()
    assert by_phone.status == S.CLOSED and by_phone.merged_into_id == first.id
    assert first.events[-1].kind == EventKind.MERGED
    assert workflow.resolve_merged(by_phone).id == first.id
    with pytest.raises(DomainError):
        workflow.merge(unrelated, first, actor=staff, now=MONDAY)


# --- retention and the holder's rights ----------------------------------------------------------


def test_retention_anonymises_requests_closed_long_enough_ago(db, make_request, make_staff):
    staff = make_staff()
    old, recent, open_ = make_request(), make_request(email="b@example.org"), make_request(email="c@example.org")
    workflow.message_holder(old, "Voici l'adresse du partenaire.", actor=staff, now=MONDAY - timedelta(days=800))
    workflow.add_note(old, "Très motivée, à rappeler.", actor=staff, now=MONDAY - timedelta(days=800))
    workflow.change_status(old, S.CLOSED, actor=staff, now=MONDAY - timedelta(days=760), reason="Projet abandonné")
    workflow.change_status(recent, S.CLOSED, actor=staff, now=MONDAY - timedelta(days=300), reason="Plus tard")
    db.session.commit()

    assert privacy.anonymise_expired(MONDAY) == 1  # 24 months by default
    db.session.commit()
    fresh(db)
    old = db.session.get(ProjectRequest, old.id)
    assert old.anonymised_at == MONDAY and old.email is None and old.phone is None and old.name == "—"
    assert old.description == "" and all(e.body in ("", "retention") for e in old.events)
    assert old.theme == "travailler" and old.needs == ["funding", "legal"]  # kept for the statistics
    assert db.session.get(ProjectRequest, recent.id).email == "b@example.org"
    assert db.session.get(ProjectRequest, open_.id).anonymised_at is None
    assert privacy.anonymise_expired(MONDAY) == 0

    admin.save_settings(first_contact_days=3, retention_months=6)
    assert privacy.anonymise_expired(MONDAY) == 1


def test_the_holder_data_export_never_contains_internal_notes(db, make_request, make_staff):
    staff = make_staff()
    created = make_request()
    workflow.add_note(created, "NOTE-INTERNE-SECRETE", actor=staff, now=MONDAY)
    workflow.message_holder(created, "Bonjour Awa", actor=staff, now=MONDAY)
    data = privacy.holder_data(created, now=MONDAY)
    assert "NOTE-INTERNE-SECRETE" not in repr(data)
    assert [m["text"] for m in data["messages"]] == ["Bonjour Awa"]


def test_deletion_on_request_closes_and_anonymises_at_once(db, make_request):
    created = make_request()
    privacy.delete_on_request(created, now=MONDAY)
    db.session.commit()
    assert created.status == S.CLOSED and created.is_anonymised and created.email is None
    assert [e.kind.value for e in created.events][-2:] == ["status_changed", "anonymised"]


def test_a_holder_sees_only_their_own_requests(db, make_request, make_user):
    holder, other = make_user(email="awa@example.org"), make_user(email="autre@example.org")
    mine = make_request()
    assert workflow.may_see(holder, mine) and not workflow.may_see(other, mine)
    assert [r.id for r in workflow.requests_of(holder)] == [mine.id]
    assert workflow.requests_of(other) == []
