"""Impact reporting (Le Lab)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funding_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('funder', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('space_ids', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_funding_lines_valid_range')),
    sa.CheckConstraint('length(funder) > 0', name=op.f('ck_funding_lines_funder_not_empty')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_funding_lines_name_not_empty')),
    sa.CheckConstraint('amount_cents IS NULL OR amount_cents >= 0', name=op.f('ck_funding_lines_amount_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_lines'))
    )
    op.create_table('avoided_cost_assumptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('driver', sa.Enum('desk_days', 'room_hours', 'event_attendances', 'participants', 'projects_accompanied',
                                'projects_launched', 'volunteer_placements', 'introductions', name='costdriver',
                                native_enum=False, length=40), nullable=False),
    sa.Column('unit_cost_cents', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(label) > 0', name=op.f('ck_avoided_cost_assumptions_label_not_empty')),
    sa.CheckConstraint('length(source) > 0', name=op.f('ck_avoided_cost_assumptions_source_not_empty')),
    sa.CheckConstraint('unit_cost_cents >= 0', name=op.f('ck_avoided_cost_assumptions_cost_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_avoided_cost_assumptions'))
    )
    for table, column, target in (('funding_line_events', 'event_id', 'events'),
                                  ('funding_line_bookings', 'booking_id', 'bookings'),
                                  ('funding_line_requests', 'request_id', 'project_requests')):
        op.create_table(table,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('funding_line_id', sa.Integer(), nullable=False),
        sa.Column(column, sa.Integer(), nullable=False),
        sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['funding_line_id'], ['funding_lines.id'],
                                name=op.f(f'fk_{table}_funding_line_id_funding_lines'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint('funding_line_id', column, name=op.f(f'uq_{table}_funding_line_id_{column}'))
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)

    op.create_table('funding_line_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('funding_line_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['funding_line_id'], ['funding_lines.id'],
                            name=op.f('fk_funding_line_partners_funding_line_id_funding_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_funding_line_partners_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_line_partners')),
    sa.UniqueConstraint('funding_line_id', 'user_id', name=op.f('uq_funding_line_partners_funding_line_id_user_id'))
    )
    with op.batch_alter_table('funding_line_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_line_partners_user_id'), ['user_id'], unique=False)

    op.create_table('report_share_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('funding_line_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('period_kind', sa.String(length=10), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('expires_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_on > starts_on', name=op.f('ck_report_share_links_valid_range')),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_report_share_links_expires_after_creation')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_share_links_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['funding_line_id'], ['funding_lines.id'],
                            name=op.f('fk_report_share_links_funding_line_id_funding_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_share_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_report_share_links_token_hash'))
    )
    with op.batch_alter_table('report_share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_share_links_funding_line_id'), ['funding_line_id'], unique=False)
    # The admin access journal (accompaniment) reads the log newest first, optionally for one person.
    with op.batch_alter_table('project_request_access_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_request_access_logs_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_request_access_logs_user_id'), ['user_id'], unique=False)
    # user_roles.role is a VARCHAR(20) without a CHECK of its values (non-native enum), so the
    # new 'partner' role needs no change to that table.


def downgrade():
    with op.batch_alter_table('project_request_access_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_request_access_logs_user_id'))
        batch_op.drop_index(batch_op.f('ix_project_request_access_logs_at'))
    op.execute("DELETE FROM user_roles WHERE role = 'partner'")
    op.drop_table('report_share_links')
    op.drop_table('funding_line_partners')
    for table in ('funding_line_requests', 'funding_line_bookings', 'funding_line_events'):
        op.drop_table(table)
    op.drop_table('avoided_cost_assumptions')
    op.drop_table('funding_lines')
