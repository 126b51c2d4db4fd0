"""Every column of every table is classified in portal/privacy/retention.py: personal (with a rule) or not.

A new table or column added to the models without being listed there fails here,
so personal data cannot slip in without a retention rule.
"""
from __future__ import annotations

import sqlalchemy as sa

from portal.privacy.retention import TABLES


def test_every_table_and_column_is_classified(db):
    missing, unknown, both, no_rule = [], [], [], []
    for table in db.metadata.sorted_tables:
        rule = TABLES.get(table.name)
        if rule is None:
            missing.append(f"{table.name} (table)")
            continue
        columns = {c.name for c in table.columns}
        for column in sorted(columns - set(rule.personal) - rule.other):
            missing.append(f"{table.name}.{column}")
        unknown += [f"{table.name}.{c}" for c in sorted((set(rule.personal) | rule.other) - columns)]
        both += [f"{table.name}.{c}" for c in sorted(set(rule.personal) & rule.other)]
        no_rule += [f"{table.name}.{c}" for c, text in rule.personal.items() if not str(text).strip()]
    assert not missing, ("Classify these in portal/privacy/retention.py (personal with a retention rule, "
                         "or other):\n" + "\n".join(missing))
    assert not unknown, "No such column any more; remove from retention.py:\n" + "\n".join(unknown)
    assert not both, "Personal and not personal at once:\n" + "\n".join(both)
    assert not no_rule, "A personal column needs its retention rule:\n" + "\n".join(no_rule)
    stale = set(TABLES) - set(db.metadata.tables)
    assert not stale, f"retention.py lists tables that do not exist: {sorted(stale)}"


def test_rules_are_coherent(db):
    for name, rule in TABLES.items():
        table = db.metadata.tables[name]
        assert rule.on_delete in ("delete", "anonymise", "account", "hook", "keep", "none"), name
        assert rule.secret <= set(rule.personal), f"{name}: a secret column is personal data"
        assert set(rule.anonymised) <= set(rule.personal), f"{name}: only personal columns are anonymised"
        if rule.personal and any(not c.foreign_keys or c.name in rule.anonymised for c in
                                 (table.c[n] for n in rule.personal)) and rule.on_delete == "none":
            assert rule.subject is None or name == "privacy_requests", f"{name}: say what deletion does"
        if rule.subject is not None:
            # the condition is valid SQL on this database
            db.session.execute(sa.select(sa.func.count()).select_from(table).where(
                sa.text(rule.subject).bindparams(**{k: v for k, v in {"user_id": 0, "email": "x"}.items()
                                                    if f":{k}" in rule.subject})))
        # a table whose rows are about people says how to find them
        links_to_users = [c for c in table.columns if any(fk.column.table.name == "users" for fk in c.foreign_keys)]
        if links_to_users and name not in ("organisations",):
            assert rule.subject is not None, f"{name} points to users but has no subject for export/deletion"
