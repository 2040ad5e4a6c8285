"""regions as tenants: a region's code, kind and province; the region of users, periods, audit
events, issued documents and document number series (issue 20)

An installation made before this revision has one region: it keeps it, with a code taken
from its name where known (the demo's Kabupaten Kotawaringin Timur is 62.02) and otherwise
"00.<id>", which `flask --app app region update` corrects. Every user, period, audit event,
document and number series joins it (an agency user joins their agency's region). Agency
codes, period years, document numbers and number series become unique within a region.

The stored results' backfill of revision 0015 runs here, after the columns today's models
read exist (it does nothing for results already stored).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# names of regions whose Kemendagri code the migration knows (lower case)
KNOWN_CODES = {"kabupaten kotawaringin timur": "62.02"}


def _kind(name):
    lowered = name.strip().lower()
    if lowered.startswith("kota "):
        return "kota"
    if lowered.startswith("provinsi"):
        return "provinsi"
    return "kabupaten"


def _add_region_column(table, nullable=True):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f(f'fk_{table}_region_id_regions'), 'regions', ['region_id'], ['id']
        )


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column('province_code', sa.String(length=13), server_default='', nullable=False)
        )
    regions = sa.table(
        'regions',
        sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('seat', sa.String),
        sa.column('code', sa.String),
        sa.column('kind', sa.String), sa.column('province_code', sa.String),
    )
    rows = bind.execute(sa.select(regions.c.id, regions.c.name).order_by(regions.c.id)).all()
    if not rows and _has_rows(bind, ('users', 'periods')):
        # users or periods made before any region: the installation's one region
        bind.execute(sa.insert(regions).values(name='Wilayah', seat=''))
        rows = bind.execute(sa.select(regions.c.id, regions.c.name).order_by(regions.c.id)).all()
    for region_id, name in rows:
        code = KNOWN_CODES.get(name.strip().lower(), f"00.{region_id:02d}")
        bind.execute(
            sa.update(regions)
            .where(regions.c.id == region_id)
            .values(code=code, kind=_kind(name), province_code=code.split('.')[0] if '.' in code and not code.startswith('00.') else '')
        )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=13), nullable=False)
        batch_op.alter_column('kind', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_regions_code'), ['code'])
    first = rows[0][0] if rows else None

    for table in ('users', 'periods', 'audit_events', 'issued_documents', 'document_sequences'):
        _add_region_column(table)

    # agency users belong to their agency's region; everyone and everything else (one region
    # until now) to the installation's region
    op.execute(
        "UPDATE users SET region_id = (SELECT agencies.region_id FROM agencies "
        "WHERE agencies.id = users.agency_id) WHERE agency_id IS NOT NULL"
    )
    op.execute(
        "UPDATE audit_events SET region_id = (SELECT agencies.region_id FROM agencies "
        "WHERE agencies.id = audit_events.agency_id) WHERE agency_id IS NOT NULL"
    )
    op.execute(
        "UPDATE issued_documents SET region_id = (SELECT agencies.region_id FROM agencies "
        "JOIN assessments ON assessments.agency_id = agencies.id "
        "WHERE assessments.id = issued_documents.assessment_id) WHERE assessment_id IS NOT NULL"
    )
    if first is not None:
        for table in ('users', 'periods', 'audit_events', 'issued_documents', 'document_sequences'):
            op.execute(
                sa.text(f"UPDATE {table} SET region_id = :first WHERE region_id IS NULL").bindparams(
                    first=first
                )
            )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_region_id', ['region_id'], unique=False)
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_constraint('uq_periods_year', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_periods_region_id'), ['region_id', 'year'])
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_constraint('uq_agencies_code', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_agencies_region_id'), ['region_id', 'code'])
        batch_op.create_index('ix_agencies_region_id', ['region_id'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_region_id', ['region_id'], unique=False)
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.drop_constraint('uq_issued_documents_number', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_issued_documents_region_id'), ['region_id', 'number']
        )
    with op.batch_alter_table('document_sequences', schema=None) as batch_op:
        batch_op.drop_constraint('uq_document_sequences_series', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_document_sequences_region_id'), ['region_id', 'series', 'year']
        )
    _backfill_results()


def _has_rows(bind, tables):
    return any(bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() for table in tables)


def _backfill_results():
    """Score the final assessments that exist already, as `finalize` does (moved here from
    0015: the services read today's models, which need this revision's columns)."""
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
    # back to one region's uniqueness: fails while two regions share a code, year or number
    with op.batch_alter_table('document_sequences', schema=None) as batch_op:
        batch_op.drop_constraint('uq_document_sequences_region_id', type_='unique')
        batch_op.create_unique_constraint('uq_document_sequences_series', ['series', 'year'])
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.drop_constraint('uq_issued_documents_region_id', type_='unique')
        batch_op.create_unique_constraint('uq_issued_documents_number', ['number'])
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_region_id')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index('ix_agencies_region_id')
        batch_op.drop_constraint('uq_agencies_region_id', type_='unique')
        batch_op.create_unique_constraint('uq_agencies_code', ['code'])
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_constraint('uq_periods_region_id', type_='unique')
        batch_op.create_unique_constraint('uq_periods_year', ['year'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_region_id')
    for table in ('document_sequences', 'issued_documents', 'audit_events', 'periods', 'users'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_region_id_regions', type_='foreignkey')
            batch_op.drop_column('region_id')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_regions_code', type_='unique')
        batch_op.drop_column('province_code')
        batch_op.drop_column('kind')
        batch_op.drop_column('code')
