"""One payment for the occurrences of a recurring booking

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 08:15:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_bookings',
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payment_bookings_positive_share')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_payment_bookings_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_bookings_payment_id_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('payment_id', 'booking_id', name=op.f('pk_payment_bookings')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_payment_bookings_booking_id'))
    )


def downgrade():
    op.drop_table('payment_bookings')
