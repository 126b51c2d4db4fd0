"""`flask demo load` builds a plausible Les Chrysalides, and running it again adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select, text


def _row_counts(db) -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_demo_load_twice_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    db.session.rollback()
    counts = _row_counts(db)
    for table in ("users", "spaces", "events", "project_requests", "organisations", "products", "funding_lines"):
        assert counts[table] > 0, table
    assert db.session.scalar(select(func.count()).select_from(text("spaces")).where(text("kind = 'desk_area'"))) >= 1

    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    db.session.rollback()
    again = _row_counts(db)
    grown = {name: (counts[name], again[name]) for name in counts
             if again[name] != counts[name] and name not in {"outbox_messages", "job_runs"}}
    assert grown == {}
