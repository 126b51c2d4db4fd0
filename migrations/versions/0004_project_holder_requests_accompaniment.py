"""Project-holder requests (accompaniment)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 05:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# A request's status never changes without the timeline event that records it
# (kind status_changed, carrying the new status and the version it produces).
TRIGGER = "project_requests_status_needs_event"
MISSING_EVENT = "NOT EXISTS (SELECT 1 FROM project_request_events e WHERE e.request_id = NEW.id " \
                "AND e.kind = 'status_changed' AND e.to_status = NEW.status AND e.version = NEW.version)"
MESSAGE = "project request status changed without a timeline event"


def _create_trigger():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.status <> OLD.status AND {MISSING_EVENT} THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23514';
                END IF;
                RETURN NEW;
            END $$""")
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF status ON project_requests "
                   f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()")
    else:
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF status ON project_requests "
                   f"WHEN NEW.status <> OLD.status AND {MISSING_EVENT} "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def _drop_trigger():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON project_requests")
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")


def upgrade():
    op.create_table('accompaniment_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('token_prefix', sa.String(length=12), nullable=True),
    sa.Column('token_created_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_accompaniment_partners_name_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accompaniment_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_accompaniment_partners_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_accompaniment_partners_token_hash'))
    )
    op.create_table('accompaniment_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_contact_days', sa.Integer(), nullable=False),
    sa.Column('retention_months', sa.Integer(), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_contact_days >= 1 AND first_contact_days <= 30', name=op.f('ck_accompaniment_settings_valid_first_contact_days')),
    sa.CheckConstraint('id = 1', name=op.f('ck_accompaniment_settings_single_row')),
    sa.CheckConstraint('retention_months >= 1 AND retention_months <= 120', name=op.f('ck_accompaniment_settings_valid_retention_months')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accompaniment_settings'))
    )
    op.create_table('accompaniment_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_accompaniment_teams_name_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accompaniment_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_accompaniment_teams_name'))
    )
    op.create_table('project_request_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_request_drafts')),
    sa.UniqueConstraint('token', name=op.f('uq_project_request_drafts_token'))
    )
    with op.batch_alter_table('project_request_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_request_drafts_updated_at'), ['updated_at'], unique=False)

    op.create_table('accompaniment_routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=24), nullable=True),
    sa.Column('need', sa.String(length=24), nullable=True),
    sa.Column('stage', sa.String(length=24), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(team_id IS NULL) <> (user_id IS NULL)', name=op.f('ck_accompaniment_routing_rules_one_target')),
    sa.ForeignKeyConstraint(['team_id'], ['accompaniment_teams.id'], name=op.f('fk_accompaniment_routing_rules_team_id_accompaniment_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_accompaniment_routing_rules_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accompaniment_routing_rules'))
    )
    with op.batch_alter_table('accompaniment_routing_rules', schema=None) as batch_op:
        batch_op.create_index('ix_accompaniment_routing_rules_active_position', ['active', 'position'], unique=False)

    op.create_table('accompaniment_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['accompaniment_teams.id'], name=op.f('fk_accompaniment_team_members_team_id_accompaniment_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_accompaniment_team_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accompaniment_team_members')),
    sa.UniqueConstraint('team_id', 'user_id', name=op.f('uq_accompaniment_team_members_team_id_user_id'))
    )
    with op.batch_alter_table('accompaniment_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accompaniment_team_members_user_id'), ['user_id'], unique=False)

    op.create_table('project_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('tracking_token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('phone_digits', sa.String(length=20), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('contact_channel', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('theme', sa.String(length=24), nullable=False),
    sa.Column('stage', sa.String(length=24), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('needs_other', sa.String(length=300), nullable=False),
    sa.Column('heard_from', sa.String(length=24), nullable=False),
    sa.Column('consent_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_partner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('new', 'qualifying', 'accompanied', 'waiting', 'launched', 'referred', 'closed', name='requeststatus', native_enum=False, length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('first_contact_due_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('first_contact_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('holder_waiting_since', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('anonymised_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'closed' OR (status_reason IS NOT NULL AND length(status_reason) > 0)", name=op.f('ck_project_requests_closing_reason_not_empty')),
    sa.CheckConstraint("status <> 'referred' OR partner_id IS NOT NULL OR anonymised_at IS NOT NULL", name=op.f('ck_project_requests_referral_names_partner')),
    sa.CheckConstraint("status NOT IN ('launched', 'referred', 'closed') OR closed_at IS NOT NULL", name=op.f('ck_project_requests_final_has_closed_at')),
    sa.CheckConstraint('email IS NOT NULL OR phone IS NOT NULL OR anonymised_at IS NOT NULL', name=op.f('ck_project_requests_reachable')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_project_requests_positive_version')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_project_requests_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['project_requests.id'], name=op.f('fk_project_requests_merged_into_id_project_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['accompaniment_partners.id'], name=op.f('fk_project_requests_partner_id_accompaniment_partners'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_partner_id'], ['accompaniment_partners.id'], name=op.f('fk_project_requests_source_partner_id_accompaniment_partners'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['accompaniment_teams.id'], name=op.f('fk_project_requests_team_id_accompaniment_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_project_requests_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_requests')),
    sa.UniqueConstraint('reference', name=op.f('uq_project_requests_reference')),
    sa.UniqueConstraint('tracking_token', name=op.f('uq_project_requests_tracking_token'))
    )
    with op.batch_alter_table('project_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_requests_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_requests_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_requests_phone_digits'), ['phone_digits'], unique=False)
        batch_op.create_index('ix_project_requests_status_due', ['status', 'first_contact_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_requests_user_id'), ['user_id'], unique=False)

    op.create_table('project_request_access_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['project_requests.id'], name=op.f('fk_project_request_access_logs_request_id_project_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_project_request_access_logs_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_request_access_logs'))
    )
    with op.batch_alter_table('project_request_access_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_request_access_logs_request_id'), ['request_id'], unique=False)

    op.create_table('project_request_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('submitted', 'assigned', 'status_changed', 'note', 'message_to_holder', 'message_from_holder', 'email_sent', 'merged', 'data_exported', 'anonymised', name='eventkind', native_enum=False, length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=160), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.CheckConstraint("kind <> 'status_changed' OR (to_status IS NOT NULL AND version IS NOT NULL)", name=op.f('ck_project_request_events_status_change_complete')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_project_request_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['project_requests.id'], name=op.f('fk_project_request_events_request_id_project_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_request_events')),
    sa.UniqueConstraint('request_id', 'version', name=op.f('uq_project_request_events_request_id_version'))
    )
    with op.batch_alter_table('project_request_events', schema=None) as batch_op:
        batch_op.create_index('ix_project_request_events_request_id_at', ['request_id', 'at'], unique=False)

    _create_trigger()


def downgrade():
    _drop_trigger()
    with op.batch_alter_table('project_request_events', schema=None) as batch_op:
        batch_op.drop_index('ix_project_request_events_request_id_at')

    op.drop_table('project_request_events')
    with op.batch_alter_table('project_request_access_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_request_access_logs_request_id'))

    op.drop_table('project_request_access_logs')
    with op.batch_alter_table('project_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_requests_user_id'))
        batch_op.drop_index('ix_project_requests_status_due')
        batch_op.drop_index(batch_op.f('ix_project_requests_phone_digits'))
        batch_op.drop_index(batch_op.f('ix_project_requests_email'))
        batch_op.drop_index(batch_op.f('ix_project_requests_assignee_id'))

    op.drop_table('project_requests')
    with op.batch_alter_table('accompaniment_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accompaniment_team_members_user_id'))

    op.drop_table('accompaniment_team_members')
    with op.batch_alter_table('accompaniment_routing_rules', schema=None) as batch_op:
        batch_op.drop_index('ix_accompaniment_routing_rules_active_position')

    op.drop_table('accompaniment_routing_rules')
    with op.batch_alter_table('project_request_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_request_drafts_updated_at'))

    op.drop_table('project_request_drafts')
    op.drop_table('accompaniment_teams')
    op.drop_table('accompaniment_settings')
    op.drop_table('accompaniment_partners')
