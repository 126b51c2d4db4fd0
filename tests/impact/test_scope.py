"""Funding-line scope: the funder's report holds what its grant covers and nothing else."""
from __future__ import annotations

from datetime import date, timedelta

from portal.impact import services
from portal.impact.builder import build_report
from portal.impact.periods import custom
from portal.impact.scope import Scope
from tests.impact.conftest import NOW, WEEK

WEEK_PERIOD = custom(WEEK, WEEK + timedelta(days=6))


def _line(db, world, **overrides):
    data = dict(funder="Fondation Emploi", name="Forum et salle", description="", amount_cents=1_000_000,
                starts_on=date(2026, 3, 20), ends_on=date(2026, 3, 31), themes=["travailler"], tags=[],
                space_ids=[world.spaces["B"].id], needs=[], active=True)
    data.update(overrides)
    line = services.save_line(None, services.LineData(**data))
    db.session.commit()
    return line


def _tables(report):
    return {table.key: table for _section, table in report.tables()}


def test_only_the_themes_spaces_and_dates_of_the_line_are_counted(db, world):
    line = _line(db, world)
    tables = _tables(build_report(WEEK_PERIOD, Scope(line), now=NOW))
    themes = [k for k, _label in tables["events_by_theme"].columns]
    events = dict(zip(themes, tables["events_by_theme"].values[0][0], strict=True))
    assert events == {"vivre_ensemble": 0, "travailler": 1, "visiter_rencontrer": 0}
    registrations = dict(zip(themes, tables["events_by_theme"].values[0][2], strict=True))
    assert registrations == {"vivre_ensemble": 0, "travailler": 3, "visiter_rencontrer": 0}
    occupancy = {key: values for (key, _label), values in
                 zip(tables["occupancy_by_space"].rows, tables["occupancy_by_space"].values[0], strict=True)}
    assert set(occupancy) == {str(world.spaces["B"].id)}  # the coworking is not covered
    assert occupancy[str(world.spaces["B"].id)][1] == 8.0
    # The week before is cut to the line’s dates (Friday 20 to Sunday 22 March): only b9’s last hour.
    previous = tables["occupancy_by_space"].values[1]
    assert previous == [[36.0, 1.0, 2.8]]  # 3 days × 12 h open
    # u2 and u3 booked the room; both are new to what the line covers (u2 came before, to the coworking).
    assert tables["residents"].values[0] == [[2], [0]]


def test_items_linked_by_hand_join_the_scope(db, world):
    line = _line(db, world)
    services.link_item(line, "event", world.events["E1"].id)
    services.link_item(line, "booking", world.bookings["b1"].id)
    db.session.commit()
    tables = _tables(build_report(WEEK_PERIOD, Scope(line), now=NOW))
    themes = [k for k, _label in tables["events_by_theme"].columns]
    events = dict(zip(themes, tables["events_by_theme"].values[0][0], strict=True))
    assert events == {"vivre_ensemble": 1, "travailler": 1, "visiter_rencontrer": 0}
    booked = {key: values[1] for (key, _label), values in
              zip(tables["occupancy_by_space"].rows, tables["occupancy_by_space"].values[0], strict=True)}
    assert booked == {str(world.spaces["A"].id): 8.0, str(world.spaces["B"].id): 8.0}


def test_a_line_with_no_criteria_covers_only_its_links(db, world):
    line = _line(db, world, themes=[], space_ids=[])
    report = build_report(WEEK_PERIOD, Scope(line), now=NOW)
    assert all(v == 0 for _s, t in report.tables() if t.unit == "count" for period in t.values
               for row in period for v in row)


def test_tags_match_events_on_both_databases(db, world):
    line = _line(db, world, themes=[], space_ids=[], tags=["cuisine"])
    tables = _tables(build_report(WEEK_PERIOD, Scope(line), now=NOW))
    assert tables["events_by_theme"].values[0][0] == [1, 0, 0]  # the shared meal only


def test_mise_en_relation_and_money_stay_out_of_a_funding_line(db, world):
    line = _line(db, world)
    keys = {section.key for section in build_report(WEEK_PERIOD, Scope(line), now=NOW).sections}
    assert "network" not in keys and "money" not in keys
    everything = {section.key for section in build_report(WEEK_PERIOD, Scope(), now=NOW).sections}
    assert {"network", "money"} <= everything
