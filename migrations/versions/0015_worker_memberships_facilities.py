"""accounts: facilities, workers' memberships of organizations and facilities, consent records

Reviewed by hand: `facilities` (health facilities as data, with province and regency: what a health office
supervises), `worker_memberships` (a worker's membership of an organization with her nomor KTA, requested or invited,
counted once confirmed, and who decided when), `facility_staff` (she works at a facility) and `consent_records` (the
wording she agreed to and when). Indexes follow the reads: members of an organization by status, staff of a facility
by status and user, facilities by province and regency, users by (full_name, id) for the lists that page by name.

Data: every health-facility organization becomes a facility (code = its slug), and anyone holding the old "member"
role in an organization becomes *invited* (to that organization, or to work at that facility): those roles were
granted without the worker's consent, so she now accepts them or not; the role rows stay (they grant nothing).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 22:20:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

KIND_BY_PREFIX = (("puskesmas", "puskesmas"), ("pkm ", "puskesmas"), ("rsu", "rumah_sakit"), ("rs ", "rumah_sakit"),
                  ("rumah sakit", "rumah_sakit"), ("klinik", "klinik"))


def upgrade():
    op.create_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('province', sa.String(length=80), nullable=False),
    sa.Column('regency', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilities')),
    sa.UniqueConstraint('code', name=op.f('uq_facilities_code'))
    )
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.create_index('ix_facilities_province_regency', ['province', 'regency'], unique=False)

    op.create_table('worker_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('invited_email', sa.String(length=254), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('membership_number', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_worker_memberships_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_worker_memberships_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_worker_memberships_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_worker_memberships_decided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_memberships')),
    sa.UniqueConstraint('user_id', 'organization_id', name='uq_worker_memberships_user_id_organization_id')
    )
    with op.batch_alter_table('worker_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_memberships_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_memberships_invited_email'), ['invited_email'], unique=False)
        batch_op.create_index('ix_worker_memberships_organization_id_status', ['organization_id', 'status'], unique=False)
        batch_op.create_index('ix_worker_memberships_organization_id_membership_number', ['organization_id', 'membership_number'], unique=False)

    op.create_table('facility_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_facility_staff_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_facility_staff_facility_id_facilities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_staff')),
    sa.UniqueConstraint('user_id', 'facility_id', name='uq_facility_staff_user_id_facility_id')
    )
    with op.batch_alter_table('facility_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_staff_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_facility_staff_facility_id_status_user_id', ['facility_id', 'status', 'user_id'], unique=False)

    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consent_records_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_consent_records_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_consent_records_facility_id_facilities'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_full_name_id', ['full_name', 'id'], unique=False)

    _invite_old_members()


def _invite_old_members():
    bind = op.get_bind()
    now = datetime.now(UTC)
    facilities = bind.execute(sa.text(
        "SELECT id, slug, name, province, regency FROM organizations WHERE kind = 'health_facility'"
    )).all()
    facility_for = {}
    for organization_id, slug, name, province, regency in facilities:
        lowered = name.lower()
        kind = next((k for prefix, k in KIND_BY_PREFIX if lowered.startswith(prefix)), "fasyankes_lain")
        facility_id = bind.execute(
            sa.text("INSERT INTO facilities (code, name, kind, province, regency, created_at) "
                    "VALUES (:code, :name, :kind, :province, :regency, :now) RETURNING id"),
            {"code": slug, "name": name, "kind": kind, "province": province or "", "regency": regency or "",
             "now": now},
        ).scalar_one()
        facility_for[organization_id] = facility_id
    members = bind.execute(sa.text(
        "SELECT DISTINCT user_id, organization_id FROM memberships WHERE role = 'member'"
    )).all()
    for user_id, organization_id in members:
        if organization_id in facility_for:
            bind.execute(
                sa.text("INSERT INTO facility_staff (user_id, facility_id, status, created_at) "
                        "VALUES (:user_id, :facility_id, 'invited', :now)"),
                {"user_id": user_id, "facility_id": facility_for[organization_id], "now": now},
            )
        else:
            bind.execute(
                sa.text("INSERT INTO worker_memberships (user_id, organization_id, status, requested_at, created_at) "
                        "VALUES (:user_id, :organization_id, 'invited', :now, :now)"),
                {"user_id": user_id, "organization_id": organization_id, "now": now},
            )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_full_name_id')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_records_user_id'))
    op.drop_table('consent_records')
    with op.batch_alter_table('facility_staff', schema=None) as batch_op:
        batch_op.drop_index('ix_facility_staff_facility_id_status_user_id')
        batch_op.drop_index(batch_op.f('ix_facility_staff_user_id'))
    op.drop_table('facility_staff')
    with op.batch_alter_table('worker_memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_worker_memberships_organization_id_membership_number')
        batch_op.drop_index('ix_worker_memberships_organization_id_status')
        batch_op.drop_index(batch_op.f('ix_worker_memberships_invited_email'))
        batch_op.drop_index(batch_op.f('ix_worker_memberships_user_id'))
    op.drop_table('worker_memberships')
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_index('ix_facilities_province_regency')
    op.drop_table('facilities')
