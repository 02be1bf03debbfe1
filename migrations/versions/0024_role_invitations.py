"""role invitations: a role given by e-mail, applied when the address's owner accepts

Reviewed by hand: granting a role by e-mail no longer tells the admin whether the address has an account; each grant
is a row here (open while accepted_at is empty) and a link sent to the address. Rows go with their organization
(CASCADE); who invited and who accepted are kept as SET NULL so that deleting an account keeps the history.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('role_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_role_invitations_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_role_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_role_invitations_accepted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_invitations'))
    )
    with op.batch_alter_table('role_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_invitations_organization_id'), ['organization_id'], unique=False)


def downgrade():
    with op.batch_alter_table('role_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_invitations_organization_id'))
    op.drop_table('role_invitations')
