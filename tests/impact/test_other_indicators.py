"""Accompaniment, mise en relation, money and reach on a hand-built data set (the week of
conftest.py, Monday 23 – Sunday 29 March 2026, against the week before)."""
from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest

from portal.impact.builder import build_report
from portal.impact.indicators import accompaniment as acc
from portal.impact.indicators import money, network, reach
from portal.impact.periods import custom
from portal.impact.scope import Scope
from tests.impact.conftest import NOW, PREVIOUS_WEEK, WEEK, at

PERIODS = [custom(WEEK, WEEK + timedelta(days=6)), custom(PREVIOUS_WEEK, PREVIOUS_WEEK + timedelta(days=6))]
MON, TUE, WED, THU, FRI, SAT, SUN = (WEEK + timedelta(days=d) for d in range(7))


def _request(db, *, theme, stage, channel, place, needs, submitted, due, contact=None, status="new",
             closed=None, partner=None, merged_into=None, language="fr", events=()):
    from portal.accompaniment.models import ProjectRequest, RequestEvent, RequestStatus

    request = ProjectRequest(
        reference=f"PP-{secrets.token_hex(4)}", tracking_token=secrets.token_urlsafe(24), name="Porteuse",
        email=f"{secrets.token_hex(4)}@example.org", language=language, contact_channel=channel, title="Projet",
        theme=theme, stage=stage, place=place, needs=list(needs), consent_at=submitted, submitted_at=submitted,
        first_contact_due_at=due, first_contact_at=contact, status=RequestStatus(status), closed_at=closed,
        partner_id=partner.id if partner else None, status_reason="Sans suite" if status == "closed" else None,
        merged_into_id=merged_into.id if merged_into else None, created_at=submitted, updated_at=submitted)
    db.session.add(request)
    db.session.flush()
    for version, (to_status, when) in enumerate(events, start=2):
        db.session.add(RequestEvent(request_id=request.id, at=when, kind="status_changed", to_status=to_status,
                                    version=version))
    db.session.flush()
    return request


@pytest.fixture
def more(db, world):
    """Requests, volunteers, calls, introductions, organisations, payments and credits (figures below)."""
    from portal.accompaniment.models import Partner
    from portal.directory.models import (
        Introduction,
        Organisation,
        OrganisationMembership,
        Profile,
        ProfileLanguage,
    )
    from portal.payments.models import CreditBalance, CreditEntry, Payment, Price, Product
    from portal.volunteers.models import Volunteer, VolunteerAnswer, VolunteerCall

    u = world.users
    mission = Partner(name="Mission locale")
    db.session.add(mission)
    db.session.flush()
    r1 = _request(db, theme="travailler", stage="idea", channel="email", place="Cinq Quartiers",
                  needs=["funding", "space"], submitted=at(MON, 10), due=at(THU, 10), contact=at(TUE, 10),
                  status="accompanied", events=[("accompanied", at(WED, 9))])
    _request(db, theme="travailler", stage="first_steps", channel="phone", place="Les Mureaux", needs=["funding"],
             submitted=at(TUE, 9), due=at(FRI, 9), contact=at(SAT, 9), status="launched", closed=at(SUN, 12),
             language="ar", events=[("accompanied", at(THU, 9)), ("launched", at(SUN, 12))])
    _request(db, theme="vivre_ensemble", stage="idea", channel="email", place="", needs=["volunteers"],
             submitted=at(WED, 12), due=at(MON + timedelta(days=7), 12))
    _request(db, theme="visiter_rencontrer", stage="running", channel="whatsapp", place="cinq quartiers ",
             needs=[], submitted=at(THU, 10), due=at(SUN, 10), contact=at(THU, 12), status="referred",
             closed=at(FRI, 10), partner=mission, language="wo")
    _request(db, theme="travailler", stage="idea", channel="email", place="Cinq Quartiers", needs=["funding"],
             submitted=at(MON, 11), due=at(THU, 11), merged_into=r1)  # a duplicate, merged: left out
    _request(db, theme="travailler", stage="idea", channel="email", place="Les Mureaux", needs=[],
             submitted=at(PREVIOUS_WEEK + timedelta(days=2), 10), due=at(PREVIOUS_WEEK + timedelta(days=5), 10),
             contact=at(PREVIOUS_WEEK + timedelta(days=3), 10), status="closed",
             closed=at(PREVIOUS_WEEK + timedelta(days=4), 10))

    profile = Profile(kind="person", user_id=u["u1"].id, name="u1", neighbourhood="Cinq Quartiers")
    db.session.add(profile)
    db.session.flush()
    db.session.add_all([ProfileLanguage(profile_id=profile.id, code="ar"),
                        ProfileLanguage(profile_id=profile.id, code="fr")])
    db.session.add(Volunteer(user_id=u["u2"].id, neighbourhood="Les Musiciens", created_at=at(date(2026, 3, 1), 9),
                             updated_at=NOW))
    db.session.add(Volunteer(user_id=u["u6"].id, created_at=at(TUE, 9), updated_at=NOW))

    association = Organisation(name="Asso A", slug="asso-a", type="association")
    company = Organisation(name="Entreprise B", slug="entreprise-b", type="company")
    public = Organisation(name="Mairie", slug="mairie", type="public_body")
    db.session.add_all([association, company, public])
    db.session.flush()
    db.session.add(OrganisationMembership(user_id=u["u1"].id, organisation_id=association.id))

    def call(title, created, wanted, accepted, status="open", organisation=None):
        item = VolunteerCall(organiser_id=u["o1"].id, organisation_id=organisation.id if organisation else None,
                             title=title, starts_at=at(SUN, 9), ends_at=at(SUN, 12), wanted=wanted,
                             accepted_count=accepted, status=status, created_at=created, updated_at=created,
                             cancelled_at=created if status == "cancelled" else None)
        db.session.add(item)
        db.session.flush()
        return item

    c1 = call("Repas", at(MON, 9), 2, 2, status="closed")
    c2 = call("Forum", at(TUE, 9), 3, 1, organisation=company)
    call("Annulé", at(WED, 9), 2, 0, status="cancelled")
    db.session.add_all([
        VolunteerAnswer(call_id=c1.id, user_id=u["u2"].id, status="accepted", decided_at=at(WED, 9)),
        VolunteerAnswer(call_id=c1.id, user_id=u["u6"].id, status="accepted", decided_at=at(THU, 9)),
        VolunteerAnswer(call_id=c2.id, user_id=u["u7"].id, status="accepted", decided_at=at(FRI, 9)),
        VolunteerAnswer(call_id=c2.id, user_id=u["u3"].id, status="declined", decided_at=at(FRI, 9)),
    ])
    db.session.add_all([
        Introduction(first_user_id=u["u1"].id, second_user_id=u["u2"].id, created_at=at(MON, 9),
                     first_answer="accepted", second_answer="accepted", accepted_at=at(WED, 9)),
        Introduction(first_user_id=u["u3"].id, second_user_id=u["u4"].id, created_at=at(TUE, 9)),
        Introduction(first_user_id=u["u5"].id, second_user_id=u["u6"].id,
                     created_at=at(PREVIOUS_WEEK + timedelta(days=2), 9), first_answer="accepted",
                     second_answer="accepted", accepted_at=at(THU, 9)),
    ])

    day_pass = Product(kind="day_pass", name="Journée", created_at=NOW, updated_at=NOW)
    room = Product(kind="room_hire", name="Salle", created_at=NOW, updated_at=NOW)
    db.session.add_all([day_pass, room])
    db.session.flush()
    db.session.add_all([Price(product_id=day_pass.id, category="individual", amount_cents=1500),
                        Price(product_id=day_pass.id, category="solidarity", amount_cents=500),
                        Price(product_id=room.id, category="individual", amount_cents=3000)])

    def pay(user, product, category, amount, when, status="paid", refunded=0):
        payment = Payment(user_id=user.id, product_id=product.id, description="x", category=category,
                          amount_cents=amount, refunded_cents=refunded, method="cash", status=status,
                          paid_at=when if status != "pending" else None, created_at=when, updated_at=when)
        db.session.add(payment)
        db.session.flush()
        return payment

    bought = pay(u["u1"], day_pass, "individual", 1500, at(MON, 9))
    pay(u["u2"], day_pass, "solidarity", 500, at(TUE, 9))
    pay(u["u3"], room, "partner_association", 2000, at(WED, 9), status="partially_refunded", refunded=500)
    pay(u["u4"], day_pass, "individual", 1500, at(THU, 9), status="pending")
    pay(u["u1"], day_pass, "individual", 1500, at(PREVIOUS_WEEK, 9))
    desk = CreditBalance(user_id=u["u1"].id, kind="desk_day", balance=14)
    hours = CreditBalance(organisation_id=association.id, kind="room_hour", balance=20)
    db.session.add_all([desk, hours])
    db.session.flush()
    db.session.add_all([
        CreditEntry(balance_id=desk.id, delta=5, balance_after=5, reason="Budget ville", created_at=at(TUE, 9)),
        CreditEntry(balance_id=desk.id, delta=10, balance_after=15, reason="Carnet", created_at=at(TUE, 10),
                    payment_id=bought.id),  # bought, not given
        CreditEntry(balance_id=desk.id, delta=-1, balance_after=14, reason="Réservation", created_at=at(WED, 9)),
        CreditEntry(balance_id=hours.id, delta=20, balance_after=20, reason="Heures annuelles", created_at=at(WED, 9)),
    ])
    db.session.commit()
    return world


def test_requests_by_theme_stage_channel_place_and_outcome(more):
    dims = acc.by_dimension(PERIODS, Scope())
    assert dims["theme"] == {"travailler": [2, 1], "vivre_ensemble": [1, 0], "visiter_rencontrer": [1, 0]}
    assert dims["stage"] == {"idea": [2, 1], "first_steps": [1, 0], "running": [1, 0]}
    assert dims["channel"] == {"email": [2, 1], "phone": [1, 0], "whatsapp": [1, 0]}
    assert dims["place"] == {"cinq quartiers": [2, 0], "les mureaux": [1, 1], "": [1, 0]}
    assert dims["outcome"] == {"accompanied": [1, 0], "launched": [1, 0], "new": [1, 0],
                               "referred:Mission locale": [1, 0], "closed": [0, 1]}


def test_needs_are_counted_per_request(more):
    needs = acc.by_need(PERIODS, Scope(), ["funding", "space", "volunteers", "legal"])
    assert needs == {"funding": [2, 0], "space": [1, 0], "volunteers": [1, 0], "legal": [0, 0]}


def test_time_to_first_contact(more):
    contact = acc.first_contact(PERIODS, Scope())
    # Contacted after 24 h, 96 h and 2 h: the median is 24 h. Within the promise: the first and the referred one.
    assert contact["median_hours"] == [24.0, 24.0]
    assert contact["within"] == [2, 1]
    assert contact["contacted"] == [3, 1]


def test_the_funnel_and_what_changed_in_the_period(more):
    assert acc.funnel(PERIODS, Scope()) == {"received": [4, 1], "contacted": [3, 1], "accompanied": [2, 0],
                                            "launched": [1, 0]}
    assert acc.changes_in_period(PERIODS, Scope()) == {"accompanied": [2, 0], "launched": [1, 0]}


def test_volunteers_calls_and_introductions(more):
    assert network.figures(PERIODS) == {
        "pool": [2, 1], "new_volunteers": [1, 0], "calls": [2, 0], "calls_filled": [1, 0], "placements": [3, 0],
        "introductions": [2, 1], "introductions_accepted": [2, 0]}


def test_active_member_organisations_by_type(more):
    # The association's member u1 booked both weeks; the company posted a call this week; the town hall did nothing.
    assert network.active_organisations(PERIODS) == {"association": [1, 1], "company": [1, 0], "public_body": [0, 0]}


def test_revenue_reductions_and_credits_given(more):
    revenue = money.revenue(PERIODS)
    assert revenue["product"] == {"day_pass": {"cents": [2000, 1500], "count": [2, 1]},
                                  "room_hire": {"cents": [1500, 0], "count": [1, 0]}}
    assert revenue["category"]["partner_association"] == {"cents": [1500, 0], "count": [1, 0]}
    assert revenue["category"]["solidarity"] == {"cents": [500, 0], "count": [1, 0]}
    # 1,500 − 500 for the solidarity day and 3,000 − 2,000 for the association's room hour.
    assert money.reductions(PERIODS) == {"cents": [2000, 0], "count": [2, 0]}
    assert money.credits_given(PERIODS) == {"desk_day": {"person": [5, 0]}, "room_hour": {"organisation": [20, 0]},
                                            "grants": {"desk_day": [1, 0], "room_hour": [1, 0]}}
    assert money.list_prices() == {"desk_day": 1500.0, "room_hour": 3000.0}


def test_the_in_kind_contribution_is_valued_at_the_individual_price(more):
    tables = {t.key: t for _s, t in build_report(PERIODS[0], Scope(), now=NOW).tables()}
    # Reductions 20 €; 5 desk-days × 15 €; 20 room hours × 30 €.
    assert tables["in_kind"].values[0] == [[20.0], [75.0], [600.0]]


def test_neighbourhoods_and_languages_declared(more):
    people = reach.people(PERIODS, Scope())
    # Residents this week: u1 (profile: Cinq Quartiers), u2 (volunteer pool: Les Musiciens), u3 (nothing said).
    assert people["areas"]["residents"] == {"cinq quartiers": [1, 1], "les musiciens": [1, 0], "": [1, 1]}
    # Participants with an account: u1 and u5 this week; u2 the week before.
    assert people["areas"]["participants"] == {"cinq quartiers": [1, 0], "": [1, 0], "les musiciens": [0, 1]}
    assert people["areas"]["holders"] == {"cinq quartiers": [2, 0], "les mureaux": [1, 1], "": [1, 0]}
    assert people["languages"]["residents"] == {"ar": [1, 1], "fr": [1, 1]}
    assert people["languages"]["holders"] == {"fr": [2, 1], "ar": [1, 0], "wo": [1, 0]}
    assert people["totals"]["participants"] == {"unique": [2, 1], "new": [1, 1]}


def test_the_report_groups_priority_neighbourhoods_and_feeds_the_drivers(more):
    report = build_report(PERIODS[0], Scope(), now=NOW)
    tables = {table.key: table for _section, table in report.tables()}
    # Rows: priority, other, unknown; columns: residents, participants, holders.
    assert tables["reach_priority"].values[0] == [[1, 1, 2], [1, 0, 1], [1, 1, 1]]
    assert report.drivers["projects_accompanied"] == [2, 0]
    assert report.drivers["projects_launched"] == [1, 0]
    assert report.drivers["volunteer_placements"] == [3, 0]
    assert report.drivers["introductions"] == [2, 0]
    assert tables["reach_neighbourhoods"].staff_only


def test_funders_see_no_amount_or_delay_resting_on_fewer_than_five(app, more):
    from portal.impact.presenter import report_view

    with app.test_request_context():
        view = report_view(build_report(PERIODS[0], Scope(), now=NOW), funder=True)
    tables = {t.key: t for _key, _title, views in view.sections for t in views}
    revenue = tables["revenue_by_product"].periods[0]
    assert all(cell.text == "< 5" for row in revenue.rows for cell in row.cells)  # 2 and 1 payments
    assert revenue.column_totals[0].hidden  # the total would give them away
    delays = tables["first_contact"].periods[0]
    assert [row.cells[0].text for row in delays.rows] == ["< 5", "< 5"]  # 3 contacted, 4 received
    assert "reach_neighbourhoods" not in tables and "requests_by_place" not in tables  # staff only
    priority = tables["reach_priority"].periods[0]
    assert all(cell.text in ("< 5", "masqué") for row in priority.rows for cell in row.cells)
