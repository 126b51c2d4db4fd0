"""Events on the services with fixed instants: series, the space they hold, publishing,
moderation, cancelling, safe descriptions and images."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from PIL import Image
from sqlalchemy import func, select

from portal.errors import DomainError, NotFound, PermissionDenied
from portal.events.images import MAX_SIDE, store_image
from portal.events.models import Event, EventSeries, EventStatus, Theme
from portal.events.sanitize import clean_description
from portal.events.services import agenda, registrations
from portal.events.services import events as event_service
from portal.events.services.events import EventData
from portal.events.services.recurrence import Recurrence
from portal.spaces.errors import BookingConflict
from portal.spaces.models import Booking, BookingStatus
from portal.spaces.services import bookings
from portal.timeutil import to_paris
from tests.events.conftest import ADDRESS, EVENT_DAY, NOW, at, fresh, real_now
from tests.support import page, text_body

TUESDAY = date(2026, 6, 16)


def data_of(event: Event, **changes) -> EventData:
    """What the edit form sends back for this event, with some changes."""
    values = dict(
        title=event.title, theme=event.theme, starts_at=event.starts_at, ends_at=event.ends_at,
        description=event.description_html, tags=list(event.tags), space_id=event.space_id, address=event.address,
        audience=event.audience, languages=list(event.languages), capacity=event.capacity,
        registration_mode=event.registration_mode, is_free=event.is_free,
    )
    values.update(changes)
    return EventData(**values)


def local_days(events) -> list[date]:
    return [to_paris(e.starts_at).date() for e in events]


def deliver(db, send_mail, now=NOW + timedelta(days=1)):
    db.session.commit()
    return send_mail(now_fn=lambda: now)


@pytest.fixture
def organiser(make_organiser):
    return make_organiser(name="Fatou Diallo")


@pytest.fixture
def staff(make_user):
    return make_user(name="Équipe Accueil", roles=("member", "staff"))


@pytest.fixture
def room(make_space):
    return make_space(name="Salle Baobab")  # Monday to Saturday, 8:30–19:00


# --- recurrence ----------------------------------------------------------------------------------------


def test_every_two_weeks_on_tuesday_and_thursday_until_a_date(db, make_series):
    rule = Recurrence("weekly", interval=2, weekdays=(1, 3), until=date(2026, 7, 16))

    events = make_series(rule, day=TUESDAY, status="draft")

    assert local_days(events) == [date(2026, 6, 16), date(2026, 6, 18), date(2026, 6, 30), date(2026, 7, 2),
                                  date(2026, 7, 14), date(2026, 7, 16)]
    assert len({e.series_id for e in events}) == 1
    series = db.session.get(EventSeries, events[0].series_id)
    assert (series.frequency, series.interval, series.weekdays, series.until) == (
        "weekly", 2, [1, 3], date(2026, 7, 16))
    assert len({e.uid for e in events}) == len(events)  # one VEVENT per occurrence


def test_monthly_on_the_same_date(db, make_series):
    events = make_series(Recurrence("monthly_date", count=4), day=date(2026, 6, 15), status="draft")

    assert local_days(events) == [date(2026, 6, 15), date(2026, 7, 15), date(2026, 8, 15), date(2026, 9, 15)]


def test_monthly_on_the_second_tuesday(db, make_series):
    events = make_series(Recurrence("monthly_weekday", count=4), day=date(2026, 6, 9), status="draft")

    assert local_days(events) == [date(2026, 6, 9), date(2026, 7, 14), date(2026, 8, 11), date(2026, 9, 8)]
    assert all(d.weekday() == 1 and 8 <= d.day <= 14 for d in local_days(events))


def test_monthly_on_the_last_friday(db, make_series):
    events = make_series(Recurrence("monthly_weekday", count=3), day=date(2026, 6, 26), status="draft")

    # July has five Fridays: the last one (31), not the fourth (24).
    assert local_days(events) == [date(2026, 6, 26), date(2026, 7, 31), date(2026, 8, 28)]


def test_a_count_is_the_number_of_sessions(db, make_series):
    events = make_series(Recurrence("weekly", count=5), day=TUESDAY, status="draft")

    assert local_days(events) == [TUESDAY + timedelta(weeks=n) for n in range(5)]


def test_a_count_includes_a_first_session_on_another_weekday(db, make_series):
    # Starts on a Thursday, then every Monday: three sessions in all, the Thursday included.
    events = make_series(Recurrence("weekly", weekdays=(0,), count=3), day=date(2026, 6, 18), status="draft")

    assert local_days(events) == [date(2026, 6, 18), date(2026, 6, 22), date(2026, 6, 29)]


def test_a_series_without_an_end_is_refused(db, organiser):
    data = EventData(title="Sans fin", theme=Theme.WORKING, starts_at=at(TUESDAY, 18), ends_at=at(TUESDAY, 20),
                     address=ADDRESS)

    with pytest.raises(DomainError) as err:
        event_service.create_event(organiser, data, now=NOW, recurrence=Recurrence("weekly"))
    assert err.value.field == "until"
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_a_weekly_series_keeps_six_pm_in_paris_across_both_clock_changes(db, make_series):
    rule = Recurrence("weekly", until=date(2026, 11, 3))

    events = make_series(rule, day=date(2026, 3, 24), start=time(18), end=time(20),
                         now=datetime(2026, 3, 1, 9, tzinfo=UTC), status="draft")

    assert len(events) == 33
    for event in events:
        start, end = to_paris(event.starts_at), to_paris(event.ends_at)
        assert (start.hour, start.minute, end.hour, end.minute) == (18, 0, 20, 0), start
    utc_hours = {to_paris(e.starts_at).date(): e.starts_at.astimezone(UTC).hour for e in events}
    assert utc_hours[date(2026, 3, 24)] == 17  # winter time, UTC+1
    assert utc_hours[date(2026, 3, 31)] == 16  # after 29 March: summer time, UTC+2
    assert utc_hours[date(2026, 10, 20)] == 16
    assert utc_hours[date(2026, 10, 27)] == 17  # after 25 October: winter time again
    fresh(db)
    stored = db.session.scalars(select(Event).order_by(Event.starts_at)).all()
    assert [to_paris(e.starts_at).hour for e in stored] == [18] * 33


# --- the space an event holds -----------------------------------------------------------------------------


def test_an_event_in_a_space_books_it_for_the_same_times(db, make_event, room, organiser):
    event = make_event(organiser=organiser, space=room, day=EVENT_DAY, start=time(14), end=time(16), title="Atelier CV")

    booking = db.session.get(Booking, event.booking_id)
    assert booking is not None
    assert booking.resource.space_id == room.id
    assert (booking.starts_at, booking.ends_at) == (event.starts_at, event.ends_at) == (
        at(EVENT_DAY, 14), at(EVENT_DAY, 16))
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.title == "Atelier CV"
    assert booking.booked_by_id == organiser.id


def test_an_event_ignores_the_room_grid_but_not_the_opening_hours(db, make_event, room, make_user):
    event = make_event(space=room, day=EVENT_DAY, start=time(14, 10), end=time(15, 50))
    assert db.session.get(Booking, event.booking_id).starts_at == at(EVENT_DAY, 14, 10)

    with pytest.raises(BookingConflict) as err:
        make_event(space=room, day=EVENT_DAY, start=time(18), end=time(20))  # the room closes at 19:00
    assert "19:00" in str(err.value.message)


def test_moving_the_event_moves_its_booking(db, make_event, room, organiser):
    event = make_event(organiser=organiser, space=room, day=EVENT_DAY, start=time(14), end=time(16))
    old_booking = db.session.get(Booking, event.booking_id)

    event_service.update_event(organiser, event, data_of(event, starts_at=at(EVENT_DAY, 15), ends_at=at(EVENT_DAY, 17)),
                               now=NOW)
    db.session.commit()

    fresh(db)
    event = db.session.get(Event, event.id)
    new_booking = db.session.get(Booking, event.booking_id)
    assert new_booking.id != old_booking.id
    assert (new_booking.starts_at, new_booking.ends_at) == (at(EVENT_DAY, 15), at(EVENT_DAY, 17))
    assert new_booking.status == BookingStatus.CONFIRMED
    assert db.session.get(Booking, old_booking.id).status == BookingStatus.CANCELLED
    assert event.sequence == 1
    active = db.session.scalar(select(func.count(Booking.id)).where(Booking.status == BookingStatus.CONFIRMED))
    assert active == 1


def test_a_title_change_keeps_the_booking_and_the_sequence(db, make_event, room, organiser):
    event = make_event(organiser=organiser, space=room, day=EVENT_DAY, start=time(14), end=time(16))
    booking_id = event.booking_id

    event_service.update_event(organiser, event, data_of(event, title="Nouveau titre"), now=NOW)

    assert (event.booking_id, event.sequence) == (booking_id, 0)


def test_a_move_onto_a_taken_slot_raises_and_changes_nothing(db, make_event, room, organiser, make_user):
    event = make_event(organiser=organiser, space=room, day=EVENT_DAY, start=time(14), end=time(16))
    booking_id = event.booking_id
    other = bookings.create_booking(make_user(), space_id=room.id, starts_at=at(EVENT_DAY, 17),
                                    ends_at=at(EVENT_DAY, 18), now=NOW, notify=False)
    db.session.commit()

    with pytest.raises(BookingConflict) as err:
        event_service.update_event(organiser, event, data_of(event, starts_at=at(EVENT_DAY, 16),
                                                             ends_at=at(EVENT_DAY, 18)), now=NOW)
    assert err.value.field == "space_id"

    # The service changed nothing, even before the caller rolls back:
    assert (event.starts_at, event.ends_at, event.booking_id, event.sequence) == (
        at(EVENT_DAY, 14), at(EVENT_DAY, 16), booking_id, 0)
    db.session.commit()
    fresh(db)
    event = db.session.get(Event, event.id)
    assert (event.starts_at, event.ends_at, event.booking_id) == (at(EVENT_DAY, 14), at(EVENT_DAY, 16), booking_id)
    kept = db.session.get(Booking, booking_id)
    assert (kept.status, kept.starts_at, kept.ends_at) == (BookingStatus.CONFIRMED, at(EVENT_DAY, 14), at(EVENT_DAY, 16))
    assert db.session.get(Booking, other.id).status == BookingStatus.CONFIRMED
    assert db.session.scalar(select(func.count(Booking.id))) == 2


def test_a_series_in_a_taken_room_is_refused_whole(db, make_series, room, make_user, organiser):
    bookings.create_booking(make_user(), space_id=room.id, starts_at=at(EVENT_DAY + timedelta(weeks=2), 14),
                            ends_at=at(EVENT_DAY + timedelta(weeks=2), 15), now=NOW, notify=False)
    db.session.commit()

    with pytest.raises(BookingConflict) as err:
        make_series(Recurrence("weekly", count=4), organiser=organiser, space=room, day=EVENT_DAY,
                    start=time(14), end=time(16))
    assert "6 juillet 2026" in str(err.value.message)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Event.id))) == 0


# --- one occurrence or the whole series ---------------------------------------------------------------------


def test_editing_one_occurrence_detaches_it_and_the_series_edit_leaves_it_alone(db, make_series, organiser):
    first, second, third, fourth = make_series(Recurrence("weekly", count=4), organiser=organiser, day=TUESDAY,
                                               title="Cours de français")

    event_service.update_event(organiser, second, data_of(second, title="Séance spéciale"), now=NOW)
    assert second.detached and not first.detached

    new_start = at(TUESDAY, 19)
    event_service.update_event(organiser, first, data_of(first, title="Français pour tous", starts_at=new_start,
                                                         ends_at=new_start + timedelta(hours=2)),
                               now=NOW, whole_series=True)
    db.session.commit()

    fresh(db)
    rows = db.session.scalars(select(Event).order_by(Event.starts_at)).all()
    assert [r.title for r in rows] == ["Français pour tous", "Séance spéciale", "Français pour tous",
                                       "Français pour tous"]
    assert [to_paris(r.starts_at).hour for r in rows] == [19, 18, 19, 19]
    assert local_days(rows) == [TUESDAY + timedelta(weeks=n) for n in range(4)]
    assert [r.sequence for r in rows] == [1, 0, 1, 1]
    assert not any(r.detached for r in rows if r.id != second.id)


def test_a_series_edit_from_an_occurrence_changes_only_the_later_ones(db, make_series, organiser):
    events = make_series(Recurrence("weekly", count=4), organiser=organiser, day=TUESDAY, title="Cours")

    event_service.update_event(organiser, events[2], data_of(events[2], title="Cours d'été"), now=NOW,
                               whole_series=True)

    assert [e.title for e in events] == ["Cours", "Cours", "Cours d'été", "Cours d'été"]


def test_only_the_organiser_or_staff_edit(db, make_event, make_organiser, staff):
    event = make_event()

    with pytest.raises(NotFound):
        event_service.update_event(make_organiser(), event, data_of(event, title="Pris"), now=NOW)
    event_service.update_event(staff, event, data_of(event, title="Corrigé par l'équipe"), now=NOW)
    assert event.title == "Corrigé par l'équipe"


def test_the_capacity_cannot_drop_below_the_seats_taken(db, make_event, make_user, organiser):
    event = make_event(organiser=organiser, capacity=5)
    for n in range(3):
        registrations.register_member(make_user(), event, now=NOW)

    with pytest.raises(DomainError) as err:
        event_service.update_event(organiser, event, data_of(event, capacity=2), now=NOW)
    assert err.value.field == "capacity"


def test_a_member_without_the_organiser_role_cannot_create_events(db, make_user):
    member = make_user()
    data = EventData(title="Fête", theme=Theme.VISITING_MEETING, starts_at=at(EVENT_DAY, 18),
                     ends_at=at(EVENT_DAY, 20), address=ADDRESS)

    with pytest.raises(PermissionDenied):
        event_service.create_event(member, data, now=NOW)


def test_the_form_rules_of_an_event(db, organiser):
    base = dict(title="Fête", theme=Theme.VISITING_MEETING, starts_at=at(EVENT_DAY, 18), ends_at=at(EVENT_DAY, 20),
                address=ADDRESS)
    refused = {
        "title": dict(base, title="   "),
        "ends_at": dict(base, ends_at=at(EVENT_DAY, 17)),
        "address": dict(base, address=""),
        "registration_deadline": dict(base, registration_deadline=at(EVENT_DAY, 19)),
    }
    for field, values in refused.items():
        with pytest.raises(DomainError) as err:
            event_service.create_event(organiser, EventData(**values), now=NOW)
        assert err.value.field == field


# --- publishing and moderation ------------------------------------------------------------------------------


def test_a_trusted_organiser_publishes_at_once(db, make_event, make_organiser):
    event = make_event(organiser=make_organiser(trusted=True), status="draft")

    event_service.publish(event.organiser, event, now=NOW)

    assert event.status == EventStatus.PUBLISHED
    assert event.published_at == NOW
    assert agenda.search(None, agenda.AgendaFilters(), NOW) == [event]


def test_an_untrusted_organiser_submits_and_staff_are_told(db, make_event, make_organiser, staff, smtp, send_mail):
    organiser = make_organiser(trusted=False)
    event = make_event(organiser=organiser, status="draft", title="Soirée contes")

    event_service.publish(organiser, event, now=NOW)

    assert event.status == EventStatus.SUBMITTED
    assert event.published_at is None
    assert agenda.search(None, agenda.AgendaFilters(), NOW) == []
    with pytest.raises(NotFound):
        event_service.get_event(event.id, None)
    assert event_service.moderation_queue() == [event]
    assert deliver(db, send_mail).sent == 1
    (message,) = smtp.to(staff.email)
    assert message["Subject"] == "À modérer : Soirée contes"
    assert "/organisateur/moderation" in text_body(message)


def test_a_series_is_published_whole(db, make_series, make_organiser):
    events = make_series(Recurrence("weekly", count=3), organiser=make_organiser(trusted=False), status="draft")

    event_service.publish(events[1].organiser, events[1], now=NOW)

    assert [e.status for e in events] == [EventStatus.SUBMITTED] * 3


def test_staff_publish_directly(db, make_event, staff):
    event = make_event(organiser=staff, status="draft")

    event_service.publish(staff, event, now=NOW)

    assert event.status == EventStatus.PUBLISHED


def test_publishing_twice_is_refused(db, make_event):
    event = make_event()

    with pytest.raises(DomainError, match="déjà été envoyé"):
        event_service.publish(event.organiser, event, now=NOW)


def test_approval_publishes_and_tells_the_organiser(db, make_event, make_organiser, staff, smtp, send_mail):
    organiser = make_organiser(trusted=False)
    event = make_event(organiser=organiser, status="submitted", title="Soirée contes")

    event_service.moderate(staff, event, "approve", None, now=NOW + timedelta(hours=1))

    assert event.status == EventStatus.PUBLISHED
    assert event.published_at == NOW + timedelta(hours=1)
    assert organiser.trusted_organiser is False
    assert event_service.get_event(event.id, None) == event
    deliver(db, send_mail)
    (message,) = smtp.to(organiser.email)
    assert message["Subject"] == "Modération : Soirée contes"
    assert "Votre événement est publié dans l'agenda." in text_body(message)
    assert f"/organisateur/evenements/{event.id}" in text_body(message)


def test_approval_with_trust_lets_the_organiser_publish_directly_next_time(db, make_event, make_organiser, staff):
    organiser = make_organiser(trusted=False)
    event = make_event(organiser=organiser, status="submitted")

    event_service.moderate(staff, event, "approve", "", now=NOW, trust=True)

    assert organiser.trusted_organiser is True
    next_one = make_event(organiser=organiser, status="draft")
    event_service.publish(organiser, next_one, now=NOW)
    assert next_one.status == EventStatus.PUBLISHED


def test_changes_requested_with_a_note_then_submitted_again(db, make_event, make_organiser, staff, smtp, send_mail):
    organiser = make_organiser(trusted=False)
    event = make_event(organiser=organiser, status="submitted")

    event_service.moderate(staff, event, "changes", "Précisez l'adresse exacte, s'il vous plaît.", now=NOW)

    assert event.status == EventStatus.CHANGES_REQUESTED
    assert event.moderation_note == "Précisez l'adresse exacte, s'il vous plaît."
    deliver(db, send_mail)
    assert "Précisez l'adresse exacte" in text_body(smtp.to(organiser.email)[-1])
    event_service.publish(organiser, event, now=NOW)
    assert event.status == EventStatus.SUBMITTED


def test_refusal_needs_a_reason_and_frees_the_room(db, make_event, make_organiser, staff, room):
    organiser = make_organiser(trusted=False)
    event = make_event(organiser=organiser, status="submitted", space=room, day=EVENT_DAY, start=time(10),
                       end=time(12))

    for decision in ("refuse", "changes"):
        with pytest.raises(DomainError) as err:
            event_service.moderate(staff, event, decision, "  ", now=NOW)
        assert err.value.field == "note"
    assert event.status == EventStatus.SUBMITTED

    event_service.moderate(staff, event, "refuse", "Hors du cadre du tiers-lieu.", now=NOW)

    assert event.status == EventStatus.REFUSED
    assert event.moderation_note == "Hors du cadre du tiers-lieu."
    assert db.session.get(Booking, event.booking_id).status == BookingStatus.CANCELLED


def test_only_staff_moderate_and_only_what_waits(db, make_event, make_organiser, staff):
    event = make_event(organiser=make_organiser(trusted=False), status="submitted")

    with pytest.raises(PermissionDenied):
        event_service.moderate(make_organiser(trusted=True), event, "approve", None, now=NOW)
    with pytest.raises(DomainError):
        event_service.moderate(staff, event, "publish-everything", None, now=NOW)
    event_service.moderate(staff, event, "approve", None, now=NOW)
    with pytest.raises(DomainError, match="n'attend pas"):
        event_service.moderate(staff, event, "refuse", "Trop tard", now=NOW)


# --- cancelling ------------------------------------------------------------------------------------------------


def test_cancelling_keeps_the_event_visible_tells_registrants_and_frees_the_room(
        db, client, make_event, make_user, organiser, room, smtp, send_mail):
    event = make_event(organiser=organiser, space=room, day=EVENT_DAY, start=time(14), end=time(16), capacity=2,
                       title="Atelier vélo")
    people = [make_user(name=f"Cycliste {n}") for n in range(3)]
    for person in people:
        registrations.register_member(person, event, now=NOW)
    booking_id = event.booking_id
    deliver(db, send_mail)
    smtp.clear()

    event_service.cancel_event(organiser, event, "La salle est inondée, toutes nos excuses.", now=NOW + timedelta(hours=2))
    db.session.commit()

    fresh(db)
    event = db.session.get(Event, event.id)
    assert event.status == EventStatus.CANCELLED
    assert event.sequence == 1
    assert event_service.get_event(event.id, None) == event
    assert agenda.search(None, agenda.AgendaFilters(), NOW) == [event]
    shown = client.get(f"/evenements/{event.id}")
    assert shown.status_code == 200
    assert "Cet événement est annulé. La salle est inondée, toutes nos excuses." in page(shown).replace(
        "<strong>", "").replace("</strong>", "")
    assert "SEQUENCE:1" in client.get(f"/evenements/{event.id}.ics").get_data(as_text=True)
    assert db.session.get(Booking, booking_id).status == BookingStatus.CANCELLED
    assert deliver(db, send_mail, NOW + timedelta(hours=3)).sent == 3  # two registered, one waiting
    for person in people:
        (message,) = smtp.to(person.email)
        assert message["Subject"] == "Annulé : Atelier vélo"
        assert "La salle est inondée, toutes nos excuses." in text_body(message)
        (attachment,) = list(message.iter_attachments())
        (vevent,) = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
        assert (str(vevent["status"]), int(vevent["sequence"]), str(vevent["uid"])) == ("CANCELLED", 1, event.uid)
    with pytest.raises(DomainError):
        registrations.register_member(make_user(), event, now=NOW + timedelta(hours=4))


def test_a_published_event_is_not_cancelled_without_a_word_to_registrants(db, make_event):
    event = make_event()

    with pytest.raises(DomainError) as err:
        event_service.cancel_event(event.organiser, event, "  ", now=NOW)
    assert err.value.field == "message"
    assert event.status == EventStatus.PUBLISHED
    with pytest.raises(NotFound):
        event_service.cancel_event(event.organiser, make_event(), "Pas le mien", now=NOW)


def test_a_draft_is_deleted_with_its_booking_but_a_published_event_is_not(db, make_event, room, organiser):
    draft = make_event(organiser=organiser, space=room, day=EVENT_DAY, start=time(10), end=time(11), status="draft")
    booking_id = draft.booking_id

    event_service.delete_draft(organiser, draft, now=NOW)

    assert db.session.get(Booking, booking_id).status == BookingStatus.CANCELLED
    assert db.session.scalar(select(func.count(Event.id))) == 0
    published = make_event(organiser=organiser)
    with pytest.raises(DomainError):
        event_service.delete_draft(organiser, published, now=NOW)


# --- descriptions are sanitised ------------------------------------------------------------------------------

HOSTILE = [
    '<p>Bonjour</p><script>alert("x")</script><p>à bientôt</p>',
    'Venez nombreux <img src="x" onerror="alert(1)"> !',
    '<p><a href="javascript:alert(1)">clic</a> et <a href="JaVaScRiPt:alert(2)">encore</a></p>',
    '<p onclick="alert(1)" style="color:red">Texte</p><iframe src="https://evil.example"></iframe>',
    'Ligne simple <script>document.cookie</script>',
    '<svg><script>alert(1)</script></svg><a href=" javascript:alert(3)">x</a>',
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_markup_never_reaches_the_stored_html(hostile):
    stored = clean_description(hostile).lower()

    for danger in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style=", "<svg"):
        assert danger not in stored


def test_plain_text_becomes_paragraphs_with_links_and_simple_html_is_kept():
    assert clean_description("Bonjour\n\nInfos : https://chrysalides.example/a?b=1&c=2") == (
        '<p>Bonjour</p><p>Infos : <a href="https://chrysalides.example/a?b=1&amp;c=2" '
        'rel="noopener noreferrer nofollow">https://chrysalides.example/a?b=1&amp;c=2</a></p>')
    assert clean_description("<p>Un <strong>grand</strong> moment</p><ul><li>un</li></ul>") == (
        "<p>Un <strong>grand</strong> moment</p><ul><li>un</li></ul>")
    assert clean_description("Ateliers 3 < 5 ans") == "<p>Ateliers 3 &lt; 5 ans</p>"


def test_hostile_markup_never_reaches_the_page(db, client, make_event, upcoming_day):
    event = make_event(now=real_now(), day=upcoming_day, title='Fête <script>alert("titre")</script>',
                       description="".join(HOSTILE))
    stored = db.session.get(Event, event.id).description_html

    response = client.get(f"/evenements/{event.id}")

    assert response.status_code == 200
    body = response.get_data(as_text=True).lower()
    assert "<script>alert" not in body
    assert "onerror=" not in body and "onclick=" not in body and "javascript:alert" not in body
    assert "<iframe" not in body
    assert "&lt;script&gt;alert(&#34;titre&#34;)&lt;/script&gt;" in body  # the title, escaped
    assert stored.lower() in body
    assert "à bientôt" in page(response)


# --- images ---------------------------------------------------------------------------------------------------


def image_bytes(size, fmt="JPEG", *, exif: dict | None = None, noise: bool = False) -> bytes:
    if noise:
        import os

        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 120, 40))
        image.paste((20, 60, 160), (0, 0, size[0] // 2, size[1] // 3))  # not rotation-symmetric
    out = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        for tag, value in exif.items():
            data[tag] = value
        options["exif"] = data
    image.save(out, fmt, **options)
    return out.getvalue()


MAKE, MODEL, ARTIST, ORIENTATION = 0x010F, 0x0110, 0x013B, 0x0112


def test_a_large_jpeg_is_resized_turned_upright_and_stripped_of_exif(upload_folder):
    original = image_bytes((2400, 1800), exif={MAKE: "MarqueSecrete", MODEL: "Modele X", ARTIST: "Awa Traore",
                                               ORIENTATION: 6})
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif()[ARTIST] == "Awa Traore"

    name = store_image(io.BytesIO(original), upload_folder)

    stored = (upload_folder / name).read_bytes()
    assert name.endswith(".jpg")
    assert b"MarqueSecrete" not in stored and b"Exif" not in stored
    with Image.open(upload_folder / name) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= MAX_SIDE == 1600
        assert image.size == (1200, 1600)  # orientation 6: a portrait photo, kept upright
        assert dict(image.getexif()) == {}


def test_a_png_is_accepted_and_kept_at_its_size(upload_folder):
    name = store_image(io.BytesIO(image_bytes((800, 600), "PNG")), upload_folder)

    with Image.open(upload_folder / name) as image:
        assert (image.format, image.size) == ("JPEG", (800, 600))


@pytest.mark.parametrize("content", [b"Ceci n'est pas une image, juste du texte.\n" * 20, b"",
                                     image_bytes((300, 200))[:400]])
def test_what_is_not_an_image_is_refused_clearly(upload_folder, content):
    with pytest.raises(DomainError) as err:
        store_image(io.BytesIO(content), upload_folder)
    assert err.value.field == "image"
    assert str(err.value.message) == "Ce fichier n'est pas une image lisible."
    assert not upload_folder.exists() or list(upload_folder.iterdir()) == []


def test_an_image_over_five_megabytes_is_refused_by_the_service(upload_folder):
    with pytest.raises(DomainError, match="5 Mo"):
        store_image(io.BytesIO(b"\xff" * (5 * 1024 * 1024 + 1)), upload_folder)


def event_form(day: date, **overrides) -> dict:
    return {
        "title": "Atelier vélo", "description": "Réparez votre vélo avec nous.", "theme": "vivre_ensemble",
        "tags": "vélo, réparation", "start_date": day.isoformat(), "start_time": "18:00", "end_time": "20:00",
        "place": "address", "address": ADDRESS, "audience": "public", "languages": ["fr"],
        "registration_mode": "free", "capacity": "12", "is_free": "y", "frequency": "", "interval": "1",
        "scope": "this", **overrides,
    }


def post_new_event(client, day, image: bytes, filename: str):
    return client.post("/organisateur/evenements/nouveau", content_type="multipart/form-data",
                       data={**event_form(day), "image": (io.BytesIO(image), filename)})


def test_an_uploaded_photo_is_kept_resized_without_its_exif(db, login, organiser, upcoming_day, upload_folder):
    client = login(organiser)
    photo = image_bytes((3000, 2000), exif={MAKE: "MarqueSecrete", ARTIST: "Awa Traore"})

    response = post_new_event(client, upcoming_day, photo, "vacances.JPG")

    assert response.status_code == 303, page(response)
    fresh(db)
    event = db.session.scalars(select(Event)).one()
    stored = upload_folder / event.image
    with Image.open(stored) as image:
        assert image.size == (1600, 1067)
        assert dict(image.getexif()) == {}
    assert b"MarqueSecrete" not in stored.read_bytes()
    media = client.get(f"/medias/{event.image}")
    assert media.status_code == 200 and media.mimetype == "image/jpeg"
    assert media.data == stored.read_bytes()
    assert f'src="/medias/{event.image}"' in page(client.get(f"/evenements/{event.id}"))


def test_a_text_file_named_jpg_is_refused_with_a_clear_message(db, login, organiser, upcoming_day):
    client = login(organiser)

    response = post_new_event(client, upcoming_day, b"Bonjour, je ne suis pas une image.\n" * 50, "photo.jpg")

    assert response.status_code == 422
    assert "Ce fichier n'est pas une image lisible." in page(response)
    assert 'value="Atelier vélo"' in page(response)
    fresh(db)
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_an_image_over_five_megabytes_is_a_form_error(db, login, organiser, upcoming_day):
    client = login(organiser)
    heavy = image_bytes((1450, 1450), "PNG", noise=True)
    assert 5 * 1024 * 1024 < len(heavy) < 8 * 1024 * 1024

    response = post_new_event(client, upcoming_day, heavy, "grande.png")

    assert response.status_code == 422
    assert "L'image dépasse 5 Mo. Choisissez une image plus légère." in page(response)
    fresh(db)
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_a_request_over_eight_megabytes_gets_a_french_413_page(db, app, login, organiser, upcoming_day):
    assert app.config["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024
    client = login(organiser)

    response = post_new_event(client, upcoming_day, b"\x00" * (9 * 1024 * 1024), "enorme.jpg")

    assert response.status_code == 413
    text = page(response)
    assert "Fichier trop volumineux" in text
    assert "Le fichier ou le formulaire envoyé est trop volumineux." in text
    assert 'lang="fr"' in text
    fresh(db)
    assert db.session.scalar(select(func.count(Event.id))) == 0
