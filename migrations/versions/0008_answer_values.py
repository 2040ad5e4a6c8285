"""answer values for choice, checklist and number indicators

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choice', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('checked', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('number', sa.String(length=40), nullable=True))

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_choice', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('verified_checked', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('verified_number', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('verified_number')
        batch_op.drop_column('verified_checked')
        batch_op.drop_column('verified_choice')

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('number')
        batch_op.drop_column('checked')
        batch_op.drop_column('choice')
