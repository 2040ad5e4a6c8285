"""the ministry's evaluation of regions (issue 20): national periods, each region's
submission (answers, reviews, evidence, master plan programmes and quick wins), the ministry
evaluator of each region and the results stored at finalization

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 19:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "national_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finalized_at", sa.DateTime(), nullable=True),
        sa.Column("finalized_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["finalized_by_id"],
            ["users.id"],
            name=op.f("fk_national_periods_finalized_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_version_id"],
            ["instrument_versions.id"],
            name=op.f("fk_national_periods_instrument_version_id_instrument_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_periods")),
        sa.UniqueConstraint("year", name=op.f("uq_national_periods_year")),
    )
    op.create_table(
        "region_evaluator_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_period_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_region_evaluator_assignments_assigned_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluator_id"],
            ["users.id"],
            name=op.f("fk_region_evaluator_assignments_evaluator_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["national_period_id"],
            ["national_periods.id"],
            name=op.f("fk_region_evaluator_assignments_national_period_id_national_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_region_evaluator_assignments_region_id_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_evaluator_assignments")),
        sa.UniqueConstraint(
            "national_period_id",
            "region_id",
            name=op.f("uq_region_evaluator_assignments_national_period_id"),
        ),
    )
    op.create_table(
        "region_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_period_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("agencies_year", sa.Integer(), nullable=True),
        sa.Column("agencies_attachment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_region_submissions_approved_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["national_period_id"],
            ["national_periods.id"],
            name=op.f("fk_region_submissions_national_period_id_national_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_region_submissions_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_submissions")),
        sa.UniqueConstraint(
            "national_period_id", "region_id", name=op.f("uq_region_submissions_national_period_id")
        ),
    )
    op.create_table(
        "region_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("not_applicable", sa.Boolean(), nullable=False),
        sa.Column("choice", sa.String(length=40), nullable=True),
        sa.Column("checked", sa.Text(), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["region_submissions.id"],
            name=op.f("fk_region_answers_submission_id_region_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_region_answers_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_answers")),
        sa.UniqueConstraint(
            "submission_id", "indicator_code", name=op.f("uq_region_answers_submission_id")
        ),
    )
    op.create_table(
        "region_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["users.id"], name=op.f("fk_region_evidence_deleted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["region_submissions.id"],
            name=op.f("fk_region_evidence_submission_id_region_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_region_evidence_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_evidence")),
    )
    with op.batch_alter_table("region_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_region_evidence_submission_id", ["submission_id"], unique=False)

    op.create_table(
        "region_programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("pillar", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("years", sa.String(length=40), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["region_submissions.id"],
            name=op.f("fk_region_programmes_submission_id_region_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_region_programmes_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_programmes")),
    )
    op.create_table(
        "region_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("index", sa.Text(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["region_submissions.id"],
            name=op.f("fk_region_results_submission_id_region_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_results")),
        sa.UniqueConstraint(
            "submission_id", "kind", "code", name=op.f("uq_region_results_submission_id")
        ),
    )
    op.create_table(
        "region_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("verified_level", sa.Integer(), nullable=True),
        sa.Column("verified_not_applicable", sa.Boolean(), nullable=False),
        sa.Column("verified_choice", sa.String(length=40), nullable=True),
        sa.Column("verified_checked", sa.Text(), nullable=True),
        sa.Column("verified_number", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["region_submissions.id"],
            name=op.f("fk_region_reviews_submission_id_region_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_region_reviews_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_reviews")),
        sa.UniqueConstraint(
            "submission_id", "indicator_code", name=op.f("uq_region_reviews_submission_id")
        ),
    )


def downgrade():
    op.drop_table("region_reviews")
    op.drop_table("region_results")
    op.drop_table("region_programmes")
    with op.batch_alter_table("region_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_region_evidence_submission_id")

    op.drop_table("region_evidence")
    op.drop_table("region_answers")
    op.drop_table("region_submissions")
    op.drop_table("region_evaluator_assignments")
    op.drop_table("national_periods")
