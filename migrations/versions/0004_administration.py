"""administration: forced password change, agency tags and indicator scope

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.Text(), server_default='', nullable=False))

    op.create_table('agency_indicator_scope',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=40), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_indicator_scope_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_indicator_scope')),
    sa.UniqueConstraint('agency_id', 'indicator_code', name=op.f('uq_agency_indicator_scope_agency_id'))
    )


def downgrade():
    op.drop_table('agency_indicator_scope')

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('tags')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')
