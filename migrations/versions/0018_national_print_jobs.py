"""batch printing of a national year's award certificates (issue 20): a print job belongs to
a region's period or to a national period, and may be limited to one region

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 21:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.alter_column("period_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("national_period_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("region_code", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_print_jobs_national_period_id_national_periods"),
            "national_periods",
            ["national_period_id"],
            ["id"],
        )
        batch_op.create_index(
            "ix_print_jobs_national_period_id", ["national_period_id"], unique=False
        )


def downgrade():
    op.execute("DELETE FROM print_jobs WHERE period_id IS NULL")
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_print_jobs_national_period_id")
        batch_op.drop_constraint(
            batch_op.f("fk_print_jobs_national_period_id_national_periods"), type_="foreignkey"
        )
        batch_op.drop_column("region_code")
        batch_op.drop_column("national_period_id")
        batch_op.alter_column("period_id", existing_type=sa.Integer(), nullable=False)
