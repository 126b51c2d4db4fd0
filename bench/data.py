"""Realistic volume for the benchmark: spaces, members, a long history of bookings."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select

from portal.accounts import passwords
from portal.accounts.models import Role, User, UserRole
from portal.extensions import db
from portal.spaces.models import Booking, OpeningHours, Resource, SlotMode, Space, SpaceKind
from portal.timeutil import paris_to_utc, paris_today

CHUNK = 5000
DESK_AREAS = 4
DESKS_PER_AREA = 20
ROOMS = 20
BENCH_PASSWORD = "bench-password-chrysalides"


def create_spaces() -> list[Space]:
    spaces = []
    for index in range(DESK_AREAS + ROOMS):
        desk_area = index < DESK_AREAS
        space = Space(
            slug=f"bench-{index}", name=f"Espace {index} (banc d'essai)",
            kind=SpaceKind.DESK_AREA if desk_area else SpaceKind.MEETING_ROOM,
            capacity=DESKS_PER_AREA if desk_area else 4 + index % 12,
            slot_mode=SlotMode.HALF_DAY if desk_area else SlotMode.GRID, slot_minutes=30,
            max_days_ahead=400, max_active_bookings=1_000_000, max_duration_minutes=12 * 60,
            amenities=["wifi"] + (["screen"] if index % 2 else []), accessibility=["step_free"] if index % 3 else [],
        )
        for weekday in range(7):
            space.opening_hours.append(OpeningHours(weekday=weekday, opens_at=time(8, 0), closes_at=time(20, 0)))
        for position in range(1, (DESKS_PER_AREA if desk_area else 1) + 1):
            space.resources.append(Resource(name=f"Poste {position}" if desk_area else space.name,
                                            position=position, qr_token=secrets.token_urlsafe(12)))
        db.session.add(space)
        spaces.append(space)
    db.session.flush()
    return spaces


def create_members(count: int, now: datetime) -> list[int]:
    password_hash = passwords.hash_password(BENCH_PASSWORD)
    first_id = (db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    rows = [dict(email=f"membre{first_id + n}@bench.example", display_name=f"Membre {first_id + n}",
                 preferred_language="fr", password_hash=password_hash, email_confirmed_at=now, active=True,
                 created_at=now, updated_at=now) for n in range(count)]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(User), rows[start:start + CHUNK])
    ids = list(db.session.scalars(select(User.id).where(User.email.like("%@bench.example")).order_by(User.id)))
    roles = [dict(user_id=i, role=Role.MEMBER, granted_at=now) for i in ids[-count:]]
    for start in range(0, len(roles), CHUNK):
        db.session.execute(insert(UserRole), roles[start:start + CHUNK])
    return ids


def create_bookings(spaces: list[Space], member_ids: list[int], *, past: int, future: int, now: datetime) -> None:
    """Non-overlapping history: each resource gets one morning and one afternoon booking a day,
    going back in time; future bookings take mornings only, leaving afternoons for the load test."""
    resources = [r for s in spaces for r in s.resources]
    today = paris_today(now)
    rows = []

    def add(resource, day, start, end, status="confirmed"):
        user_id = member_ids[len(rows) % len(member_ids)]
        rows.append(dict(resource_id=resource.id, user_id=user_id, booked_by_id=user_id, title="",
                         starts_at=paris_to_utc(day, start), ends_at=paris_to_utc(day, end), status=status,
                         check_in_token=secrets.token_urlsafe(12), sequence=0, created_at=now, updated_at=now,
                         checked_in_at=paris_to_utc(day, start) if status == "confirmed" and len(rows) % 3 else None))

    day_offset = 1
    while len(rows) < past:
        day = today - timedelta(days=day_offset)
        for resource in resources:
            add(resource, day, time(8, 0), time(12, 0))
            add(resource, day, time(13, 0), time(17, 0), status="cancelled" if len(rows) % 10 == 0 else "confirmed")
            if len(rows) >= past:
                break
        day_offset += 1
    made_future = 0
    day_offset = 1
    while made_future < future:
        day = today + timedelta(days=day_offset)
        for resource in resources:
            add(resource, day, time(8, 0), time(12, 0))
            made_future += 1
            if made_future >= future:
                break
        day_offset += 1
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Booking), rows[start:start + CHUNK])


def generate(*, members: int, past: int, future: int, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    spaces = create_spaces()
    member_ids = create_members(members, now)
    create_bookings(spaces, member_ids, past=past, future=future, now=now)
    db.session.commit()
    return {"spaces": len(spaces), "members": len(member_ids), "past": past, "future": future}


def grow(*, members: int, past: int, future: int, now: datetime | None = None) -> None:
    """Add volume to an existing benchmark database (same spaces)."""
    now = now or datetime.now(UTC)
    spaces = list(db.session.scalars(select(Space).where(Space.slug.like("bench-%")).order_by(Space.id)))
    member_ids = create_members(members, now)
    db.session.execute(Booking.__table__.delete())
    create_bookings(spaces, member_ids, past=past, future=future, now=now)
    db.session.commit()


def create_events(organiser_id: int, *, upcoming: int, past: int, now: datetime | None = None) -> list[int]:
    """Published public events at outside addresses (no room needed): a year of history and
    ``upcoming`` ahead, three a day; registrations open with a large capacity."""
    from portal.events.models import Event

    now = now or datetime.now(UTC)
    today = paris_today(now)
    rows = []
    themes = ["vivre_ensemble", "travailler", "visiter_rencontrer"]
    for n in range(past + upcoming):
        offset = (n - past) // 3 + (1 if n >= past else -1)
        day = today + timedelta(days=offset)
        start = time(9 + 3 * (n % 3), 0)
        rows.append(dict(
            uid=f"bench-{n}-{secrets.token_hex(4)}@chrysalides-portal", title=f"Événement {n} (banc d'essai)",
            description_html="<p>Un événement du banc d'essai.</p>", theme=themes[n % 3], tags=["banc"],
            organiser_id=organiser_id, organisation_name="", starts_at=paris_to_utc(day, start),
            ends_at=paris_to_utc(day, time(start.hour + 2)), all_day=False, address="Les Mureaux",
            audience="public", languages=["fr"], accessibility="", capacity=100_000, seats_taken=0,
            registration_mode="free", is_free=True, price_info="", status="published", sequence=0,
            detached=False, published_at=now, created_at=now, updated_at=now))
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Event), rows[start:start + CHUNK])
    db.session.commit()
    return list(db.session.scalars(select(Event.id).where(Event.starts_at > now).order_by(Event.starts_at)))


def create_staff_token() -> str:
    """A staff account and its API token: the impact dashboard is read with it."""
    from portal.api.auth import create_token

    now = datetime.now(UTC)
    staff = User(email="equipe@staff.bench-lab.example", display_name="Équipe (banc d'essai)", preferred_language="fr",
                 password_hash=passwords.hash_password(BENCH_PASSWORD), email_confirmed_at=now, active=True,
                 created_at=now, updated_at=now)
    staff.role_links.append(UserRole(role=Role.STAFF, granted_at=now))
    db.session.add(staff)
    db.session.flush()
    _token, secret = create_token(staff, "banc d'essai (Le Lab)", now=now)
    return secret


def create_profiles(count: int, now: datetime | None = None) -> int:
    """``count`` public or members-only directory profiles (and some hidden ones) with varied words,
    tags and languages; the full-text index is filled by the database as rows arrive."""
    from portal.directory.models import Profile, ProfileLanguage, ProfileTag, Tag

    now = now or datetime.now(UTC)
    skills = ["cuisine", "traduction", "comptabilité", "jardinage", "informatique", "couture"]
    places = ["Les Musiciens", "Cité Renault", "Bécheville", "Centre-ville", "Cinq Quartiers"]
    languages = ["ar", "pt", "wo", "tr", "en", "es"]
    tags = {}
    for label in skills:
        tag = db.session.scalar(select(Tag).where(Tag.slug == label)) or Tag(label=label.capitalize(), slug=label,
                                                                              created_at=now)
        db.session.add(tag)
        tags[label] = tag
    db.session.flush()
    user_ids = create_members(count, now)[-count:]
    rows = []
    for n, user_id in enumerate(user_ids):
        skill, place = skills[n % len(skills)], places[n % len(places)]
        rows.append(dict(kind="person", user_id=user_id, name=f"Membre {user_id}",
                         visibility=("public", "members", "public", "hidden")[n % 4],
                         consent_at=None if n % 4 == 3 else now, share_contact=False,
                         presentation=f"Je propose de la {skill} aux associations du quartier {place}.",
                         neighbourhood=place, town="Les Mureaux", website="", social_links="", offers_text="",
                         needs_text="", search_text=f"{skill} {place} {languages[n % len(languages)]}",
                         created_at=now, updated_at=now))
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Profile), rows[start:start + CHUNK])
    profiles = list(db.session.execute(select(Profile.id, Profile.user_id).where(Profile.user_id.in_(user_ids))))
    links = [dict(profile_id=pid, tag_id=tags[skills[n % len(skills)]].id, direction="offer")
             for n, (pid, _uid) in enumerate(profiles)]
    spoken = [dict(profile_id=pid, code=languages[n % len(languages)]) for n, (pid, _uid) in enumerate(profiles)]
    for start in range(0, len(links), CHUNK):
        db.session.execute(insert(ProfileTag), links[start:start + CHUNK])
        db.session.execute(insert(ProfileLanguage), spoken[start:start + CHUNK])
    db.session.commit()
    return len(rows)
