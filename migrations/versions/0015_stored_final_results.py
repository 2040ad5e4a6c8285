"""stored final results: the scoring engine's indices of each final assessment (issue 19)

One row per dimension and one for the whole assessment (dimension_code ''), the exact
self-assessed and verified indices as text ("10/3") with their maturity levels; and each
counted indicator's verified score (numerator, denominator) for the region's means. Final
assessments made before this revision are backfilled here, through the same service the
finalization uses (`services.results.record_missing`), on the migration's own connection so
that on PostgreSQL the table and its rows commit together.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:57:46

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('dimension_code', sa.String(length=40), nullable=False),
    sa.Column('self_index', sa.Text(), nullable=True),
    sa.Column('self_level', sa.Integer(), nullable=True),
    sa.Column('verified_index', sa.Text(), nullable=True),
    sa.Column('verified_level', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_assessment_results_assessment_id_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_results')),
    sa.UniqueConstraint('assessment_id', 'dimension_code', name=op.f('uq_assessment_results_assessment_id'))
    )
    op.create_table('indicator_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=40), nullable=False),
    sa.Column('score_numerator', sa.BigInteger(), nullable=False),
    sa.Column('score_denominator', sa.BigInteger(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_indicator_results_assessment_id_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_results')),
    sa.UniqueConstraint('assessment_id', 'indicator_code', name=op.f('uq_indicator_results_assessment_id'))
    )
    _backfill()


def _backfill():
    """Score the final assessments that exist already, as `finalize` does from now on.

    The service reads assessments, answers, reviews and agencies through today's models: if a
    later migration changes those tables, move this backfill behind it (the test
    `test_migration_backfills_final_results` upgrades a database with final assessments from
    0014 and fails first).
    """
    if op.get_context().as_sql:
        return  # offline SQL script: nothing to read
    from sqlalchemy.orm import Session

    from smartcity.extensions import db
    from smartcity.services.results import record_missing

    session = Session(bind=op.get_bind())
    registry = db.session.registry
    before = registry() if registry.has() else None
    registry.set(session)  # db.session is, for the services, this connection's session
    try:
        record_missing()
    finally:
        session.close()
        if before is not None:
            registry.set(before)
        else:
            registry.clear()


def downgrade():
    op.drop_table('indicator_results')
    op.drop_table('assessment_results')
