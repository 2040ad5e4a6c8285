"""stored final results: the scoring engine's indices of each final assessment (issue 19)

One row per dimension and one for the whole assessment (dimension_code ''), the exact
self-assessed and verified indices as text ("10/3") with their maturity levels; and each
counted indicator's verified score (numerator, denominator) for the region's means. Final
assessments made before this revision are backfilled by revision 0016, through the same
service the finalization uses (`services.results.record_missing`): the service reads today's
models, whose region columns 0016 adds.

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
    # the final assessments already made are scored in 0016, once the models' columns exist


def downgrade():
    op.drop_table('indicator_results')
    op.drop_table('assessment_results')
