"""Payments, credits and invoices

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 05:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_value >= 0', name=op.f('ck_document_counters_not_negative')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_document_counters'))
    )
    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('type', sa.String(length=80), nullable=False),
    sa.Column('applied_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events'))
    )
    op.create_table('payment_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('individual', 'partner_association', 'ptce_member', 'company', 'solidarity', name='bookercategory', native_enum=False, length=24), nullable=False),
    sa.Column('category_set_by_id', sa.Integer(), nullable=True),
    sa.Column('category_note', sa.String(length=300), nullable=False),
    sa.Column('document_name', sa.String(length=120), nullable=True),
    sa.Column('document_uploaded_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('stripe_customer_id', sa.String(length=80), nullable=True),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_set_by_id'], ['users.id'], name=op.f('fk_payment_profiles_category_set_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payment_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_profiles')),
    sa.UniqueConstraint('stripe_customer_id', name=op.f('uq_payment_profiles_stripe_customer_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_payment_profiles_user_id'))
    )
    op.create_table('credit_balances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('desk_day', 'room_hour', name='creditkind', native_enum=False, length=20), nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.CheckConstraint('(user_id IS NULL) <> (organisation_id IS NULL)', name=op.f('ck_credit_balances_one_owner')),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_credit_balances_never_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_credit_balances_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_credit_balances_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_balances')),
    sa.UniqueConstraint('organisation_id', 'kind', name=op.f('uq_credit_balances_organisation_id_kind')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_credit_balances_user_id_kind'))
    )
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('day_pass', 'desk_pack', 'hour_pack', 'membership', 'room_hire', 'ticket', name='productkind', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('credit_kind', sa.Enum('desk_day', 'room_hour', name='creditkind', native_enum=False, length=20), nullable=True),
    sa.Column('credit_quantity', sa.Integer(), nullable=False),
    sa.Column('vat_rate_bp', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind NOT IN ('desk_pack', 'hour_pack') OR (credit_kind IS NOT NULL AND credit_quantity > 0)", name=op.f('ck_products_pack_has_credits')),
    sa.CheckConstraint('credit_quantity >= 0', name=op.f('ck_products_credit_quantity_not_negative')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_products_name_not_empty')),
    sa.CheckConstraint('vat_rate_bp >= 0 AND vat_rate_bp <= 10000', name=op.f('ck_products_valid_vat_rate')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_products_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_products_space_id_spaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_space_id'), ['space_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('incomplete', 'active', 'past_due', 'cancelled', name='membershipstatus', native_enum=False, length=20), nullable=False),
    sa.Column('stripe_subscription_id', sa.String(length=120), nullable=True),
    sa.Column('current_period_end', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_event_at', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_memberships_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('stripe_subscription_id', name=op.f('uq_memberships_stripe_subscription_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('individual', 'partner_association', 'ptce_member', 'company', 'solidarity', name='bookercategory', native_enum=False, length=24), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('half_day_amount_cents', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_prices_amount_not_negative')),
    sa.CheckConstraint('half_day_amount_cents IS NULL OR half_day_amount_cents >= 0', name=op.f('ck_prices_half_day_amount_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_prices_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prices')),
    sa.UniqueConstraint('product_id', 'category', name=op.f('uq_prices_product_id_category'))
    )
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('category', sa.Enum('individual', 'partner_association', 'ptce_member', 'company', 'solidarity', name='bookercategory', native_enum=False, length=24), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('vat_rate_bp', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('stripe', 'cash', 'cheque', 'transfer', 'desk', name='paymentmethod', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'paid', 'failed', 'expired', 'cancelled', 'refunded', 'partially_refunded', name='paymentstatus', native_enum=False, length=24), nullable=False),
    sa.Column('hold_expires_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', portal.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('stripe_session_id', sa.String(length=120), nullable=True),
    sa.Column('stripe_payment_intent_id', sa.String(length=120), nullable=True),
    sa.Column('stripe_invoice_id', sa.String(length=120), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_payments_amount_not_negative')),
    sa.CheckConstraint('length(description) > 0', name=op.f('ck_payments_description_not_empty')),
    sa.CheckConstraint('refunded_cents >= 0 AND refunded_cents <= amount_cents', name=op.f('ck_payments_refund_within_amount')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_payments_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_payments_membership_id_memberships'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_payments_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payments_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_payments_registration_id_registrations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payments_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('stripe_invoice_id', name=op.f('uq_payments_stripe_invoice_id')),
    sa.UniqueConstraint('stripe_payment_intent_id', name=op.f('uq_payments_stripe_payment_intent_id')),
    sa.UniqueConstraint('stripe_session_id', name=op.f('uq_payments_stripe_session_id'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_hold_expires_at'), ['hold_expires_at'], unique=False)
        batch_op.create_index('ix_payments_status_hold_expires_at', ['status', 'hold_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_user_id'), ['user_id'], unique=False)

    op.create_table('accounting_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('receipt', 'credit_note', name='documentkind', native_enum=False, length=20), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('customer_email', sa.String(length=254), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('vat_rate_bp', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('issued_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('seller', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind <> 'credit_note' OR corrects_id IS NOT NULL", name=op.f('ck_accounting_documents_credit_note_corrects')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_accounting_documents_positive_amount')),
    sa.CheckConstraint('sequence > 0', name=op.f('ck_accounting_documents_positive_sequence')),
    sa.ForeignKeyConstraint(['corrects_id'], ['accounting_documents.id'], name=op.f('fk_accounting_documents_corrects_id_accounting_documents')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_accounting_documents_payment_id_payments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_accounting_documents_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounting_documents')),
    sa.UniqueConstraint('number', name=op.f('uq_accounting_documents_number')),
    sa.UniqueConstraint('sequence', name=op.f('uq_accounting_documents_sequence'))
    )
    with op.batch_alter_table('accounting_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounting_documents_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounting_documents_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounting_documents_user_id'), ['user_id'], unique=False)

    op.create_table('credit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('balance_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('balance_after >= 0', name=op.f('ck_credit_entries_balance_after_not_negative')),
    sa.CheckConstraint('delta <> 0', name=op.f('ck_credit_entries_delta_not_zero')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_credit_entries_reason_not_empty')),
    sa.ForeignKeyConstraint(['balance_id'], ['credit_balances.id'], name=op.f('fk_credit_entries_balance_id_credit_balances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_credit_entries_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_credit_entries_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_credit_entries_payment_id_payments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_entries'))
    )
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_entries_balance_id'), ['balance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_entries_booking_id'), ['booking_id'], unique=False)
    create_append_only_ledger()
    replace_no_overlap_guarantee(ACTIVE_WITH_PAYMENT)


def downgrade():
    replace_no_overlap_guarantee(ACTIVE_BEFORE)
    drop_append_only_ledger()
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_entries_booking_id'))
        batch_op.drop_index(batch_op.f('ix_credit_entries_balance_id'))

    op.drop_table('credit_entries')
    with op.batch_alter_table('accounting_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounting_documents_user_id'))
        batch_op.drop_index(batch_op.f('ix_accounting_documents_payment_id'))
        batch_op.drop_index(batch_op.f('ix_accounting_documents_issued_at'))

    op.drop_table('accounting_documents')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_user_id'))
        batch_op.drop_index('ix_payments_status_hold_expires_at')
        batch_op.drop_index(batch_op.f('ix_payments_hold_expires_at'))
        batch_op.drop_index(batch_op.f('ix_payments_booking_id'))

    op.drop_table('payments')
    op.drop_table('prices')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_space_id'))
        batch_op.drop_index(batch_op.f('ix_products_event_id'))

    op.drop_table('products')
    op.drop_table('credit_balances')
    op.drop_table('payment_profiles')
    op.drop_table('stripe_events')
    op.drop_table('document_counters')


# A booking awaiting its online payment holds its slot like a pending or confirmed one.
ACTIVE_WITH_PAYMENT = "('pending', 'confirmed', 'awaiting_payment')"
ACTIVE_BEFORE = "('pending', 'confirmed')"
OVERLAP_CONDITION = """
    b.resource_id = NEW.resource_id
    AND b.status IN {statuses}
    AND b.starts_at < NEW.ends_at
    AND NEW.starts_at < b.ends_at
"""


def replace_no_overlap_guarantee(statuses: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_no_overlap")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist "
            "(resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (status IN {statuses})"
        )
        return
    condition = OVERLAP_CONDITION.format(statuses=statuses)
    op.execute("DROP TRIGGER IF EXISTS bookings_no_overlap_insert")
    op.execute("DROP TRIGGER IF EXISTS bookings_no_overlap_update")
    op.execute(f"""
        CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
        WHEN NEW.status IN {statuses}
        BEGIN
            SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS (
                SELECT 1 FROM bookings AS b WHERE {condition});
        END
    """)
    op.execute(f"""
        CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF status, starts_at, ends_at, resource_id ON bookings
        WHEN NEW.status IN {statuses}
        BEGIN
            SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS (
                SELECT 1 FROM bookings AS b WHERE b.id <> NEW.id AND {condition});
        END
    """)


def create_append_only_ledger() -> None:
    """Ledger lines are never rewritten: a correction is a new line."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION credit_entries_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'credit_entries_append_only' USING ERRCODE = '23514';
            END $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER credit_entries_no_update BEFORE UPDATE ON credit_entries "
                   "FOR EACH ROW EXECUTE FUNCTION credit_entries_append_only()")
        return
    op.execute("""
        CREATE TRIGGER credit_entries_no_update BEFORE UPDATE ON credit_entries
        BEGIN
            SELECT RAISE(ABORT, 'credit_entries_append_only');
        END
    """)


def drop_append_only_ledger() -> None:
    op.execute("DROP TRIGGER IF EXISTS credit_entries_no_update" + (
        " ON credit_entries" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS credit_entries_append_only()")
