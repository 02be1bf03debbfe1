"""dashboard member counts: organization_skp_counts (confirmed members per SKP state and profession) and
skp_counted_members (what it counts for each confirmed membership)

Reviewed by hand. The organization dashboard read its per-state counts by counting every member per view (at
56,000 members, 60 ms of PostgreSQL per view); it now reads a few rows of `organization_skp_counts`, moved by
lms.records.member_counts whenever a member's standing row or one of her memberships changes. Both tables go with
their organization (CASCADE); a counted row goes with its user. The upgrade counts the confirmed members already
there with the same code the services use (`reconcile_counts`).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 02:30:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organization_skp_counts',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('profession_code', sa.String(length=60), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_skp_counts_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'state', 'profession_code', name=op.f('pk_organization_skp_counts'))
    )
    op.create_table('skp_counted_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('profession_code', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_skp_counted_members_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_skp_counted_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'organization_id', name=op.f('pk_skp_counted_members'))
    )
    with op.batch_alter_table('skp_counted_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skp_counted_members_organization_id'), ['organization_id'], unique=False)

    from lms.records.member_counts import reconcile_counts

    bind = op.get_bind()
    with Session(bind=bind) as session:
        reconcile_counts(session, datetime.now(UTC).date())
        session.flush()


def downgrade():
    with op.batch_alter_table('skp_counted_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skp_counted_members_organization_id'))
    op.drop_table('skp_counted_members')
    op.drop_table('organization_skp_counts')
