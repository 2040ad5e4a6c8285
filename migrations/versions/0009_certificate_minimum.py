"""the lowest maturity level that earns a certificate, per period

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # NULL: the instance default (CERTIFICATE_MIN_LEVEL); 0: every final assessment
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_min_level', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_column('certificate_min_level')
