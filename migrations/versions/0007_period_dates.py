"""period dates and deadline extensions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closes_on', sa.Date(), nullable=True))

    op.create_table(
        'period_extensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('until', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('granted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_period_extensions_agency_id_agencies')),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_period_extensions_granted_by_id_users')),
        sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_period_extensions_period_id_periods')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_period_extensions')),
        sa.UniqueConstraint('period_id', 'agency_id', name=op.f('uq_period_extensions_period_id')),
    )


def downgrade():
    op.drop_table('period_extensions')
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_column('closes_on')
        batch_op.drop_column('opens_on')
