"""competency record: SKP ledger, self-reported activities, SIP, share links

Reviewed by hand: ledger entries are unique per source (one certificate or activity posts once) and are never
deleted (a revoked source is reversed in place); activities RESTRICT their reviewing organization.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('skp_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=40), nullable=False),
    sa.Column('ranah', sa.String(length=20), nullable=False),
    sa.Column('skp', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('jpl', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('organizer', sa.String(length=200), nullable=False),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversal_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_skp_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skp_entries')),
    sa.UniqueConstraint('source', 'source_id', name='uq_skp_entries_source_source_id')
    )
    with op.batch_alter_table('skp_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skp_entries_user_id'), ['user_id'], unique=False)

    op.create_table('external_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ranah', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('organizer', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('skp_claimed', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('evidence_key', sa.String(length=200), nullable=False),
    sa.Column('evidence_name', sa.String(length=200), nullable=False),
    sa.Column('evidence_type', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('skp_granted', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('review_reason', sa.String(length=500), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_external_activities_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_external_activities_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_external_activities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_activities'))
    )
    with op.batch_alter_table('external_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_activities_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_activities_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_activities_user_id'), ['user_id'], unique=False)

    op.create_table('practice_licences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sip_number', sa.String(length=80), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_practice_licences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_licences')),
    sa.UniqueConstraint('user_id', name=op.f('uq_practice_licences_user_id'))
    )

    op.create_table('record_share_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_viewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_record_share_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_share_links')),
    sa.UniqueConstraint('digest', name=op.f('uq_record_share_links_digest'))
    )
    with op.batch_alter_table('record_share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_share_links_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('record_share_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_share_links_user_id'))
    op.drop_table('record_share_links')
    op.drop_table('practice_licences')
    with op.batch_alter_table('external_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_activities_user_id'))
        batch_op.drop_index(batch_op.f('ix_external_activities_status'))
        batch_op.drop_index(batch_op.f('ix_external_activities_organization_id'))
    op.drop_table('external_activities')
    with op.batch_alter_table('skp_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skp_entries_user_id'))
    op.drop_table('skp_entries')
