"""evidence uploads sent at once: the browser's id of each upload (issue 15)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # a file sent again after a lost reply finds its row instead of making a second one
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upload_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            'uq_evidence_upload_key', ['assessment_id', 'upload_key']
        )


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint('uq_evidence_upload_key', type_='unique')
        batch_op.drop_column('upload_key')
