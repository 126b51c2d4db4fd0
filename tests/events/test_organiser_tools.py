"""The organiser's tools: registrations and decisions, the door list, CSV and PDF exports,
messages to registrants, importing an .ics file — and who may use them."""
from __future__ import annotations

import csv
import io
import re
import zlib
from datetime import UTC, datetime, time, timedelta

import pytest

from portal.timeutil import paris_to_utc, paris_today, to_paris
from tests.conftest import AuthActions
from tests.support import page, text_body

ADDRESS = "12 rue Paul Doumer, 78130 Les Mureaux"


def _now() -> datetime:
    return datetime.now(UTC)


def _fresh(db) -> None:
    """See what a request committed (requests use their own database session)."""
    db.session.rollback()
    db.session.expire_all()


@pytest.fixture
def organiser(make_user, db):
    user = make_user(name="Odile Organisatrice", roles=("member", "organiser"))
    user.trusted_organiser = True
    db.session.commit()
    return user


@pytest.fixture
def client_for(app, db):
    """client_for(user) → a test client of its own, logged in as that user."""

    def make(user):
        client = app.test_client()
        response = AuthActions(client).login(user)
        assert response.status_code == 302, page(response)
        _fresh(db)
        return client

    return make


@pytest.fixture
def new_event(db, organiser):
    """new_event(capacity=3, mode="free", title=..., owner=...) → a published event a week ahead,
    18:00–20:00 in Paris, made and published through the event services."""
    from portal.events.models import RegistrationMode, Theme
    from portal.events.services import events as event_service
    from portal.events.services.events import EventData

    def make(*, capacity=3, mode="free", title="Atelier réparation vélo", owner=None, day=None):
        owner = owner or organiser
        now = _now()
        day = day or paris_today(now) + timedelta(days=7)
        data = EventData(title=title, theme=Theme.LIVING_TOGETHER, starts_at=paris_to_utc(day, time(18)),
                         ends_at=paris_to_utc(day, time(20)), address=ADDRESS, capacity=capacity,
                         registration_mode=RegistrationMode(mode), organisation_name="Association Vélo Mureaux")
        event = event_service.create_event(owner, data, now=now)[0]
        event_service.publish(owner, event, now=now)
        db.session.commit()
        return event

    return make


@pytest.fixture
def register(db, make_user):
    """register(event, name) → a member registered through the registration service (committed)."""
    from portal.events.services import registrations

    def make(event, name, *, email=None):
        user = make_user(name=name, email=email)
        registration = registrations.register_member(user, event, now=_now())
        db.session.commit()
        return registration

    return make


def _statuses(db, event):
    from portal.events.models import Registration

    _fresh(db)
    return {r.name: r.status.value for r in db.session.query(Registration).filter_by(event_id=event.id)}


# --- registrations page and decisions ---------------------------------------------------


def test_registrations_page_lists_seats_then_waiting_list_in_order(new_event, register, organiser, client_for):
    event = new_event(capacity=2)
    for name in ("Amina Diallo", "Bruno Petit", "Chloé Martin", "Dawit Bekele"):
        register(event, name)
    client = client_for(organiser)

    response = client.get(f"/organisateur/evenements/{event.id}/inscriptions")

    assert response.status_code == 200
    text = page(response)
    assert "2 sur 2" in text
    seats, waiting = text.index("Places (2)"), text.index("Liste d’attente (2)")
    assert seats < text.index("Amina Diallo") < text.index("Bruno Petit") < waiting  # first registered first
    assert waiting < text.index("Chloé Martin") < text.index("Dawit Bekele")
    for endpoint in ("pointage", "inscriptions.csv", "emargement.pdf", "message"):
        assert f"/organisateur/evenements/{event.id}/{endpoint}" in text


def test_pending_registrations_are_approved_or_declined(new_event, register, organiser, client_for, db):
    event = new_event(capacity=2, mode="approval")
    amina = register(event, "Amina Diallo")
    bruno = register(event, "Bruno Petit")
    register(event, "Chloé Martin")  # the event is full of pending requests: she waits
    assert _statuses(db, event) == {"Amina Diallo": "pending", "Bruno Petit": "pending", "Chloé Martin": "waitlisted"}
    client = client_for(organiser)

    listing = page(client.get(f"/organisateur/evenements/{event.id}/inscriptions"))
    assert listing.count('name="decision" value="approve"') == 2

    approved = client.post(f"/organisateur/evenements/{event.id}/inscriptions/{amina.id}/decision",
                           data={"decision": "approve"})
    assert approved.status_code == 303
    assert approved.headers["Location"].endswith(f"/organisateur/evenements/{event.id}/inscriptions")
    declined = client.post(f"/organisateur/evenements/{event.id}/inscriptions/{bruno.id}/decision",
                           data={"decision": "decline"}, follow_redirects=True)
    assert "Inscription de Bruno Petit refusée" in page(declined)

    # The declined seat is offered to the first person waiting.
    assert _statuses(db, event) == {"Amina Diallo": "registered", "Bruno Petit": "declined", "Chloé Martin": "offered"}


def test_a_decision_needs_a_known_answer_and_a_pending_registration(new_event, register, organiser, client_for, db):
    event = new_event(capacity=2, mode="approval")
    amina = register(event, "Amina Diallo")
    client = client_for(organiser)
    url = f"/organisateur/evenements/{event.id}/inscriptions/{amina.id}/decision"

    unknown = client.post(url, data={"decision": "maybe"}, follow_redirects=True)
    assert "Choisissez d'accepter ou de refuser" in page(unknown)
    assert _statuses(db, event)["Amina Diallo"] == "pending"

    client.post(url, data={"decision": "approve"})
    again = client.post(url, data={"decision": "decline"}, follow_redirects=True)
    assert "Cette inscription a déjà été traitée." in page(again)
    assert _statuses(db, event)["Amina Diallo"] == "registered"


def test_a_registration_of_another_event_is_not_found(new_event, register, organiser, client_for):
    mine, other = new_event(mode="approval"), new_event(mode="approval", title="Autre atelier")
    stranger = register(other, "Amina Diallo")
    client = client_for(organiser)

    response = client.post(f"/organisateur/evenements/{mine.id}/inscriptions/{stranger.id}/decision",
                           data={"decision": "approve"})

    assert response.status_code == 404


# --- the door -----------------------------------------------------------------------------


def test_door_list_finds_people_by_name_and_checks_them_in(new_event, register, organiser, client_for, db):
    from portal.events.models import Registration

    event = new_event(capacity=2)
    zoe = register(event, "Zoé Lefèvre")
    register(event, "Ahmed Benali")
    register(event, "Inès Waiting")  # on the waiting list: not expected at the door
    client = client_for(organiser)

    everyone = page(client.get(f"/organisateur/evenements/{event.id}/pointage"))
    assert "0 présent·es sur 2 inscrit·es" in everyone
    assert "Ahmed Benali" in everyone and "Zoé Lefèvre" in everyone and "Inès Waiting" not in everyone
    assert everyone.index("Ahmed Benali") < everyone.index("Zoé Lefèvre")  # by name

    found = page(client.get(f"/organisateur/evenements/{event.id}/pointage", query_string={"q": "zoe lef"}))
    assert "Zoé Lefèvre" in found and "Ahmed Benali" not in found  # accents and case do not matter

    response = client.post(f"/organisateur/evenements/{event.id}/inscriptions/{zoe.id}/arrivee", data={"q": "zoe"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/organisateur/evenements/{event.id}/pointage?q=zoe#personne-{zoe.id}")
    _fresh(db)
    assert db.session.get(Registration, zoe.id).checked_in_at is not None

    after = page(client.get(f"/organisateur/evenements/{event.id}/pointage"))
    assert "Arrivée de Zoé Lefèvre enregistrée." in after
    assert "1 présent·es sur 2 inscrit·es" in after
    assert "arrivé·e à" in after


def test_only_a_registered_person_is_checked_in(new_event, register, organiser, client_for, db):
    from portal.events.models import Registration

    event = new_event(capacity=1)
    register(event, "Ahmed Benali")
    waiting = register(event, "Inès Attente")
    client = client_for(organiser)

    response = client.post(f"/organisateur/evenements/{event.id}/inscriptions/{waiting.id}/arrivee",
                           follow_redirects=True)

    assert "Seule une personne inscrite peut être pointée." in page(response)
    _fresh(db)
    assert db.session.get(Registration, waiting.id).checked_in_at is None


# --- CSV -----------------------------------------------------------------------------------


def test_csv_export_opens_in_french_excel_and_never_runs_formulas(new_event, register, organiser, client_for, db):
    from portal.events.services import registrations

    event = new_event(capacity=3)
    first = register(event, "Chloé Müller", email="chloe@example.org")
    register(event, "=HYPERLINK(\"http://evil.example\",\"clic\")", email="formule@example.org")
    register(event, "+33 6 12 34 56 78", email="telephone@example.org")
    register(event, "Dawit Bekele", email="dawit@example.org")  # waiting list
    registrations.register_guest(event, name="-Invitée pas confirmée", email="invitee@example.org", now=_now())
    registrations.check_in(organiser, first, now=_now())
    db.session.commit()
    client = client_for(organiser)

    response = client.get(f"/organisateur/evenements/{event.id}/inscriptions.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    day = to_paris(event.starts_at).date().isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="inscriptions-{day}-{event.id}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM tells Excel it is UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Nom", "E-mail", "Statut", "Inscription (heure de Paris)", "Présent·e", "Heure d'arrivée"]
    by_email = {row[1]: row for row in rows[1:]}
    # Everyone with a seat or waiting for one; the guest who never confirmed is no attendee.
    assert list(by_email) == ["chloe@example.org", "formule@example.org", "telephone@example.org", "dawit@example.org"]
    assert by_email["chloe@example.org"] == [
        "Chloé Müller", "chloe@example.org", "inscrit·e", to_paris(first.created_at).strftime("%Y-%m-%d %H:%M"),
        "oui", to_paris(first.checked_in_at).strftime("%H:%M")]
    assert by_email["formule@example.org"][0] == "'=HYPERLINK(\"http://evil.example\",\"clic\")"
    assert by_email["telephone@example.org"][0] == "'+33 6 12 34 56 78"
    assert by_email["dawit@example.org"][2:] == ["sur liste d'attente", by_email["dawit@example.org"][3], "non", ""]
    assert "Invitée" not in data.decode("utf-8-sig")


def test_safe_cell_prefixes_every_formula_start():
    from portal.events.services.organiser import safe_cell

    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Zoé") == "Zoé" and safe_cell("") == ""


# --- message --------------------------------------------------------------------------------


def test_message_goes_to_each_registrant_by_email(new_event, register, organiser, client_for, db, smtp, send_mail):
    event = new_event(capacity=2)
    register(event, "Amina Diallo", email="amina@example.org")
    register(event, "Bruno Petit", email="bruno@example.org")
    register(event, "Chloé Attente", email="chloe@example.org")  # waiting list
    send_mail()  # the registration confirmations
    smtp.clear()
    client = client_for(organiser)

    form = client.get(f"/organisateur/evenements/{event.id}/message")
    assert form.status_code == 200
    response = client.post(f"/organisateur/evenements/{event.id}/message", data={
        "subject": "Apportez vos outils", "body": "Bonjour à toutes et à tous,\n\nPensez aux clés de 10."})
    assert response.status_code == 303
    assert "Message envoyé à 2 personnes." in page(client.get(response.headers["Location"]))

    _fresh(db)
    send_mail()
    assert sorted(str(m["To"]) for m in smtp.messages) == ["amina@example.org", "bruno@example.org"]
    message = smtp.to("amina@example.org")[0]
    assert message["Subject"] == "Atelier réparation vélo — Apportez vos outils"
    assert "Pensez aux clés de 10." in text_body(message)
    assert "Odile Organisatrice" in text_body(message)

    smtp.clear()
    client.post(f"/organisateur/evenements/{event.id}/message", data={
        "subject": "Dernières nouvelles", "body": "Il reste peut-être une place.", "include_waitlist": "y"})
    _fresh(db)
    send_mail()
    assert sorted(str(m["To"]) for m in smtp.messages) == ["amina@example.org", "bruno@example.org", "chloe@example.org"]


def test_message_needs_a_subject_and_a_body(new_event, register, organiser, client_for, db):
    from portal.mail.models import OutboxMessage

    event = new_event()
    register(event, "Amina Diallo")
    _fresh(db)
    queued = db.session.query(OutboxMessage).count()
    client = client_for(organiser)

    response = client.post(f"/organisateur/evenements/{event.id}/message", data={"subject": "", "body": ""})

    assert response.status_code == 422
    assert "Indiquez l'objet." in page(response) and "Écrivez le message." in page(response)
    _fresh(db)
    assert db.session.query(OutboxMessage).count() == queued


# --- PDF ------------------------------------------------------------------------------------


def _unescape_pdf_string(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
    while i < len(raw):
        byte = raw[i]
        if byte != 0x5C:  # backslash
            out.append(byte)
            i += 1
            continue
        following = raw[i + 1]
        if following in escapes:
            out += escapes[following]
            i += 2
        elif 0x30 <= following <= 0x37:
            digits = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4]).group()
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        else:
            out.append(following)
            i += 2
    return bytes(out)


def pdf_objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number → (dictionary, decoded stream) of a PDF written without object streams, as fpdf2 writes."""
    objects = {}
    for match in re.finditer(rb"(\d+) 0 obj\n", data):
        start = match.end()
        stream_at, end_at = data.find(b"stream\n", start), data.find(b"endobj", start)
        if stream_at != -1 and stream_at < end_at:
            header = data[start:stream_at]
            length = int(re.search(rb"/Length (\d+)", header).group(1))
            stream = data[stream_at + 7:stream_at + 7 + length]
            if b"/FlateDecode" in header:
                stream = zlib.decompress(stream)
            objects[int(match.group(1))] = (header, stream)
        else:
            objects[int(match.group(1))] = (data[start:end_at], b"")
    return objects


def pdf_strings(data: bytes) -> list[str]:
    """The text runs a PDF made by fpdf2 shows, in order: embedded fonts are read back
    through their ToUnicode maps, core fonts are Latin-1."""
    objects = pdf_objects(data)
    fonts: dict[bytes, dict[int, str] | None] = {}
    for header, _stream in objects.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", header):
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(ref)][0])
            cmap = None
            if to_unicode:
                cmap = {int(src, 16): bytes.fromhex(dst.decode()).decode("utf-16-be") for src, dst in
                        re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", objects[int(to_unicode.group(1))][1])}
            fonts[name] = cmap
    runs = []
    contents = [int(n) for header, _stream in objects.values() if re.search(rb"/Type /Page\b", header)
                for n in re.findall(rb"/Contents (\d+) 0 R", header)]
    for number in contents:
        font = None
        for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", objects[number][1], re.S):
            if match.group(1):
                font = fonts[match.group(1)]
                continue
            raw = _unescape_pdf_string(match.group(2))
            if font is None:
                runs.append(raw.decode("latin-1"))
            else:
                runs.append("".join(font.get(int.from_bytes(raw[i:i + 2], "big"), "\ufffd")
                                    for i in range(0, len(raw), 2)))
    return runs


def row_numbers(runs: list[str]) -> list[str]:
    """The numbers of the table's rows (the page count of the footer is a run of its own)."""
    return [run for before, run in zip(["", *runs], runs) if run.isdigit() and not before.startswith("Page ")]


def test_attendance_sheet_is_a_pdf_with_a_row_per_registered_person(new_event, register, organiser, client_for):
    event = new_event(capacity=3, title="Atelier « Réparer ensemble » à l’Espace Molière")
    for name in ("Zoé Lefèvre", "Ahmed Benali", "Łucja Kowalska", "Nadia en attente"):
        register(event, name)
    client = client_for(organiser)

    response = client.get(f"/organisateur/evenements/{event.id}/emargement.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    day = to_paris(event.starts_at).date().isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="emargement-{day}-{event.id}.pdf"'
    data = response.get_data()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    runs = pdf_strings(data)
    text = "\n".join(runs)
    assert "Feuille d’émargement" in text
    assert "Atelier « Réparer ensemble » à l’Espace Molière" in text.replace("\n", " ")
    assert "de 18:00 à 20:00" in text and ADDRESS in text and "Association Vélo Mureaux" in text
    assert ["N°", "Nom", "Signature"] == [r for r in runs if r in ("N°", "Nom", "Signature")]
    assert row_numbers(runs) == ["1", "2", "3"]  # one numbered row per registered person
    assert [r for r in runs if r in ("Ahmed Benali", "Łucja Kowalska", "Zoé Lefèvre")] == [
        "Ahmed Benali", "Łucja Kowalska", "Zoé Lefèvre"]  # by name, accents and all
    assert "Nadia en attente" not in text  # on the waiting list
    assert "Page 1 sur 1" in "".join(runs)


def test_attendance_sheet_spans_pages_with_headings_and_page_numbers(app):
    from portal.events.attendance_sheet import SheetEvent, attendance_sheet

    names = [f"Personne {n:02d}" for n in range(1, 41)]
    with app.test_request_context():
        data = attendance_sheet(SheetEvent("Grande fête", "samedi", "Place", "Asso"), names)

    runs = pdf_strings(data)
    assert row_numbers(runs) == [str(n) for n in range(1, 41)]
    pages = int(re.search(r"Page 1 sur (\d+)", "".join(runs)).group(1))
    assert pages >= 2 and f"Page {pages} sur {pages}" in "".join(runs)
    assert runs.count("Signature") == pages  # the headings again on every page


def test_attendance_sheet_without_its_font_falls_back_to_latin_1(app):
    from portal.events.attendance_sheet import SheetEvent, attendance_sheet

    with app.test_request_context():
        data = attendance_sheet(SheetEvent("Fête de l’été — Œuvre", "samedi", "Salle", "Asso"),
                                ["Zoé Lefèvre", "王芳"], font_dirs=())

    runs = pdf_strings(data)
    assert data.startswith(b"%PDF-")
    assert "Zoé Lefèvre" in runs and "??" in runs  # Latin-1 accents kept, other scripts replaced
    assert "Fête de l'été - OEuvre" in "\n".join(runs)


# --- import ---------------------------------------------------------------------------------


def _ics(*events: str, header: str = "") -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Agenda//FR", *filter(None, [header]),
                        *events, "END:VCALENDAR", ""])
    return body.encode()


def _vevent(uid: str, *lines: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"])


def _stamp(day, hour: int = 0, minute: int = 0) -> str:
    return f"{day:%Y%m%d}T{hour:02d}{minute:02d}00"


@pytest.fixture
def calendar_file():
    """Four upcoming events (one repeating), one without place, one past — dates from today."""
    today = paris_today(_now())
    day = today + timedelta(days=10)
    weekly = today + timedelta(days=3)

    def make(*, concert_hour: int = 20) -> bytes:
        return _ics(
            _vevent("concert-1@agenda.example", f"DTSTART;TZID=Europe/Paris:{_stamp(day, concert_hour)}",
                    f"DTEND;TZID=Europe/Paris:{_stamp(day, concert_hour + 2)}", "SUMMARY:Concert de l’été",
                    "DESCRIPTION:Musiques du monde\\, entrée libre.", "LOCATION:Parc de Bècheville\\, Les Mureaux"),
            _vevent("brocante@agenda.example", f"DTSTART;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
                    f"DTEND;VALUE=DATE:{day + timedelta(days=2):%Y%m%d}", "SUMMARY:Brocante solidaire",
                    "LOCATION:Place de la Mairie"),
            _vevent("floating@agenda.example", f"DTSTART:{_stamp(day, 14, 30)}", "DURATION:PT1H30M",
                    "SUMMARY:Permanence emploi", "LOCATION:Maison des associations"),
            _vevent("tricot@agenda.example", f"DTSTART;TZID=Europe/Paris:{_stamp(weekly, 10)}",
                    f"DTEND;TZID=Europe/Paris:{_stamp(weekly, 12)}", "RRULE:FREQ=WEEKLY;COUNT=4",
                    f"EXDATE;TZID=Europe/Paris:{_stamp(weekly + timedelta(days=7), 10)}",
                    "SUMMARY:Club tricot", "LOCATION:Médiathèque"),
            _vevent("nowhere@agenda.example", f"DTSTART;TZID=Europe/Paris:{_stamp(day, 9)}",
                    f"DTEND;TZID=Europe/Paris:{_stamp(day, 10)}", "SUMMARY:Réunion sans lieu"),
            _vevent("past@agenda.example", f"DTSTART:{_stamp(today - timedelta(days=30), 9)}Z",
                    f"DTEND:{_stamp(today - timedelta(days=30), 10)}Z", "SUMMARY:Vieux souvenir", "LOCATION:Ici"),
        )

    make.day, make.weekly = day, weekly
    return make


def _upload(client, data: bytes, filename: str = "agenda.ics", theme: str = "vivre_ensemble"):
    return client.post("/organisateur/import", data={"file": (io.BytesIO(data), filename), "theme": theme},
                       content_type="multipart/form-data")


def _payload(response) -> str:
    return re.search(r'name="payload" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def _imported(db):
    from portal.events.models import Event

    _fresh(db)
    return {e.uid: e for e in db.session.query(Event).all()}


def test_import_shows_a_preview_then_creates_drafts(organiser, client_for, calendar_file, db):
    client = client_for(organiser)
    assert client.get("/organisateur/import").status_code == 200

    preview = _upload(client, calendar_file(), theme="travailler")

    assert preview.status_code == 200
    text = page(preview)
    for title in ("Concert de l’été", "Brocante solidaire", "Permanence emploi", "Club tricot", "Réunion sans lieu"):
        assert title in text
    assert "Vieux souvenir" not in text and "1 événement déjà passé n’est pas importé." in text
    assert text.count("sera créé (brouillon)") == 6  # three single events and three Tuesdays of the club
    assert "Sans lieu (LOCATION)" in text
    assert _imported(db) == {}  # nothing before the confirmation

    confirm = client.post("/organisateur/import", data={"payload": _payload(preview), "theme": "travailler"})

    assert confirm.status_code == 303 and confirm.headers["Location"].endswith("/organisateur/evenements")
    assert "Brouillons créés : 6" in page(client.get(confirm.headers["Location"]))
    events = _imported(db)
    weekly = calendar_file.weekly
    assert set(events) == {"concert-1@agenda.example", "brocante@agenda.example", "floating@agenda.example",
                           *(f"tricot@agenda.example/{weekly + timedelta(days=d):%Y%m%d}" for d in (0, 14, 21))}
    assert all(e.status.value == "draft" and e.organiser_id == organiser.id and e.theme.value == "travailler"
               for e in events.values())
    concert = events["concert-1@agenda.example"]
    assert (to_paris(concert.starts_at).date(), to_paris(concert.starts_at).time()) == (calendar_file.day, time(20))
    assert concert.address == "Parc de Bècheville, Les Mureaux" and concert.space_id is None
    assert "Musiques du monde, entrée libre." in concert.description_html
    brocante = events["brocante@agenda.example"]
    assert brocante.all_day and to_paris(brocante.starts_at).time() == time(0)
    assert to_paris(brocante.ends_at).date() == calendar_file.day + timedelta(days=2)
    floating = events["floating@agenda.example"]  # no time zone: Paris time
    assert to_paris(floating.starts_at).time() == time(14, 30) and to_paris(floating.ends_at).time() == time(16)
    for uid, event in events.items():
        if uid.startswith("tricot"):
            assert to_paris(event.starts_at).time() == time(10)  # the same hour every week, DST or not


def test_importing_the_same_file_again_creates_nothing_and_moves_changed_times(organiser, client_for,
                                                                                 calendar_file, db):
    client = client_for(organiser)
    first = _upload(client, calendar_file())
    client.post("/organisateur/import", data={"payload": _payload(first), "theme": "vivre_ensemble"})
    before = _imported(db)
    assert len(before) == 6

    same = _upload(client, calendar_file())
    assert page(same).count("existe déjà, inchangé") == 6
    assert "Rien à importer : tout est déjà à jour." in page(same)
    assert 'name="payload"' not in page(same)

    moved = _upload(client, calendar_file(concert_hour=19))
    assert page(moved).count("existe déjà : horaire mis à jour") == 1
    confirm = client.post("/organisateur/import", data={"payload": _payload(moved), "theme": "vivre_ensemble"})
    assert "mis à jour : 1 ; inchangés : 5" in page(client.get(confirm.headers["Location"]))

    after = _imported(db)
    assert set(after) == set(before)
    concert = after["concert-1@agenda.example"]
    assert to_paris(concert.starts_at).time() == time(19) and to_paris(concert.ends_at).time() == time(21)
    assert concert.id == before["concert-1@agenda.example"].id


def test_an_event_imported_by_someone_else_is_left_alone(organiser, make_user, client_for, calendar_file, db):
    other = make_user(name="Autre Organisatrice", roles=("member", "organiser"))
    theirs = client_for(other)
    theirs.post("/organisateur/import", data={"payload": _payload(_upload(theirs, calendar_file())),
                                              "theme": "vivre_ensemble"})

    preview = _upload(client_for(organiser), calendar_file(concert_hour=18))

    assert page(preview).count("Déjà importé par une autre personne.") == 6
    assert "Rien à importer" in page(preview)
    assert all(e.organiser_id == other.id for e in _imported(db).values())


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"Ceci n'est pas un agenda.", "agenda.ics", "Ce fichier n'est pas un agenda iCalendar (.ics)."),
    (b"\x89PNG\r\n\x1a\n\x00\x00BEGIN:VCALENDAR garbage", "agenda.ics", "Ce fichier n'est pas un agenda iCalendar"),
    (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "agenda.ics", "Ce fichier ne contient aucun événement."),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Sans date\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "agenda.ics",
     "Aucun événement de ce fichier n'a pu être lu"),
    (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "agenda.txt", "Choisissez un fichier .ics exporté de votre agenda."),
    (b"BEGIN:VCALENDAR\r\n" + b"X-FILL:" + b"a" * (2 * 1024 * 1024) + b"\r\nEND:VCALENDAR\r\n", "agenda.ics",
     "Le fichier dépasse 2 Mo."),
], ids=["text", "binary", "no-event", "no-start", "not-ics-extension", "too-big"])
def test_a_bad_file_gets_a_clear_message(organiser, client_for, data, filename, message):
    client = client_for(organiser)

    response = _upload(client, data, filename)

    assert response.status_code == 422
    assert message in page(response)


def test_a_missing_file_or_a_forged_preview_is_refused(organiser, make_user, client_for, calendar_file, db):
    client = client_for(organiser)
    no_file = client.post("/organisateur/import", data={"theme": "vivre_ensemble"})
    assert no_file.status_code == 422 and "Choisissez un fichier .ics" in page(no_file)

    payload = _payload(_upload(client, calendar_file()))
    forged = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    response = client.post("/organisateur/import", data={"payload": forged, "theme": "vivre_ensemble"})
    assert response.status_code == 422 and "L'aperçu a expiré ou n'est pas valable" in page(response)

    someone_else = client_for(make_user(roles=("member", "organiser")))
    stolen = someone_else.post("/organisateur/import", data={"payload": payload, "theme": "vivre_ensemble"})
    assert stolen.status_code == 422
    assert _imported(db) == {}


def test_repeating_events_expand_with_rdate_exdate_and_moved_occurrences(app):
    from portal.events.services.ics_import import parse_ics

    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    data = _ics(
        _vevent("atelier@x", "DTSTART;TZID=Europe/Paris:20260316T180000", "DTEND;TZID=Europe/Paris:20260316T200000",
                "RRULE:FREQ=WEEKLY;UNTIL=20260406T160000Z", "EXDATE;TZID=Europe/Paris:20260323T180000",
                "RDATE;TZID=Europe/Paris:20260402T180000", "SUMMARY:Atelier", "LOCATION:Salle"),
        _vevent("atelier@x", "RECURRENCE-ID;TZID=Europe/Paris:20260330T180000",
                "DTSTART;TZID=Europe/Paris:20260331T190000", "DTEND;TZID=Europe/Paris:20260331T210000",
                "SUMMARY:Atelier (décalé)", "LOCATION:Salle"),
        _vevent("daily@x", "DTSTART:20260302T090000", "DTEND:20260302T100000", "RRULE:FREQ=MINUTELY",
                "SUMMARY:Trop souvent", "LOCATION:Salle"),
    )
    with app.test_request_context():
        parsed = parse_ics(data, now=now)

    starts = {item.uid: (to_paris(item.starts_at).strftime("%Y-%m-%d %H:%M"), item.title) for item in parsed.items}
    assert starts == {
        "atelier@x/20260316": ("2026-03-16 18:00", "Atelier"),
        "atelier@x/20260330": ("2026-03-31 19:00", "Atelier (décalé)"),  # moved, still keyed by its first date
        "atelier@x/20260402": ("2026-04-02 18:00", "Atelier"),  # RDATE, after the change to summer time
        "atelier@x/20260406": ("2026-04-06 18:00", "Atelier"),  # 16:00Z is 18:00 in summer time: included
    }
    assert parsed.unreadable == 1  # every minute: not expanded


def test_an_event_cancelled_in_the_file_is_not_imported_and_flagged_once_imported(organiser, client_for, db):
    day = paris_today(_now()) + timedelta(days=12)
    lines = (f"DTSTART;TZID=Europe/Paris:{_stamp(day, 18)}", f"DTEND;TZID=Europe/Paris:{_stamp(day, 19)}",
             "SUMMARY:Pique-nique", "LOCATION:Parc du Sautour")
    client = client_for(organiser)

    cancelled = _upload(client, _ics(_vevent("pique-nique@x", *lines, "STATUS:CANCELLED")))
    assert "Annulé dans votre agenda." in page(cancelled) and "Rien à importer" in page(cancelled)

    client.post("/organisateur/import", data={"payload": _payload(_upload(client, _ics(_vevent("pique-nique@x", *lines)))),
                                              "theme": "vivre_ensemble"})
    again = _upload(client, _ics(_vevent("pique-nique@x", *lines, "STATUS:CANCELLED")))
    assert "Annulé dans votre agenda : annulez-le aussi ici si besoin." in page(again)
    assert [e.status.value for e in _imported(db).values()] == ["draft"]


# --- permissions ---------------------------------------------------------------------------

EVENT_PAGES = ["/inscriptions", "/pointage", "/inscriptions.csv", "/emargement.pdf", "/message"]


@pytest.mark.parametrize("suffix", EVENT_PAGES)
def test_event_tools_belong_to_the_events_organiser_and_staff(suffix, new_event, register, make_user, client_for,
                                                              client):
    event = new_event()
    register(event, "Amina Diallo")
    url = f"/organisateur/evenements/{event.id}{suffix}"

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    assert client_for(make_user(roles=("member",))).get(url).status_code == 403
    assert client_for(make_user(roles=("member", "organiser"))).get(url).status_code == 404
    assert client_for(make_user(roles=("member", "staff"))).get(url).status_code == 200
    assert client_for(make_user(roles=("member", "admin"))).get(url).status_code == 200


@pytest.mark.parametrize("suffix", ["/decision", "/arrivee"])
def test_registration_actions_belong_to_the_events_organiser(suffix, new_event, register, make_user, client_for,
                                                             client, db):
    event = new_event(mode="approval")
    amina = register(event, "Amina Diallo")
    url = f"/organisateur/evenements/{event.id}/inscriptions/{amina.id}{suffix}"

    assert "/connexion" in client.post(url, data={"decision": "approve"}).headers["Location"]
    assert client_for(make_user(roles=("member",))).post(url, data={"decision": "approve"}).status_code == 403
    assert client_for(make_user(roles=("member", "organiser"))).post(url, data={"decision": "approve"}).status_code == 404
    assert _statuses(db, event) == {"Amina Diallo": "pending"}


def test_import_is_for_organisers(make_user, client_for, client):
    assert "/connexion" in client.get("/organisateur/import").headers["Location"]
    assert client_for(make_user(roles=("member",))).get("/organisateur/import").status_code == 403
    assert client_for(make_user(roles=("member", "staff"))).get("/organisateur/import").status_code == 200


def test_the_event_pages_link_to_the_tools(new_event, organiser, client_for):
    event = new_event()
    client = client_for(organiser)

    assert f"/organisateur/evenements/{event.id}/inscriptions" in page(client.get(f"/organisateur/evenements/{event.id}"))
    assert "/organisateur/import" in page(client.get("/organisateur/evenements"))


def test_attendance_sheet_names_the_days_of_an_all_day_event(app, organiser, db):
    from portal.events.attendance_sheet import describe
    from portal.events.models import Theme
    from portal.events.services import events as event_service
    from portal.events.services.events import EventData

    first = paris_today(_now()) + timedelta(days=20)
    event = event_service.create_event(organiser, EventData(
        title="Week-end portes ouvertes", theme=Theme.VISITING_MEETING, all_day=True, address=ADDRESS,
        starts_at=paris_to_utc(first, time(0)), ends_at=paris_to_utc(first + timedelta(days=2), time(0))), now=_now())[0]

    with app.test_request_context():
        from flask_babel import format_date

        sheet = describe(event, place=ADDRESS)
        expected = f"du {format_date(first, 'full')} au {format_date(first + timedelta(days=1), 'full')}"

    assert sheet.when == expected
    assert sheet.organiser == "Odile Organisatrice" and sheet.place == ADDRESS
