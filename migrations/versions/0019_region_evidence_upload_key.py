"""a region's evidence sent at once, as an agency's: the browser's id of each upload

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    # a file sent again after a lost reply finds its row instead of making a second one
    with op.batch_alter_table("region_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_region_evidence_upload_key", ["submission_id", "upload_key"]
        )


def downgrade():
    with op.batch_alter_table("region_evidence", schema=None) as batch_op:
        batch_op.drop_constraint("uq_region_evidence_upload_key", type_="unique")
        batch_op.drop_column("upload_key")
