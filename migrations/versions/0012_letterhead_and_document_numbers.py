"""letterhead, document numbers and signatories (issue 17)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('government', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=200), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('telephone', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=False),
    sa.Column('emblem', sa.LargeBinary(), nullable=True),
    sa.Column('emblem_type', sa.String(length=40), nullable=False),
    sa.Column('numbering', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_document_settings_region_id_regions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_document_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_settings')),
    sa.UniqueConstraint('region_id', name=op.f('uq_document_settings_region_id'))
    )
    op.create_table('document_sequences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_sequences')),
    sa.UniqueConstraint('series', 'year', name=op.f('uq_document_sequences_series'))
    )
    # documents issued before numbering keep no number (NULL); unique among those that have one
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('replaces_number', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('act_date', sa.Date(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_issued_documents_number'), ['number'])


def downgrade():
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_issued_documents_number'), type_='unique')
        batch_op.drop_column('act_date')
        batch_op.drop_column('replaces_number')
        batch_op.drop_column('number')
    op.drop_table('document_sequences')
    op.drop_table('document_settings')
