"""Directory, volunteers, introductions and privacy

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 05:00:00

Full-text search of the directory: SQLite keeps an FTS5 index (accents removed by
the ``remove_diacritics`` tokenizer option) in step with ``directory_profiles``
through triggers; PostgreSQL keeps a generated ``search_vector`` column (French
configuration going through ``unaccent``) with a GIN index. Hidden profiles are
never indexed.
"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None




def upgrade():
    op.create_table('directory_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('category', sa.Enum('skill', 'service', 'room', 'equipment', 'other', name='tagcategory', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(label) > 0', name=op.f('ck_directory_tags_label_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_tags')),
    sa.UniqueConstraint('slug', name=op.f('uq_directory_tags_slug'))
    )
    op.create_table('introductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=True),
    sa.Column('first_user_id', sa.Integer(), nullable=True),
    sa.Column('second_user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('first_answer', sa.Enum('pending', 'accepted', 'declined', name='introductionanswer', native_enum=False, length=12), nullable=False),
    sa.Column('second_answer', sa.Enum('pending', 'accepted', 'declined', name='introductionanswer', native_enum=False, length=12), nullable=False),
    sa.Column('first_answered_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('second_answered_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("accepted_at IS NULL OR (first_answer = 'accepted' AND second_answer = 'accepted')", name=op.f('ck_introductions_accepted_by_both')),
    sa.CheckConstraint('first_user_id IS NULL OR second_user_id IS NULL OR first_user_id <> second_user_id', name=op.f('ck_introductions_two_people')),
    sa.ForeignKeyConstraint(['first_user_id'], ['users.id'], name=op.f('fk_introductions_first_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposer_id'], ['users.id'], name=op.f('fk_introductions_proposer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['second_user_id'], ['users.id'], name=op.f('fk_introductions_second_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_introductions'))
    )
    op.create_index(op.f('ix_introductions_accepted_at'), 'introductions', ['accepted_at'], unique=False)
    op.create_index(op.f('ix_introductions_first_user_id'), 'introductions', ['first_user_id'], unique=False)
    op.create_index(op.f('ix_introductions_proposer_id'), 'introductions', ['proposer_id'], unique=False)
    op.create_index(op.f('ix_introductions_second_user_id'), 'introductions', ['second_user_id'], unique=False)
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('type', sa.Enum('association', 'religious_community', 'public_body', 'company', 'academic', 'other', name='organisationtype', native_enum=False, length=24), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('verified_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_organisations_name_not_empty')),
    sa.CheckConstraint('length(slug) > 0', name=op.f('ck_organisations_slug_not_empty')),
    sa.CheckConstraint('verified = (verified_at IS NOT NULL)', name=op.f('ck_organisations_verified_has_date')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_organisations_verified_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('slug', name=op.f('uq_organisations_slug'))
    )
    op.create_table('privacy_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('export', 'deletion', name='privacyrequestkind', native_enum=False, length=12), nullable=False),
    sa.Column('requested_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('account_ref', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_requests_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_requests'))
    )
    op.create_index(op.f('ix_privacy_requests_requested_at'), 'privacy_requests', ['requested_at'], unique=False)
    op.create_index(op.f('ix_privacy_requests_user_id'), 'privacy_requests', ['user_id'], unique=False)
    op.create_table('volunteers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('neighbourhood', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteers')),
    sa.UniqueConstraint('user_id', name=op.f('uq_volunteers_user_id'))
    )
    op.create_table('directory_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('person', 'organisation', name='profilekind', native_enum=False, length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('visibility', sa.Enum('hidden', 'members', 'public', name='visibility', native_enum=False, length=12), nullable=False),
    sa.Column('consent_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('share_contact', sa.Boolean(), nullable=False),
    sa.Column('presentation', sa.Text(), nullable=False),
    sa.Column('neighbourhood', sa.String(length=120), nullable=False),
    sa.Column('town', sa.String(length=120), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('social_links', sa.Text(), nullable=False),
    sa.Column('offers_text', sa.Text(), nullable=False),
    sa.Column('needs_text', sa.Text(), nullable=False),
    sa.Column('photo', sa.String(length=200), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'person' AND user_id IS NOT NULL AND organisation_id IS NULL) OR (kind = 'organisation' AND organisation_id IS NOT NULL AND user_id IS NULL)", name=op.f('ck_directory_profiles_one_owner')),
    sa.CheckConstraint("visibility = 'hidden' OR consent_at IS NOT NULL", name=op.f('ck_directory_profiles_visible_needs_consent')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_directory_profiles_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_directory_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_profiles')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_directory_profiles_organisation_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_directory_profiles_user_id'))
    )
    op.create_index('ix_directory_profiles_visibility_name', 'directory_profiles', ['visibility', 'name'], unique=False)
    op.create_table('organisation_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('is_manager', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_memberships_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organisation_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_memberships')),
    sa.UniqueConstraint('user_id', 'organisation_id', name=op.f('uq_organisation_memberships_user_id_organisation_id'))
    )
    op.create_index(op.f('ix_organisation_memberships_organisation_id'), 'organisation_memberships', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_organisation_memberships_user_id'), 'organisation_memberships', ['user_id'], unique=False)
    op.create_table('organisation_join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'declined', name='joinstatus', native_enum=False, length=12), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_organisation_join_requests_decided_when_dated')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_organisation_join_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_join_requests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organisation_join_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_join_requests')),
    sa.UniqueConstraint('organisation_id', 'user_id', name=op.f('uq_organisation_join_requests_organisation_id_user_id'))
    )
    op.create_index(op.f('ix_organisation_join_requests_organisation_id'), 'organisation_join_requests', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_organisation_join_requests_user_id'), 'organisation_join_requests', ['user_id'], unique=False)
    op.create_table('volunteer_availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('period', sa.Enum('morning', 'afternoon', 'evening', name='period', native_enum=False, length=12), nullable=False),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_volunteer_availability_weekday_range')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_volunteer_availability_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_availability')),
    sa.UniqueConstraint('volunteer_id', 'weekday', 'period', name=op.f('uq_volunteer_availability_volunteer_id_weekday_period'))
    )
    op.create_index(op.f('ix_volunteer_availability_volunteer_id'), 'volunteer_availability', ['volunteer_id'], unique=False)
    op.create_table('volunteer_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('neighbourhood', sa.String(length=120), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('wanted', sa.Integer(), nullable=False),
    sa.Column('accepted_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', 'cancelled', name='callstatus', native_enum=False, length=12), nullable=False),
    sa.Column('cancelled_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('cancel_message', sa.Text(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('accepted_count >= 0 AND accepted_count <= wanted', name=op.f('ck_volunteer_calls_never_over_full')),
    sa.CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)", name=op.f('ck_volunteer_calls_cancelled_when_dated')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_volunteer_calls_ends_after_start')),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_volunteer_calls_title_not_empty')),
    sa.CheckConstraint('wanted > 0', name=op.f('ck_volunteer_calls_wanted_positive')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_volunteer_calls_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_volunteer_calls_organiser_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_calls'))
    )
    op.create_index(op.f('ix_volunteer_calls_organisation_id'), 'volunteer_calls', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_volunteer_calls_organiser_id'), 'volunteer_calls', ['organiser_id'], unique=False)
    op.create_index(op.f('ix_volunteer_calls_status'), 'volunteer_calls', ['status'], unique=False)
    op.create_table('volunteer_languages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_volunteer_languages_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_languages')),
    sa.UniqueConstraint('volunteer_id', 'code', name=op.f('uq_volunteer_languages_volunteer_id_code'))
    )
    op.create_index(op.f('ix_volunteer_languages_volunteer_id'), 'volunteer_languages', ['volunteer_id'], unique=False)
    op.create_table('volunteer_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['directory_tags.id'], name=op.f('fk_volunteer_skills_tag_id_directory_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_volunteer_skills_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_skills')),
    sa.UniqueConstraint('volunteer_id', 'tag_id', name=op.f('uq_volunteer_skills_volunteer_id_tag_id'))
    )
    op.create_index(op.f('ix_volunteer_skills_tag_id'), 'volunteer_skills', ['tag_id'], unique=False)
    op.create_index(op.f('ix_volunteer_skills_volunteer_id'), 'volunteer_skills', ['volunteer_id'], unique=False)
    op.create_table('directory_contact_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('profile_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('report_token', sa.String(length=64), nullable=False),
    sa.Column('reported_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('report_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['directory_profiles.id'], name=op.f('fk_directory_contact_messages_profile_id_directory_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_directory_contact_messages_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_contact_messages')),
    sa.UniqueConstraint('report_token', name=op.f('uq_directory_contact_messages_report_token'))
    )
    op.create_index(op.f('ix_directory_contact_messages_created_at'), 'directory_contact_messages', ['created_at'], unique=False)
    op.create_index(op.f('ix_directory_contact_messages_profile_id'), 'directory_contact_messages', ['profile_id'], unique=False)
    op.create_index(op.f('ix_directory_contact_messages_sender_id'), 'directory_contact_messages', ['sender_id'], unique=False)
    op.create_table('directory_profile_languages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['directory_profiles.id'], name=op.f('fk_directory_profile_languages_profile_id_directory_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_profile_languages')),
    sa.UniqueConstraint('profile_id', 'code', name=op.f('uq_directory_profile_languages_profile_id_code'))
    )
    op.create_index(op.f('ix_directory_profile_languages_code'), 'directory_profile_languages', ['code'], unique=False)
    op.create_index(op.f('ix_directory_profile_languages_profile_id'), 'directory_profile_languages', ['profile_id'], unique=False)
    op.create_table('directory_profile_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('offer', 'need', name='tagdirection', native_enum=False, length=8), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['directory_profiles.id'], name=op.f('fk_directory_profile_tags_profile_id_directory_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['directory_tags.id'], name=op.f('fk_directory_profile_tags_tag_id_directory_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_profile_tags')),
    sa.UniqueConstraint('profile_id', 'tag_id', 'direction', name=op.f('uq_directory_profile_tags_profile_id_tag_id_direction'))
    )
    op.create_index(op.f('ix_directory_profile_tags_profile_id'), 'directory_profile_tags', ['profile_id'], unique=False)
    op.create_index(op.f('ix_directory_profile_tags_tag_id'), 'directory_profile_tags', ['tag_id'], unique=False)
    op.create_table('directory_profile_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['directory_profiles.id'], name=op.f('fk_directory_profile_themes_profile_id_directory_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_profile_themes')),
    sa.UniqueConstraint('profile_id', 'theme', name=op.f('uq_directory_profile_themes_profile_id_theme'))
    )
    op.create_index(op.f('ix_directory_profile_themes_profile_id'), 'directory_profile_themes', ['profile_id'], unique=False)
    op.create_index(op.f('ix_directory_profile_themes_theme'), 'directory_profile_themes', ['theme'], unique=False)
    op.create_table('volunteer_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'declined', 'withdrawn', name='answerstatus', native_enum=False, length=12), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['volunteer_calls.id'], name=op.f('fk_volunteer_answers_call_id_volunteer_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_answers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_answers')),
    sa.UniqueConstraint('call_id', 'user_id', name=op.f('uq_volunteer_answers_call_id_user_id'))
    )
    op.create_index(op.f('ix_volunteer_answers_call_id'), 'volunteer_answers', ['call_id'], unique=False)
    op.create_index(op.f('ix_volunteer_answers_user_id'), 'volunteer_answers', ['user_id'], unique=False)
    op.create_table('volunteer_call_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['volunteer_calls.id'], name=op.f('fk_volunteer_call_skills_call_id_volunteer_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['directory_tags.id'], name=op.f('fk_volunteer_call_skills_tag_id_directory_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_call_skills')),
    sa.UniqueConstraint('call_id', 'tag_id', name=op.f('uq_volunteer_call_skills_call_id_tag_id'))
    )
    op.create_index(op.f('ix_volunteer_call_skills_call_id'), 'volunteer_call_skills', ['call_id'], unique=False)
    op.create_index(op.f('ix_volunteer_call_skills_tag_id'), 'volunteer_call_skills', ['tag_id'], unique=False)
    create_search()


def downgrade():
    drop_search()
    op.drop_index(op.f('ix_volunteer_call_skills_tag_id'), table_name='volunteer_call_skills')
    op.drop_index(op.f('ix_volunteer_call_skills_call_id'), table_name='volunteer_call_skills')
    op.drop_table('volunteer_call_skills')
    op.drop_index(op.f('ix_volunteer_answers_user_id'), table_name='volunteer_answers')
    op.drop_index(op.f('ix_volunteer_answers_call_id'), table_name='volunteer_answers')
    op.drop_table('volunteer_answers')
    op.drop_index(op.f('ix_directory_profile_themes_theme'), table_name='directory_profile_themes')
    op.drop_index(op.f('ix_directory_profile_themes_profile_id'), table_name='directory_profile_themes')
    op.drop_table('directory_profile_themes')
    op.drop_index(op.f('ix_directory_profile_tags_tag_id'), table_name='directory_profile_tags')
    op.drop_index(op.f('ix_directory_profile_tags_profile_id'), table_name='directory_profile_tags')
    op.drop_table('directory_profile_tags')
    op.drop_index(op.f('ix_directory_profile_languages_profile_id'), table_name='directory_profile_languages')
    op.drop_index(op.f('ix_directory_profile_languages_code'), table_name='directory_profile_languages')
    op.drop_table('directory_profile_languages')
    op.drop_index(op.f('ix_directory_contact_messages_sender_id'), table_name='directory_contact_messages')
    op.drop_index(op.f('ix_directory_contact_messages_profile_id'), table_name='directory_contact_messages')
    op.drop_index(op.f('ix_directory_contact_messages_created_at'), table_name='directory_contact_messages')
    op.drop_table('directory_contact_messages')
    op.drop_index(op.f('ix_volunteer_skills_volunteer_id'), table_name='volunteer_skills')
    op.drop_index(op.f('ix_volunteer_skills_tag_id'), table_name='volunteer_skills')
    op.drop_table('volunteer_skills')
    op.drop_index(op.f('ix_volunteer_languages_volunteer_id'), table_name='volunteer_languages')
    op.drop_table('volunteer_languages')
    op.drop_index(op.f('ix_volunteer_calls_status'), table_name='volunteer_calls')
    op.drop_index(op.f('ix_volunteer_calls_organiser_id'), table_name='volunteer_calls')
    op.drop_index(op.f('ix_volunteer_calls_organisation_id'), table_name='volunteer_calls')
    op.drop_table('volunteer_calls')
    op.drop_index(op.f('ix_volunteer_availability_volunteer_id'), table_name='volunteer_availability')
    op.drop_table('volunteer_availability')
    op.drop_index(op.f('ix_organisation_join_requests_user_id'), table_name='organisation_join_requests')
    op.drop_index(op.f('ix_organisation_join_requests_organisation_id'), table_name='organisation_join_requests')
    op.drop_table('organisation_join_requests')
    op.drop_index(op.f('ix_organisation_memberships_user_id'), table_name='organisation_memberships')
    op.drop_index(op.f('ix_organisation_memberships_organisation_id'), table_name='organisation_memberships')
    op.drop_table('organisation_memberships')
    op.drop_index('ix_directory_profiles_visibility_name', table_name='directory_profiles')
    op.drop_table('directory_profiles')
    op.drop_table('volunteers')
    op.drop_index(op.f('ix_privacy_requests_user_id'), table_name='privacy_requests')
    op.drop_index(op.f('ix_privacy_requests_requested_at'), table_name='privacy_requests')
    op.drop_table('privacy_requests')
    op.drop_table('organisations')
    op.drop_index(op.f('ix_introductions_second_user_id'), table_name='introductions')
    op.drop_index(op.f('ix_introductions_proposer_id'), table_name='introductions')
    op.drop_index(op.f('ix_introductions_first_user_id'), table_name='introductions')
    op.drop_index(op.f('ix_introductions_accepted_at'), table_name='introductions')
    op.drop_table('introductions')
    op.drop_table('directory_tags')


SEARCH_VECTOR = ("setweight(to_tsvector('fr_unaccent'::regconfig, name), 'A')"
                 " || setweight(to_tsvector('fr_unaccent'::regconfig, search_text), 'B')")


NAME_COPIES = (("users", "display_name", "user_id"), ("organisations", "name", "organisation_id"))


def create_search():
    if op.get_bind().dialect.name == "postgresql":
        # The profile keeps a copy of its owner's name (search and sort); the database keeps it current.
        for table, column, link in NAME_COPIES:
            op.execute(f"""
                CREATE FUNCTION {table}_name_to_profile() RETURNS trigger AS $$
                BEGIN
                    UPDATE directory_profiles SET name = NEW.{column} WHERE {link} = NEW.id;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql""")
            op.execute(f"CREATE TRIGGER {table}_name_to_profile AFTER UPDATE OF {column} ON {table}"
                       f" FOR EACH ROW EXECUTE FUNCTION {table}_name_to_profile()")
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = pg_catalog.french)")
        op.execute("ALTER TEXT SEARCH CONFIGURATION fr_unaccent"
                   " ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem")
        # Stored, so that ranking reads the vector instead of parsing the text of every hit again.
        op.execute(f"ALTER TABLE directory_profiles ADD COLUMN search_vector tsvector"
                   f" GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED")
        op.execute("CREATE INDEX directory_profiles_search ON directory_profiles USING gin (search_vector)"
                   " WHERE visibility <> 'hidden'")
        return
    for table, column, link in NAME_COPIES:
        op.execute(f"CREATE TRIGGER {table}_name_to_profile AFTER UPDATE OF {column} ON {table}"
                   f" BEGIN UPDATE directory_profiles SET name = new.{column} WHERE {link} = new.id; END")
    op.execute("CREATE VIRTUAL TABLE directory_profiles_fts USING fts5(name, search_text,"
               " content='directory_profiles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
    add = ("INSERT INTO directory_profiles_fts(rowid, name, search_text)"
           " VALUES (new.id, new.name, new.search_text);")
    remove = ("INSERT INTO directory_profiles_fts(directory_profiles_fts, rowid, name, search_text)"
              " VALUES ('delete', old.id, old.name, old.search_text);")
    op.execute("CREATE TRIGGER directory_profiles_fts_insert AFTER INSERT ON directory_profiles"
               f" WHEN new.visibility <> 'hidden' BEGIN {add} END")
    op.execute("CREATE TRIGGER directory_profiles_fts_delete AFTER DELETE ON directory_profiles"
               f" WHEN old.visibility <> 'hidden' BEGIN {remove} END")
    # One trigger, so that the old entry is always removed before the new one is added.
    op.execute("CREATE TRIGGER directory_profiles_fts_update AFTER UPDATE OF name, search_text, visibility"
               " ON directory_profiles BEGIN"
               " INSERT INTO directory_profiles_fts(directory_profiles_fts, rowid, name, search_text)"
               " SELECT 'delete', old.id, old.name, old.search_text WHERE old.visibility <> 'hidden';"
               " INSERT INTO directory_profiles_fts(rowid, name, search_text)"
               " SELECT new.id, new.name, new.search_text WHERE new.visibility <> 'hidden'; END")


def drop_search():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, _column, _link in NAME_COPIES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_name_to_profile" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_name_to_profile()")
    if postgresql:
        op.execute("DROP INDEX IF EXISTS directory_profiles_search")
        op.execute("ALTER TABLE directory_profiles DROP COLUMN IF EXISTS search_vector")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS fr_unaccent")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS directory_profiles_fts_{name}")
    op.execute("DROP TABLE IF EXISTS directory_profiles_fts")
