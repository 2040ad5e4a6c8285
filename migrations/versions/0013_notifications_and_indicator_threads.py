"""notifications and indicator threads (issue 15)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # where a user's notifications are e-mailed ("": in the app only)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), server_default='', nullable=False))

    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('mail_status', sa.String(length=10), nullable=False),
        sa.Column('mail_to', sa.String(length=254), nullable=False),
        sa.Column('mail_subject', sa.String(length=300), nullable=False),
        sa.Column('mail_body', sa.Text(), nullable=False),
        sa.Column('mail_attempts', sa.Integer(), nullable=False),
        sa.Column('mail_error', sa.Text(), nullable=False),
        sa.Column('mail_sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_notifications_assessment_id_assessments')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table(
        'indicator_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('indicator_code', sa.String(length=40), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('side', sa.String(length=10), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_indicator_messages_assessment_id_assessments')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_indicator_messages_author_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_messages')),
    )
    with op.batch_alter_table('indicator_messages', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_messages_assessment_id', ['assessment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('indicator_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_indicator_messages_assessment_id')
    op.drop_table('indicator_messages')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_read_at')
    op.drop_table('notifications')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
