"""agency heads, the Tim Pelaksana and its stages (issue 16)

Operators and heads (existing agency users become operators), the head's approvals, a
period's team with its members and their agencies, interviews and site visits, the data of
the Berita Acara, and achievements, obstacles and follow-up actions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_role', sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column('nip', sa.String(length=18), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('rank', sa.String(length=100), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('position', sa.String(length=200), server_default='', nullable=False)
        )
    # every agency user so far filled in and submitted: an operator from now on
    op.execute("UPDATE users SET agency_role = 'operator' WHERE role = 'agency'")

    op.create_table(
        'assessment_approvals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('nip', sa.String(length=18), nullable=False),
        sa.Column('rank', sa.String(length=100), nullable=False),
        sa.Column('position', sa.String(length=200), nullable=False),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'],
            ['assessments.id'],
        ),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('assessment_approvals', schema=None) as batch_op:
        batch_op.create_index(
            'ix_assessment_approvals_assessment_id', ['assessment_id'], unique=False
        )

    op.create_table(
        'period_teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('decree_number', sa.String(length=100), nullable=False),
        sa.Column('decree_date', sa.Date(), nullable=True),
        sa.Column('interview_required', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('chair_absent', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('chair_absent_note', sa.Text(), server_default='', nullable=False),
        sa.ForeignKeyConstraint(
            ['period_id'],
            ['periods.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id'),
    )

    op.create_table(
        'team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('nip', sa.String(length=18), nullable=False),
        sa.Column('rank', sa.String(length=100), nullable=False),
        sa.Column('position', sa.String(length=200), nullable=False),
        sa.Column('institution', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['period_id'],
            ['periods.id'],
        ),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.create_index('ix_team_members_period_id', ['period_id'], unique=False)

    op.create_table(
        'team_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['agency_id'],
            ['agencies.id'],
        ),
        sa.ForeignKeyConstraint(
            ['member_id'],
            ['team_members.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('member_id', 'agency_id'),
    )

    op.create_table(
        'evaluation_interviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('attendees', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'],
            ['assessments.id'],
        ),
        sa.ForeignKeyConstraint(
            ['recorded_by_id'],
            ['users.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('evaluation_interviews', schema=None) as batch_op:
        batch_op.create_index(
            'ix_evaluation_interviews_assessment_id', ['assessment_id'], unique=False
        )

    op.create_table(
        'evaluation_interview_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.Integer(), nullable=False),
        sa.Column('indicator_code', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['interview_id'],
            ['evaluation_interviews.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('interview_id', 'indicator_code'),
    )

    op.create_table(
        'evaluation_minutes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('members_present', sa.Text(), nullable=False),
        sa.Column('representatives', sa.Text(), nullable=False),
        sa.Column('finalized_by_id', sa.Integer(), nullable=True),
        sa.Column('acting_for_chair', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'],
            ['assessments.id'],
        ),
        sa.ForeignKeyConstraint(
            ['finalized_by_id'],
            ['users.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('evaluation_minutes', schema=None) as batch_op:
        batch_op.create_index(
            'ix_evaluation_minutes_assessment_id', ['assessment_id'], unique=False
        )

    op.create_table(
        'dimension_obstacles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('dimension_code', sa.String(length=40), nullable=False),
        sa.Column('achievements', sa.Text(), nullable=False),
        sa.Column('obstacles', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'],
            ['assessments.id'],
        ),
        sa.ForeignKeyConstraint(
            ['updated_by_id'],
            ['users.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assessment_id', 'dimension_code'),
    )

    op.create_table(
        'follow_ups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('dimension_code', sa.String(length=40), nullable=False),
        sa.Column('action', sa.Text(), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('target_date', sa.Date(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('outcome_note', sa.Text(), nullable=False),
        sa.Column('outcome_by_id', sa.Integer(), nullable=True),
        sa.Column('outcome_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['assessment_id'],
            ['assessments.id'],
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'],
            ['users.id'],
        ),
        sa.ForeignKeyConstraint(
            ['outcome_by_id'],
            ['users.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_assessment_id', ['assessment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_assessment_id')
    op.drop_table('follow_ups')
    op.drop_table('dimension_obstacles')
    with op.batch_alter_table('evaluation_minutes', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_minutes_assessment_id')
    op.drop_table('evaluation_minutes')
    op.drop_table('evaluation_interview_notes')
    with op.batch_alter_table('evaluation_interviews', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_interviews_assessment_id')
    op.drop_table('evaluation_interviews')
    op.drop_table('team_assignments')
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.drop_index('ix_team_members_period_id')
    op.drop_table('team_members')
    op.drop_table('period_teams')
    with op.batch_alter_table('assessment_approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_approvals_assessment_id')
    op.drop_table('assessment_approvals')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('position')
        batch_op.drop_column('rank')
        batch_op.drop_column('nip')
        batch_op.drop_column('agency_role')
