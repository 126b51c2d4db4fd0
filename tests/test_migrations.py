"""The migrations build exactly the schema the models describe, and undo it.

Runs on the database type of the current pass (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one), in a brand-new database of its own.
"""
from __future__ import annotations

import os
import pprint

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests import support
from tests.conftest import ROOT, make_app

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def empty_database_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        url = support.create_pg_database(base)
        yield url
        support.drop_pg_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture
def migration_app(empty_database_url):
    from portal.extensions import db

    app = make_app(empty_database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences(app) -> list:
    """What `flask db migrate` would write, with the options env.py gives Alembic."""
    from portal.extensions import db

    options = {"compare_type": True, **app.extensions["migrate"].configure_args}
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        return compare_metadata(context, db.metadata)


def tables(app) -> set[str]:
    from portal.extensions import db

    return set(sa.inspect(db.engine).get_table_names())


def check_constraints(app) -> set[tuple[str, str]]:
    """Named CHECK constraints in the database (Alembic's comparison does not look at them)."""
    from portal.extensions import db

    inspector = sa.inspect(db.engine)
    return {(table, check["name"]) for table in tables(app) for check in inspector.get_check_constraints(table)
            if check.get("name")}


def model_check_constraints() -> set[tuple[str, str]]:
    from portal.extensions import db

    return {(table.name, str(constraint.name)) for table in db.metadata.tables.values()
            for constraint in table.constraints if isinstance(constraint, sa.CheckConstraint)}


def assert_models_match(app) -> None:
    diff = schema_differences(app)
    assert diff == [], "the migrations and the models disagree:\n" + pprint.pformat(diff)
    assert check_constraints(app) == model_check_constraints()


def test_upgrade_matches_the_models_and_downgrade_removes_everything(migration_app):
    from portal.extensions import db

    upgrade(directory=MIGRATIONS)
    assert set(db.metadata.tables) <= tables(migration_app)
    assert_models_match(migration_app)

    downgrade(directory=MIGRATIONS, revision="base")
    assert tables(migration_app) <= {"alembic_version"}

    upgrade(directory=MIGRATIONS)
    assert_models_match(migration_app)


def test_the_comparison_sees_a_column_the_migrations_lack(migration_app):
    """Control: a model change without its migration must show up as a difference."""
    from portal.extensions import db

    upgrade(directory=MIGRATIONS)
    users = db.metadata.tables["users"]
    column = sa.Column("nickname", sa.String(40), nullable=True)
    users.append_column(column)
    try:
        diff = schema_differences(migration_app)
    finally:
        users._columns.remove(column)
    assert [entry[0] for entry in diff] == ["add_column"]
    assert diff[0][3].name == "nickname"
    assert schema_differences(migration_app) == []
